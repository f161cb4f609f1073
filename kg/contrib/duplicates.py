"""The ``duplicate`` check: a given node with the label and the kind of another node."""

from __future__ import annotations

from rdflib import URIRef
from rdflib.namespace import RDFS
from rdflib.term import Node

from kg.contrib.checks import normalise_label, shown_visibly
from kg.contrib.findings import Finding
from kg.contrib.workspace import Workspace

__all__ = ["check_duplicates"]


def check_duplicates(ws: Workspace) -> list[Finding]:
    """A given node with the label (any language, normalised) and kind of another node.

    Reported once, on the later of two given nodes; context nodes count as earlier.
    """
    index: dict[tuple[frozenset[Node], str], list[URIRef]] = {}
    for node, label in ws.data.subject_objects(RDFS.label):
        kind = ws.kind(node)
        if isinstance(node, URIRef) and kind:
            nodes = index.setdefault((kind, normalise_label(str(label))), [])
            if node not in nodes:
                nodes.append(node)
    places = ws.places()
    findings: dict[tuple[Node, Node], Finding] = {}
    for parsed in ws.given:
        for node, label in parsed.graph.subject_objects(RDFS.label):
            kind = ws.kind(node)
            if not isinstance(node, URIRef) or not kind:
                continue
            here = ws.locate(node) or (None, None)
            for other in index.get((kind, normalise_label(str(label))), []):
                there = places.get(other, ("", None))
                later = other not in ws.given_subjects() or (there[0], there[1] or 0) < (
                    here[0] or "",
                    here[1] or 0,
                )
                if other == node or not later or (node, other) in findings:
                    continue
                kinds = ", ".join(sorted(ws.show(k) or "" for k in kind))
                findings[(node, other)] = Finding(
                    file=here[0],
                    line=here[1],
                    column=None,
                    severity="Warning",
                    message=f"probable duplicate of {ws.show(other)} "
                    f'({there[0]}:{there[1]}): same rdfs:label "{shown_visibly(str(label))}" '
                    f"and kind {kinds}; "
                    f"use {ws.show(other)} instead, or give each a label that tells "
                    "them apart",
                    node=ws.show(node),
                    path="rdfs:label",
                    value=ws.show(other),
                    check="duplicate",
                )
    return list(findings.values())
