"""Which format an answer is written in, and the Content-Type it is labelled with.

The formats themselves (media types, extensions, writers) come from ``kg.query.formats``; this
module only decides which of them a route offers and how a ``format`` parameter combines with
``Accept``.
"""

from __future__ import annotations

from collections.abc import Sequence

from api.protocol import ProtocolError
from kg.query import formats as kg_formats
from kg.query.formats import Format, by_name, negotiate

__all__ = [
    "by_media_type",
    "content_type",
    "graph_formats",
    "html_format",
    "result_formats_for",
    "select_format",
]

_RESULT_FORMS = {"SELECT", "ASK"}


def _form_name(form: object) -> str:
    return str(getattr(form, "name", form)).upper()


def _of_kind(kind: str) -> list[Format]:
    return [fmt for fmt in kg_formats.FORMATS if fmt.kind == kind]


def by_media_type(media_type: str) -> Format:
    """The table's format for ``media_type`` (KeyError when there is none)."""
    for fmt in kg_formats.FORMATS:
        if fmt.media_type == media_type:
            return fmt
    raise KeyError(media_type)


def html_format() -> Format:
    """The table's HTML format (the query page)."""
    return _of_kind("html")[0]


def result_formats_for(form: object) -> list[Format]:
    """The formats an answer to a query of ``form`` (SELECT, ASK, CONSTRUCT, DESCRIBE) can take."""
    return _of_kind("results") if _form_name(form) in _RESULT_FORMS else _of_kind("graph")


def graph_formats(*, with_html: bool = False) -> list[Format]:
    """The RDF formats, first the default; with the query page last when ``with_html``."""
    offered = _of_kind("graph")
    return [*offered, html_format()] if with_html else offered


def select_format(names: Sequence[str], *, accept: str | None, offered: Sequence[Format]) -> Format:
    """The ``format`` parameter when given (it wins over ``Accept``), else content negotiation.

    Raises ProtocolError naming the parameter when it names no offered format, and
    ``NotAcceptable`` (406) when nothing in ``Accept`` is offered.
    """
    if not names:
        return negotiate(accept, list(offered))
    choices = ", ".join(fmt.name for fmt in offered)
    for name in names:
        fmt = _lookup(name)
        if fmt is not None and fmt in offered:
            return fmt
    raise ProtocolError(
        f"format={names[0]} is not offered for this request; use one of {choices}",
        parameter="format",
    )


def _lookup(name: str) -> Format | None:
    try:
        return by_name(name)
    except LookupError:
        pass
    for fmt in kg_formats.FORMATS:
        if name == fmt.media_type or name.lstrip(".") in (e.lstrip(".") for e in fmt.extensions):
            return fmt
    return None


def content_type(fmt: Format) -> str:
    """``fmt``'s media type, with ``charset=utf-8`` because every format we write is text."""
    return f"{fmt.media_type}; charset=utf-8"
