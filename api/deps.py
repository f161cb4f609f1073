"""What route handlers receive: the settings, the loaded graph and its query executor, the metrics.

Handlers ask for these through ``Annotated`` aliases; nothing here reads the environment.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from threading import Lock
from typing import Annotated, ClassVar, Generic, TypeVar

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from api.metrics import Metrics
from kg.errors import KGError
from kg.namespaces import BASE
from kg.query.gate import PreparedQuery, prepare
from kg.query.runner import QueryRunner
from kg.query.shape import shape
from kg.settings import Settings
from kg.store import Store

__all__ = ["Graph", "GraphNotReady", "Service", "SettingsDep", "GraphDep", "MetricsDep"]


#: How many vetted queries each graph version remembers, and the longest one it keeps.
PREPARED_QUERIES = 1024
CACHED_QUERY_CHARS = 8192
#: How many descriptions, contexts and the like each graph version remembers.
DERIVED_ITEMS = 2048
#: How many query answers each graph version remembers, and the largest it keeps (so at most
#: ANSWERS * ANSWER_BYTES = 32 MiB): a repeated query is answered without the store.
ANSWERS = 512
ANSWER_BYTES = 64 * 1024

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
T = TypeVar("T")


class GraphNotReady(KGError):
    """The graph is still loading, or failed to load."""

    status: ClassVar[int] = 503
    retry: ClassVar[bool] = True

    def __init__(self, reason: str) -> None:
        super().__init__(f"the graph is not ready: {reason}")
        self.reason = reason


class Recent(Generic[K, V]):
    """A least-recently-used map of at most ``size`` entries, safe to share between threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            if len(self._items) > self.size:
                self._items.popitem(last=False)


@dataclass
class Graph:
    """One loaded version of the graph, the executor that answers queries over it, and what is
    worth remembering about it: a version never changes, so neither does anything drawn from it.
    """

    store: Store
    executor: QueryRunner
    #: The base IRI the data is served under (``KG_BASE_IRI``): the ``sc:`` and ``id:`` of
    #: the library's own queries.
    base: str = BASE
    #: When this version was loaded: the Last-Modified of every answer drawn from it.
    loaded_at: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))
    # Vetting parses a query twice (rdflib and Oxigraph): milliseconds a cache hit skips.
    # Refusals are not cached; neither are long queries, so the cache stays small. A new text of
    # a shape vetted before (the same query with another IRI, see kg.query.shape) is a hit too.
    _prepared: Recent[str, PreparedQuery] = field(
        default_factory=lambda: Recent(PREPARED_QUERIES), init=False, repr=False
    )
    _shapes: Recent[str, PreparedQuery] = field(
        default_factory=lambda: Recent(PREPARED_QUERIES), init=False, repr=False
    )
    _derived: Recent[Hashable, tuple[object]] = field(
        default_factory=lambda: Recent(DERIVED_ITEMS), init=False, repr=False
    )
    _answers: Recent[Hashable, bytes] = field(
        default_factory=lambda: Recent(ANSWERS), init=False, repr=False
    )

    def answer(self, key: Hashable) -> bytes | None:
        """The answer remembered under ``key`` (query, format, dataset), or None."""
        return self._answers.get(key)

    def remember_answer(self, key: Hashable, body: bytes) -> None:
        """Keep a small answer: the data of a version never changes, so neither does it."""
        if len(body) <= ANSWER_BYTES:
            self._answers.put(key, body)

    def cached(self, query: str) -> PreparedQuery | None:
        """``query`` as vetted earlier, itself or its shape, or None: cheap enough to ask on
        the event loop (a shape costs one pass of a regular expression)."""
        prepared = self._prepared.get(query)
        if prepared is None and len(query) <= CACHED_QUERY_CHARS:
            key = shape(query)
            seen = self._shapes.get(key) if key is not None else None
            if seen is not None:
                prepared = replace(seen, text=query)
                self._prepared.put(query, prepared)
        return prepared

    def prepare(self, query: str) -> PreparedQuery:
        """``query`` vetted against this version (see :func:`kg.query.gate.prepare`), cached."""
        prepared = self.cached(query)
        if prepared is None:
            prepared = prepare(query, named_graphs=self.named_graphs)
            if len(query) <= CACHED_QUERY_CHARS:
                self._prepared.put(query, prepared)
                key = shape(query)
                if key is not None:
                    self._shapes.put(key, prepared)
        return prepared

    async def derive(self, key: Hashable, compute: Callable[[], T]) -> T:
        """What ``compute`` (blocking: run in a thread) gives from this version, remembered
        under ``key`` while it is among the :data:`DERIVED_ITEMS` recently used.

        For small answers that cost store queries: a description is tens of milliseconds on the
        on-disk store, and a remembered one is read on the event loop.
        """
        remembered = self._derived.get(key)
        if remembered is None:
            remembered = (await run_in_threadpool(compute),)
            self._derived.put(key, remembered)
        return remembered[0]  # type: ignore[return-value]

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
