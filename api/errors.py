"""The one place where errors become HTTP answers.

Status codes, chosen per the SPARQL 1.1 Protocol (§2.1.4: 400 for a malformed query, 500 for a
failure while evaluating) and what public endpoints do (Apache Jena Fuseki answers a query that runs
past its deadline with 503; Wikidata with 500):

- 400 a malformed query (with the parser's line and column), a bad parameter, a foreign dataset IRI
- 403 an update, a SERVICE call, a FROM of a URL or file: refused on purpose, not malformed
- 406 nothing in ``Accept`` is offered (the body lists what is)
- 413 body or query too long
- 415 a POST body that carries no query
- 503 the graph is still loading, or the query queue is full: ``Retry-After`` says when to
  come back; 503 also for a query stopped at its deadline (as Fuseki), without ``Retry-After``,
  since the same query would be stopped again
- 500 a result over the cap (the query must be narrowed) or an evaluation failure, and anything
  unexpected, which is logged with its traceback

Bodies are plain text, or JSON when the client's ``Accept`` names ``application/json``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.responses import Response

from api.deps import GraphNotReady
from api.limits import BodyTooLarge, QueryTooLong
from api.protocol import ProtocolError, UnsupportedMediaType, UpdateRefused
from kg.query import errors as qe

__all__ = [
    "ErrorAnswer",
    "KNOWN_ERRORS",
    "describe_error",
    "render_error",
    "install_error_handlers",
]

log = logging.getLogger(__name__)

#: Seconds a client is asked to wait before retrying when the service is busy or loading.
RETRY_AFTER_SECONDS = 5


@dataclass(frozen=True)
class ErrorAnswer:
    """What to tell the client: status, message, where in the query, extra headers."""

    status: int
    message: str
    line: int | None = None
    column: int | None = None
    parameter: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def describe_error(error: Exception) -> ErrorAnswer:
    """The answer for one of :data:`KNOWN_ERRORS`."""
    retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    match error:
        case qe.QuerySyntaxError():
            return ErrorAnswer(
                400,
                f"syntax error in the query: {error.message}",
                line=error.line,
                column=error.column,
            )
        case qe.QueryRefused():
            return ErrorAnswer(403, str(error))
        case UpdateRefused():
            return ErrorAnswer(403, str(error))
        case ProtocolError():
            return ErrorAnswer(400, error.message, parameter=error.parameter)
        case qe.NotAcceptable():
            return ErrorAnswer(406, str(error))
        case BodyTooLarge() | QueryTooLong():
            return ErrorAnswer(413, str(error))
        case UnsupportedMediaType():
            return ErrorAnswer(415, str(error))
        case qe.Overloaded():
            return ErrorAnswer(503, str(error), headers=retry)
        case GraphNotReady():
            return ErrorAnswer(503, f"the graph is not ready: {error.reason}", headers=retry)
        case qe.QueryTimeout():
            return ErrorAnswer(503, str(error))
        case qe.ResultTooLarge():
            # Well-formed, but more than this endpoint answers: the client must narrow it.
            return ErrorAnswer(422, str(error))
        case qe.WorkerLost():
            return ErrorAnswer(503, str(error), headers=retry)
        case qe.QueryFailed():
            return ErrorAnswer(500, str(error))
    raise TypeError(f"not a known error: {type(error).__name__}")  # pragma: no cover


KNOWN_ERRORS: tuple[type[Exception], ...] = (
    qe.QuerySyntaxError,
    qe.QueryRefused,
    qe.NotAcceptable,
    qe.Overloaded,
    qe.QueryTimeout,
    qe.ResultTooLarge,
    qe.QueryFailed,
    UpdateRefused,
    ProtocolError,
    BodyTooLarge,
    QueryTooLong,
    UnsupportedMediaType,
    GraphNotReady,
)


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "").lower()


def render_error(request: Request, answer: ErrorAnswer) -> Response:
    """``answer`` as plain text (``line L, column C: message``) or JSON."""
    if _wants_json(request):
        payload = {
            "status": answer.status,
            "message": answer.message,
            "line": answer.line,
            "column": answer.column,
            "parameter": answer.parameter,
        }
        body = json.dumps({k: v for k, v in payload.items() if v is not None}, ensure_ascii=False)
        media_type = "application/json"
    else:
        where = ""
        if answer.line is not None and answer.column is not None:
            where = f"line {answer.line}, column {answer.column}: "
        elif answer.line is not None:
            where = f"line {answer.line}: "
        body = f"{where}{answer.message}\n"
        media_type = "text/plain; charset=utf-8"
    return Response(body, status_code=answer.status, headers=answer.headers, media_type=media_type)


async def _known(request: Request, error: Exception) -> Response:
    return render_error(request, describe_error(error))


async def _unexpected(request: Request, error: Exception) -> Response:
    log.exception("unexpected error answering %s %s", request.method, request.url.path)
    return render_error(request, ErrorAnswer(500, "internal error; it has been logged"))


def install_error_handlers(app: FastAPI) -> None:
    """Map every known error to its answer, and log anything else as a 500."""
    for kind in KNOWN_ERRORS:
        app.add_exception_handler(kind, _known)
    app.add_exception_handler(Exception, _unexpected)
