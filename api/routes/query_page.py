"""``/query``: the query page, an editor with the example queries and a results table."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.query_html import render_query_page

__all__ = ["router", "query_page"]

router = APIRouter()


@router.get("/query", name="query_page")
async def query_page(request: Request) -> Response:
    """The query page (``?query=`` runs a query and shows its answer without JavaScript)."""
    return await render_query_page(request)
