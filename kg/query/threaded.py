"""Answer queries in threads of the serving process, under the deadline as far as threads allow.

For stores that query workers cannot open from a path (rdflib's memory store, an in-memory
Oxigraph store). The event loop never waits on a query: it waits on a future, at most ``timeout``
seconds, then answers 503. A thread cannot be killed, though: a query past its deadline goes on
running to its end, and keeps its slot until then, so runaway queries fill the slots and later
ones are refused (``Overloaded``) rather than piling up. Use the ``oxigraph`` backend on disk,
whose queries run in killable worker processes, where clients are not trusted.

Heavy queries (:mod:`kg.query.cost`) hold at most ``heavy_workers`` of the threads (by default all
but one), so runaway heavy queries leave a thread to the light ones (:mod:`kg.query.admission`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pyoxigraph

from kg.query.admission import Admission
from kg.query.answers import write_answer
from kg.query.base import Dataset, QueryRunner
from kg.query.errors import QueryFailed, QuerySyntaxError, QueryTimeout
from kg.query.formats import Format
from kg.query.gate import PreparedQuery
from kg.query.limits import Limits
from kg.store.base import QueryResult

__all__ = ["ThreadedRunner", "Answer"]

#: Blocking: (query, format, dataset or None for the union) -> the answer's bytes.
Answer = Callable[[PreparedQuery, Format, tuple[tuple[str, ...], tuple[str, ...]] | None], bytes]


class ThreadedRunner(QueryRunner):
    """Runs ``answer`` in up to ``limits.workers`` threads; ``limits.max_queue`` more may wait.

    Heavy queries use at most ``limits.heavy_workers`` of them; see
    :class:`kg.query.admission.Admission`.
    """

    def __init__(self, answer: Answer, limits: Limits) -> None:
        super().__init__(limits)
        self._admission = Admission(limits)
        self._answer = answer
        self._timeout = limits.timeout
        self._threads = ThreadPoolExecutor(
            max_workers=limits.workers, thread_name_prefix="kg-query"
        )

    @classmethod
    def over(
        cls,
        query: Callable[..., QueryResult],
        limits: Limits,
        *,
        failures: tuple[type[Exception], ...],
        engine: str,
    ) -> ThreadedRunner:
        """A runner over a store's blocking ``query(text, default_graph=, named_graphs=)``.

        Its ``failures`` are answered as QueryFailed naming ``engine``, SyntaxError as
        QuerySyntaxError.
        """
        limit = limits.result_limit

        def answer(
            prepared: PreparedQuery,
            fmt: Format,
            dataset: tuple[tuple[str, ...], tuple[str, ...]] | None,
        ) -> bytes:
            graphs: dict[str, list[pyoxigraph.NamedNode]] = {}
            if dataset is not None:
                graphs["default_graph"] = [pyoxigraph.NamedNode(iri) for iri in dataset[0]]
                graphs["named_graphs"] = [pyoxigraph.NamedNode(iri) for iri in dataset[1]]
            try:
                # No local holds the answer: it must be dropped by this thread (see answers.py).
                return write_answer(query(prepared.text, **graphs), fmt, limit=limit)
            except SyntaxError as error:
                raise QuerySyntaxError(str(error)) from None
            except failures as error:
                raise QueryFailed(f"the query failed in {engine}: {error}") from None

        return cls(answer, limits)

    async def _run(self, prepared: PreparedQuery, result_format: Format, dataset: Dataset) -> bytes:
        leave = await self._admission.enter(prepared)
        loop = asyncio.get_running_loop()
        started = time.monotonic()
        future = loop.run_in_executor(self._threads, self._answer, prepared, result_format, dataset)

        def done(_: object) -> None:
            # The place is freed when the thread is, not at the deadline (see the docstring).
            leave()
            self._admission.finished(prepared, time.monotonic() - started)

        future.add_done_callback(done)
        try:
            return await asyncio.wait_for(asyncio.shield(future), self._timeout)
        except TimeoutError:
            future.add_done_callback(_consume)
            raise QueryTimeout(timeout=self._timeout) from None

    def close(self) -> None:
        """Stop taking queries; threads still running finish on their own."""
        super().close()
        self._threads.shutdown(wait=False, cancel_futures=True)


def _consume(future: asyncio.Future[bytes]) -> None:
    """Read the late result or error of a query past its deadline, so none is logged as lost."""
    if not future.cancelled():
        future.exception()
