"""``/sparql``: the SPARQL 1.1 Protocol endpoint, and its service description without a query."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.caching import cache_headers, etag_for, matches_if_none_match
from api.deps import GraphDep, MetricsDep
from api.protocol import ProtocolError, read_request
from api.query_html import render_query_page
from api.querying import execute, prepare_query
from api.responses import content_type, graph_formats, result_formats_for, select_format
from api.service_description import serialize, service_description
from kg.query.formats import Format

__all__ = ["router", "sparql"]

router = APIRouter()


def _check_graphs(iris: list[str], *, parameter: str, known: list[str]) -> None:
    """A dataset IRI must name one of the graph's own named graphs: nothing is fetched."""
    for iri in iris:
        if iri not in known:
            raise ProtocolError(
                f"{parameter}={iri} is not one of this endpoint's named graphs "
                "(they are listed by GET /sparql without a query); nothing is fetched elsewhere",
                parameter=parameter,
            )


@router.get("/sparql", name="sparql", operation_id="sparql_get")
@router.post("/sparql", name="sparql_post", operation_id="sparql_post")
@router.head("/sparql", name="sparql_head", include_in_schema=False)
async def sparql(request: Request, graph: GraphDep, metrics: MetricsDep) -> Response:
    """Answer a query, or describe the service (RDF, or the query page for a browser)."""
    asked = await read_request(request)
    accept = request.headers.get("accept")
    if asked.query is None:
        return await _describe(request, graph=graph, accept=accept, formats=asked.formats)
    client = request.client.host if request.client else "-"
    prepared = await prepare_query(asked.query, graph=graph, metrics=metrics, client=client)
    _check_graphs(asked.default_graphs, parameter="default-graph-uri", known=graph.named_graphs)
    _check_graphs(asked.named_graphs, parameter="named-graph-uri", known=graph.named_graphs)
    fmt = select_format(asked.formats, accept=accept, offered=result_formats_for(prepared.form))
    etag = etag_for(
        version=graph.version,
        query=asked.query,
        media_type=fmt.media_type,
        default_graphs=asked.default_graphs,
        named_graphs=asked.named_graphs,
    )
    headers = dict(cache_headers(etag))
    if request.method == "POST":
        # A POST answer is not reused by shared caches; the ETag still lets a client compare.
        headers["Cache-Control"] = "no-cache"
    elif matches_if_none_match(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    body = await execute(
        prepared,
        graph=graph,
        metrics=metrics,
        result_format=fmt,
        default_graphs=asked.default_graphs,
        named_graphs=asked.named_graphs,
        client=client,
    )
    if asked.formats:  # a download link: suggest a file name
        headers["Content-Disposition"] = _disposition(fmt)
    return Response(body, headers=headers, media_type=content_type(fmt))


def _disposition(fmt: Format) -> str:
    extension = fmt.extensions[0] if fmt.extensions else fmt.name
    return f'inline; filename="result.{extension.lstrip(".")}"'


async def _describe(
    request: Request, *, graph: GraphDep, accept: str | None, formats: list[str]
) -> Response:
    offered = graph_formats(with_html=True)
    fmt = select_format(formats, accept=accept, offered=offered)
    if fmt.kind == "html":
        return await render_query_page(request)
    endpoint = str(request.url_for("sparql"))
    etag = etag_for(version=graph.version, query=endpoint, media_type=fmt.media_type)
    headers = dict(cache_headers(etag))
    if matches_if_none_match(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    triples = service_description(
        endpoint=endpoint,
        formats=[*result_formats_for("SELECT"), *graph_formats()],
        named_graphs=graph.named_graphs,
    )
    body = serialize(triples, rdf_format=fmt.graph_writer)
    return Response(body, headers=headers, media_type=content_type(fmt))
