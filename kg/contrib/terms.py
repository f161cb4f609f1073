"""The ``term`` check: every class, property and value in the ontology's namespace is defined
there; a misspelt one is answered with the closest term (``did you mean sc:party?``)."""

from __future__ import annotations

from rdflib import URIRef
from rdflib.namespace import OWL, RDF
from rdflib.term import Node

from kg.contrib.checks import closest_term
from kg.contrib.findings import Finding
from kg.contrib.workspace import Workspace

__all__ = ["check_terms", "suggestion"]


def check_terms(ws: Workspace) -> list[Finding]:
    """Classes, properties and values in the ontology's namespace that it does not define."""
    namespace = ws.settings.ontology_iri
    findings: dict[tuple[str, Node, Node], Finding] = {}
    for parsed in ws.given:
        for s, p, o in parsed.graph:
            for term, role in ((p, "property"), (o, "class" if p == RDF.type else "value")):
                if not (isinstance(term, URIRef) and term.startswith(namespace)):
                    continue
                if term in ws.defined or (str(parsed.path), s, term) in findings:
                    continue
                findings[(str(parsed.path), s, term)] = ws.finding(
                    parsed,
                    s,
                    message=f"{ws.show(term)} is not a term of the ontology; "
                    + suggestion(ws, term, role)
                    + "check its spelling against ontology/ (or propose the term there first)",
                    path=p,
                    value=o,
                    check="term",
                )
    return list(findings.values())


def suggestion(ws: Workspace, term: URIRef, role: str) -> str:
    """``did you mean sc:party? `` for the closest ontology term of the same role."""
    namespace = ws.settings.ontology_iri
    if role == "property":
        kinds = {OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty}
    elif role == "class":
        kinds = {OWL.Class}
    else:
        kinds = set()
    candidates = [
        str(t)[len(namespace) :]
        for t in set(ws.ontology.subjects())
        if isinstance(t, URIRef)
        and t.startswith(namespace)
        and (not kinds or kinds & set(ws.ontology.objects(t, RDF.type)))
    ]
    closest = closest_term(str(term)[len(namespace) :], candidates)
    if closest is None:
        return ""
    return f"did you mean {ws.show(URIRef(namespace + closest))}? "
