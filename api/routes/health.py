"""``/health`` (the process answers) and ``/ready`` (the graph is loaded and queries can run)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.deps import Service
from api.errors import RETRY_AFTER_SECONDS

__all__ = ["router", "health", "ready"]

router = APIRouter()


@router.get("/health", name="health")
async def health() -> JSONResponse:
    """Always 200 while the process serves HTTP."""
    return JSONResponse({"status": "alive"}, headers={"Cache-Control": "no-store"})


@router.get("/ready", name="ready")
async def ready(request: Request) -> JSONResponse:
    """200 with the data version once the graph is loaded; 503 with the reason until then."""
    service: Service = request.app.state.service
    headers = {"Cache-Control": "no-store"}
    if service.graph is None:
        reason = service.load_error or "the graph is still loading"
        headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return JSONResponse({"status": "not ready", "reason": reason}, 503, headers=headers)
    body = {
        "status": "ready",
        "version": service.graph.version,
        "named_graphs": len(service.graph.named_graphs),
    }
    return JSONResponse(body, headers=headers)
