"""RDFS subclass/subproperty entailments and inverse properties, materialised in one pass.

The closures of the class and property hierarchies are computed once from the schema triples; every
data triple is then visited once, so the cost grows with the data, not with the hierarchy's depth.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from rdflib import Graph, Literal, URIRef
from rdflib.graph import _TripleType
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

__all__ = ["materialise"]


def _closure(edges: dict[Node, set[Node]]) -> dict[Node, set[Node]]:
    """Every node's strict ancestors along ``edges`` (child -> parents), cycles tolerated."""
    result: dict[Node, set[Node]] = {}
    for start in edges:
        seen: set[Node] = set()
        stack = list(edges[start])
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(edges.get(node, ()))
        seen.discard(start)
        result[start] = seen
    return result


def materialise(graph: Graph | Iterable[_TripleType]) -> Iterator[_TripleType]:
    """Yield the entailed triples of ``graph`` that it does not already assert.

    >>> from rdflib import Namespace
    >>> ex = Namespace("http://example.org/")
    >>> g = Graph()
    >>> for t in [(ex.Academy, RDFS.subClassOf, ex.Org), (ex.Org, RDFS.subClassOf, ex.Agent),
    ...           (ex.cas, RDF.type, ex.Academy), (ex.party, OWL.inverseOf, ex.partyTo),
    ...           (ex.p1, ex.party, ex.cas)]:
    ...     _ = g.add(t)
    >>> sorted(str(o) for s, p, o in materialise(g) if p == RDF.type)
    ['http://example.org/Agent', 'http://example.org/Org']
    >>> (ex.cas, ex.partyTo, ex.p1) in set(materialise(g))
    True
    """
    triples = list(graph)
    asserted = set(triples)
    superclasses: dict[Node, set[Node]] = defaultdict(set)
    superproperties: dict[Node, set[Node]] = defaultdict(set)
    inverses: dict[Node, set[Node]] = defaultdict(set)
    for s, p, o in triples:
        if p == RDFS.subClassOf and isinstance(o, URIRef):
            superclasses[s].add(o)
        elif p == RDFS.subPropertyOf and isinstance(o, URIRef):
            superproperties[s].add(o)
        elif p == OWL.inverseOf and isinstance(o, URIRef):
            inverses[s].add(o)
            inverses[o].add(s)
    class_closure = _closure(superclasses)
    property_closure = _closure(superproperties)

    def property_entailments(p: Node) -> tuple[set[Node], set[Node]]:
        """(properties s p o entails s q o for, properties it entails o q s for)."""
        forward = property_closure.get(p, set())
        backward: set[Node] = set()
        for q in {p} | forward:
            for inverse in inverses.get(q, ()):
                backward |= {inverse} | property_closure.get(inverse, set())
        return forward, backward

    cache: dict[Node, tuple[set[Node], set[Node]]] = {}
    emitted: set[_TripleType] = set()
    for s, p, o in triples:
        new: list[_TripleType] = []
        if p == RDF.type:
            new.extend((s, RDF.type, c) for c in class_closure.get(o, ()))
        else:
            if p not in cache:
                cache[p] = property_entailments(p)
            forward, backward = cache[p]
            new.extend((s, q, o) for q in forward)
            if not isinstance(o, Literal):
                new.extend((o, q, s) for q in backward)
        for triple in new:
            if triple not in asserted and triple not in emitted:
                emitted.add(triple)
                yield triple
