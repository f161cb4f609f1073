"""Dereferenceable IRIs: ``/id/{slug}`` (303) → ``/doc/{slug}``, ``/ontology``, ``/graph/...``.

Following "Cool URIs for the Semantic Web": a thing's IRI answers 303 See Other to the document
about it, which negotiates Turtle, JSON-LD, N-Triples, RDF/XML or HTML by ``Accept`` (q-values,
``kg.query.formats.negotiate``) or by an extension that forces one. Answers carry ``Vary``, ``Link``
(alternates, describedby, license), ``ETag`` and ``Last-Modified``, and revalidate to 304.
The data's IRIs stay canonical (``settings.base_iri``) whatever host serves them.
"""

from __future__ import annotations

from email.utils import format_datetime
from functools import partial

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pyoxigraph import Triple
from starlette.concurrency import run_in_threadpool

from api.caching import cache_headers, etag_for
from api.deps import Graph, GraphDep, SettingsDep
from api.documents import (
    BY_EXTENSION,
    DOCUMENT_FORMATS,
    jsonld_context_of,
    negotiated,
    not_modified,
    rdf_answer,
    split_extension,
)
from api.html import render_graph, render_ontology, render_resource
from api.routing import get_and_head
from kg.describe.inferred import inferred_about
from kg.describe.network import Figure, sizing_figures
from kg.describe.resources import MAX_SLUG, SLUG, describe, exists, graph_content, ontology_triples
from kg.describe.search import similar
from kg.describe.terms import ontology_terms
from kg.errors import NotFound
from kg.query.formats import Format
from kg.settings import Settings

__all__ = ["router"]

router = APIRouter(tags=["linked data"])


async def _not_found(graph: Graph, settings: Settings, slug: str) -> NotFound:
    """The 404 for an unknown slug, with similar names (rendered by :mod:`api.errors`)."""
    shown = slug[:MAX_SLUG]
    suggestions = await run_in_threadpool(similar, graph.store, shown, under=settings.id_base)
    iri = settings.id_base + shown
    return NotFound(
        f"nothing in the graph is called {iri}",
        iri=iri,
        suggestions=suggestions,
        search=shown.replace("-", " "),
    )


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
        raise await _not_found(graph, settings, slug)
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
    slug, forced = split_extension(name)
    if not _valid_slug(slug):
        raise await _not_found(graph, settings, slug)
    iri = settings.id_base + slug
    fmt = negotiated(request, forced, DOCUMENT_FORMATS)
    triples = await graph.derive(("describe", iri), partial(describe, graph.store, iri))
    if not triples:
        raise await _not_found(graph, settings, slug)
    path = f"/doc/{slug}"
    # Only the page needs what inference added and the figures that size the thing.
    inferred: set[Triple] = set()
    figures: list[Figure] = []
    if fmt.kind == "html":
        inferred_graph = settings.graph_base + "inferred"
        inferred = await graph.derive(
            ("inferred about", iri),
            partial(inferred_about, graph.store, iri, inferred_graph=inferred_graph,
                    base=settings.base_iri),
        )  # fmt: skip
        figures = await graph.derive(
            ("figures", iri), partial(sizing_figures, graph.store, iri, base=settings.base_iri)
        )

    def html(headers: dict[str, str]) -> Response:
        return render_resource(
            request, triples, iri=iri, settings=settings, doc_path=path, headers=headers,
            inferred=inferred, figures=figures,
        )  # fmt: skip

    return await rdf_answer(
        request, graph=graph, settings=settings, key=iri, path=path, fmt=fmt,
        triples=lambda: triples, html=html,
    )  # fmt: skip


async def _ontology(
    request: Request, graph: Graph, settings: Settings, forced: Format | None
) -> Response:
    fmt = negotiated(request, forced, DOCUMENT_FORMATS)
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
    if extension not in BY_EXTENSION:
        offered = ", ".join(sorted(BY_EXTENSION))
        raise NotFound(f"no /ontology.{extension[:20]}: use one of {offered}")
    return await _ontology(request, graph, settings, BY_EXTENSION[extension])


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
    stem, forced = split_extension(path)
    iri = settings.graph_base + stem
    if iri not in graph.named_graphs:
        known = ", ".join("/graph/" + g[len(settings.graph_base) :] for g in graph.named_graphs)
        raise NotFound(f"no named graph {iri[:300]}; the graphs are {known}")
    fmt = negotiated(request, forced, DOCUMENT_FORMATS)
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
    if not_modified(request, etag=etag, graph=graph):
        return Response(status_code=304, headers=headers)
    body = await jsonld_context_of(graph, settings)
    return JSONResponse({"@context": body}, headers=headers, media_type="application/ld+json")
