"""Progress of long work: a bar on a terminal, a few plain log lines everywhere else.

Loading large files, ``kg push``, ``kg validate`` and the benchmark all report through
:func:`progress`, so they look alike and are silenced alike. On a terminal it is tqdm's bar. Where
nobody watches a bar (a pipe, a CI log, a service's journal) a bar would write thousands of
carriage returns, so it becomes INFO lines of the ``kg.progress`` logger instead: one at the
start, one at each tenth of the total (or after :data:`QUIET_SECONDS` without one) and one at the
end with the total and the seconds taken.

Two environment variables are read here, at each call, rather than through
:class:`kg.settings.Settings`: they are about the terminal, not the graph, and the benchmark,
which builds no settings, honours them too. ``KG_PROGRESS=off`` shows nothing; ``TERM=dumb`` (a
terminal that cannot redraw a line) gets the plain lines. ``NO_COLOR`` needs no reading: the bar
is never coloured. How large work must be to show progress is the caller's to say
(``KG_PROGRESS_MIN_BYTES``, :func:`progress_when`).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from tqdm import tqdm  # type: ignore[import-untyped]

__all__ = ["progress", "progress_when", "QUIET_SECONDS"]

log = logging.getLogger(__name__)

#: In plain lines, the longest silence while work goes on between two tenths of the total.
QUIET_SECONDS = 10.0
#: ``KG_PROGRESS`` values that silence progress.
_OFF = frozenset({"off", "0", "false", "no"})


@contextmanager
def progress(
    description: str,
    *,
    total: int | None = None,
    unit: str = "B",
    stream: TextIO | None = None,
) -> Iterator[Callable[[int], None]]:
    """Show the progress of ``description`` on ``stream`` (default: standard error).

    Yields ``advance(n)``: ``n`` more units are done. Bytes (``unit="B"``) are shown scaled
    (kB, MB); any other unit is a noun counted as it is (``"check"``: 3 of 12 checks).
    ``total`` is how many there will be, if known. When the block raises, the plain lines say
    where it stopped.

    Usage::

        with progress("loading", total=size) as advance:
            for block in blocks:
                ...
                advance(len(block))
    """
    stream = stream if stream is not None else sys.stderr
    if os.environ.get("KG_PROGRESS", "").strip().lower() in _OFF:
        yield _ignore
    elif _redraws(stream):
        with tqdm(
            total=total,
            desc=description,
            unit=unit,
            unit_scale=unit == "B",
            file=stream,
            dynamic_ncols=True,
            mininterval=0.5,
        ) as bar:
            yield bar.update
    else:
        with _reaching(stream):
            counter = _Counter(description, total=total, unit=unit)
            counter.line(f"{description}: {counter.amount()}")
            try:
                yield counter.advance
            except BaseException:
                counter.line(f"{description}: stopped at {counter.amount()} after {counter.age()}")
                raise
            counter.line(f"{description}: done, {counter.sized(counter.done)} in {counter.age()}")


@contextmanager
def progress_when(
    large: bool, description: str, *, total: int | None = None, unit: str = "B"
) -> Iterator[Callable[[int], None]]:
    """:func:`progress` for work that is ``large``; for other work an ``advance`` that shows
    nothing, so that the small curated data stays quiet in every log and test."""
    if not large:
        yield _ignore
        return
    with progress(description, total=total, unit=unit) as advance:
        yield advance


def _ignore(n: int) -> None:
    """The ``advance`` of progress that is not shown."""


def _redraws(stream: TextIO) -> bool:
    """Whether ``stream`` is a terminal that can redraw a bar in place: not a dumb one, and not
    one of no width (a pseudo-terminal nobody sized, where tqdm would draw nothing at all)."""
    try:
        if not stream.isatty() or os.environ.get("TERM", "") == "dumb":
            return False
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False
    try:
        return os.get_terminal_size(stream.fileno()).columns > 0
    except OSError:  # no file descriptor of its own (io.UnsupportedOperation): take its word
        return True


class _Counter:
    """Counts what is done; a line at each tenth of the total, or after a long silence."""

    def __init__(self, description: str, *, total: int | None, unit: str) -> None:
        self.description = description
        self.total = total
        self.unit = unit
        self.done = 0
        self.tenths = 0
        self.started = self.last_line = time.monotonic()

    def advance(self, n: int) -> None:
        self.done += n
        tenths = self.done * 10 // self.total if self.total else 0
        if tenths > self.tenths or time.monotonic() - self.last_line >= QUIET_SECONDS:
            self.tenths = max(tenths, self.tenths)
            self.line(f"{self.description}: {self.amount()}")

    def line(self, text: str) -> None:
        self.last_line = time.monotonic()
        log.info("%s", text)

    def amount(self) -> str:
        """``14.1MB of 141MB (10%)``; ``3 of 12 checks (25%)``; without a total ``14.1MB``."""
        if not self.total:
            return self.sized(self.done)
        done = self.sized(self.done) if self.unit == "B" else str(self.done)
        return f"{done} of {self.sized(self.total)} ({min(100, self.done * 100 // self.total)}%)"

    def sized(self, n: int) -> str:
        if self.unit == "B":
            return f"{n}B" if n < 1000 else tqdm.format_sizeof(n, suffix="B")
        return f"{n} {self.unit}{'' if n == 1 else 's'}"

    def age(self) -> str:
        return f"{time.monotonic() - self.started:.1f} s"


@contextmanager
def _reaching(stream: TextIO) -> Iterator[None]:
    """Make the lines reach ``stream`` when logging was left unconfigured (the ``kg`` command,
    a server worker); an application that configured logging gets them through its handlers."""
    if log.hasHandlers():
        yield
        return
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    level = log.level
    log.addHandler(handler)
    if level == logging.NOTSET:  # else someone chose it
        log.setLevel(logging.INFO)
    try:
        yield
    finally:
        log.removeHandler(handler)
        log.setLevel(level)
