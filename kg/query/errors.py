"""Why a SPARQL query got no answer: typed errors, each with the HTTP status it is answered with.

The statuses follow the SPARQL 1.1 Protocol (§2.1.4: 400 for a malformed query) and what public
endpoints do: ``QuerySyntaxError`` and ``QueryNotSupported`` 400 · ``QueryRefused`` 403 ·
``NotAcceptable`` 406 · ``ResultTooLarge`` and ``QueryOutOfMemory`` 422 (well-formed, but more
than this endpoint answers: narrow it) · ``Overloaded`` and ``WorkerLost`` 503 with
``Retry-After`` · ``QueryTimeout`` 503 without it (Fuseki's answer; the same query would be
stopped again) · ``QueryFailed`` 500, a failure of the server, not of the query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Protocol

from kg.errors import KGError

__all__ = [
    "QuerySyntaxError",
    "QueryNotSupported",
    "QueryRefused",
    "NotAcceptable",
    "Overloaded",
    "QueryTimeout",
    "ResultTooLarge",
    "QueryFailed",
    "QueryOutOfMemory",
    "WorkerLost",
]


class _Offered(Protocol):
    @property
    def media_type(self) -> str: ...


@dataclass
class QuerySyntaxError(KGError):
    """A malformed query: the parser's message and where it stopped (1-based line and column)."""

    status: ClassVar[int] = 400

    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return f"syntax error: {self.message}"
        return f"syntax error at line {self.line}, column {self.column}: {self.message}"

    def client_message(self) -> str:
        return f"syntax error in the query: {self.message}"


class QueryNotSupported(KGError):
    """A well-formed query this endpoint cannot run: nested too deeply or with too many patterns
    for the gate to read safely, or calling an extension function the engine lacks."""

    status: ClassVar[int] = 400


@dataclass
class QueryRefused(KGError):
    """A well-formed request this read-only endpoint will not run.

    ``reason`` is one of ``"update"``, ``"service"``, ``"dataset"``, ``"escape"`` or
    ``"function"``.
    """

    status: ClassVar[int] = 403

    reason: str
    message: str

    def __str__(self) -> str:
        return self.message


class NotAcceptable(KGError):
    """Nothing the client accepts is offered; the message lists what is (for a 406 body)."""

    status: ClassVar[int] = 406

    def __init__(self, offered: Sequence[_Offered], *, accept: str | None = None) -> None:
        self.offered = list(offered)
        self.accept = accept
        types = ", ".join(fmt.media_type for fmt in self.offered)
        asked = f" (Accept: {accept})" if accept else ""
        super().__init__(f"none of the offered media types is acceptable{asked}; offered: {types}")


class Overloaded(KGError):
    """Every query worker is busy and the waiting line is full; retry later."""

    status: ClassVar[int] = 503
    retry: ClassVar[bool] = True

    def __init__(self, *, waiting: int) -> None:
        self.waiting = waiting
        super().__init__(
            f"the endpoint is busy: {waiting} queries are already waiting; retry in a few seconds"
        )


class QueryTimeout(KGError):
    """The query ran past its deadline and was stopped."""

    status: ClassVar[int] = 503

    def __init__(self, *, timeout: float) -> None:
        self.timeout = timeout
        super().__init__(
            f"the query was stopped after {timeout:g} s, the deadline of this endpoint; "
            "narrow it (more specific patterns, LIMIT) or run it on a local copy of the data"
        )


class ResultTooLarge(KGError):
    """More rows (SELECT) or triples (CONSTRUCT, DESCRIBE) than the endpoint returns."""

    status: ClassVar[int] = 422

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

    status: ClassVar[int] = 503
    retry: ClassVar[bool] = True


class QueryOutOfMemory(QueryFailed):
    """The query outgrew the memory one query may use; asking again will not help, narrowing it
    will."""

    status: ClassVar[int] = 422
