"""``/query``: the query page, an editor with the example queries and the result views, and
``/query/completions.json``, what the editor completes (this graph's prefixes, terms, labels)."""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from api.caching import cache_headers, etag_for, matches_if_none_match
from api.deps import GraphDep, SettingsDep
from api.query_html import completions, render_query_page

__all__ = ["router", "query_page", "query_completions"]

router = APIRouter()


@router.get("/query", name="query_page")
async def query_page(request: Request) -> Response:
    """The query page (``?query=`` runs a query and shows its answer without JavaScript)."""
    return await render_query_page(request)


@router.get("/query/completions.json", name="query_completions", include_in_schema=False)
async def query_completions(request: Request, graph: GraphDep, settings: SettingsDep) -> Response:
    """The editor's vocabulary: ``{"prefixes": {p: namespace}, "terms": [{curie, label, kind,
    definition}]}``, built from the served graph (no outside look-up)."""
    etag = etag_for(version=graph.version, query="completions", media_type="application/json")
    headers = dict(cache_headers(etag))
    if matches_if_none_match(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    body = await graph.derive(
        ("completions", settings.base_iri), partial(completions, graph, settings)
    )
    return JSONResponse(body, headers=headers)
