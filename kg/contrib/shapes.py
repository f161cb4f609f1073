"""The ``shacl`` check: the shapes of ``shapes/`` over the data and its RDFS entailments."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import pyshacl
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from kg.contrib.findings import Finding, Severity
from kg.contrib.iris import looks_like_base
from kg.contrib.workspace import Workspace
from kg.errors import UnusableInputError
from kg.graph.inference import materialise
from kg.graph.loading import parse_text, quiet_ill_typed_literals
from kg.namespaces import BASE
from kg.settings import Settings

__all__ = ["load_shapes", "check_shapes"]


def load_shapes(paths: Sequence[Path], *, settings: Settings) -> Graph:
    """The shapes graph; shapes are written against the canonical base, which we swap for ours.

    Raises UnusableInputError (no shapes, an unreadable file) or RdfSyntaxError.
    """
    if not paths:
        raise UnusableInputError(f"{settings.shapes_dir}: no shapes files (.ttl)")
    shapes = Graph()
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise UnusableInputError(f"{path}: cannot read ({error})") from None
        for triple in parse_text(text.replace(BASE, settings.base_iri), path=path).graph:
            shapes.add(triple)
    return shapes


def check_shapes(ws: Workspace, shapes: Graph) -> list[Finding]:
    """SHACL over data and RDFS entailments: ``sh:class sc:Actor`` accepts an academy."""
    # The ontology goes into the data graph itself: pySHACL's ont_graph only copies class and
    # property axioms, not the closed vocabularies' individuals (sc:MoreThan a sc:Qualifier).
    graph = Graph()
    for triple in ws.ontology:
        graph.add(triple)
    for triple in _shacl_data(ws):
        graph.add(triple)
    for triple in materialise(graph):
        graph.add(triple)
    with quiet_ill_typed_literals():
        _conforms, results, _text = pyshacl.validate(
            graph,
            shacl_graph=shapes,
            inference="none",
            advanced=True,
            allow_warnings=True,
        )
    assert isinstance(results, Graph)
    findings: set[Finding] = set()
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        where = ws.locate(focus)
        if where is None:
            continue  # not defined in the files we report on
        file, line = where
        value = results.value(result, SH.value)
        if ws.dangling(value) or (
            isinstance(value, URIRef) and looks_like_base(value, ws.settings.base_iri)
        ):
            # The reference or namespace check says it better than "not an instance of sc:Actor".
            continue
        findings.add(
            Finding(
                file=file,
                line=line,
                column=None,
                severity=_severity(results.value(result, SH.resultSeverity)),
                message=_message(results, result),
                node=ws.show(focus),
                path=_show_path(ws, results, results.value(result, SH.resultPath)),
                value=None if value == focus else ws.show(value),
                shape=_show_shape(ws, shapes, results.value(result, SH.sourceShape)),
            )
        )
    return list(findings)


def _shacl_data(ws: Workspace) -> Iterable[tuple[Node, Node, Node]]:
    """The data SHACL needs to judge the given files' nodes: all of it, when they are all.

    For a contribution (a context of other files), that is the given triples, what the context
    says about their subjects, the context triples pointing at them (a claim about a given
    group), and the types of every node they link to (for ``sh:class``). pySHACL's own
    ``focus_nodes`` option cannot be used: it also filters the value nodes of nested shapes
    (``sh:or``), losing results. This subset is what makes ``--changed-since`` fast.
    """
    if not ws.context:
        return ws.data
    subjects = ws.given_subjects()
    triples = {t for p in ws.given for t in p.graph}
    for parsed in ws.context:
        for s, p, o in parsed.graph:
            if s in subjects or o in subjects:
                triples.add((s, p, o))
    linked: set[Node] = {o for _s, _p, o in triples if isinstance(o, URIRef)}
    linked |= {s for s, _p, _o in triples}
    for node in linked - subjects:
        for cls in ws.data.objects(node, RDF.type):
            triples.add((node, RDF.type, cls))
    return triples


def _severity(term: Node | None) -> Severity:
    if term == SH.Warning:
        return "Warning"
    if term == SH.Info:
        return "Info"
    return "Violation"


def _message(results: Graph, result: Node) -> str:
    """The shape's English message (pySHACL generates one when the shape has none)."""
    messages = sorted(
        results.objects(result, SH.resultMessage),
        key=lambda m: getattr(m, "language", None) != "en",
    )
    return str(messages[0]) if messages else "does not conform to the shape"


def _show_path(ws: Workspace, results: Graph, path: Node | None) -> str | None:
    inverse = results.value(path, SH.inversePath) if isinstance(path, BNode) else None
    if inverse is not None:
        return "^" + (ws.show(inverse) or "")
    return ws.show(path)


def _show_shape(ws: Workspace, shapes: Graph, shape: Node | None) -> str | None:
    """Name an anonymous property shape by the named node shape that holds it."""
    if isinstance(shape, BNode):
        shape = next(shapes.subjects(SH.property, shape), shape)
    return ws.show(shape)
