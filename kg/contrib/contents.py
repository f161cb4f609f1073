"""The ``contents`` check: a data file holds statements about things, in the project's terms.

What a data file may contain is a closed list, derived from ``ontology/`` and ``shapes/``
(:class:`kg.contrib.vocabulary.Vocabulary`):

- subjects are things (IRIs; :mod:`~kg.contrib.namespace` says which), never an ontology term;
- predicates are properties of the ontology or the shapes (or of a statement of provenance);
- the object of ``rdf:type`` is a class of the ontology or the shapes, never a literal;
- no ontology or shapes statements (``owl:imports``, ``owl:Class``, ``rdfs:subClassOf``, ``sh:*``):
  they would change what the data means or how it is checked, from a data file;
- blank nodes only as statements of provenance (:mod:`~kg.contrib.provenance`).

Every refusal says what is allowed instead. Misspelt terms of the ontology's own namespace are
the ``term`` check's (:mod:`~kg.contrib.terms`), which suggests the closest one.
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from kg.contrib.checks import closest_term
from kg.contrib.findings import Finding
from kg.contrib.lines import triple_line
from kg.contrib.provenance import STATEMENT
from kg.contrib.vocabulary import Vocabulary, is_schema_term
from kg.contrib.workspace import Workspace
from kg.graph.loading import ParsedFile

__all__ = ["check_contents"]


def check_contents(ws: Workspace, shapes: Graph) -> list[Finding]:
    """Everything in the given files that is not on the closed list, once per node and term."""
    vocabulary = Vocabulary.derive(ws.ontology, shapes, statement=STATEMENT)
    findings: dict[tuple[str, Node, Node], Finding] = {}
    for parsed in ws.given:
        for s, p, o in sorted(parsed.graph, key=lambda t: (str(t[0]), str(t[1]), str(t[2]))):
            for key, message, value in _refusals(ws, parsed, vocabulary, s, p, o):
                # A blank node is reported once, wherever it occurs; anything else per subject.
                seen = (str(parsed.path), key if isinstance(key, BNode) else s, key)
                if seen not in findings:
                    findings[seen] = ws.finding(
                        parsed,
                        s,
                        message=message,
                        path=None if key == s else p,
                        value=value,
                        check="contents",
                        line=None if key == s else triple_line(parsed, s, p, o),
                    )
    return list(findings.values())


def _refusals(
    ws: Workspace, parsed: ParsedFile, vocabulary: Vocabulary, s: Node, p: Node, o: Node
) -> list[tuple[Node, str, Node | None]]:
    """(what is refused, the message, the value to report) for one triple."""
    refused: list[tuple[Node, str, Node | None]] = []
    ontology = ws.settings.ontology_iri
    if isinstance(s, URIRef) and (s.startswith(ontology) or s == ontology.rstrip("#")):
        refused.append(
            (
                s,
                f"describes the ontology term {ws.show(s)}; a data file describes things "
                "(id:<slug>): define or change terms in ontology/",
                None,
            )
        )
    for node in (s, o):
        if isinstance(node, BNode) and (node, RDF.subject, None) not in parsed.graph:
            refused.append((node, _BLANK, None))
    if not isinstance(p, URIRef):
        return refused  # Turtle allows no other predicate
    if is_schema_term(p, vocabulary):
        refused.append((p, _schema(ws, p), None))
    elif p not in vocabulary.properties and not _misspelt(ws, p):
        refused.append((p, _unknown(ws, p, vocabulary.properties, "property"), None))
    if p in STATEMENT and (s, RDF.subject, None) not in parsed.graph:
        refused.append(
            (p, f"{ws.show(p)} belongs to a statement of provenance; {_STATEMENT}", None)
        )
    if p == RDF.type:
        refused.extend(_type_refusals(ws, vocabulary, o))
    return refused


def _type_refusals(
    ws: Workspace, vocabulary: Vocabulary, o: Node
) -> list[tuple[Node, str, Node | None]]:
    if isinstance(o, Literal):
        message = (
            f'the object of rdf:type is a literal ("{o}"); it must be a class of the ontology, '
            "written without quotes (a sc:Academy)"
        )
        return [(o, message, o)]
    if isinstance(o, URIRef) and is_schema_term(o, vocabulary):
        return [(o, _schema(ws, o), o)]
    if isinstance(o, URIRef) and o not in vocabulary.classes and not _misspelt(ws, o):
        return [(o, _unknown(ws, o, vocabulary.classes, "class"), o)]
    return []


_BLANK = (
    "a blank node: data names every thing by an IRI, so others can link to it; give it one, "
    "id:<slug> (a blank node may only be a statement of provenance, see CONTRIBUTING.md)"
)
_STATEMENT = (
    "give the node rdf:subject, rdf:predicate and rdf:object of the triple it backs, with "
    "prov:wasDerivedFrom and sc:quote (see CONTRIBUTING.md)"
)


def _schema(ws: Workspace, term: URIRef) -> str:
    if term.startswith(str(SH)):
        return (
            f"{ws.show(term)} belongs to a SHACL shape; data files hold no shapes or "
            "constraints: propose them in shapes/"
        )
    return (
        f"{ws.show(term)} makes an ontology statement; data files say nothing about the "
        "vocabulary and import nothing: propose the change in ontology/"
    )


def _misspelt(ws: Workspace, term: Node) -> bool:
    """A term of the ontology's namespace it does not define: the ``term`` check reports it."""
    return (
        isinstance(term, URIRef)
        and term.startswith(ws.settings.ontology_iri)
        and term not in ws.defined
    )


def _unknown(ws: Workspace, term: URIRef, allowed: frozenset[URIRef], role: str) -> str:
    shown = {ws.show(t) or "": t for t in allowed}
    closest = closest_term(ws.show(term) or "", shown)
    hint = f" (the closest is {closest})" if closest else ""
    if role == "class":
        return (
            f"{ws.show(term)} is not a class of the ontology; use one of its classes{hint}, "
            "or propose it in ontology/ first"
        )
    return (
        f"{ws.show(term)} is not a property of the ontology or the shapes; use one of "
        f"theirs{hint}, or propose it in ontology/ first"
    )
