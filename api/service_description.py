"""The SPARQL 1.1 Service Description of ``/sparql`` (https://www.w3.org/TR/sparql11-service-description/).

Built as triples from the live state (endpoint address, offered formats, named graphs), so it can
never drift from what the endpoint actually does.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph
from pyoxigraph import BlankNode, NamedNode, Triple

from kg.query.formats import Format

__all__ = ["W3C_FORMAT_IRIS", "service_description", "serialize"]

_SD = "http://www.w3.org/ns/sparql-service-description#"
_RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_W3C_FORMATS = "http://www.w3.org/ns/formats/"

#: Media type -> the W3C format IRI that names it (https://www.w3.org/ns/formats/).
W3C_FORMAT_IRIS: dict[str, str] = {
    "application/sparql-results+json": _W3C_FORMATS + "SPARQL_Results_JSON",
    "application/sparql-results+xml": _W3C_FORMATS + "SPARQL_Results_XML",
    "text/csv": _W3C_FORMATS + "SPARQL_Results_CSV",
    "text/tab-separated-values": _W3C_FORMATS + "SPARQL_Results_TSV",
    "text/turtle": _W3C_FORMATS + "Turtle",
    "application/n-triples": _W3C_FORMATS + "N-Triples",
    "application/ld+json": _W3C_FORMATS + "JSON-LD",
    "application/rdf+xml": _W3C_FORMATS + "RDF_XML",
    "application/n-quads": _W3C_FORMATS + "N-Quads",
    "application/trig": _W3C_FORMATS + "TriG",
}


def _sd(term: str) -> NamedNode:
    return NamedNode(_SD + term)


def service_description(
    *, endpoint: str, formats: Iterable[Format], named_graphs: Iterable[str]
) -> list[Triple]:
    """The triples describing the endpoint at ``endpoint``.

    The default graph is the union of every named graph (``sd:UnionDefaultGraph``).
    """
    # Fixed blank node labels: the same state always gives the same bytes, as its ETag promises.
    service, dataset, default_graph = (
        BlankNode("service"),
        BlankNode("dataset"),
        BlankNode("default"),
    )
    triples = [
        Triple(service, _RDF_TYPE, _sd("Service")),
        Triple(service, _sd("endpoint"), NamedNode(endpoint)),
        Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        Triple(service, _sd("feature"), _sd("UnionDefaultGraph")),
    ]
    for fmt in formats:
        iri = W3C_FORMAT_IRIS.get(fmt.media_type)
        if iri is not None:
            triples.append(Triple(service, _sd("resultFormat"), NamedNode(iri)))
    triples += [
        Triple(service, _sd("defaultDataset"), dataset),
        Triple(dataset, _RDF_TYPE, _sd("Dataset")),
        Triple(dataset, _sd("defaultGraph"), default_graph),
    ]
    graph_nodes = [(BlankNode(f"graph{number}"), name) for number, name in enumerate(named_graphs)]
    triples += [Triple(dataset, _sd("namedGraph"), node) for node, _ in graph_nodes]
    triples.append(Triple(default_graph, _RDF_TYPE, _sd("Graph")))
    for node, name in graph_nodes:
        triples += [
            Triple(node, _RDF_TYPE, _sd("NamedGraph")),
            Triple(node, _sd("name"), NamedNode(name)),
        ]
    return triples


def serialize(triples: list[Triple], *, rdf_format: pyoxigraph.RdfFormat) -> bytes:
    """``triples`` in ``rdf_format``, with the ``sd:`` prefix where the syntax has prefixes."""
    written = pyoxigraph.serialize(
        triples, format=rdf_format, prefixes={"sd": _SD, "formats": _W3C_FORMATS}
    )
    assert written is not None  # no output file given: the bytes are returned
    return written
