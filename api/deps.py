"""What route handlers receive: the settings, the loaded graph and its query executor, the metrics.

Handlers ask for these through ``Annotated`` aliases; nothing here reads the environment.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from threading import Lock
from typing import Annotated

from fastapi import Depends, Request

from api.metrics import Metrics
from kg.settings import Settings
from kg.sparql import PreparedQuery, prepare
from kg.store import QueryRunner, Store

__all__ = ["Graph", "GraphNotReady", "Service", "SettingsDep", "GraphDep", "MetricsDep"]


#: How many vetted queries each graph version remembers, and the longest one it keeps.
PREPARED_QUERIES = 1024
CACHED_QUERY_CHARS = 8192


class GraphNotReady(Exception):
    """The graph is still loading, or failed to load (answered 503 with ``Retry-After``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Graph:
    """One loaded version of the graph and the executor that answers queries over it."""

    store: Store
    executor: QueryRunner
    #: When this version was loaded: the Last-Modified of every answer drawn from it.
    loaded_at: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))
    # Vetting parses a query twice (rdflib and Oxigraph): milliseconds a cache hit skips.
    # Refusals are not cached; neither are long queries, so the cache stays small.
    _prepared: OrderedDict[str, PreparedQuery] = field(
        default_factory=OrderedDict, init=False, repr=False
    )
    _lock: Lock = field(default_factory=Lock, init=False, repr=False)

    def cached(self, query: str) -> PreparedQuery | None:
        """``query`` as vetted earlier, or None: cheap enough to ask on the event loop."""
        with self._lock:
            prepared = self._prepared.get(query)
            if prepared is not None:
                self._prepared.move_to_end(query)
            return prepared

    def prepare(self, query: str) -> PreparedQuery:
        """``query`` vetted against this version (see :func:`kg.sparql.prepare`), cached."""
        prepared = self.cached(query)
        if prepared is not None:
            return prepared
        prepared = prepare(query, named_graphs=self.named_graphs)
        if len(query) <= CACHED_QUERY_CHARS:
            with self._lock:
                self._prepared[query] = prepared
                if len(self._prepared) > PREPARED_QUERIES:
                    self._prepared.popitem(last=False)
        return prepared

    @property
    def version(self) -> str:
        return self.store.version

    @property
    def named_graphs(self) -> list[str]:
        return self.store.named_graphs


@dataclass
class Service:
    """The app's mutable state: set by the lifespan, read by handlers."""

    settings: Settings
    metrics: Metrics
    graph: Graph | None = None
    load_error: str | None = None


def _service(request: Request) -> Service:
    return request.app.state.service  # type: ignore[no-any-return]


async def _settings(request: Request) -> Settings:
    return _service(request).settings


async def _graph(request: Request) -> Graph:
    service = _service(request)
    if service.graph is None:
        raise GraphNotReady(service.load_error or "the graph is still loading")
    return service.graph


async def _metrics(request: Request) -> Metrics:
    return _service(request).metrics


# The dependencies are ``async def`` though they never await: FastAPI runs a plain ``def`` one in
# a thread, and three thread hand-overs cost a light query a third of its time.
SettingsDep = Annotated[Settings, Depends(_settings)]
GraphDep = Annotated[Graph, Depends(_graph)]
MetricsDep = Annotated[Metrics, Depends(_metrics)]
