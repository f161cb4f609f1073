"""Reading a SPARQL 1.1 Protocol request: where the query, the dataset and the format come from.

https://www.w3.org/TR/sparql11-protocol/#query-operation: GET with ``?query=``, POST form-encoded
with ``query=``, or POST with the query as an ``application/sparql-query`` body; the dataset by
repeatable ``default-graph-uri`` and ``named-graph-uri``. Anything that would update is refused
here, before the query text is even parsed, because this endpoint is read-only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar
from urllib.parse import parse_qsl

from starlette.datastructures import QueryParams
from starlette.requests import Request

from kg.errors import KGError

__all__ = [
    "ProtocolRequest",
    "ProtocolError",
    "UpdateRefused",
    "UnsupportedMediaType",
    "read_request",
    "QUERY_MEDIA_TYPES",
]

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
#: The POST bodies a query may come in.
QUERY_MEDIA_TYPES = (FORM, SPARQL_QUERY)


class ProtocolError(KGError):
    """A request that breaks the protocol; ``parameter`` names the culprit."""

    status: ClassVar[int] = 400

    def __init__(self, message: str, *, parameter: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.parameter = parameter


class UpdateRefused(KGError):
    """A SPARQL Update request: this endpoint is read-only."""

    status: ClassVar[int] = 403

    def __init__(self, how: str) -> None:
        super().__init__(
            f"this endpoint is read-only: SPARQL Update is not accepted ({how}); "
            "the data changes only through reviewed changes to the repository's files"
        )


class UnsupportedMediaType(KGError):
    """A POST body of a type that carries no query."""

    status: ClassVar[int] = 415

    def __init__(self, media_type: str) -> None:
        shown = media_type or "no Content-Type"
        super().__init__(
            f"cannot read a query from a {shown} body; send {FORM} with query=, "
            f"or the query itself as {SPARQL_QUERY}"
        )
        self.media_type = media_type


@dataclass(frozen=True)
class ProtocolRequest:
    """What a protocol request asks: the query (None: no query), dataset and format wishes."""

    query: str | None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)


def _from_pairs(pairs: list[tuple[str, str]], *, url: QueryParams) -> ProtocolRequest:
    params: dict[str, list[str]] = {}
    for key, value in pairs:
        params.setdefault(key, []).append(value)
    if "update" in params:
        raise UpdateRefused("an update= parameter")
    queries = params.get("query", [])
    if len(queries) > 1:
        raise ProtocolError("give exactly one query= parameter", parameter="query")
    if queries and not queries[0].strip():
        raise ProtocolError("the query= parameter is empty", parameter="query")
    return ProtocolRequest(
        query=queries[0] if queries else None,
        default_graphs=params.get("default-graph-uri", []),
        named_graphs=params.get("named-graph-uri", []),
        # ``format`` is a convenience for browsers and download links; it may sit in the URL.
        formats=params.get("format", []) or url.getlist("format"),
    )


async def read_request(request: Request) -> ProtocolRequest:
    """Parse a GET or POST protocol request.

    Raises UpdateRefused, UnsupportedMediaType or ProtocolError (bad encoding, repeated query).
    """
    url = request.query_params
    if request.method in ("GET", "HEAD"):
        return _from_pairs(list(url.multi_items()), url=url)
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == SPARQL_UPDATE:
        raise UpdateRefused(f"a {SPARQL_UPDATE} body")
    if media_type not in QUERY_MEDIA_TYPES:
        raise UnsupportedMediaType(media_type)
    body = await request.body()
    try:
        text = body.decode("utf-8")
        pairs = (
            parse_qsl(text, keep_blank_values=True, errors="strict") if media_type == FORM else []
        )
    except UnicodeDecodeError as error:
        raise ProtocolError(
            f"the request body is not UTF-8 (byte {error.start})", parameter="body"
        ) from None
    if media_type == FORM:
        return _from_pairs(pairs, url=url)
    if "update" in url:
        raise UpdateRefused("an update= parameter")
    if not text.strip():
        raise ProtocolError(f"the {SPARQL_QUERY} body is empty", parameter="body")
    return ProtocolRequest(
        query=text,
        default_graphs=url.getlist("default-graph-uri"),
        named_graphs=url.getlist("named-graph-uri"),
        formats=url.getlist("format"),
    )
