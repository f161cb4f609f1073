"""A remote SPARQL 1.1 server as the store: ``KG_STORE=sparql+http(s)://host:port/path``.

Queries go over the SPARQL 1.1 Protocol (POST, form-encoded) with httpx, answers are asked for in
SPARQL JSON or N-Triples and parsed with pyoxigraph, so callers see what the embedded store gives.
The default graph is the union of the named graphs, sent as ``default-graph-uri`` and
``named-graph-uri`` (standard, so Oxigraph server, Fuseki, QLever, GraphDB and Virtuoso read it
alike). Values bound by callers enter as a ``VALUES`` block at the head of the query's pattern.

Credentials (``KG_STORE_USER``, ``KG_STORE_PASSWORD``) answer the server's challenge, digest or
basic; no URL kept or shown carries them (:func:`kg.settings.without_userinfo`).

**Versions.** ``kg push`` (:mod:`kg.store.push`) never rewrites a graph that is being read: it
loads each named graph ``G`` of a new version ``V`` under ``urn:scicoop:version:V:G``, writes the
version's manifest (its graphs and their sizes) into the graph ``urn:scicoop:version:V``, and only
then publishes it with one triple in the graph ``urn:scicoop:versions``. A store opened here reads
the latest published version and keeps to it: its queries name that version's graphs, IRIs of
graphs in a query are rewritten to them, and the prefix is taken off the answers, so clients see
the graph names the embedded store gives. (Graph IRIs are rewritten wherever they stand in a
query, so ``VALUES ?g { <…> }`` works too: the project's graph IRIs name graphs only, never
things described in the data.) A server that ``kg push`` never versioned (no
``urn:scicoop:versions`` graph) is read as it is.

**Limits.** Virtuoso cuts answers at ``ResultSetMaxRows`` rows without failing (it says so only in
an ``X-SPARQL-MaxRows`` header on SELECT answers, and not at all on CONSTRUCT) and stops queries
at ``MaxQueryExecutionTime``; both are read from the server when the store opens. An answer that
reached the cap is refused (:class:`AnswerCut`) rather than passed on short, and a query the server
stopped is a TimeoutError, like one that ran past our own deadline.

This process holds no data: the serving path cannot use worker processes, so
:class:`kg.query.remote.RemoteRunner` forwards each vetted query (``kg.query.gate.prepare`` runs
before anything is sent) with the deadline as its timeout. A query cut off at the deadline is
abandoned by closing its connection; whether the server then stops it is the server's business
(``oxigraph serve --timeout-s``, Virtuoso's ``MaxQueryExecutionTime``).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pyoxigraph
from rdflib import Dataset
from rdflib.plugins.sparql.parser import parseQuery

from kg.errors import SettingsError
from kg.queries import load_query
from kg.settings import Settings
from kg.store.base import PARSER_LOCK, QueryResult, RunnerKind

__all__ = [
    "RemoteStore",
    "RemoteServer",
    "AnswerCut",
    "open_remote",
    "probe",
    "auth_for",
    "bind_values",
    "rename_graphs",
    "parse_answer",
    "accept_for",
    "VERSIONS_GRAPH",
    "VERSION_PREFIX",
]

log = logging.getLogger(__name__)

ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"
JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

#: Where ``kg push`` publishes versions: one triple ``<urn:scicoop:version:V> PUBLISHED "time"``.
VERSIONS_GRAPH = "urn:scicoop:versions"
#: Graph ``G`` of version ``V`` lives on the server as ``urn:scicoop:version:V:G``; the graph
#: ``urn:scicoop:version:V`` is the version's manifest.
VERSION_PREFIX = "urn:scicoop:version:"
PUBLISHED = "urn:scicoop:publishedAt"
HOLDS = "urn:scicoop:graph"
TRIPLES = "urn:scicoop:triples"

# Tokens inside which a brace is no brace: comments, IRIs, strings (long ones first).
_SKIP = r"""\#[^\n]*
    |<[^<>"{}|^`\\\x00-\x20]*>
    |\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
    |'''(?:[^'\\]|\\.|'(?!''))*'''
    |"(?:[^"\\\n]|\\.)*"
    |'(?:[^'\\\n]|\\.)*'"""
_TOKEN = re.compile(
    rf"(?P<skip>{_SKIP})|(?P<open>\{{)|(?P<close>\}})|(?P<limit>\bLIMIT\s+(?P<n>\d+))",
    re.VERBOSE | re.DOTALL | re.IGNORECASE,
)
#: An IRI or a prefixed name (after comments and strings, which are left alone).
_IRI_TOKEN = re.compile(
    rf"(?P<skip>{_SKIP})|(?P<pname>(?<![\w?$:])(?P<prefix>[A-Za-z][\w.-]*)?:(?P<local>[\w-][\w.-]*))",
    re.VERBOSE | re.DOTALL,
)
_FORM_KEYWORD = re.compile(
    rf"(?P<skip>{_SKIP})|(?P<form>\b(?:SELECT|ASK|CONSTRUCT|DESCRIBE)\b)(?![:\w-])",
    re.VERBOSE | re.DOTALL | re.IGNORECASE,
)
_PREFIX_DECLARATION = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)
_VIRTUOSO_BLANK = re.compile(rb'"nodeID://(\w+)"')
#: What Virtuoso answers (500) for a query it stopped at its own deadline.
_SERVER_TIMEOUT = re.compile(r"S1T00|S1TAT|SR171|timed out|estimated execution time", re.I)


class AnswerCut(OSError):
    """The server cut its answer at its row cap: passed on, it would pass as whole."""

    def __init__(self, *, cap: int, engine: str) -> None:
        self.cap = cap
        super().__init__(
            f"the answer reached the cap of {engine} ({cap} rows: Virtuoso's ResultSetMaxRows) "
            f"and may be incomplete; add LIMIT {cap} or less (with ORDER BY and OFFSET to page "
            "through it), or raise the server's cap above KG_RESULT_LIMIT"
        )


class ServerTimeout(TimeoutError):
    """The server stopped the query at its own deadline."""

    def __init__(self, *, seconds: float | None, message: str) -> None:
        self.seconds = seconds
        super().__init__(message)


class ChallengeAuth(httpx.Auth):
    """Answers whichever challenge the server sends: digest (Virtuoso) or basic; once one is
    chosen, later requests carry it unasked."""

    def __init__(self, user: str, password: str) -> None:
        self._digest = httpx.DigestAuth(user, password)
        self._basic = httpx.BasicAuth(user, password)
        self._chosen: httpx.Auth | None = None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._chosen is not None:
            yield from self._chosen.auth_flow(request)
            return
        response = yield request
        if response.status_code != 401:
            return
        scheme = response.headers.get("www-authenticate", "").split(" ", 1)[0].lower()
        self._chosen = self._digest if scheme == "digest" else self._basic
        yield from self._chosen.auth_flow(request)


class BearerAuth(httpx.Auth):
    """``Authorization: Bearer TOKEN`` on every request (QLever's access token)."""

    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request


def auth_for(settings: Settings) -> httpx.Auth | None:
    """The authentication ``KG_STORE_USER``/``KG_STORE_PASSWORD``/``KG_STORE_AUTH`` ask for."""
    if settings.store_auth == "bearer" and settings.store_password is not None:
        return BearerAuth(settings.store_password.get_secret_value())
    credentials = settings.store_credentials
    if credentials is None:
        return None
    if settings.store_auth == "basic":
        return httpx.BasicAuth(*credentials)
    if settings.store_auth == "digest":
        return httpx.DigestAuth(*credentials)
    return ChallengeAuth(*credentials)


@dataclass
class RemoteServer:
    """A SPARQL endpoint: its address (never with credentials), how to authenticate, and what it
    told about itself: its engine, its row cap and its own query deadline (None: none known)."""

    url: str
    auth: httpx.Auth | None = field(default=None, repr=False)
    engine: str = "the remote store"
    row_cap: int | None = None
    timeout: float | None = None

    @property
    def virtuoso(self) -> bool:
        return self.engine.startswith("Virtuoso")


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


def top_level_limit(query: str) -> int | None:
    """The LIMIT of the query itself (not of a subquery), if it has one.

    >>> top_level_limit("SELECT * { { SELECT * { ?s ?p ?o } LIMIT 5 } } LIMIT 10")
    10
    >>> top_level_limit("SELECT * { { SELECT * { ?s ?p ?o } LIMIT 5 } }") is None
    True
    """
    depth, limit = 0, None
    for token in _TOKEN.finditer(query):
        if token.group("open"):
            depth += 1
        elif token.group("close"):
            depth -= 1
        elif token.group("limit") and depth == 0:
            limit = int(token.group("n"))
    return limit


def rename_graphs(query: str, rename: Mapping[str, str]) -> str:
    """``query`` with every IRI in ``rename`` (written ``<IRI>`` or as a prefixed name declared
    in the query) replaced by its new name; strings and comments are left alone.

    >>> rename_graphs("PREFIX g: <http://x/> SELECT * { GRAPH g:a { ?s ?p '<http://x/a>' } }",
    ...               {"http://x/a": "urn:v:http://x/a"})
    "PREFIX g: <http://x/> SELECT * { GRAPH <urn:v:http://x/a> { ?s ?p '<http://x/a>' } }"
    """
    prefixes = {p or "": iri for p, iri in _PREFIX_DECLARATION.findall(query)}

    def replace(token: re.Match[str]) -> str:
        text = token.group(0)
        if token.group("pname"):
            namespace = prefixes.get(token.group("prefix") or "")
            iri = None if namespace is None else namespace + token.group("local")
            return f"<{rename[iri]}>" if iri is not None and iri in rename else text
        if text.startswith("<") and text[1:-1] in rename:
            return f"<{rename[text[1:-1]]}>"
        return text

    return _IRI_TOKEN.sub(replace, query)


def accept_for(query: str) -> str:
    """The media type to ask for: N-Triples for CONSTRUCT and DESCRIBE, else SPARQL JSON (some
    servers, Virtuoso among them, answer a graph in a JSON of their own when JSON is accepted).

    >>> accept_for("PREFIX select: <http://x/> CONSTRUCT WHERE { ?s ?p '(SELECT)' }")
    'application/n-triples'
    """
    for token in _FORM_KEYWORD.finditer(query):
        if token.group("form"):
            graph = token.group("form").upper() in ("CONSTRUCT", "DESCRIBE")
            return NTRIPLES if graph else JSON
    return ACCEPT


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


def check_answer(server: RemoteServer, response: httpx.Response, *, query: str) -> None:
    """Raise unless ``response`` is the whole answer to ``query``.

    SyntaxError for a query the server rejects (400), ServerTimeout for one it stopped at its
    deadline, PermissionError for credentials it refuses, AnswerCut for an answer that reached its
    row cap, OSError for any other failure.
    """
    status = response.status_code
    if status == 400:
        raise SyntaxError(f"the remote store rejected the query: {snippet(response)}")
    if status in (401, 403):
        raise PermissionError(
            f"{server.url} refused the query ({status}): set KG_STORE_USER and KG_STORE_PASSWORD "
            "to a user it accepts"
        )
    state = response.headers.get("x-sql-state", "")
    stopped = status == 206 or state == "S1TAT"
    if stopped or (status == 500 and server.virtuoso and _SERVER_TIMEOUT.search(response.text)):
        raise ServerTimeout(
            seconds=server.timeout,
            message=f"{server.engine} stopped the query: {snippet(response)[:200]}",
        )
    if status != 200:
        raise OSError(f"the remote store answered {status}: {snippet(response)}")
    cap = server.row_cap
    if "x-sparql-maxrows" in response.headers:
        # Virtuoso sends it when the rows reached its cap: cut, unless the query asked for no
        # more than the cap itself.
        cap = int(response.headers["x-sparql-maxrows"])
        limit = top_level_limit(query)
        if limit is None or limit > cap:
            raise AnswerCut(cap=cap, engine=server.engine)
    elif cap is not None and response.headers.get("content-type", "").startswith(NTRIPLES):
        # Graph answers carry no header: as many triples as the cap is a cut answer.
        triples = response.content.count(b"\n") - response.content.count(b"\n#")
        if triples >= cap:
            raise AnswerCut(cap=cap, engine=server.engine)


def post(
    server: RemoteServer,
    form: dict[str, Any],
    *,
    accept: str = ACCEPT,
    timeout: float,
) -> httpx.Response:
    """POST ``form`` to the server, blocking at most ``timeout`` seconds.

    Raises TimeoutError past the timeout, ConnectionError when it cannot be reached.
    """
    try:
        return httpx.post(
            server.url,
            data=form,
            headers={"Accept": accept, **FORM},
            timeout=timeout,
            auth=server.auth,
        )
    except httpx.TimeoutException:
        raise TimeoutError(
            f"the remote store at {server.url} did not answer within {timeout:g} s"
        ) from None
    except httpx.TransportError as error:
        raise ConnectionError(
            f"the remote store at {server.url} cannot be reached: {error}"
        ) from None


@dataclass
class RemoteStore:
    """A SPARQL 1.1 endpoint holding the graph: one published version of it (``prefix`` names its
    graphs on the server; empty for a server ``kg push`` did not version)."""

    runner: ClassVar[RunnerKind] = "remote"
    persistent: ClassVar[bool] = True
    engine: ClassVar[str] = "the remote store"
    failures: ClassVar[tuple[type[Exception], ...]] = (OSError,)

    server: RemoteServer
    timeout: float
    version: str
    named_graphs: list[str]
    prefix: str = ""
    path: Path | None = None

    @property
    def endpoint(self) -> str:
        """The query URL, without credentials."""
        return self.server.url

    def stored(self, graph: str) -> str:
        """The name the server knows graph ``graph`` by."""
        return self.prefix + graph if graph in self._names else graph

    @property
    def _names(self) -> frozenset[str]:
        return frozenset(self.named_graphs)

    def union(self) -> tuple[list[str], list[str]] | None:
        if not self.named_graphs:
            return None
        graphs = [self.stored(g) for g in self.named_graphs]
        return graphs, graphs

    def form(
        self, query: str, dataset: tuple[Sequence[str], Sequence[str]] | None
    ) -> dict[str, Any]:
        """The protocol form for ``query`` over ``dataset`` (served names; None: the union),
        with the names of this version's graphs as the server knows them."""
        if dataset is None:
            return form_for(self._renamed(query), self.union())
        default, named = dataset
        mapped = ([self.stored(g) for g in default], [self.stored(g) for g in named])
        return form_for(self._renamed(query), mapped)

    def _renamed(self, query: str) -> str:
        if not self.prefix:
            return query
        return rename_graphs(query, {g: self.prefix + g for g in self.named_graphs})

    def restore(self, body: bytes) -> bytes:
        """An answer with this version's graphs under the names clients know (and Virtuoso's
        blank nodes, ``"nodeID://b1"`` in JSON, as the blank node labels they are)."""
        if self.server.virtuoso:
            body = _VIRTUOSO_BLANK.sub(rb'"\1"', body)
        return body.replace(self.prefix.encode(), b"") if self.prefix else body

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
        timeout (or the server's own), ConnectionError when it cannot be reached, AnswerCut for
        an answer cut at the server's row cap, OSError for any other answer.
        """
        dataset: tuple[list[str], list[str]] | None = None
        if default_graph is not None or named_graphs is not None:
            dataset = (
                [g.value for g in default_graph or ()],
                [g.value for g in named_graphs or ()],
            )
        if substitutions and self.prefix:
            substitutions = {
                variable: pyoxigraph.NamedNode(self.stored(value.value))
                if isinstance(value, pyoxigraph.NamedNode)
                else value
                for variable, value in substitutions.items()
            }
        text = bind_values(sparql, substitutions)
        form = self.form(text, dataset)
        response = post(self.server, form, accept=accept_for(text), timeout=self.timeout)
        check_answer(self.server, response, query=text)
        media_type = response.headers.get("content-type", "")
        return parse_answer(self.restore(response.content), media_type)

    def close(self) -> None:
        """Nothing to release: every request has its own connection."""


def _rows(server: RemoteServer, name: str, timeout: float, **values: str) -> list[dict[str, str]]:
    """The rows of library query ``name`` (values bound by name), as strings."""
    substitutions = {pyoxigraph.Variable(k): pyoxigraph.NamedNode(v) for k, v in values.items()}
    text = bind_values(load_query(name), substitutions)
    response = post(server, form_for(text, None), accept=JSON, timeout=timeout)
    check_answer(server, response, query=text)
    answer = parse_answer(response.content, response.headers.get("content-type", ""))
    return [
        {v.value: row[v].value for v in answer.variables if row[v] is not None}  # type: ignore[union-attr]
        for row in answer  # type: ignore[union-attr]
    ]


def probe(url: str, auth: httpx.Auth | None, *, timeout: float) -> RemoteServer:
    """What the server at ``url`` says about itself: its engine (the ``Server`` header) and, for
    Virtuoso, its row cap and query deadline.

    Raises ConnectionError when it cannot be reached, PermissionError when it refuses the
    credentials (or their absence).
    """
    server = RemoteServer(url, auth)
    response = post(server, {"query": "ASK {}"}, timeout=timeout)
    check_answer(server, response, query="ASK {}")
    product = response.headers.get("server", "").split(" ", 1)[0]
    if product.startswith("Virtuoso"):
        server.engine = product
        (row,) = _rows(server, "virtuoso_limits", timeout) or [{}]
        server.row_cap = int(row["cap"]) if row.get("cap", "0").isdigit() else None
        seconds = float(row["seconds"]) if row.get("seconds", "").isdigit() else 0.0
        server.timeout = seconds or None
        server.row_cap = server.row_cap or None
    elif product:
        server.engine = product
    return server


def published_version(server: RemoteServer, timeout: float) -> str | None:
    """The version ``kg push`` published last on ``server``, or None if it never did."""
    rows = _rows(server, "published_versions", timeout)
    if not rows:
        return None
    latest = max(rows, key=lambda row: (row["at"], row["version"]))
    return latest["version"].removeprefix(VERSION_PREFIX)


def manifest(server: RemoteServer, version: str, timeout: float) -> dict[str, int]:
    """Graph -> triples of the published ``version`` (empty if its manifest is gone)."""
    rows = _rows(server, "version_manifest", timeout, manifest=VERSION_PREFIX + version)
    return {row["graph"]: int(row["triples"]) for row in rows}


def open_remote(
    settings: Settings, *, on_disk: bool = True, dataset: Dataset | None = None
) -> RemoteStore:
    """Connect to the store ``settings.store`` names; read its published version (or, on a server
    ``kg push`` did not version, its named graphs) and its limits.

    Raises ConnectionError when it cannot be reached, PermissionError when it refuses the
    credentials, OSError when its latest version is incomplete, SettingsError when given files to
    serve and ValueError when given a ``dataset`` (data reaches a remote store through
    ``kg push``).
    """
    if dataset is not None:
        raise ValueError("a remote store cannot be loaded from here; use kg push")
    if settings.data_paths:
        raise SettingsError(
            "KG_DATA_PATHS (kg serve --data) names files to serve, but a remote store serves "
            "what kg push loaded into it: push them (kg push --data ...), or serve them without "
            "KG_STORE=sparql+..."
        )
    endpoint = settings.remote_endpoint
    assert endpoint is not None
    timeout = settings.query_timeout
    server = probe(endpoint, auth_for(settings), timeout=timeout)
    if server.timeout is not None and server.timeout < timeout:
        log.warning(
            "%s stops queries after %g s (MaxQueryExecutionTime), before KG_QUERY_TIMEOUT "
            "(%g s): queries end at its deadline",
            server.engine, server.timeout, timeout,
        )  # fmt: skip
    digest = hashlib.sha256(endpoint.encode())
    version = published_version(server, timeout)
    if version is not None:
        graphs = manifest(server, version, timeout)
        if not graphs:
            raise OSError(
                f"{endpoint}: version {version} is published but its manifest graph "
                f"{VERSION_PREFIX}{version} is gone; run kg push again"
            )
        digest.update(version.encode())
        return RemoteStore(
            server, timeout, digest.hexdigest()[:16], sorted(graphs), VERSION_PREFIX + version + ":"
        )
    graphs_answer = _rows(server, "named_graphs", timeout)
    named = sorted(row["graph"] for row in graphs_answer)
    for row in _rows(server, "count_by_graph", timeout):
        digest.update(f"{row['graph']}\0{row['triples']}\0".encode())
    return RemoteStore(server, timeout, digest.hexdigest()[:16], named)
