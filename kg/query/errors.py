"""Why a SPARQL query got no answer: typed errors the HTTP layer maps to status codes in one place.

Suggested mapping (SPARQL 1.1 Protocol §2.1.4 and what public endpoints do):
``QuerySyntaxError`` 400 · ``QueryRefused`` 403 (or 400) · ``NotAcceptable`` 406 ·
``Overloaded`` 503 with ``Retry-After`` · ``QueryTimeout`` 503 · ``ResultTooLarge`` 500 ·
``QueryFailed`` 500.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kg.errors import KGError

if TYPE_CHECKING:
    from kg.query.formats import Format

__all__ = [
    "QuerySyntaxError",
    "QueryRefused",
    "NotAcceptable",
    "Overloaded",
    "QueryTimeout",
    "ResultTooLarge",
    "QueryFailed",
    "WorkerLost",
]


@dataclass
class QuerySyntaxError(KGError):
    """A malformed query: the parser's message and where it stopped (1-based line and column)."""

    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return f"syntax error: {self.message}"
        return f"syntax error at line {self.line}, column {self.column}: {self.message}"


@dataclass
class QueryRefused(KGError):
    """A well-formed request this read-only endpoint will not run.

    ``reason`` is one of ``"update"``, ``"service"``, ``"dataset"`` or ``"escape"``.
    """

    reason: str
    message: str

    def __str__(self) -> str:
        return self.message


class NotAcceptable(KGError):
    """Nothing the client accepts is offered; the message lists what is (for a 406 body)."""

    def __init__(self, offered: Sequence[Format], *, accept: str | None = None) -> None:
        self.offered = list(offered)
        self.accept = accept
        types = ", ".join(fmt.media_type for fmt in self.offered)
        asked = f" (Accept: {accept})" if accept else ""
        super().__init__(f"none of the offered media types is acceptable{asked}; offered: {types}")


class Overloaded(KGError):
    """Every query worker is busy and the waiting line is full; retry later."""

    def __init__(self, *, waiting: int) -> None:
        self.waiting = waiting
        super().__init__(
            f"the endpoint is busy: {waiting} queries are already waiting; retry in a few seconds"
        )


class QueryTimeout(KGError):
    """The query ran past its deadline and was stopped."""

    def __init__(self, *, timeout: float) -> None:
        self.timeout = timeout
        super().__init__(
            f"the query was stopped after {timeout:g} s, the deadline of this endpoint; "
            "narrow it (more specific patterns, LIMIT) or run it on a local copy of the data"
        )


class ResultTooLarge(KGError):
    """More rows (SELECT) or triples (CONSTRUCT, DESCRIBE) than the endpoint returns."""

    def __init__(self, *, limit: int, unit: str) -> None:
        self.limit = limit
        self.unit = unit
        super().__init__(
            f"the result has more than {limit} {unit}, the limit of this endpoint; "
            f"add LIMIT {limit} (and OFFSET to page through it) or narrow the query"
        )


class QueryFailed(KGError):
    """The query could not be evaluated (an evaluation error, or the worker ran out of memory)."""


class WorkerLost(QueryFailed):
    """The process running the query was killed or crashed; a fresh one took its place.

    Nothing was wrong with the query: asking again is the remedy (answered 503 + Retry-After).
    """
