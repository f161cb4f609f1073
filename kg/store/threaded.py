"""Answer queries in threads of the serving process, under the deadline as far as threads allow.

For stores that query workers cannot open from a path (rdflib's memory store, an in-memory
Oxigraph store). The event loop never waits on a query: it waits on a future, at most ``timeout``
seconds, then answers 503. A thread cannot be killed, though: a query past its deadline goes on
running to its end, and keeps its slot until then, so runaway queries fill the slots and later
ones are refused (``Overloaded``) rather than piling up. Use the ``oxigraph`` backend on disk,
whose queries run in killable worker processes, where clients are not trusted.

Heavy queries (:mod:`kg.query_cost`) hold at most ``heavy_workers`` of the threads (by default all
but one) and ``heavy_queue`` more may wait; past that they are refused (``TooManyHeavyQueries``),
so runaway heavy queries leave a thread to the light ones. A query that looked light but ran past
``light_budget`` seconds is remembered as heavy.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from kg.formats import Format
from kg.query_cost import Cost, SlowQueries, TooManyHeavyQueries
from kg.query_errors import Overloaded, QueryFailed, QueryTimeout
from kg.sparql import PreparedQuery
from kg.store.answers import check_format, dataset_for

__all__ = ["ThreadedRunner", "Answer"]

#: Blocking: (query, format, dataset or None for the union) -> the answer's bytes.
Answer = Callable[[PreparedQuery, Format, tuple[tuple[str, ...], tuple[str, ...]] | None], bytes]


class ThreadedRunner:
    """Runs ``answer`` in up to ``workers`` threads; ``max_queue`` more may wait for one.

    Heavy queries use at most ``heavy_workers`` of them (default ``workers - 1``, at least 1).
    """

    def __init__(
        self,
        answer: Answer,
        *,
        workers: int,
        timeout: float,
        max_queue: int,
        heavy_workers: int | None = None,
        heavy_queue: int = 4,
        light_budget: float = 1.0,
    ) -> None:
        heavy_workers = max(1, workers - 1) if heavy_workers is None else heavy_workers
        if workers < 1 or timeout <= 0 or max_queue < 0 or heavy_queue < 0 or light_budget <= 0:
            raise ValueError(
                "workers >= 1, timeout > 0, max_queue >= 0, heavy_queue >= 0 and "
                "light_budget > 0 are required"
            )
        if not 1 <= heavy_workers <= workers:
            raise ValueError(f"heavy_workers must be between 1 and {workers}, not {heavy_workers}")
        self._answer = answer
        self._timeout = timeout
        self._max_queue = max_queue
        self._slots: asyncio.Semaphore | None = None
        self._heavy_slots: asyncio.Semaphore | None = None
        self._workers = workers
        self._heavy_workers = heavy_workers
        self._heavy_queue = heavy_queue
        self._light_budget = light_budget
        self._slow = SlowQueries()
        self._waiting = 0
        self._heavy_waiting = 0
        self._closed = False
        self._threads = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kg-query")

    async def run(
        self,
        prepared: PreparedQuery,
        *,
        result_format: Format,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> bytes:
        """Like :meth:`kg.executor.QueryExecutor.run`, with the limits the module docstring says."""
        if self._closed:
            raise QueryFailed("the query runner is closed")
        check_format(prepared, result_format)
        dataset = dataset_for(prepared, default_graphs, named_graphs)
        if self._slots is None:  # created here so they belong to the running loop
            self._slots = asyncio.Semaphore(self._workers)
            self._heavy_slots = asyncio.Semaphore(self._heavy_workers)
        slots = self._slots
        heavy = prepared.heavy or prepared.text in self._slow
        lane = await self._enter_heavy_lane(prepared.cost) if heavy else None
        try:
            if slots.locked() and self._waiting >= self._max_queue:
                raise Overloaded(waiting=self._waiting)
            self._waiting += 1
            try:
                await slots.acquire()
            finally:
                self._waiting -= 1
        except BaseException:
            if lane is not None:
                lane.release()
            raise
        loop = asyncio.get_running_loop()
        started = time.monotonic()
        future = loop.run_in_executor(self._threads, self._answer, prepared, result_format, dataset)
        # Slots are freed when the thread is, not at the deadline (see the module docstring).
        future.add_done_callback(lambda _: slots.release())
        if lane is not None:
            future.add_done_callback(lambda _: lane.release())
        else:
            future.add_done_callback(lambda _: self._note(prepared, started))
        try:
            return await asyncio.wait_for(asyncio.shield(future), self._timeout)
        except TimeoutError:
            future.add_done_callback(_consume)
            raise QueryTimeout(timeout=self._timeout) from None

    async def _enter_heavy_lane(self, cost: Cost) -> asyncio.Semaphore:
        """Take a heavy slot, waiting one deadline at most; the semaphore to release."""
        lane = self._heavy_slots
        assert lane is not None
        if lane.locked() and self._heavy_waiting >= self._heavy_queue:
            raise TooManyHeavyQueries(
                limit=self._heavy_workers, waiting=self._heavy_waiting, cost=cost
            )
        self._heavy_waiting += 1
        try:
            async with asyncio.timeout(self._timeout):
                await lane.acquire()
        except TimeoutError:
            raise TooManyHeavyQueries(
                limit=self._heavy_workers, waiting=self._heavy_waiting - 1, cost=cost
            ) from None
        finally:
            self._heavy_waiting -= 1
        return lane

    def _note(self, prepared: PreparedQuery, started: float) -> None:
        """Remember a light-looking query that ran past the light budget (or its deadline)."""
        if time.monotonic() - started > self._light_budget:
            self._slow.remember(prepared.text)

    def close(self) -> None:
        """Stop taking queries; threads still running finish on their own."""
        self._closed = True
        self._threads.shutdown(wait=False, cancel_futures=True)


def _consume(future: asyncio.Future[bytes]) -> None:
    """Read the late result or error of a query past its deadline, so none is logged as lost."""
    if not future.cancelled():
        future.exception()
