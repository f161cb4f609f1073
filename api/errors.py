"""The one place where errors become HTTP answers.

Every error raised on purpose is a :class:`kg.errors.KGError` whose class carries its status
(``status``, inherited along the class hierarchy) and whether a retry may succeed (``retry``: a
``Retry-After`` header); the classes say why they have the status they have (see
:mod:`kg.query.errors` for the SPARQL ones). Anything else is unexpected: logged with its
traceback and answered 500.

Bodies are plain text (``line L, column C: message``), JSON when the client's ``Accept`` names
``application/json``, and, for a 404 asked for by a browser, the helpful not-found page.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import Response

from api import html
from kg.errors import KGError, NotFound
from kg.settings import Settings

__all__ = [
    "error_response",
    "ErrorAnswer",
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


def describe_error(error: KGError) -> ErrorAnswer:
    """The answer to ``error``: its class's status, its message and position.

    >>> from kg.query.errors import QuerySyntaxError, Overloaded
    >>> answer = describe_error(QuerySyntaxError("unexpected }", 2, 7))
    >>> answer.status, answer.message, answer.line, answer.column
    (400, 'syntax error in the query: unexpected }', 2, 7)
    >>> describe_error(Overloaded(waiting=3)).headers
    {'Retry-After': '5'}
    """
    return ErrorAnswer(
        error.status,
        error.client_message(),
        line=getattr(error, "line", None),
        column=getattr(error, "column", None),
        parameter=getattr(error, "parameter", None),
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)} if error.retry else {},
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


def _not_found_text(error: NotFound, settings: Settings) -> str:
    lines = [str(error)]
    if error.suggestions:
        shown = "; ".join(
            f"{label} <{html.link_for(iri, settings=settings) or iri}>"
            for iri, label in error.suggestions
        )
        lines.append(f"similar names: {shown}")
    if error.search:
        lines.append(f"search the labels: /api/search?{urlencode({'q': error.search})}")
    return "\n".join(lines)


async def _known(request: Request, error: Exception) -> Response:
    assert isinstance(error, KGError)
    return error_response(request, error)


def error_response(request: Request, error: KGError) -> Response:
    """The answer to a library error: its class's status, worded for what ``request`` accepts."""
    if isinstance(error, NotFound):
        if "text/html" in request.headers.get("accept", ""):
            return html.not_found_page(request, error)
        if not _wants_json(request):
            body = _not_found_text(error, request.app.state.service.settings) + "\n"
            return Response(body, status_code=404, media_type="text/plain; charset=utf-8")
    return render_error(request, describe_error(error))


async def _unexpected(request: Request, error: Exception) -> Response:
    log.exception("unexpected error answering %s %s", request.method, request.url.path)
    return render_error(request, ErrorAnswer(500, "internal error; it has been logged"))


def install_error_handlers(app: FastAPI) -> None:
    """Map every library error to its answer, and log anything else as a 500."""
    app.add_exception_handler(KGError, _known)
    app.add_exception_handler(Exception, _unexpected)
