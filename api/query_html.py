"""The query page rendered on the server: the editor with the example queries, and an answer as
a table, so the page works without JavaScript (``/query`` and ``GET /sparql`` from a browser).
With JavaScript, the bundled editor (``static/dist/query.js``) takes over: highlighting, completion
from :func:`completions` (served as ``/query/completions.json``), result views and history."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlencode

import pyoxigraph
from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.deps import Graph, GraphNotReady, Service
from api.errors import ErrorAnswer, describe_error
from api.examples import load_examples
from api.html import link_for, render
from api.querying import execute, prepare_query
from api.responses import by_media_type, result_formats_for
from kg.describe.resources import select
from kg.describe.terms import ontology_terms, prefixes_for
from kg.errors import KGError
from kg.namespaces import PREFIXES
from kg.query import formats as kg_formats
from kg.settings import Settings

__all__ = ["render_query_page", "prefix_lines", "completions", "Cell", "Table"]


@dataclass(frozen=True)
class Cell:
    """One value in the results table: its text and, for an IRI, where it links."""

    text: str
    href: str | None = None


@dataclass(frozen=True)
class Table:
    """A rendered answer: column names and rows of cells (an ASK answer is one cell)."""

    columns: list[str]
    rows: list[list[Cell]]


def prefix_lines(settings: Settings) -> str:
    """The project's PREFIX declarations, ``id:`` and ``sc:`` following the configured base."""
    lines = []
    for prefix, namespace in PREFIXES.items():
        if prefix == "id":
            namespace = settings.id_base
        elif prefix == "sc":
            namespace = settings.ontology_iri
        lines.append(f"PREFIX {prefix}: <{namespace}>")
    return "\n".join(lines) + "\n"


def completions(graph: Graph, settings: Settings) -> dict[str, object]:
    """What the editor completes, from this graph only: the prefixes, every ontology term
    (CURIE, label, kind, definition) and every labelled thing under ``id:`` (CURIE and English
    label). Blocking: run in a thread."""
    prefixes = prefixes_for(settings)
    terms: list[dict[str, str]] = [
        {"curie": "sc:" + term.local, "label": term.label(), "kind": term.kind,
         "definition": term.definition or ""}
        for term in sorted(
            ontology_terms(graph.store, graph.named_graphs, settings).values(),
            key=lambda t: t.local,
        )
    ]  # fmt: skip
    labels: dict[str, dict[str, str]] = {}
    for row in select(graph.store, "labelled_things", base=settings.base_iri):
        iri = row["resource"].value
        if iri.startswith(settings.id_base) and isinstance(row["label"], pyoxigraph.Literal):
            labels.setdefault(iri, {}).setdefault(row["label"].language or "", row["label"].value)
    for iri, by_language in sorted(labels.items()):
        label = by_language.get("en") or next(iter(by_language.values()))
        terms.append({"curie": "id:" + iri[len(settings.id_base) :], "label": label,
                      "kind": "thing", "definition": ""})  # fmt: skip
    return {"prefixes": prefixes, "terms": terms}


def _term_cell(term: dict[str, str], *, settings: Settings) -> Cell:
    kind, value = term.get("type"), term.get("value", "")
    if kind == "uri":
        return Cell(value, link_for(value, settings=settings))
    if kind == "bnode":
        return Cell("_:" + value)
    if "xml:lang" in term:
        return Cell(f"{value} @{term['xml:lang']}")
    return Cell(value)


def _results_table(body: bytes, *, settings: Settings) -> Table:
    """A SPARQL JSON answer as a table."""
    data = json.loads(body)
    if "boolean" in data:
        return Table(["boolean"], [[Cell(str(data["boolean"]).lower())]])
    columns = data["head"]["vars"]
    rows = [
        [_term_cell(b[c], settings=settings) if c in b else Cell("") for c in columns]
        for b in data["results"]["bindings"]
    ]
    return Table(columns, rows)


def _ox_cell(term: object, *, settings: Settings) -> Cell:
    if isinstance(term, pyoxigraph.NamedNode):
        return Cell(term.value, link_for(term.value, settings=settings))
    if isinstance(term, pyoxigraph.Literal) and term.language:
        return Cell(f"{term.value} @{term.language}")
    return Cell(str(getattr(term, "value", term)))


def _graph_table(body: bytes, *, settings: Settings) -> Table:
    """An N-Triples answer as a subject/predicate/object table."""
    rows = [
        [
            _ox_cell(t.subject, settings=settings),
            _ox_cell(t.predicate, settings=settings),
            _ox_cell(t.object, settings=settings),
        ]
        for t in pyoxigraph.parse(body, format=pyoxigraph.RdfFormat.N_TRIPLES)
    ]
    return Table(["subject", "predicate", "object"], rows)


async def _run(
    request: Request, service: Service, query: str
) -> tuple[Table, list[dict[str, str]]]:
    """Run ``query`` for the page: the table and the download links of its answer's formats."""
    if service.graph is None:
        raise GraphNotReady(service.load_error or "the graph is still loading")
    graph, metrics = service.graph, service.metrics
    client = request.client.host if request.client else "-"
    prepared = await prepare_query(query, graph=graph, metrics=metrics, client=client)
    offered = result_formats_for(prepared.form)
    is_graph = offered[0].kind == "graph"
    wanted = by_media_type(
        "application/n-triples" if is_graph else "application/sparql-results+json"
    )
    body = await execute(
        prepared, graph=graph, metrics=metrics, result_format=wanted, client=client
    )
    settings = service.settings
    table = (
        _graph_table(body, settings=settings)
        if is_graph
        else _results_table(body, settings=settings)
    )
    downloads = [
        {"name": fmt.name, "href": "/sparql?" + urlencode({"query": query, "format": fmt.name})}
        for fmt in offered
    ]
    return table, downloads


async def render_query_page(request: Request) -> Response:
    """The page; with ``?query=`` the query's answer (or its error) is rendered in it."""
    service: Service = request.app.state.service
    settings = service.settings
    examples = await run_in_threadpool(load_examples, settings.queries_dir)
    query = request.query_params.get("query")
    downloads: list[dict[str, str]] = []
    table, error, status = None, None, 200
    if query:
        try:
            table, downloads = await _run(request, service, query)
        except KGError as raised:
            error = describe_error(raised)
            status = error.status
    formats = {
        kind: [fmt.name for fmt in kg_formats.FORMATS if fmt.kind == kind]
        for kind in ("results", "graph")
    }
    context = {
        "query": query or prefix_lines(settings) + "\nSELECT * WHERE {\n  ?s ?p ?o\n}\nLIMIT 10\n",
        "examples": examples,
        "table": table,
        "downloads": downloads,
        "error": error,
        "base_iri": settings.base_iri,
        "formats": formats,
    }
    headers = {"Vary": "Accept"}
    if isinstance(error, ErrorAnswer):
        headers.update(error.headers)
    return render(request, "query.html", context, status=status, headers=headers)
