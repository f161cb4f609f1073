"""Dereferenceable IRIs: ``/id/{slug}`` (303) → ``/doc/{slug}``, ``/ontology``, ``/graph/...``.

Following "Cool URIs for the Semantic Web": a thing's IRI answers 303 See Other to the document
about it, which negotiates Turtle, JSON-LD, N-Triples, RDF/XML or HTML by ``Accept`` (q-values,
``kg.query.formats.negotiate``) or by an extension that forces one. Answers carry ``Vary``, ``Link``
(alternates, describedby, license), ``ETag`` and ``Last-Modified``, and revalidate to 304.
The data's IRIs stay canonical (``settings.base_iri``) whatever host serves them.
"""

from __future__ import annotations

from collections.abc import Callable
from email.utils import format_datetime, parsedate_to_datetime
from functools import partial

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from pyoxigraph import Triple
from starlette.concurrency import run_in_threadpool

from api.caching import cache_headers, etag_for, matches_if_none_match
from api.deps import Graph, GraphDep, SettingsDep
from kg.describe.resources import (
    MAX_SLUG,
    SLUG,
    describe,
    exists,
    graph_content,
    jsonld_context,
    licence,
    ontology_terms,
    ontology_triples,
    serialize,
    similar,
)
from api.responses import content_type
from api.routes.pages import (
    get_and_head,
    languages,
    render_graph,
    render_not_found,
    render_ontology,
    render_resource,
)
from kg.query.formats import FORMATS, Format, negotiate
from kg.settings import Settings

__all__ = ["router", "DOCUMENT_FORMATS", "rdf_answer", "context_url"]

router = APIRouter(tags=["linked data"])

#: What a document offers, the default first (what ``*/*`` gets).
DOCUMENT_FORMATS: tuple[Format, ...] = tuple(
    next(fmt for fmt in FORMATS if fmt.name == name)
    for name in ("ttl", "jsonld", "nt", "rdf", "html")
)
_BY_EXTENSION = {fmt.extensions[0]: fmt for fmt in DOCUMENT_FORMATS}


def context_url(request: Request) -> str:
    """The absolute URL of the published JSON-LD context on this server."""
    return str(request.url_for("context"))


def _split(name: str) -> tuple[str, Format | None]:
    """``slug.ext`` → (slug, forced format); an extension we do not offer is kept in the slug,
    so it fails the slug check and answers 404."""
    stem, dot, extension = name.rpartition(".")
    if dot and extension in _BY_EXTENSION:
        return stem, _BY_EXTENSION[extension]
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


def _not_modified(request: Request, *, etag: str, graph: Graph) -> bool:
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
    if _not_modified(request, etag=etag, graph=graph):
        return Response(status_code=304, headers=headers)
    if fmt.kind == "html":
        assert html is not None
        return html(headers)
    content = await run_in_threadpool(triples)
    context = None
    if fmt.name == "jsonld":
        context = await _context(graph, settings)
    body = await run_in_threadpool(
        lambda: serialize(
            content, fmt, settings=settings, context=context, context_url=context_url(request)
        )
    )
    return Response(body, headers=headers, media_type=content_type(fmt))


async def _context(graph: Graph, settings: Settings) -> dict[str, object]:
    """The JSON-LD context of this version, built from the ontology once."""
    return await graph.derive(
        ("context", settings.base_iri),
        partial(jsonld_context, graph.store, graph.named_graphs, settings),
    )


def _negotiated(request: Request, forced: Format | None, offered: tuple[Format, ...]) -> Format:
    return forced if forced is not None else negotiate(request.headers.get("accept"), list(offered))


async def _not_found(request: Request, *, graph: Graph, settings: Settings, slug: str) -> Response:
    shown = slug[:MAX_SLUG]
    suggestions = await run_in_threadpool(similar, graph.store, shown, under=settings.id_base)
    iri = settings.id_base + shown
    if "text/html" in request.headers.get("accept", ""):
        return render_not_found(
            request, iri=iri, slug=shown, suggestions=suggestions, settings=settings
        )
    lines = [f"nothing in the graph is called {iri}"]
    if suggestions:
        lines.append(
            "similar names: "
            + "; ".join(
                f"{label} </id/{found[len(settings.id_base) :]}>" for found, label in suggestions
            )
        )
    lines.append(f"search the labels: /api/search?q={shown.replace('-', '+')}")
    return PlainTextResponse("\n".join(lines) + "\n", status_code=404)


def _valid_slug(slug: str) -> bool:
    return len(slug) <= MAX_SLUG and SLUG.match(slug) is not None


@get_and_head(
    router,
    "/id/{slug}",
    name="thing",
    summary="A thing's IRI: 303 See Other to its document",
)
async def thing(request: Request, slug: str, graph: GraphDep, settings: SettingsDep) -> Response:
    """httpRange-14: the IRI names the thing, not a document: 303 to ``/doc/{slug}``."""
    iri = settings.id_base + slug
    if not _valid_slug(slug) or not await run_in_threadpool(exists, graph.store, iri):
        return await _not_found(request, graph=graph, settings=settings, slug=slug)
    headers = {
        "Vary": "Accept",
        "Link": f'</doc/{slug}>; rel="describedby"',
        "Cache-Control": "public, max-age=3600",
    }
    return RedirectResponse(f"/doc/{slug}", status_code=303, headers=headers)


@get_and_head(
    router,
    "/doc/{name}",
    name="document",
    summary="The document describing a thing, negotiated",
)
async def document(request: Request, name: str, graph: GraphDep, settings: SettingsDep) -> Response:
    """The description of ``/id/{slug}`` in the negotiated format; ``.ttl|.jsonld|.nt|.rdf|.html``
    force one. 404 (with similar names) for an unknown slug or extension, 406 listing the offered
    types when nothing in ``Accept`` is offered."""
    slug, forced = _split(name)
    if not _valid_slug(slug):
        return await _not_found(request, graph=graph, settings=settings, slug=slug)
    iri = settings.id_base + slug
    fmt = _negotiated(request, forced, DOCUMENT_FORMATS)
    triples = await graph.derive(("describe", iri), partial(describe, graph.store, iri))
    if not triples:
        return await _not_found(request, graph=graph, settings=settings, slug=slug)
    path = f"/doc/{slug}"

    def html(headers: dict[str, str]) -> Response:
        return render_resource(
            request, triples, iri=iri, settings=settings, doc_path=path, headers=headers
        )

    return await rdf_answer(
        request, graph=graph, settings=settings, key=iri, path=path, fmt=fmt,
        triples=lambda: triples, html=html,
    )  # fmt: skip


async def _ontology(
    request: Request, graph: Graph, settings: Settings, forced: Format | None
) -> Response:
    fmt = _negotiated(request, forced, DOCUMENT_FORMATS)
    terms = None
    if fmt.kind == "html":
        terms = await graph.derive(
            ("ontology terms", settings.base_iri),
            partial(ontology_terms, graph.store, graph.named_graphs, settings),
        )

    def html(headers: dict[str, str]) -> Response:
        assert terms is not None
        return render_ontology(request, terms, settings=settings, headers=headers)

    return await rdf_answer(
        request, graph=graph, settings=settings, key=settings.base_iri + "ontology",
        path="/ontology", fmt=fmt,
        triples=lambda: ontology_triples(graph.store, graph.named_graphs, settings), html=html,
    )  # fmt: skip


@get_and_head(
    router,
    "/ontology",
    name="ontology",
    summary="The ontology document, negotiated",
)
async def ontology(request: Request, graph: GraphDep, settings: SettingsDep) -> Response:
    """Turtle, JSON-LD, N-Triples, RDF/XML, or the HTML page documenting every term (``#Term``)."""
    return await _ontology(request, graph, settings, None)


@get_and_head(
    router,
    "/ontology.{extension}",
    name="ontology_file",
    summary="The ontology in one format",
)
async def ontology_file(
    request: Request, extension: str, graph: GraphDep, settings: SettingsDep
) -> Response:
    """``/ontology.ttl|.jsonld|.nt|.rdf|.html``; another extension is 404."""
    if extension not in _BY_EXTENSION:
        offered = ", ".join(sorted(_BY_EXTENSION))
        return PlainTextResponse(
            f"no /ontology.{extension[:20]}: use one of {offered}\n", status_code=404
        )
    return await _ontology(request, graph, settings, _BY_EXTENSION[extension])


@get_and_head(
    router,
    "/graph/{path:path}",
    name="named_graph",
    summary="A named graph's content, negotiated",
)
async def named_graph(
    request: Request, path: str, graph: GraphDep, settings: SettingsDep
) -> Response:
    """The triples of ``{base}graph/{path}`` (one per file, and ``inferred``), as listed in the
    SPARQL service description; an extension forces the format."""
    stem, forced = _split(path)
    iri = settings.graph_base + stem
    if iri not in graph.named_graphs:
        known = ", ".join("/graph/" + g[len(settings.graph_base) :] for g in graph.named_graphs)
        return PlainTextResponse(
            f"no named graph {iri[:300]}; the graphs are {known}\n", status_code=404
        )
    fmt = _negotiated(request, forced, DOCUMENT_FORMATS)
    content = await run_in_threadpool(graph_content, graph.store, iri)

    def html(headers: dict[str, str]) -> Response:
        return render_graph(request, content, iri=iri, settings=settings, headers=headers)

    return await rdf_answer(
        request, graph=graph, settings=settings, key=iri, path="/graph/" + stem, fmt=fmt,
        triples=lambda: content, html=html,
    )  # fmt: skip


@get_and_head(
    router,
    "/context.jsonld",
    name="context",
    summary="The JSON-LD context of every JSON-LD answer",
)
async def context(request: Request, graph: GraphDep, settings: SettingsDep) -> Response:
    """Generated from the ontology: short keys for ``sc:`` terms, IRI coercion for object
    properties, language maps for labels and quotes."""
    etag = etag_for(version=graph.version, query="context", media_type="application/ld+json")
    headers = dict(cache_headers(etag))
    headers["Last-Modified"] = format_datetime(graph.loaded_at, usegmt=True)
    if _not_modified(request, etag=etag, graph=graph):
        return Response(status_code=304, headers=headers)
    body = await _context(graph, settings)
    return JSONResponse({"@context": body}, headers=headers, media_type="application/ld+json")
