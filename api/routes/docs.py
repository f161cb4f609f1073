"""``/docs``: the OpenAPI documentation of the JSON API, in Swagger UI served from this server.

FastAPI's own page loads Swagger UI from a CDN and starts it with an inline script; this one loads
the bundled swagger-ui-dist and a static start-up script, so it keeps the same Content-Security-
Policy as every other page.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.html import render
from api.routing import get_and_head

__all__ = ["router", "docs"]

router = APIRouter()


@get_and_head(router, "/docs", name="docs", include_in_schema=False)
async def docs(request: Request) -> Response:
    """Swagger UI over ``/openapi.json``."""
    return render(request, "docs.html", {})
