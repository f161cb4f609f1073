"""Run vetted queries in worker processes that are killed at their deadline.

Neither engine can stop a running query: pyoxigraph has no timeout, ignores SIGALRM, and aborts
the whole process when memory runs out. So each query runs in a worker process that opens the
store read-only once; past the deadline the worker is killed and replaced, and the serving
process, which only waits on a pipe off its event loop, goes on answering other clients.

Queries take one of two lanes (:mod:`kg.query_cost` tells which). ``heavy_workers`` of the
workers (all but one, by default) form the heavy lane: a heavy query runs only there, so however
many heavy queries arrive, a worker stays free for light ones, which may use any idle worker.
Heavy queries beyond the lane wait, ``heavy_queue`` of them and for one deadline at most; past
that they are refused with :class:`kg.query_cost.TooManyHeavyQueries` (503 and Retry-After). A
query that looked light but ran past ``light_budget`` seconds is remembered as heavy.

Workers are also capped in address space (``RLIMIT_AS``) and, where the kernel lets an
unprivileged process do so, moved into a network namespace of their own: even a ``SERVICE``
that slipped past :mod:`kg.sparql` could reach no host.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import multiprocessing
import os
import re
import resource
import signal
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

import pyoxigraph

from kg.formats import FORMATS, CannotWrite, Format, by_name
from kg.query_cost import Cost, SlowQueries, TooManyHeavyQueries
from kg.query_errors import (
    NotAcceptable,
    Overloaded,
    QueryFailed,
    QuerySyntaxError,
    QueryTimeout,
    ResultTooLarge,
    WorkerLost,
)
from kg.sparql import PreparedQuery, QueryForm
from kg.store.answers import write_answer

__all__ = ["QueryExecutor"]

log = logging.getLogger(__name__)

#: How long a fresh worker may take to import pyoxigraph and open the store.
STARTUP_SECONDS = 60.0


@dataclass(frozen=True)
class _Request:
    """What a worker needs to answer one query; ``None`` graphs mean "the union of all"."""

    query: str
    format_name: str
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    result_limit: int


class QueryExecutor:
    """A pool of ``workers`` query processes over the store at ``store_path``, in two lanes.

    Each query gets ``timeout`` seconds of a worker's time and at most ``result_limit`` rows or
    triples. Light queries beyond the free workers wait their turn, ``max_queue`` of them at
    most; heavy ones run on the ``heavy_workers`` (default ``workers - 1``, at least 1) only,
    at ``heavy_nice`` CPU priority, and ``heavy_queue`` of them may wait for one (see the module
    docstring). Use it from one event loop; ``close`` may be called from any thread.
    """

    def __init__(
        self,
        store_path: Path,
        *,
        workers: int,
        timeout: float,
        result_limit: int,
        memory_limit_bytes: int | None,
        max_queue: int,
        heavy_workers: int | None = None,
        heavy_queue: int = 4,
        light_budget: float = 1.0,
        heavy_nice: int = 0,
    ) -> None:
        if heavy_workers is None:
            heavy_workers = max(1, workers - 1)
        for name, value in (
            ("workers", workers),
            ("result_limit", result_limit),
            ("heavy_workers", heavy_workers),
        ):
            if value < 1:
                raise ValueError(f"{name} must be at least 1, not {value}")
        if heavy_workers > workers:
            raise ValueError(f"heavy_workers ({heavy_workers}) exceeds workers ({workers})")
        for name, number in (("timeout", timeout), ("light_budget", light_budget)):
            if number <= 0:
                raise ValueError(f"{name} must be positive, not {number}")
        for name, value in (("max_queue", max_queue), ("heavy_queue", heavy_queue)):
            if value < 0:
                raise ValueError(f"{name} must not be negative, not {value}")
        if not 0 <= heavy_nice <= 19:
            raise ValueError(f"heavy_nice must be between 0 and 19, not {heavy_nice}")
        self._store_path = Path(store_path)
        self._timeout = timeout
        self._result_limit = result_limit
        self._memory_limit = memory_limit_bytes
        self._max_queue = max_queue
        self._heavy_queue = heavy_queue
        self._heavy_workers = heavy_workers
        self._light_budget = light_budget
        self._heavy_nice = heavy_nice
        self._slow = SlowQueries()
        self._learned = Cost(heavy=True, reasons=(f"it ran past {light_budget:g} s before",))
        self._closed = False
        # One thread per worker waits on its pipe, so the event loop never blocks.
        self._threads = ThreadPoolExecutor(max_workers=workers + 1, thread_name_prefix="kg-query")
        self._waiters: deque[asyncio.Future[_Worker]] = deque()
        self._heavy_waiters: deque[asyncio.Future[_Worker]] = deque()
        self._workers = [self._start(heavy=n < heavy_workers) for n in range(workers)]
        self._idle: deque[_Worker] = deque(w for w in self._workers if not w.heavy)
        self._idle_heavy: deque[_Worker] = deque(w for w in self._workers if w.heavy)

    async def run(
        self,
        prepared: PreparedQuery,
        *,
        result_format: Format,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> bytes:
        """``prepared``'s answer written in ``result_format``.

        ``default_graphs``/``named_graphs`` (the protocol's ``default-graph-uri`` and
        ``named-graph-uri``) take precedence over the query's FROM clauses; an IRI that is not
        one of the store's graphs selects an empty graph. With neither, the default graph is
        the union of all named graphs.

        Raises QueryTimeout, ResultTooLarge, QuerySyntaxError (what pyoxigraph rejects),
        QueryFailed (an evaluation error, or a worker that died), Overloaded (queue full),
        TooManyHeavyQueries (an Overloaded: the heavy lane and its queue are full) and
        NotAcceptable (``result_format`` cannot carry an answer of this form).
        """
        if self._closed:
            raise QueryFailed("the query executor is closed")
        _check_format(prepared.form, result_format)
        request = _Request(
            prepared.text,
            result_format.name,
            *_dataset(prepared, default_graphs or (), named_graphs or ()),
            self._result_limit,
        )
        heavy = prepared.heavy or prepared.text in self._slow
        if heavy:
            cost = prepared.cost if prepared.heavy else self._learned
            worker = await self._acquire_heavy(cost)
        else:
            worker = await self._acquire()
        if not worker.process.is_alive():  # killed while idle (by an operator, the OOM killer)
            worker = self._swap(worker)
        loop = asyncio.get_running_loop()
        try:
            reply, seconds = await loop.run_in_executor(
                self._threads, worker.ask, request, self._timeout
            )
        except _Deadline:
            self._replace(worker)
            if not heavy:
                self._slow.remember(prepared.text)
            raise QueryTimeout(timeout=self._timeout) from None
        except _Died as died:
            self._replace(worker)
            if died.out_of_memory(self._memory_limit):
                raise QueryFailed(died.explain(self._memory_limit)) from None
            raise WorkerLost(died.explain(self._memory_limit)) from None
        except asyncio.CancelledError:
            # The client went away: stop its query rather than let it hold the worker.
            self._replace(worker)
            raise
        if not heavy and seconds > self._light_budget:
            self._slow.remember(prepared.text)  # it looked light: next time it takes the heavy lane
        self._release(worker)
        return self._unpack(reply)

    def close(self) -> None:
        """Kill every worker and stop waiting; queries still waiting fail with QueryFailed."""
        self._closed = True
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
        if len(self._waiters) >= self._max_queue:
            raise Overloaded(waiting=len(self._waiters))
        worker = await self._wait(self._waiters, timeout=None)
        assert worker is not None  # no timeout: only a handed-over worker ends the wait
        return worker

    async def _acquire_heavy(self, cost: Cost) -> _Worker:
        """A worker of the heavy lane, waited for at most one deadline."""
        if self._idle_heavy:
            return self._idle_heavy.popleft()
        if len(self._heavy_waiters) >= self._heavy_queue:
            raise TooManyHeavyQueries(
                limit=self._heavy_workers, waiting=len(self._heavy_waiters), cost=cost
            )
        worker = await self._wait(self._heavy_waiters, timeout=self._timeout)
        if worker is None:
            raise TooManyHeavyQueries(
                limit=self._heavy_workers, waiting=len(self._heavy_waiters), cost=cost
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
        nice = self._heavy_nice if heavy else 0
        return _Worker.start(
            self._store_path, memory_limit=self._memory_limit, heavy=heavy, nice=nice
        )

    def _replace(self, worker: _Worker) -> None:
        """Kill ``worker`` and put a fresh one in its place (unless closing)."""
        if not self._closed:
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


def _check_format(form: QueryForm, result_format: Format) -> None:
    wanted = "graph" if form.answers_graph else "results"
    if result_format.kind != wanted:
        raise NotAcceptable([fmt for fmt in FORMATS if fmt.kind == wanted])


def _dataset(
    prepared: PreparedQuery, default_graphs: tuple[str, ...] | list[str], named_graphs: object
) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    """The dataset per SPARQL 1.1 Protocol §2.1.4: protocol parameters, else FROM, else union."""
    protocol: tuple[tuple[str, ...], tuple[str, ...]] = (
        tuple(default_graphs),
        tuple(named_graphs),  # type: ignore[arg-type]
    )
    if any(protocol):
        return protocol
    query = (prepared.default_graphs, prepared.named_graphs)
    if any(query):
        return query
    return None, None


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
    """One worker process and the pipe to it; ``ask`` blocks, so it runs in a thread."""

    warned = False

    def __init__(self, process: BaseProcess, conn: Connection, *, heavy: bool) -> None:
        self.process = process
        self.conn = conn
        self.heavy = heavy
        self.ready = False

    @classmethod
    def start(
        cls, store_path: Path, *, memory_limit: int | None, heavy: bool, nice: int
    ) -> _Worker:
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        process = context.Process(
            target=_serve,
            args=(theirs, str(store_path), memory_limit, nice),
            name="kg-query-worker",
            daemon=True,
        )
        process.start()
        theirs.close()
        return cls(process, ours, heavy=heavy)

    def ask(self, request: _Request, timeout: float) -> tuple[tuple[object, ...], float]:
        """Send ``request``, wait at most ``timeout`` seconds: the reply and the seconds it took.

        A fresh worker's start-up is neither part of the deadline nor of the time returned.
        """
        try:
            if not self.ready:
                self._await_ready()
            started = time.monotonic()
            self.conn.send(request)
            if not self.conn.poll(timeout):
                raise _Deadline
            reply: tuple[object, ...] = self.conn.recv()
        except (EOFError, OSError):
            self.process.join(timeout=5)
            raise _Died(self.process.exitcode, starting=not self.ready) from None
        return reply, time.monotonic() - started

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


# --- inside the worker process ------------------------------------------------------------------


def _serve(conn: Connection, store_path: str, memory_limit: int | None, nice: int) -> None:
    """Worker main: cap memory, lower priority, cut the network, open the store, answer requests."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which stops us
    if nice:
        os.nice(nice)  # one-way for an unprivileged process: this worker stays in the heavy lane
    if memory_limit is not None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    note = _isolate_network()
    try:
        store = pyoxigraph.Store.read_only(store_path)
    except OSError as error:
        conn.send(("failed", f"cannot open the store at {store_path}: {error}"))
        return
    conn.send(("ready", note))
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        conn.send(_answer(store, request))


_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000


def _isolate_network() -> str | None:
    """Enter a new user and network namespace (no interfaces up); say why not when refused."""
    uid, gid = os.getuid(), os.getgid()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) != 0:
        reason = os.strerror(ctypes.get_errno())
        return f"no network isolation (unshare: {reason}); SERVICE is refused by the query gate"
    # Map our own ids, so the store's files stay ours inside the namespace.
    try:
        for name, content in (
            ("setgroups", "deny"),
            ("uid_map", f"{uid} {uid} 1"),
            ("gid_map", f"{gid} {gid} 1"),
        ):
            Path("/proc/self", name).write_text(content)
    except OSError as error:
        return f"network isolated, but the user ids could not be mapped: {error}"
    return None


_SYNTAX = re.compile(r"^error at (\d+):(\d+): (.*)$", re.DOTALL)


def _answer(store: pyoxigraph.Store, request: _Request) -> tuple[object, ...]:
    fmt = by_name(request.format_name)
    options: dict[str, object] = {"use_default_graph_as_union": True}
    if request.default_graphs is not None or request.named_graphs is not None:
        options = {
            "default_graph": [pyoxigraph.NamedNode(iri) for iri in request.default_graphs or ()],
            "named_graphs": [pyoxigraph.NamedNode(iri) for iri in request.named_graphs or ()],
        }
    try:
        results = store.query(request.query, **options)  # type: ignore[arg-type]
        return ("ok", write_answer(results, fmt, limit=request.result_limit))
    except SyntaxError as error:
        found = _SYNTAX.match(str(error))
        if found is None:
            return ("syntax", str(error), None, None)
        return ("syntax", found[3], int(found[1]), int(found[2]))
    except ResultTooLarge as error:
        return ("too_large", error.unit)
    except CannotWrite as error:  # the format cannot carry this answer: a 406, not a crash
        return ("cannot_write", fmt.name, error.reason)
    except MemoryError:
        return ("failed", "out of memory")
    except (OSError, RuntimeError, ValueError) as error:
        # pyoxigraph's evaluation errors (unsupported function, store error).
        return ("failed", str(error))
