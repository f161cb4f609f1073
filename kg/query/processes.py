"""Run vetted queries in worker processes that are killed at their deadline.

Neither engine can stop a running query: pyoxigraph has no timeout, ignores SIGALRM, and aborts
the whole process when memory runs out. So each query runs in a worker process forked by the
resident process that holds the graph in memory (:mod:`kg.store.resident`), sharing its pages
(:mod:`kg.query.worker`); past the deadline the worker is killed and replaced, and the serving
process, which waits for the pipe with a reader on its event loop, goes on answering other
clients.

Queries take one of two lanes (:mod:`kg.query.cost` tells which). ``heavy_workers`` of the
workers (all but one, by default) form the heavy lane: a heavy query runs only there, so however
many heavy queries arrive, a worker stays free for light ones, which may use any idle worker.
Heavy queries beyond the lane wait, ``heavy_queue`` of them and for one deadline at most; past
that they are refused with :class:`kg.query.cost.TooManyHeavyQueries` (503 and Retry-After). A
query that looked light but ran past ``light_budget`` seconds is remembered as heavy.

Workers are also capped in what they add to the address space (``RLIMIT_AS``) and, where the
kernel lets an unprivileged process do so, moved into a network namespace of their own: even a
``SERVICE`` that slipped past :mod:`kg.query.gate` could reach no host.
"""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import signal
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection

from kg.query.base import Dataset, QueryRunner
from kg.query.cost import Cost, SlowQueries, TooManyHeavyQueries
from kg.query.errors import (
    Overloaded,
    QueryFailed,
    QueryOutOfMemory,
    QuerySyntaxError,
    QueryTimeout,
    ResultTooLarge,
    WorkerLost,
)
from kg.query.formats import CannotWrite, Format, by_name
from kg.query.gate import PreparedQuery
from kg.query.limits import Limits
from kg.query.worker import INLINE_BYTES, PICKLED, Request
from kg.store.resident import (
    RECYCLE_AFTER_SECONDS,
    ForkedProcess,
    Resident,
    ResidentGone,
    memory_is_short,
)

__all__ = ["ProcessRunner"]

log = logging.getLogger(__name__)

#: How long a fresh worker may take to say it is ready.
STARTUP_SECONDS = 60.0
#: What a worker runs, in the resident's fork.
WORKER = "kg.query.worker:serve"


class ProcessRunner(QueryRunner):
    """A pool of query processes forked by ``resident``, in two lanes.

    Each query gets ``limits.timeout`` seconds of a worker's time and at most
    ``limits.result_limit`` rows or triples. Light queries beyond the free workers wait their
    turn, ``limits.max_queue`` of them at most; heavy ones run on the ``limits.heavy_workers``
    only, at ``limits.heavy_nice`` CPU priority, and ``limits.heavy_queue`` of them may wait for
    one (see the module docstring). Use it from one event loop; ``close`` may be called from any
    thread.
    """

    def __init__(self, resident: Resident, limits: Limits) -> None:
        super().__init__(limits)
        self._resident = resident
        self._limits = limits
        self._timeout = limits.timeout
        self._result_limit = limits.result_limit
        self._memory_limit = limits.memory_bytes
        self._slow = SlowQueries()
        self._learned = Cost(heavy=True, reasons=(f"it ran past {limits.light_budget:g} s before",))
        # Threads for what would block the event loop: worker start-up, reaping, large answers.
        self._threads = ThreadPoolExecutor(
            max_workers=limits.workers + 1, thread_name_prefix="kg-query"
        )
        self._waiters: deque[asyncio.Future[_Worker]] = deque()
        self._heavy_waiters: deque[asyncio.Future[_Worker]] = deque()
        self._workers = [self._start(heavy=n < limits.heavy_workers) for n in range(limits.workers)]
        self._idle: deque[_Worker] = deque(w for w in self._workers if not w.heavy)
        self._idle_heavy: deque[_Worker] = deque(w for w in self._workers if w.heavy)

    async def _run(self, prepared: PreparedQuery, result_format: Format, dataset: Dataset) -> bytes:
        default, named = dataset if dataset is not None else (None, None)
        request = Request(prepared.text, result_format.name, default, named, self._result_limit)
        heavy = prepared.heavy or prepared.text in self._slow
        if heavy:
            cost = prepared.cost if prepared.heavy else self._learned
            worker = await self._acquire_heavy(cost)
        else:
            worker = await self._acquire()
        if not worker.process.is_alive():  # killed while idle (by an operator, the OOM killer)
            worker = self._swap(worker)
        try:
            reply, seconds = await worker.ask(request, self._timeout, threads=self._threads)
        except _Deadline:
            self._replace(worker)
            if not heavy:
                self._slow.remember(prepared.text)
            raise QueryTimeout(timeout=self._timeout) from None
        except _Died as died:
            self._replace(worker)
            if died.out_of_memory(self._memory_limit):
                raise QueryOutOfMemory(died.explain(self._memory_limit)) from None
            raise WorkerLost(died.explain(self._memory_limit)) from None
        except asyncio.CancelledError:
            # The client went away: stop its query rather than let it hold the worker.
            self._replace(worker)
            raise
        if not heavy and seconds > self._limits.light_budget:
            self._slow.remember(prepared.text)  # it looked light: next time it takes the heavy lane
        if seconds > RECYCLE_AFTER_SECONDS and memory_is_short(self._limits.short_of_memory):
            self._replace(worker)  # it has likely copied much of the graph (kg.store.resident)
        else:
            self._release(worker)
        return self._unpack(reply)

    def close(self) -> None:
        """Kill every worker and stop waiting; queries still waiting fail with QueryFailed."""
        super().close()
        for worker in self._workers:
            worker.kill()
        for worker in self._workers:
            worker.reap()
        for waiters in (self._waiters, self._heavy_waiters):
            while waiters:
                waiter = waiters.popleft()
                waiter.get_loop().call_soon_threadsafe(_fail_closed, waiter)
        self._threads.shutdown(wait=False, cancel_futures=True)

    async def _acquire(self) -> _Worker:
        """A worker for a light query: an idle one of either lane, or the next one freed."""
        for idle in (self._idle, self._idle_heavy):
            if idle:
                return idle.popleft()
        if len(self._waiters) >= self._limits.max_queue:
            raise Overloaded(waiting=len(self._waiters))
        worker = await self._wait(self._waiters, timeout=None)
        assert worker is not None  # no timeout: only a handed-over worker ends the wait
        return worker

    async def _acquire_heavy(self, cost: Cost) -> _Worker:
        """A worker of the heavy lane, waited for at most one deadline."""
        if self._idle_heavy:
            return self._idle_heavy.popleft()
        if len(self._heavy_waiters) >= self._limits.heavy_queue:
            raise TooManyHeavyQueries(
                limit=self._limits.heavy_workers, waiting=len(self._heavy_waiters), cost=cost
            )
        worker = await self._wait(self._heavy_waiters, timeout=self._timeout)
        if worker is None:
            raise TooManyHeavyQueries(
                limit=self._limits.heavy_workers, waiting=len(self._heavy_waiters), cost=cost
            )
        return worker

    async def _wait(
        self, waiters: deque[asyncio.Future[_Worker]], *, timeout: float | None
    ) -> _Worker | None:
        """Join ``waiters`` until ``_release`` hands over a worker; None after ``timeout``."""
        waiter: asyncio.Future[_Worker] = asyncio.get_running_loop().create_future()
        waiters.append(waiter)
        try:
            await asyncio.wait({waiter}, timeout=timeout)
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self._release(waiter.result())  # handed a worker just as it was cancelled
            elif waiter in waiters:
                waiters.remove(waiter)
            raise
        if waiter.done():
            return waiter.result()
        waiters.remove(waiter)  # waited too long: ``_release`` runs on this loop, no race
        return None

    def _release(self, worker: _Worker) -> None:
        """Hand ``worker`` to a light query waiting, else (heavy lane) a heavy one, else idle."""
        for waiters in (self._waiters, self._heavy_waiters) if worker.heavy else (self._waiters,):
            while waiters:
                waiter = waiters.popleft()
                if not waiter.done():
                    waiter.set_result(worker)
                    return
        (self._idle_heavy if worker.heavy else self._idle).append(worker)

    def _start(self, *, heavy: bool) -> _Worker:
        nice = self._limits.heavy_nice if heavy else 0
        return _Worker.start(
            self._resident, memory_limit=self._memory_limit, heavy=heavy, nice=nice
        )

    def _replace(self, worker: _Worker) -> None:
        """Kill ``worker`` and put a fresh one in its place (unless closing)."""
        if not self.closed:
            self._release(self._swap(worker))
        else:
            worker.kill()

    def _swap(self, worker: _Worker) -> _Worker:
        """Kill ``worker`` and start its successor, which the caller owns."""
        worker.kill()
        self._threads.submit(worker.reap)  # off the event loop
        fresh = self._start(heavy=worker.heavy)
        self._workers = [fresh if w is worker else w for w in self._workers]
        return fresh

    def _unpack(self, reply: tuple[object, ...]) -> bytes:
        match reply:
            case ("ok", bytes() as body):
                return body
            case ("syntax", str() as message, line, column):
                raise QuerySyntaxError(message, line, column)  # type: ignore[arg-type]
            case ("too_large", str() as unit):
                raise ResultTooLarge(limit=self._result_limit, unit=unit)
            case ("cannot_write", str() as name, str() as reason):
                raise CannotWrite(by_name(name), reason)
            case ("failed", str() as message):
                raise QueryFailed(f"the query failed: {message}")
        raise QueryFailed(f"unexpected reply from a query worker: {reply[:1]!r}")


def _fail_closed(waiter: asyncio.Future[_Worker]) -> None:
    if not waiter.done():
        waiter.set_exception(QueryFailed("the query executor was closed"))


class _Deadline(Exception):
    """The worker did not answer within the deadline."""


class _Died(Exception):
    """The worker's pipe closed: it was killed, crashed, or aborted for want of memory."""

    def __init__(self, exitcode: int | None, *, starting: bool = False) -> None:
        super().__init__(exitcode)
        self.exitcode = exitcode
        self.starting = starting

    def out_of_memory(self, memory_limit: int | None) -> bool:
        """The query itself outgrew the worker's memory cap (asking again will not help)."""
        return self.exitcode == -signal.SIGABRT and memory_limit is not None and not self.starting

    def explain(self, memory_limit: int | None) -> str:
        if self.starting:
            return (
                f"a query worker could not start (exit code {self.exitcode}); "
                "see the server log. It will be started again"
            )
        if self.exitcode == -signal.SIGABRT and memory_limit is not None:
            return (
                f"the query ran out of memory (the limit is {memory_limit // 2**20} MiB per "
                "query) and was stopped; narrow it or add LIMIT"
            )
        if self.exitcode == -signal.SIGKILL:
            return "the query worker was killed (out of memory, or by an operator); try again"
        return f"the query worker stopped unexpectedly (exit code {self.exitcode}); try again"


class _Worker:
    """One worker process and the pipe to it (see :mod:`kg.query.worker` for the messages)."""

    warned = False

    def __init__(self, process: ForkedProcess, conn: Connection, *, heavy: bool) -> None:
        self.process = process
        self.conn = conn
        self.heavy = heavy
        self.ready = False

    @classmethod
    def start(
        cls, resident: Resident, *, memory_limit: int | None, heavy: bool, nice: int
    ) -> _Worker:
        """Have ``resident`` fork a worker (a round trip and a fork: milliseconds)."""
        try:
            process, conn = resident.fork(WORKER, memory_limit, nice)
        except ResidentGone as gone:
            raise WorkerLost(f"no query worker could be started: {gone}") from None
        return cls(process, conn, heavy=heavy)

    async def ask(
        self, request: Request, timeout: float, *, threads: ThreadPoolExecutor
    ) -> tuple[tuple[object, ...], float]:
        """Send ``request``, wait at most ``timeout`` seconds: the reply and the seconds it took.

        The wait is on the event loop (a reader on the pipe), not in a thread: a thread's
        hand-over costs a light query a noticeable share of its time. Bodies over
        :data:`INLINE_BYTES` are read in a thread of ``threads``. A fresh worker's start-up is
        neither part of the deadline nor of the time returned.
        """
        loop = asyncio.get_running_loop()
        try:
            if not self.ready:
                await loop.run_in_executor(threads, self._await_ready)
            started = time.monotonic()
            self.conn.send(request)
            await self._readable(loop, timeout)
            message = self.conn.recv_bytes()
            if message[:1] != bytes([PICKLED]):
                return ("ok", message), time.monotonic() - started
            reply: tuple[object, ...] = pickle.loads(message)
            if reply[0] == "ok":
                size = reply[1]
                assert isinstance(size, int)
                if size <= INLINE_BYTES:
                    body = self.conn.recv_bytes()
                else:
                    body = await loop.run_in_executor(threads, self.conn.recv_bytes)
                reply = ("ok", body)
        except (EOFError, OSError):
            await loop.run_in_executor(threads, self.process.join, 5)
            raise _Died(self.process.exitcode, starting=not self.ready) from None
        return reply, time.monotonic() - started

    async def _readable(self, loop: asyncio.AbstractEventLoop, timeout: float) -> None:
        """Wait until the worker has written (or its pipe closed); _Deadline after ``timeout``."""
        readable = loop.create_future()
        fd = self.conn.fileno()

        def wake() -> None:
            if not readable.done():
                readable.set_result(None)

        loop.add_reader(fd, wake)
        try:
            await asyncio.wait_for(readable, timeout)
        except TimeoutError:
            raise _Deadline from None
        finally:
            loop.remove_reader(fd)
            os.set_blocking(fd, True)  # uvloop made it non-blocking; the reads that follow block

    def _await_ready(self) -> None:
        if not self.conn.poll(STARTUP_SECONDS):
            raise _Deadline
        hello = self.conn.recv()
        if hello[0] != "ready":
            log.error("query worker: %s", hello[1])
            raise EOFError(hello[1])
        if hello[1] and not _Worker.warned:
            _Worker.warned = True  # once per server process, not at every replacement
            log.warning("query worker: %s", hello[1])
        self.ready = True

    def kill(self) -> None:
        """SIGKILL: the only signal a busy pyoxigraph query cannot delay."""
        if self.process.is_alive():
            self.process.kill()

    def reap(self) -> None:
        """Wait for the killed process (no zombie left) and close the pipe."""
        self.process.join(timeout=5)
        self.conn.close()
        self.process.close()
