"""``/health`` (the process answers) and ``/ready`` (the graph is loaded and queries can run)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.deps import Service
from api.errors import RETRY_AFTER_SECONDS
from kg.serving import last_load

__all__ = ["router", "health", "ready"]

router = APIRouter()


@router.get("/health", name="health")
async def health() -> JSONResponse:
    """Always 200 while the process serves HTTP."""
    return JSONResponse({"status": "alive"}, headers={"Cache-Control": "no-store"})


@router.get("/ready", name="ready")
async def ready(request: Request) -> JSONResponse:
    """200 with the data version once the graph is loaded; 503 with the reason until then.

    Under ``kg serve`` it also gives ``last_load``: the outcome of the latest load by any worker,
    so a reload that failed (and left this worker serving the old graph) says why.
    """
    service: Service = request.app.state.service
    headers = {"Cache-Control": "no-store"}
    run_dir = service.settings.run_dir
    extra: dict[str, object] = {"last_load": last_load(run_dir)} if run_dir is not None else {}
    if service.graph is None:
        reason = service.load_error or "the graph is still loading"
        headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return JSONResponse(
            {"status": "not ready", "reason": reason, **extra}, 503, headers=headers
        )
    body: dict[str, object] = {
        "status": "ready",
        "version": service.graph.version,
        "named_graphs": len(service.graph.named_graphs),
        **extra,
    }
    return JSONResponse(body, headers=headers)
