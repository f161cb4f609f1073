"""The app factory: ``create_app(settings)``, also uvicorn's ``--factory`` entry point.

Nothing happens at import. The graph is built in the lifespan, in a background task, so ``/health``
answers at once and ``/ready`` says 503 until the graph is loaded (or why it failed to load);
with ``KG_LOAD_BEFORE_SERVING`` (a reload under ``kg serve``) startup waits for it instead.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from api.deps import Graph, Service
from api.errors import install_error_handlers
from api.fast_lane import FastLane
from api.limits import BodyLimitMiddleware, HeaderLimitMiddleware
from api.metrics import Metrics, MetricsMiddleware, metrics_endpoint
from api.routes import (
    discovery,
    docs,
    export,
    health,
    linked_data,
    pages,
    query_page,
    sparql,
    typed,
    validate,
)
from api.security import SecurityHeadersMiddleware
from kg.errors import KGError
from kg.query.limits import Limits
from kg.query.runner import open_runner
from kg.serving import LOAD_FAILED, LOAD_RETRY_PAUSE, follow_supervisor, record_load
from kg.settings import Settings
from kg.store import build_store

__all__ = ["create_app"]

log = logging.getLogger(__name__)

_STATIC = Path(__file__).resolve().parent / "static"


def _open_graph(settings: Settings) -> Graph:
    """Open the store and its query runner (blocking: run in a thread)."""
    store = build_store(settings)
    return Graph(
        store=store,
        executor=open_runner(store, Limits.from_settings(settings)),
        base=settings.base_iri,
    )


async def _load(service: Service) -> None:
    """Load the graph; a failure is kept as the reason ``/ready`` gives, or raised when strict."""
    settings = service.settings
    try:
        service.graph = await run_in_threadpool(_open_graph, settings)
    except (KGError, OSError) as error:
        service.load_error = str(error)
        log.error("the graph could not be loaded: %s", error)
        if settings.run_dir is not None:
            record_load(settings.run_dir, error=str(error))
        if settings.load_before_serving:
            # This worker leaves; the ones serving the previous graph stay. Not by failing the
            # start-up: on that, uvicorn's supervisor would stop every worker.
            await asyncio.sleep(LOAD_RETRY_PAUSE)
            os._exit(LOAD_FAILED)
        return
    if settings.run_dir is not None:
        record_load(settings.run_dir, version=service.graph.version)
    log.info(
        "graph %s loaded: %d named graphs",
        service.graph.version,
        len(service.graph.named_graphs),
    )


def _report_crash(task: asyncio.Task[None]) -> None:
    """A loader that died of something unexpected must not die silently."""
    if not task.cancelled() and task.exception() is not None:
        log.error("loading the graph crashed", exc_info=task.exception())


def _configure_logging() -> None:
    """Send ``api.*`` INFO lines (the per-query access log) to stderr, once per process."""
    logger = logging.getLogger("api")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    service: Service = app.state.service
    loading: asyncio.Task[None] | None = None
    if service.settings.run_dir is not None:
        follow_supervisor()  # a process of ``kg serve``: stop with it
    if service.settings.load_before_serving:
        await _load(service)
    else:
        loading = asyncio.create_task(_load(service))
        loading.add_done_callback(_report_crash)
    try:
        yield
    finally:
        if loading is not None:
            loading.cancel()
        graph, service.graph = service.graph, None
        if graph is not None:
            await run_in_threadpool(graph.executor.close)
            await run_in_threadpool(graph.store.close)
        pool = getattr(app.state, "validation_pool", None)  # started by the first validation
        if pool is not None:
            await run_in_threadpool(pool.close)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The SciCoop KG web app over ``settings`` (from ``KG_*`` variables when None)."""
    settings = settings if settings is not None else Settings()
    _configure_logging()
    app = FastAPI(
        title="SciCoop KG",
        summary="A knowledge graph of international science-and-technology cooperation.",
        lifespan=_lifespan,
        # /docs is served by api.routes.docs from the bundled Swagger UI, not from a CDN.
        docs_url=None,
        redoc_url=None,
    )
    metrics = Metrics(shared_dir=settings.metrics_dir)
    app.state.service = Service(settings=settings, metrics=metrics)
    app.include_router(sparql.router)
    app.include_router(query_page.router)
    app.include_router(health.router)
    app.include_router(linked_data.router)
    app.include_router(pages.router)
    app.include_router(discovery.router)
    app.include_router(typed.router)
    app.include_router(validate.router)
    app.include_router(export.router)
    app.include_router(docs.router)
    app.add_route("/metrics", metrics_endpoint, methods=["GET"], include_in_schema=False)
    app.mount("/static", StaticFiles(directory=_STATIC), name="static")
    install_error_handlers(app)
    # Order: the last added runs first. CORS outside the limits, so even a 413 carries its headers.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(HeaderLimitMiddleware)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_credentials=False,
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Accept", "Content-Type", "If-None-Match"],
        expose_headers=["ETag", "Content-Disposition"],
        max_age=600,
    )
    # Repeated and vetted GET /sparql queries need no routing (api/fast_lane.py).
    app.add_middleware(FastLane, service=app.state.service)
    # Outermost, so every answer carries them, errors, fast answers and CORS preflights included.
    app.add_middleware(SecurityHeadersMiddleware)
    return app
