"""The terms a data file may use, read from the ontology and the shapes at run time.

Nothing is listed here that the ontology or the shapes already say, so a class or property added
to ``ontology/`` (or a property a new shape constrains) is accepted in data at once:

- properties: every term the ontology declares as a property (its own, and the external ones it
  builds on), every property a shape constrains (``sh:path``, ``sh:targetSubjectsOf``,
  ``sh:targetObjectsOf``), the few labelling properties
  every node carries (:data:`DESCRIBING`), and those of a provenance statement
  (:data:`kg.contrib.provenance.STATEMENT`);
- classes: every term the ontology declares as a class, every class a shape targets or requires
  (``sh:targetClass``, ``sh:class``), and ``rdf:Statement``.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS
from rdflib.term import Node

__all__ = ["DESCRIBING", "Vocabulary", "is_schema_term"]

#: Labelling and curation properties every described node may carry: used by the data since its
#: first files and named in CONTRIBUTING.md, though the ontology, being about cooperation, does
#: not declare them.
DESCRIBING = frozenset(
    [RDF.type, RDFS.label, RDFS.comment, SKOS.altLabel, SKOS.editorialNote, DCTERMS.language]
)
_PROPERTY_KINDS = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property)
_CLASS_KINDS = (OWL.Class, RDFS.Class)


@dataclass(frozen=True)
class Vocabulary:
    """The properties and classes a data file may use."""

    properties: frozenset[URIRef]
    classes: frozenset[URIRef]

    @classmethod
    def derive(
        cls, ontology: Graph, shapes: Graph, *, statement: frozenset[URIRef] = frozenset()
    ) -> Vocabulary:
        """The vocabulary of ``ontology`` and ``shapes``, with the ``statement`` properties."""
        properties = {
            s
            for kind in _PROPERTY_KINDS
            for s in ontology.subjects(RDF.type, kind)
            if isinstance(s, URIRef)
        }
        for path in shapes.objects(None, SH.path):
            properties |= _path_properties(shapes, path)
        # A shape that targets the subjects or objects of a property constrains its use too.
        for target in (SH.targetSubjectsOf, SH.targetObjectsOf):
            properties |= {o for o in shapes.objects(None, target) if isinstance(o, URIRef)}
        classes = {
            s
            for kind in _CLASS_KINDS
            for s in ontology.subjects(RDF.type, kind)
            if isinstance(s, URIRef)
        }
        for constraint in (SH.targetClass, SH["class"]):
            classes |= {o for o in shapes.objects(None, constraint) if isinstance(o, URIRef)}
        return cls(
            properties=frozenset(properties | DESCRIBING | statement),
            classes=frozenset(classes | {RDF.Statement}),
        )


def _path_properties(shapes: Graph, path: Node) -> set[URIRef]:
    """The properties a SHACL path names (inverse, sequence and alternative paths included)."""
    found: set[URIRef] = set()
    stack, seen = [path], set()
    while stack:
        node = stack.pop()
        if isinstance(node, URIRef):
            if node != RDF.nil and not node.startswith(str(SH)):
                found.add(node)
        elif isinstance(node, BNode) and node not in seen:
            seen.add(node)
            stack.extend(shapes.objects(node, None))
    return found


def is_schema_term(term: Node, vocabulary: Vocabulary) -> bool:
    """True for a term of OWL, SHACL, or RDF/RDFS beyond what data may use: a statement about a
    vocabulary or a shape, which belongs in ``ontology/`` or ``shapes/``."""
    if not isinstance(term, URIRef):
        return False
    if str(term).startswith((str(OWL), str(SH))):
        return True
    allowed = vocabulary.properties | vocabulary.classes
    return str(term).startswith((str(RDF), str(RDFS))) and term not in allowed
