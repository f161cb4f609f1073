"""In-store inference gives exactly the triples the Python pass gives, on the shipped data and on
hierarchies built to exercise every rule."""

from __future__ import annotations

import pyoxigraph
import pytest
from rdflib import Graph, Literal, Namespace
from rdflib.namespace import OWL, RDF, RDFS

from kg.graph.files import load_into, serving_paths
from kg.graph.inference import TABLES, materialise, materialise_in_store
from kg.graph.loading import inferred_graph_iri, load_dataset
from kg.settings import Settings

EX = Namespace("http://example.org/")
INFERRED = "http://example.org/graph/inferred"


def _store_of(graph: Graph) -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    store.bulk_load(
        graph.serialize(format="nt", encoding="utf-8"),
        pyoxigraph.RdfFormat.N_TRIPLES,
        to_graph=pyoxigraph.NamedNode("http://example.org/graph/asserted"),
    )
    return store


def _inferred(store: pyoxigraph.Store, iri: str) -> set[tuple[str, str, str]]:
    graph = Graph()
    text = store.dump(format=pyoxigraph.RdfFormat.N_TRIPLES, from_graph=pyoxigraph.NamedNode(iri))
    graph.parse(data=text, format="nt")
    return {(str(s), str(p), str(o)) for s, p, o in graph}


def _python(graph: Graph) -> set[tuple[str, str, str]]:
    return {(str(s), str(p), str(o)) for s, p, o in materialise(graph)}


@pytest.mark.parametrize("on_disk", [False, True], ids=["insert", "construct"])
def test_in_store_inference_equals_the_python_pass_on_the_shipped_data(
    settings: Settings, on_disk: bool
) -> None:
    dataset = load_dataset(settings)
    expected = {(str(s), str(p), str(o)) for s, p, o in dataset.graph(inferred_graph_iri(settings))}
    store = pyoxigraph.Store()
    load_into(store, serving_paths(settings), settings)
    size = materialise_in_store(
        store, inferred_graph=str(inferred_graph_iri(settings)), on_disk=on_disk
    )
    found = _inferred(store, str(inferred_graph_iri(settings)))
    assert found == expected
    assert size == len(expected) > 1000
    # what a query for all actors relies on: the Academy is an Actor by inference
    cas = "https://w3id.org/scicoop/id/chinese-academy-of-sciences"
    assert (cas, str(RDF.type), "https://w3id.org/scicoop/ontology#Actor") in found


@pytest.mark.parametrize("on_disk", [False, True], ids=["insert", "construct"])
def test_every_rule_fires_as_in_python(on_disk: bool) -> None:
    graph = Graph()
    for triple in [
        (EX.Academy, RDFS.subClassOf, EX.Institution),
        (EX.Institution, RDFS.subClassOf, EX.Organisation),
        (EX.Organisation, RDFS.subClassOf, EX.Actor),
        (EX.Actor, RDFS.subClassOf, EX.Academy),  # a cycle is tolerated
        (EX.memberOf, RDFS.subPropertyOf, EX.orgMemberOf),
        (EX.orgMemberOf, OWL.inverseOf, EX.orgHasMember),
        (EX.orgHasMember, RDFS.subPropertyOf, EX.related),
        (EX.party, OWL.inverseOf, EX.partyTo),
        (EX.cas, RDF.type, EX.Academy),
        (EX.cas, RDF.type, EX.Organisation),  # asserted: not repeated
        (EX.cas, EX.memberOf, EX.alliance),
        (EX.p1, EX.party, EX.cas),
        (EX.p1, EX.party, Literal("not a node")),  # literals are never subjects
    ]:
        graph.add(triple)
    store = _store_of(graph)
    materialise_in_store(store, inferred_graph=INFERRED, on_disk=on_disk)
    found = _inferred(store, INFERRED)
    assert found == _python(graph)
    assert (str(EX.alliance), str(EX.related), str(EX.cas)) in found
    assert (str(EX.cas), str(EX.partyTo), str(EX.p1)) in found
    assert (str(EX.cas), str(RDF.type), str(EX.Organisation)) not in found
    assert not any(s == "not a node" for s, _, _ in found)


def test_rerun_replaces_the_inferred_graph_and_leaves_no_scratch_graph() -> None:
    graph = Graph()
    graph.add((EX.A, RDFS.subClassOf, EX.B))
    graph.add((EX.x, RDF.type, EX.A))
    store = _store_of(graph)
    assert materialise_in_store(store, inferred_graph=INFERRED) == 1
    store.remove(
        pyoxigraph.Quad(
            pyoxigraph.NamedNode(str(EX.x)),
            pyoxigraph.NamedNode(str(RDF.type)),
            pyoxigraph.NamedNode(str(EX.A)),
            pyoxigraph.NamedNode("http://example.org/graph/asserted"),
        )
    )
    assert materialise_in_store(store, inferred_graph=INFERRED) == 0
    assert TABLES not in set(store.named_graphs())
