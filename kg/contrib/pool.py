"""Validation for a server: worker processes that keep the graph loaded, a bounded number at once.

Each worker parses the data, the ontology and the shapes once (:func:`kg.contrib.validation.
load_context`) and then validates contribution after contribution against them, reloading only
when a file under ``ontology/``, ``shapes/`` or ``data/`` changes. At most ``workers``
validations run at once and ``queue`` more may wait, each for one deadline at most; past that a
request is refused with :class:`ValidationBusy` (503 with Retry-After), so a burst of
validations costs a fixed amount of memory and CPU and leaves the other cores to queries.
A validation still running at its deadline has its worker killed and replaced
(:class:`ValidationUnfinished`). Workers run at a lower CPU priority (``nice``).

A worker reads request bodies that anyone may send: rdflib's warning (with a traceback) for each
ill-typed literal is silenced there for good, so a body cannot flood the server's log.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import ClassVar

from kg.contrib.findings import ValidationReport
from kg.contrib.validation import load_context, validate_contribution
from kg.errors import KGError, RdfSyntaxError
from kg.graph.loading import parse_text, silence_ill_typed_literals
from kg.settings import Settings

__all__ = [
    "Job",
    "ValidationBusy",
    "ValidationPool",
    "ValidationUnfinished",
    "ValidationWorkerLost",
]

#: How long a fresh worker may take to load the graph before it is given up (not the deadline).
STARTUP_SECONDS = 300.0


class ValidationBusy(KGError):
    """Every validation worker is busy and the waiting line is full; retry later."""

    status: ClassVar[int] = 503
    retry: ClassVar[bool] = True

    def __init__(self, *, waiting: int) -> None:
        self.waiting = waiting
        super().__init__(
            f"the validator is busy: {waiting} validations are already waiting; retry in a few "
            "seconds, or run `kg validate` locally"
        )


class ValidationUnfinished(KGError):
    """The validation ran past its deadline; its worker was stopped (the same would be again)."""

    status: ClassVar[int] = 503

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        super().__init__(
            f"validation did not finish within {timeout:g} s; send a smaller contribution, or "
            "run `kg validate` locally"
        )


class ValidationWorkerLost(KGError):
    """A worker stopped without answering (out of memory, killed); it is replaced."""

    status: ClassVar[int] = 503
    retry: ClassVar[bool] = True

    def __init__(self, exitcode: int | None) -> None:
        self.exitcode = exitcode
        super().__init__(
            f"the validation worker stopped (exit {exitcode}) before it answered; retry, or run "
            "`kg validate` locally"
        )


@dataclass(frozen=True)
class Job:
    """One contribution to validate: Turtle text and the name it is reported under."""

    name: str
    turtle: str
    #: The text as sent, when it is Turtle (for the unused-prefix check); None for JSON-LD.
    original: str | None


class ValidationPool:
    """``workers`` validation processes over ``settings``; use it from one event loop."""

    def __init__(
        self, settings: Settings, *, workers: int, queue: int, timeout: float, nice: int = 0
    ) -> None:
        self.settings = settings
        self.workers = workers
        self.queue = queue
        self.timeout = timeout
        self.nice = nice
        self._idle: deque[_Worker] = deque(self._start() for _ in range(workers))
        self._waiting = 0
        self._places: asyncio.Semaphore | None = None  # made on first use, in the running loop

    async def validate(self, job: Job) -> ValidationReport:
        """The report on ``job``; raises ValidationBusy, ValidationUnfinished or
        ValidationWorkerLost."""
        if self._places is None:
            self._places = asyncio.Semaphore(self.workers)
        places = self._places
        if places.locked() and self._waiting >= self.queue:
            raise ValidationBusy(waiting=self._waiting)
        self._waiting += 1
        try:
            async with asyncio.timeout(self.timeout):
                await places.acquire()
        except TimeoutError:
            raise ValidationBusy(waiting=self._waiting - 1) from None
        finally:
            self._waiting -= 1
        worker = self._idle.popleft()
        running = asyncio.ensure_future(asyncio.to_thread(self._run, worker, job))
        # The place is free once the worker is back, not when a caller stops waiting for it.
        running.add_done_callback(lambda _: places.release())
        return await asyncio.shield(running)

    @property
    def pids(self) -> list[int | None]:
        """The process ids of the idle workers (for operators: they live across requests)."""
        return [worker.process.pid for worker in self._idle]

    def _run(self, worker: _Worker, job: Job) -> ValidationReport:
        """Blocking: wait for the worker to be loaded, then for its answer until the deadline."""
        try:
            worker.wait_ready()
            worker.conn.send(job)
            if not worker.conn.poll(self.timeout):
                worker.kill()
                worker = self._start()
                raise ValidationUnfinished(self.timeout)
            report: ValidationReport = worker.conn.recv()
            return report
        except (EOFError, OSError):
            worker.kill()
            lost = worker.process.exitcode
            worker = self._start()
            raise ValidationWorkerLost(lost) from None
        finally:
            self._idle.append(worker)

    def _start(self) -> _Worker:
        context = multiprocessing.get_context("spawn")
        mine, theirs = context.Pipe()
        process = context.Process(
            target=serve, args=(theirs, self.settings, self.nice), daemon=True, name="kg-validate"
        )
        process.start()
        theirs.close()
        return _Worker(process, mine)

    def close(self) -> None:
        """Stop every worker (those running a validation are stopped too)."""
        while self._idle:
            self._idle.popleft().kill()


class _Worker:
    def __init__(self, process: BaseProcess, conn: Connection) -> None:
        self.process = process
        self.conn = conn
        self.ready = False

    def wait_ready(self) -> None:
        """Wait for the worker's first message, sent once it has loaded the graph."""
        if not self.ready:
            if not self.conn.poll(STARTUP_SECONDS):
                raise EOFError("the validation worker did not start")
            self.conn.recv()
            self.ready = True

    def kill(self) -> None:
        self.conn.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)


def _fingerprint(settings: Settings) -> tuple[tuple[str, int, int], ...]:
    """Name, size and modification time of every file the context is read from."""
    found = []
    for folder in (settings.ontology_dir, settings.shapes_dir, settings.data_dir):
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file():
                stat = path.stat()
                found.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(found)


def serve(conn: Connection, settings: Settings, nice: int) -> None:
    """A worker's life: load the context, say so, then validate each job sent until the pipe
    closes."""
    if nice:
        os.nice(nice)
    silence_ill_typed_literals()
    fingerprint = _fingerprint(settings)
    context = load_context(settings)
    conn.send("ready")
    while True:
        try:
            job: Job = conn.recv()
        except EOFError:
            return
        if _fingerprint(settings) != fingerprint:
            fingerprint = _fingerprint(settings)
            context = load_context(settings)
        try:
            parsed = parse_text(job.turtle, path=job.name)
        except RdfSyntaxError as error:  # what Oxigraph accepted and rdflib does not
            conn.send(ValidationReport(files=[job.name], errors=[str(error)]))
            continue
        if job.original is None:  # lines of the converted N-Triples would mislead
            parsed.subject_lines.clear()
            parsed.lines = ()
        report = validate_contribution(
            parsed, settings=settings, text=job.original, context=context
        )
        conn.send(report)
