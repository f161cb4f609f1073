"""Discovery: the VoID and DCAT description at ``/.well-known/void``, and full dumps.

``/dump.nq`` and ``/dump.trig`` hold every named graph (asserted files and the inferred graph),
streamed graph by graph; ``/dump.ttl`` is the union as plain triples, for tools without quads.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import cast

import pyoxigraph
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from pyoxigraph import Literal, NamedNode, Quad, Triple
from starlette.concurrency import run_in_threadpool

from api.caching import cache_headers, etag_for
from api.deps import Graph, GraphDep, SettingsDep
from api.documents import DOCUMENT_FORMATS, rdf_answer
from api.routing import get_and_head
from kg.describe.resources import all_quads, construct, licence, select
from kg.describe.terms import prefixes_for
from kg.query.answers import usable_prefixes
from kg.query.formats import by_name
from kg.settings import Settings

__all__ = ["router", "void_triples"]

router = APIRouter(tags=["discovery"])

_VOID = "http://rdfs.org/ns/void#"
_DCAT = "http://www.w3.org/ns/dcat#"
_DCTERMS = "http://purl.org/dc/terms/"
_RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_XSD_INTEGER = NamedNode("http://www.w3.org/2001/XMLSchema#integer")
#: Classes whose first instance is shown as a void:exampleResource.
_EXAMPLE_CLASSES = ("Academy", "Alliance", "Partnership", "Programme", "QuantitativeClaim")
_IANA = "https://www.iana.org/assignments/media-types/"
#: Quads serialized per chunk of a streamed dump.
CHUNK = 5000


def _count(value: int) -> Literal:
    return Literal(str(value), datatype=_XSD_INTEGER)


def void_triples(store: object, *, settings: Settings, server: str) -> list[Triple]:
    """The dataset's description (blocking). ``server`` is this server's base URL, for the
    endpoint and dumps; the dataset itself is named by its canonical IRI."""
    void, dcat, dcterms = (lambda t, ns=ns: NamedNode(ns + t) for ns in (_VOID, _DCAT, _DCTERMS))
    dataset = NamedNode(settings.base_iri + "dataset")
    (counts,) = select(store, "triple_counts")  # type: ignore[arg-type]
    triples = [
        Triple(dataset, _RDF_TYPE, void("Dataset")),
        Triple(dataset, _RDF_TYPE, dcat("Dataset")),
        Triple(dataset, dcterms("title"), Literal("SciCoop KG", language="en")),
        Triple(dataset, dcterms("description"), Literal(
            "A knowledge graph of international science-and-technology cooperation, every fact "
            "linked to the source sentence that supports it.", language="en")),
        Triple(dataset, void("uriSpace"), Literal(settings.id_base)),
        Triple(dataset, void("sparqlEndpoint"), NamedNode(server + "/sparql")),
        Triple(dataset, void("rootResource"), NamedNode(settings.base_iri + "ontology")),
        Triple(dataset, void("vocabulary"), NamedNode(settings.ontology_iri)),
        Triple(dataset, void("triples"), _count(int(counts["triples"].value))),
        Triple(dataset, void("entities"), _count(int(counts["entities"].value))),
        Triple(dataset, void("classes"), _count(int(counts["classes"].value))),
    ]  # fmt: skip
    licence_iri = licence(store)  # type: ignore[arg-type]
    if licence_iri:
        triples.append(Triple(dataset, dcterms("license"), NamedNode(licence_iri)))
    for name, media_type in (
        ("ttl", "text/turtle"),
        ("nq", "application/n-quads"),
        ("trig", "application/trig"),
    ):
        dump = NamedNode(f"{server}/dump.{name}")
        distribution = NamedNode(f"{server}/dump.{name}#distribution")
        triples += [
            Triple(dataset, void("dataDump"), dump),
            Triple(dataset, dcat("distribution"), distribution),
            Triple(distribution, _RDF_TYPE, dcat("Distribution")),
            Triple(distribution, dcat("downloadURL"), dump),
            Triple(distribution, dcat("mediaType"), NamedNode(_IANA + media_type)),
        ]  # fmt: skip
    for local in _EXAMPLE_CLASSES:
        rows = select(store, "instances", **{"class": settings.ontology_iri + local})  # type: ignore[arg-type]
        if rows and isinstance(rows[0]["instance"], NamedNode):
            triples.append(Triple(dataset, void("exampleResource"), rows[0]["instance"]))
    for index, row in enumerate(select(store, "class_counts")):  # type: ignore[arg-type]
        partition = pyoxigraph.BlankNode(f"class{index}")
        triples += [
            Triple(dataset, void("classPartition"), partition),
            Triple(partition, void("class"), row["class"]),
            Triple(partition, void("entities"), _count(int(row["count"].value))),
        ]
    return triples


def _server(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@get_and_head(
    router,
    "/.well-known/void",
    name="void",
    summary="VoID and DCAT description of the dataset",
)
async def void(request: Request, graph: GraphDep, settings: SettingsDep) -> Response:
    """Counts, example resources, the SPARQL endpoint, the dumps and the licence; negotiated."""
    from kg.query.formats import negotiate

    offered = [fmt for fmt in DOCUMENT_FORMATS if fmt.kind == "graph"]
    fmt = negotiate(request.headers.get("accept"), offered)
    server = _server(request)

    def triples() -> list[Triple]:
        return void_triples(graph.store, settings=settings, server=server)

    return await rdf_answer(
        request, graph=graph, settings=settings, key="void\x1f" + server,
        path="/.well-known/void", fmt=fmt, triples=triples, html=None,
    )  # fmt: skip


def _chunks(graph: Graph, settings: Settings, name: str) -> Iterator[bytes]:
    fmt = cast(pyoxigraph.RdfFormat, by_name(name).oxigraph)
    prefixes = prefixes_for(settings) if name == "trig" else None
    quads: Iterator[Quad] = all_quads(graph.store)
    # Grouped by graph, so each TriG chunk is whole graph blocks (N-Quads does not care).
    for _, group in itertools.groupby(quads, key=lambda q: q.graph_name):
        group_iter = iter(group)
        while batch := list(itertools.islice(group_iter, CHUNK)):
            usable = usable_prefixes(batch, prefixes) if prefixes else None
            yield cast(bytes, pyoxigraph.serialize(batch, format=fmt, prefixes=usable))


def _dump_headers(graph: Graph, name: str) -> dict[str, str]:
    headers = dict(cache_headers(etag_for(version=graph.version, query="dump", media_type=name)))
    headers["Content-Disposition"] = f'attachment; filename="scicoop-{graph.version}.{name}"'
    return headers


@get_and_head(
    router,
    "/dump.nq",
    name="dump_nq",
    summary="Every named graph, as N-Quads (streamed)",
)
async def dump_nq(graph: GraphDep, settings: SettingsDep) -> Response:
    """All named graphs, asserted and inferred; each quad names its graph."""
    return StreamingResponse(
        _chunks(graph, settings, "nq"),
        media_type="application/n-quads",
        headers=_dump_headers(graph, "nq"),
    )


@get_and_head(
    router,
    "/dump.trig",
    name="dump_trig",
    summary="Every named graph, as TriG (streamed)",
)
async def dump_trig(graph: GraphDep, settings: SettingsDep) -> Response:
    """All named graphs, asserted and inferred, with the project's prefixes."""
    return StreamingResponse(
        _chunks(graph, settings, "trig"),
        media_type="application/trig",
        headers=_dump_headers(graph, "trig"),
    )


@get_and_head(
    router,
    "/dump.ttl",
    name="dump_ttl",
    summary="The union of every graph, as Turtle",
)
async def dump_ttl(graph: GraphDep, settings: SettingsDep) -> Response:
    """Every distinct triple of the union (asserted and inferred), for tools without quads."""

    def build() -> bytes:
        triples = construct(graph.store, "union_triples")
        turtle = pyoxigraph.RdfFormat.TURTLE
        body = pyoxigraph.serialize(triples, format=turtle, prefixes=prefixes_for(settings))
        return cast(bytes, body)

    body = await run_in_threadpool(build)
    return Response(
        body, media_type="text/turtle; charset=utf-8", headers=_dump_headers(graph, "ttl")
    )
