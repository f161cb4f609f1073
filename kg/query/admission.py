"""Places for queries in a runner of the serving process: the light and heavy lanes in one place.

Used by the runners whose queries run in this process's threads or on a remote server
(:mod:`kg.query.threaded`, :mod:`kg.store.remote`); the worker-process executor
(:mod:`kg.query.processes`) keeps its own pool, since there a lane is a set of processes. There are
``workers`` places in all; heavy queries (:mod:`kg.query.cost`) hold at most ``heavy_workers``
of them (by default all but one, so a light query always finds a place that no heavy one
holds). ``max_queue`` queries may wait for a place and ``heavy_queue`` heavy ones for the heavy
lane, each at most one deadline; past that they are refused (``Overloaded``,
``TooManyHeavyQueries``). A query that looked light but ran past ``light_budget`` seconds is
remembered as heavy.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from kg.query.cost import SlowQueries, TooManyHeavyQueries
from kg.query.errors import Overloaded
from kg.query.gate import PreparedQuery
from kg.query.limits import Limits

__all__ = ["Admission"]


class Admission:
    """The places of one runner; create it anywhere, use it from one event loop."""

    def __init__(self, limits: Limits) -> None:
        self.workers = limits.workers
        self.heavy_workers = limits.heavy_workers
        self._max_queue = limits.max_queue
        self._heavy_queue = limits.heavy_queue
        self._timeout = limits.timeout
        self._light_budget = limits.light_budget
        self._slow = SlowQueries()
        self._waiting = 0
        self._heavy_waiting = 0
        # Created on first use, so they belong to the running loop.
        self._places: asyncio.Semaphore | None = None
        self._heavy_places: asyncio.Semaphore | None = None

    def is_heavy(self, prepared: PreparedQuery) -> bool:
        """Heavy by its cost class, or because it once ran past the light budget."""
        return prepared.heavy or prepared.text in self._slow

    async def enter(self, prepared: PreparedQuery) -> Callable[[], None]:
        """Wait for a place (and a heavy one, for a heavy query); the function that frees them.

        Raises TooManyHeavyQueries or Overloaded when the queue is full, TooManyHeavyQueries
        when the heavy lane stays full for a whole deadline.
        """
        if self._places is None or self._heavy_places is None:
            self._places = asyncio.Semaphore(self.workers)
            self._heavy_places = asyncio.Semaphore(self.heavy_workers)
        places, heavy_places = self._places, self._heavy_places
        heavy = self.is_heavy(prepared)
        if heavy:
            await self._enter_heavy_lane(prepared, heavy_places)
        try:
            if places.locked() and self._waiting >= self._max_queue:
                raise Overloaded(waiting=self._waiting)
            self._waiting += 1
            try:
                await places.acquire()
            finally:
                self._waiting -= 1
        except BaseException:
            if heavy:
                heavy_places.release()
            raise

        def leave() -> None:
            places.release()
            if heavy:
                heavy_places.release()

        return leave

    def finished(self, prepared: PreparedQuery, seconds: float) -> None:
        """Remember a light-looking query that ran past the light budget (or its deadline)."""
        if seconds > self._light_budget and not self.is_heavy(prepared):
            self._slow.remember(prepared.text)

    async def _enter_heavy_lane(self, prepared: PreparedQuery, lane: asyncio.Semaphore) -> None:
        if lane.locked() and self._heavy_waiting >= self._heavy_queue:
            raise TooManyHeavyQueries(
                limit=self.heavy_workers, waiting=self._heavy_waiting, cost=prepared.cost
            )
        self._heavy_waiting += 1
        try:
            async with asyncio.timeout(self._timeout):
                await lane.acquire()
        except TimeoutError:
            raise TooManyHeavyQueries(
                limit=self.heavy_workers, waiting=self._heavy_waiting - 1, cost=prepared.cost
            ) from None
        finally:
            self._heavy_waiting -= 1
