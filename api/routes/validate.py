"""``/validate``: check a contribution against the shapes and the whole graph, store nothing.

``POST /validate`` takes Turtle (``text/turtle``) or JSON-LD (``application/ld+json``, inline
contexts only: nothing is fetched) or the page's form, and answers the report of ``kg validate``
as JSON (the ``--format json`` document), plain text, or HTML, by ``Accept``. ``GET /validate`` is
a form to paste data into; it works without JavaScript.

Limits: the body is capped by the app's BodyLimitMiddleware (``KG_MAX_BODY_BYTES``, 413); the
validation runs in a child process that is stopped at ``KG_QUERY_TIMEOUT`` seconds (503), so a
pathological contribution cannot hold a server thread or the event loop. Bodies are parsed by
:mod:`kg.graph.parsing`: a remote ``@context``, nesting past its limit or a term over 16 MiB is a
400 with its position. RDF/XML is refused (415), so no XML parser, and no entity, sees a body.
"""

from __future__ import annotations

import multiprocessing
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from api.deps import SettingsDep
from api.errors import ErrorAnswer, render_error
from kg.contrib.reporting import render
from kg.contrib.validation import ValidationReport, validate_contribution
from kg.errors import RdfSyntaxError
from kg.graph.loading import parse_text
from kg.graph.parsing import parse_quads
from kg.settings import Settings

__all__ = ["router", "ACCEPTED", "Contribution", "read_contribution"]

router = APIRouter()
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")

TURTLE, JSON_LD, FORM = "text/turtle", "application/ld+json", "application/x-www-form-urlencoded"
#: Content types a contribution may come in (the form posts ``data`` and ``syntax``).
ACCEPTED = (TURTLE, JSON_LD, FORM)
#: How a contribution is named in the report.
NAMES = {TURTLE: "contribution.ttl", JSON_LD: "contribution.jsonld"}


class ContributionError(Exception):
    """A body that cannot be validated: the answer to give (400 or 415)."""

    def __init__(self, answer: ErrorAnswer) -> None:
        super().__init__(answer.message)
        self.answer = answer


@dataclass(frozen=True)
class Contribution:
    """A body ready to validate: Turtle text (JSON-LD is converted) and the name to report."""

    name: str
    turtle: str
    #: The text as sent, when it is Turtle (for the unused-prefix check).
    original: str | None


def read_contribution(body: bytes, media_type: str) -> Contribution:
    """Parse ``body`` of ``media_type``; raises ContributionError (400 with position, or 415)."""
    if media_type not in (TURTLE, JSON_LD):
        shown = media_type or "no Content-Type"
        raise ContributionError(
            ErrorAnswer(
                415,
                f"cannot validate a {shown} body; send {TURTLE} or {JSON_LD} "
                f"(or the form of GET /validate as {FORM})",
            )
        )
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ContributionError(ErrorAnswer(400, f"body is not UTF-8 ({error.reason})")) from None
    name = NAMES[media_type]
    syntax = pyoxigraph.RdfFormat.TURTLE if media_type == TURTLE else pyoxigraph.RdfFormat.JSON_LD
    try:
        # The syntax check only; the child process builds the graph. Nothing is fetched: a
        # remote @context is refused, naming it (kg.graph.parsing).
        quads = parse_quads(text, syntax=syntax, path=name)
    except RdfSyntaxError as error:
        raise ContributionError(_syntax_answer(error.line, error.column, error.message)) from None
    if media_type == TURTLE:
        return Contribution(name, text, text)
    triples = pyoxigraph.serialize(
        [pyoxigraph.Triple(q.subject, q.predicate, q.object) for q in quads],
        format=pyoxigraph.RdfFormat.N_TRIPLES,
    )
    return Contribution(name, (triples or b"").decode("utf-8"), None)


def _syntax_answer(line: int | None, column: int | None, message: str) -> ErrorAnswer:
    return ErrorAnswer(400, f"syntax error: {message}", line=line, column=column)


def _validate_in_child(contribution: Contribution, settings: Settings, pipe: object) -> None:
    """The child process: parse, validate, send the report back."""
    parsed = parse_text(contribution.turtle, path=contribution.name)
    if contribution.original is None:
        parsed.subject_lines.clear()  # lines of the converted N-Triples would mislead
    report = validate_contribution(parsed, settings=settings, text=contribution.original)
    pipe.send(report)  # type: ignore[attr-defined]
    pipe.close()  # type: ignore[attr-defined]


def validate_with_deadline(
    contribution: Contribution, *, settings: Settings
) -> ValidationReport | None:
    """The report, or None when the validation did not finish within ``settings.query_timeout``.

    A child process rather than a thread: one past its deadline is stopped, not left running.
    """
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_validate_in_child, args=(contribution, settings, sender), daemon=True
    )
    child.start()
    sender.close()
    try:
        if receiver.poll(settings.query_timeout):
            try:
                return receiver.recv()  # type: ignore[no-any-return]
            except EOFError:
                raise RuntimeError(f"validation process died (exit {child.exitcode})") from None
        return None
    finally:
        receiver.close()
        if child.is_alive():
            child.terminate()
        child.join(5)


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
        503: {"description": "the validation did not finish within the time limit"},
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
        contribution = await run_in_threadpool(read_contribution, body, media_type)
    except ContributionError as error:
        if wants == "html":
            where = ""
            if error.answer.line is not None:
                where = f"line {error.answer.line}: "
                if error.answer.column is not None:
                    where = f"line {error.answer.line}, column {error.answer.column}: "
            message = where + error.answer.message
            return _page(
                request, data=data, syntax=syntax, status=error.answer.status, error=message
            )
        return render_error(request, error.answer)
    report = await run_in_threadpool(validate_with_deadline, contribution, settings=settings)
    if report is None:
        answer = ErrorAnswer(
            503,
            f"validation did not finish within {settings.query_timeout:g} s; "
            "send a smaller contribution, or run `kg validate` locally",
        )
        if wants == "html":
            return _page(request, data=data, syntax=syntax, status=503, error=answer.message)
        return render_error(request, answer)
    if wants == "html":
        return _page(request, data=data, syntax=syntax, report=render(report, fmt="text"))
    if wants == "text":
        return Response(render(report, fmt="text") + "\n", media_type="text/plain; charset=utf-8")
    return Response(render(report, fmt="json"), media_type="application/json")
