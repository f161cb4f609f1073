"""A remote SPARQL 1.1 server as the store: ``KG_STORE=sparql+http(s)://host:port/path``.

Queries go over the SPARQL 1.1 Protocol (POST, form-encoded) with httpx, answers are asked for in
SPARQL JSON or N-Triples and parsed with pyoxigraph, so callers see what the embedded store gives.
The default graph is the union of the named graphs, sent as ``default-graph-uri`` and
``named-graph-uri`` (standard, so Oxigraph server, Fuseki, QLever, GraphDB and Virtuoso read it
alike). Values bound by callers enter as a ``VALUES`` block at the head of the query's pattern.

This process holds no data: the serving path cannot use worker processes, so
:class:`kg.query.remote.RemoteRunner` forwards each vetted query (``kg.query.gate.prepare`` runs
before anything is sent) with the deadline as its timeout. A query cut off at the deadline is
abandoned by closing its connection; whether the server then stops it is the server's business
(``oxigraph serve --timeout-s``). Data reaches the server through the Graph Store Protocol: ``kg
push``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pyoxigraph
from rdflib import Dataset
from rdflib.plugins.sparql.parser import parseQuery

from kg.queries import load_query
from kg.settings import Settings
from kg.store.base import PARSER_LOCK, QueryResult, RunnerKind

__all__ = ["RemoteStore", "open_remote", "bind_values", "form_for", "parse_answer", "snippet"]

ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"
JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

# Tokens inside which a brace is no brace: comments, IRIs, strings (long ones first).
_TOKEN = re.compile(
    r"""(?P<skip>\#[^\n]*
    |<[^<>"{}|^`\\\x00-\x20]*>
    |\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
    |'''(?:[^'\\]|\\.|'(?!''))*'''
    |"(?:[^"\\\n]|\\.)*"
    |'(?:[^'\\\n]|\\.)*')
    |(?P<open>\{)|(?P<close>\})""",
    re.VERBOSE | re.DOTALL,
)


def bind_values(query: str, substitutions: Mapping[pyoxigraph.Variable, Any] | None) -> str:
    """``query`` with ``substitutions`` as a ``VALUES`` block opening its WHERE pattern.

    >>> bind_values("SELECT ?o WHERE { ?s ?p ?o }",
    ...             {pyoxigraph.Variable("s"): pyoxigraph.NamedNode("http://example.org/a")})
    'SELECT ?o WHERE { VALUES (?s) { (<http://example.org/a>) } ?s ?p ?o }'

    Raises TypeError for a blank node (meaningless to another store), ValueError for a query
    whose pattern cannot be found (CONSTRUCT WHERE without a template).
    """
    if not substitutions:
        return query
    for value in substitutions.values():
        if not isinstance(value, pyoxigraph.NamedNode | pyoxigraph.Literal):
            raise TypeError(f"only IRIs and literals can be sent to a remote store, not {value!r}")
    groups = []
    depth = 0
    for token in _TOKEN.finditer(query):
        if token.group("open"):
            if depth == 0:
                groups.append(token.end())
            depth += 1
        elif token.group("close"):
            depth -= 1
    with PARSER_LOCK:  # rdflib's parser is not thread-safe (see kg.query.gate)
        body = parseQuery(query)[1]
    has_template = body.name == "ConstructQuery" and body.template is not None
    index = 1 if has_template else 0
    if len(groups) <= index:
        raise ValueError("cannot find the query's WHERE pattern to bind values in")
    names = " ".join(str(variable) for variable in substitutions)
    values = " ".join(str(value) for value in substitutions.values())
    at = groups[index]
    return f"{query[:at]} VALUES ({names}) {{ ({values}) }}{query[at:]}"


def parse_answer(body: bytes, media_type: str) -> QueryResult:
    """A protocol answer as pyoxigraph objects, by its media type."""
    if media_type.startswith(NTRIPLES) or media_type.startswith("text/plain"):
        return [q.triple for q in pyoxigraph.parse(body, pyoxigraph.RdfFormat.N_TRIPLES)]
    if media_type.startswith((JSON, "application/json")):
        return pyoxigraph.parse_query_results(body, pyoxigraph.QueryResultsFormat.JSON)
    raise OSError(f"the remote store answered {media_type or 'no media type'}, not JSON/N-Triples")


def form_for(query: str, dataset: tuple[Sequence[str], Sequence[str]] | None) -> dict[str, Any]:
    form: dict[str, Any] = {"query": query}
    if dataset is not None:
        form["default-graph-uri"] = list(dataset[0])
        form["named-graph-uri"] = list(dataset[1])
    return form


def snippet(response: httpx.Response) -> str:
    return response.text[:500].strip()


@dataclass
class RemoteStore:
    """A SPARQL 1.1 endpoint at ``endpoint`` (an http(s) URL) holding the graph."""

    runner: ClassVar[RunnerKind] = "remote"
    persistent: ClassVar[bool] = True
    engine: ClassVar[str] = "the remote store"
    failures: ClassVar[tuple[type[Exception], ...]] = (OSError,)

    endpoint: str
    timeout: float
    version: str
    named_graphs: list[str]
    path: Path | None = None

    def union(self) -> tuple[list[str], list[str]] | None:
        return (self.named_graphs, self.named_graphs) if self.named_graphs else None

    def query(
        self,
        sparql: str,
        *,
        substitutions: Mapping[pyoxigraph.Variable, Any] | None = None,
        default_graph: list[pyoxigraph.NamedNode] | None = None,
        named_graphs: list[pyoxigraph.NamedNode] | None = None,
    ) -> QueryResult:
        """Ask the server, blocking, at most ``timeout`` seconds.

        Raises SyntaxError when the server rejects the query (400), TimeoutError past the
        timeout, ConnectionError when it cannot be reached, OSError for any other answer.
        """
        dataset: tuple[list[str], list[str]] | None = self.union()
        if default_graph is not None or named_graphs is not None:
            dataset = (
                [g.value for g in default_graph or ()],
                [g.value for g in named_graphs or ()],
            )
        return _ask(self.endpoint, bind_values(sparql, substitutions), dataset, self.timeout)

    def close(self) -> None:
        """Nothing to release: every request has its own connection."""


def _ask(
    endpoint: str, query: str, dataset: tuple[Sequence[str], Sequence[str]] | None, timeout: float
) -> QueryResult:
    try:
        response = httpx.post(
            endpoint,
            data=form_for(query, dataset),
            headers={"Accept": ACCEPT, **FORM},
            timeout=timeout,
        )
    except httpx.TimeoutException:
        raise TimeoutError(
            f"the remote store at {endpoint} did not answer within {timeout:g} s"
        ) from None
    except httpx.TransportError as error:
        raise ConnectionError(
            f"the remote store at {endpoint} cannot be reached: {error}"
        ) from None
    if response.status_code == 400:
        raise SyntaxError(f"the remote store rejected the query: {snippet(response)}")
    if response.status_code != 200:
        raise OSError(f"the remote store answered {response.status_code}: {snippet(response)}")
    return parse_answer(response.content, response.headers.get("content-type", ""))


def open_remote(
    settings: Settings, *, on_disk: bool = True, dataset: Dataset | None = None
) -> RemoteStore:
    """Connect to the store ``settings.store`` names; read its named graphs and data version.

    Raises ConnectionError when it cannot be reached, ValueError when given a ``dataset`` (data
    reaches a remote store through ``kg push``).
    """
    if dataset is not None:
        raise ValueError("a remote store cannot be loaded from here; use kg push")
    endpoint = settings.remote_endpoint
    assert endpoint is not None
    graphs_answer = _ask(endpoint, load_query("named_graphs"), None, settings.query_timeout)
    graphs = sorted(row["graph"].value for row in graphs_answer)  # type: ignore[union-attr,index]
    counts = _ask(endpoint, load_query("count_by_graph"), None, settings.query_timeout)
    digest = hashlib.sha256(endpoint.encode())
    for row in counts:  # type: ignore[union-attr]
        digest.update(f"{row['graph'].value}\0{row['triples'].value}\0".encode())  # type: ignore[index]
    return RemoteStore(endpoint, settings.query_timeout, digest.hexdigest()[:16], graphs)
