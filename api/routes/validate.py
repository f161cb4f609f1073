"""``/validate``: check a contribution against the shapes and the whole graph, store nothing.

``POST /validate`` takes Turtle (``text/turtle``) or JSON-LD (``application/ld+json``, inline
contexts only: nothing is fetched) or the page's form, and answers the report of ``kg validate``
as JSON (the ``--format json`` document), plain text, or HTML, by ``Accept``. ``GET /validate`` is
a form to paste data into; it works without JavaScript.

Limits: the body is capped by the app's BodyLimitMiddleware (``KG_MAX_BODY_BYTES``, 413). The
validation runs in one of ``KG_VALIDATE_WORKERS`` worker processes that keep the graph and the
shapes loaded (:mod:`kg.contrib.pool`): ``KG_VALIDATE_QUEUE`` more may wait, and past that a
request is answered 503 with Retry-After at once; a validation still running at
``KG_QUERY_TIMEOUT`` seconds has its worker killed (503). Bodies are parsed by
:mod:`kg.graph.parsing`: a remote ``@context``, nesting past its limit or a term over 16 MiB is a
400 with its position. RDF/XML is refused (415), so no XML parser, and no entity, sees a body.
A UTF-8 byte order mark is read (and noted in the report).

Every refused request is logged on one line (``api.validate``) with its reason; nothing a client
sends puts a traceback in the log.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import ClassVar

import pyoxigraph
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from api.deps import SettingsDep
from api.errors import ErrorAnswer, describe_error, render_error
from kg.contrib.pool import (
    Job,
    ValidationPool,
)
from kg.contrib.reporting import render
from kg.errors import KGError
from kg.graph.loading import BOM
from kg.graph.parsing import parse_quads
from kg.settings import Settings

__all__ = ["router", "ACCEPTED", "read_contribution"]

#: One line per refused validation request, with its reason.
log = logging.getLogger("api.validate")

router = APIRouter()
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")

TURTLE, JSON_LD, FORM = "text/turtle", "application/ld+json", "application/x-www-form-urlencoded"
#: Content types a contribution may come in (the form posts ``data`` and ``syntax``).
ACCEPTED = (TURTLE, JSON_LD, FORM)
#: How a contribution is named in the report.
NAMES = {TURTLE: "contribution.ttl", JSON_LD: "contribution.jsonld"}


class UnsupportedContribution(KGError):
    """A body of a type that carries no RDF this validator reads."""

    status: ClassVar[int] = 415


class UnreadableContribution(KGError):
    """A body that is not UTF-8 text."""

    status: ClassVar[int] = 400


def read_contribution(body: bytes, media_type: str) -> Job:
    """Parse ``body`` of ``media_type``; raises UnsupportedContribution, UnreadableContribution
    and RdfSyntaxError (with line and column)."""
    if media_type not in (TURTLE, JSON_LD):
        shown = media_type or "no Content-Type"
        raise UnsupportedContribution(
            f"cannot validate a {shown} body; send {TURTLE} or {JSON_LD} "
            f"(or the form of GET /validate as {FORM})"
        )
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UnreadableContribution(f"body is not UTF-8 ({error.reason})") from None
    name = NAMES[media_type]
    syntax = pyoxigraph.RdfFormat.TURTLE if media_type == TURTLE else pyoxigraph.RdfFormat.JSON_LD
    # The syntax check only; a validation worker builds the graph. Nothing is fetched: a
    # remote @context is refused, naming it (kg.graph.parsing).
    quads = parse_quads(text.removeprefix(BOM), syntax=syntax, path=name)
    if media_type == TURTLE:
        return Job(name, text, text)
    triples = pyoxigraph.serialize(
        [pyoxigraph.Triple(q.subject, q.predicate, q.object) for q in quads],
        format=pyoxigraph.RdfFormat.N_TRIPLES,
    )
    return Job(name, (triples or b"").decode("utf-8"), None)


def _pool(request: Request, settings: Settings) -> ValidationPool:
    """The app's validation workers, started on the first validation."""
    pool: ValidationPool | None = getattr(request.app.state, "validation_pool", None)
    if pool is None:
        pool = ValidationPool(
            settings,
            workers=settings.validate_workers,
            queue=settings.validate_queue,
            timeout=settings.query_timeout,
            nice=settings.validate_nice,
        )
        request.app.state.validation_pool = pool
    return pool


def _refused(request: Request, answer: ErrorAnswer) -> None:
    """Log a refused request on one line: status, where, and why (never a traceback)."""
    where = f" line {answer.line}" if answer.line is not None else ""
    client = request.client.host if request.client else "-"
    reason = " ".join(answer.message.split())[:300]
    log.info("validate client=%s status=%d%s: %s", client, answer.status, where, reason)


def _wants(request: Request) -> str:
    """``html``, ``text`` or ``json`` (the default), by the first of them ``Accept`` names."""
    accept = request.headers.get("accept", "").lower()
    found = {
        kind: accept.find(media)
        for kind, media in (("html", "text/html"), ("text", "text/plain"), ("json", "json"))
        if media in accept
    }
    return min(found, key=found.__getitem__) if found else "json"


def _page(
    request: Request,
    *,
    data: str,
    syntax: str,
    report: str | None = None,
    status: int = 200,
    error: str | None = None,
) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        "validate.html",
        {"data": data, "syntax": syntax, "report": report, "error": error},
        status_code=status,
    )


@router.get("/validate", response_class=HTMLResponse, summary="A form to validate a contribution")
async def validate_form(request: Request) -> HTMLResponse:
    return _page(request, data="", syntax="turtle")


@router.post(
    "/validate",
    summary="Validate Turtle or JSON-LD against the shapes and the whole graph; nothing is stored",
    responses={
        200: {"description": "the report (JSON as `kg validate --format json`, text or HTML)"},
        400: {"description": "the body does not parse (line and column given)"},
        413: {"description": "the body is over the size limit"},
        415: {"description": "not Turtle, JSON-LD or the form"},
        503: {
            "description": "the validator is busy (with Retry-After), or the validation did not "
            "finish within the time limit"
        },
    },
)
async def validate_body(request: Request, settings: SettingsDep) -> Response:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    from_form = media_type == FORM
    data, syntax = "", "turtle"
    if from_form:
        # A field may be as large as the body cap allows (Starlette's own default is 1 MiB).
        form = await request.form(max_part_size=settings.max_body_bytes)
        data, syntax = str(form.get("data", "")), str(form.get("syntax", "turtle"))
        body, media_type = data.encode("utf-8"), JSON_LD if syntax == "jsonld" else TURTLE
    else:
        body = await request.body()
    wants = "html" if from_form else _wants(request)
    try:
        # Parsing is bounded by the body cap, but it is still CPU work: off the event loop.
        job = await run_in_threadpool(read_contribution, body, media_type)
        report = await _pool(request, settings).validate(job)
    except KGError as error:
        # Mapped as every error is (api.errors); the HTML form shows it on the page instead.
        answer = describe_error(error)
    else:
        if wants == "html":
            return _page(request, data=data, syntax=syntax, report=render(report, fmt="text"))
        if wants == "text":
            text = render(report, fmt="text") + "\n"
            return Response(text, media_type="text/plain; charset=utf-8")
        return Response(render(report, fmt="json"), media_type="application/json")
    _refused(request, answer)
    if wants == "html":
        where = ""
        if answer.line is not None:
            where = f"line {answer.line}: "
            if answer.column is not None:
                where = f"line {answer.line}, column {answer.column}: "
        page = _page(
            request, data=data, syntax=syntax, status=answer.status, error=where + answer.message
        )
        page.headers.update(answer.headers)
        return page
    return render_error(request, answer)
