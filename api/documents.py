"""RDF documents as answers: the formats a document offers, negotiation with a forced extension,
the linked-data headers (ETag, Last-Modified, Vary, Link to the alternates and the licence) and
304s, shared by the routers that serve documents.
"""

from __future__ import annotations

from collections.abc import Callable
from email.utils import format_datetime, parsedate_to_datetime
from functools import partial

from fastapi import Request
from fastapi.responses import Response
from pyoxigraph import Triple
from starlette.concurrency import run_in_threadpool

from api.caching import cache_headers, etag_for, matches_if_none_match
from api.deps import Graph
from api.html import languages
from api.responses import content_type
from kg.describe.jsonld import jsonld_context, serialize
from kg.describe.resources import licence
from kg.query.formats import FORMATS, Format, negotiate
from kg.settings import Settings

__all__ = [
    "DOCUMENT_FORMATS",
    "BY_EXTENSION",
    "split_extension",
    "negotiated",
    "not_modified",
    "rdf_answer",
    "jsonld_context_of",
]

#: What a document offers, the default first (what ``*/*`` gets).
DOCUMENT_FORMATS: tuple[Format, ...] = tuple(
    next(fmt for fmt in FORMATS if fmt.name == name)
    for name in ("ttl", "jsonld", "nt", "rdf", "html")
)
BY_EXTENSION = {fmt.extensions[0]: fmt for fmt in DOCUMENT_FORMATS}


def split_extension(name: str) -> tuple[str, Format | None]:
    """``slug.ext`` → (slug, forced format); an extension we do not offer is kept in the slug,
    so it fails the slug check and answers 404."""
    stem, dot, extension = name.rpartition(".")
    if dot and extension in BY_EXTENSION:
        return stem, BY_EXTENSION[extension]
    return name, None


def _link_header(path: str, *, licence_iri: str | None) -> str:
    links = [
        f'<{path}.{fmt.extensions[0]}>; rel="alternate"; type="{fmt.media_type}"'
        for fmt in DOCUMENT_FORMATS
    ]
    links.append('</.well-known/void>; rel="describedby"; type="text/turtle"')
    if licence_iri:
        links.append(f'<{licence_iri}>; rel="license"')
    return ", ".join(links)


def not_modified(request: Request, *, etag: str, graph: Graph) -> bool:
    if request.headers.get("if-none-match") is not None:
        return matches_if_none_match(request.headers.get("if-none-match"), etag)
    since = request.headers.get("if-modified-since")
    if not since:
        return False
    try:
        return graph.loaded_at <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False


async def rdf_answer(
    request: Request,
    *,
    graph: Graph,
    settings: Settings,
    key: str,
    path: str,
    fmt: Format,
    triples: Callable[[], list[Triple]],
    html: Callable[[dict[str, str]], Response] | None,
) -> Response:
    """The answer in ``fmt`` with the linked-data headers, or 304 when the client has it.

    ``key`` identifies the resource in the ETag; ``path`` is the document path the alternates
    hang off; ``triples`` (blocking) gives the content; ``html`` renders the page.
    """
    language = (
        ",".join(languages(request.headers.get("accept-language"))) if fmt.kind == "html" else ""
    )
    etag = etag_for(version=graph.version, query=key + "\x1f" + language, media_type=fmt.media_type)
    licence_iri = await graph.derive("licence", partial(licence, graph.store))
    headers = dict(cache_headers(etag))
    headers["Vary"] = "Accept, Accept-Language" if fmt.kind == "html" else "Accept"
    headers["Last-Modified"] = format_datetime(graph.loaded_at, usegmt=True)
    headers["Link"] = _link_header(path, licence_iri=licence_iri)
    if not_modified(request, etag=etag, graph=graph):
        return Response(status_code=304, headers=headers)
    if fmt.kind == "html":
        assert html is not None
        return html(headers)
    content = await run_in_threadpool(triples)
    context = None
    if fmt.name == "jsonld":
        context = await jsonld_context_of(graph, settings)
    body = await run_in_threadpool(
        lambda: serialize(content, fmt, settings=settings, context=context)
    )
    return Response(body, headers=headers, media_type=content_type(fmt))


async def jsonld_context_of(graph: Graph, settings: Settings) -> dict[str, object]:
    """The JSON-LD context of this version, built from the ontology once."""
    return await graph.derive(
        ("context", settings.base_iri),
        partial(jsonld_context, graph.store, graph.named_graphs, settings),
    )


def negotiated(request: Request, forced: Format | None, offered: tuple[Format, ...]) -> Format:
    return forced if forced is not None else negotiate(request.headers.get("accept"), list(offered))
