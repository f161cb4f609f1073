"""Answer queries in threads of the serving process, under the deadline as far as threads allow.

For stores that query workers cannot open from a path (rdflib's memory store, an in-memory
Oxigraph store). The event loop never waits on a query: it waits on a future, at most ``timeout``
seconds, then answers 503. A thread cannot be killed, though: a query past its deadline goes on
running to its end, and keeps its slot until then, so runaway queries fill the slots and later
ones are refused (``Overloaded``) rather than piling up. Use the ``oxigraph`` backend on disk,
whose queries run in killable worker processes, where clients are not trusted.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from kg.formats import Format
from kg.query_errors import Overloaded, QueryFailed, QueryTimeout
from kg.sparql import PreparedQuery
from kg.store.answers import check_format, dataset_for

__all__ = ["ThreadedRunner", "Answer"]

#: Blocking: (query, format, dataset or None for the union) -> the answer's bytes.
Answer = Callable[[PreparedQuery, Format, tuple[tuple[str, ...], tuple[str, ...]] | None], bytes]


class ThreadedRunner:
    """Runs ``answer`` in up to ``workers`` threads; ``max_queue`` more may wait for one."""

    def __init__(self, answer: Answer, *, workers: int, timeout: float, max_queue: int) -> None:
        if workers < 1 or timeout <= 0 or max_queue < 0:
            raise ValueError("workers >= 1, timeout > 0 and max_queue >= 0 are required")
        self._answer = answer
        self._timeout = timeout
        self._max_queue = max_queue
        self._slots: asyncio.Semaphore | None = None
        self._workers = workers
        self._waiting = 0
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
        if self._slots is None:  # created here so it belongs to the running loop
            self._slots = asyncio.Semaphore(self._workers)
        slots = self._slots
        if slots.locked() and self._waiting >= self._max_queue:
            raise Overloaded(waiting=self._waiting)
        self._waiting += 1
        try:
            await slots.acquire()
        finally:
            self._waiting -= 1
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._threads, self._answer, prepared, result_format, dataset)
        # The slot is freed when the thread is, not at the deadline (see the module docstring).
        future.add_done_callback(lambda _: slots.release())
        try:
            return await asyncio.wait_for(asyncio.shield(future), self._timeout)
        except TimeoutError:
            future.add_done_callback(_consume)
            raise QueryTimeout(timeout=self._timeout) from None

    def close(self) -> None:
        """Stop taking queries; threads still running finish on their own."""
        self._closed = True
        self._threads.shutdown(wait=False, cancel_futures=True)


def _consume(future: asyncio.Future[bytes]) -> None:
    """Read the late result or error of a query past its deadline, so none is logged as lost."""
    if not future.cancelled():
        future.exception()
