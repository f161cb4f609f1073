"""Prometheus metrics of the service: requests, query latency, timeouts, refused queries.

Each app owns its registry, so several apps (tests) never share counters by accident. Under
``kg serve`` the workers share ``settings.metrics_dir`` (prometheus_client's multiprocess mode):
each writes its counters there, and ``/metrics`` in any worker answers the sum over all of them,
so a scrape sees the service, not the one worker that happened to answer it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["Metrics", "MetricsMiddleware", "metrics_endpoint"]


@dataclass
class Metrics:
    """The counters and histograms the service exports at ``/metrics``."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    #: The folder the workers of one ``kg serve`` share; None for a lone app.
    shared_dir: Path | None = None

    def __post_init__(self) -> None:
        self.requests = Counter(
            "kg_http_requests",
            "HTTP requests answered, by method, route and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.query_seconds = Histogram(
            "kg_query_duration_seconds",
            "Wall time of SPARQL queries, by query form and outcome.",
            ["form", "outcome"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
            registry=self.registry,
        )
        self.timeouts = Counter(
            "kg_query_timeouts", "Queries stopped at the deadline.", registry=self.registry
        )
        self.rejected = Counter(
            "kg_queries_rejected",
            "Queries refused before or during evaluation, by reason.",
            ["reason"],
            registry=self.registry,
        )

    def exposition(self) -> bytes:
        """The text exposition: every worker's numbers summed when they share a folder."""
        if self.shared_dir is None:
            return generate_latest(self.registry)
        summed = CollectorRegistry()
        MultiProcessCollector(summed, path=str(self.shared_dir))
        return generate_latest(summed)

    def observe_query(self, *, form: str, outcome: str, seconds: float) -> None:
        """Record one query's duration and outcome ("ok", "timeout", "too_large", ...)."""
        self.query_seconds.labels(form=form, outcome=outcome).observe(seconds)
        if outcome == "timeout":
            self.timeouts.inc()
        elif outcome != "ok":
            self.rejected.labels(reason=outcome).inc()


class MetricsMiddleware:
    """Count every HTTP response by method, matched route template and status."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            route = scope.get("route")
            # The route template, never the raw path: raw paths would let clients mint label values.
            name = getattr(route, "path", "unmatched")
            self.metrics.requests.labels(scope["method"], name, str(status)).inc()


async def metrics_endpoint(request: Request) -> Response:
    """The Prometheus text exposition of the service's metrics."""
    metrics: Metrics = request.app.state.service.metrics
    return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
