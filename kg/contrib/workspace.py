"""The graph of one validation run, and where each node of the given files is defined.

Every check module reads a :class:`Workspace`: the given files (reported on), the context files
(the rest of ``data/``, checked against), the ontology, and the helpers that locate a node at the
line of its block and show a term as the report writes it (``id:cas``, ``sc:party``).
"""

from __future__ import annotations

from pathlib import Path

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, NamespaceManager
from rdflib.term import Node

from kg.contrib.findings import Check, Finding, Severity, display
from kg.contrib.iris import under_base
from kg.contrib.lines import orphan_line
from kg.graph.loading import ParsedFile
from kg.namespaces import bind_prefixes
from kg.settings import Settings

__all__ = ["Workspace"]


class Workspace:
    """The given and context files, the ontology, and the places of their nodes."""

    def __init__(
        self,
        given: list[ParsedFile],
        context: list[ParsedFile],
        ontology: list[ParsedFile],
        *,
        settings: Settings,
    ) -> None:
        self.given = given
        self.context = context
        self.settings = settings
        self.data = Graph()
        for parsed in given + context:
            for triple in parsed.graph:
                self.data.add(triple)
        self.ontology = Graph()
        for parsed in ontology:
            for triple in parsed.graph:
                self.ontology.add(triple)
        self.defined: set[Node] = set(self.data.subjects()) | set(self.ontology.subjects())
        #: (file, blank node) -> the node whose block holds it: a chain is walked once, not once
        #: per node on it (which made a long chain of blank nodes quadratic).
        self.holders: dict[tuple[Path, Node], Node] = {}
        self.names = NamespaceManager(Graph(), bind_namespaces="none")
        bind_prefixes(self.names, base=settings.base_iri)
        self.names.bind("scs", settings.base_iri + "shapes#")
        self._subjects: set[URIRef] | None = None
        self.superclasses = {
            c: set(self.ontology.transitive_objects(c, RDFS.subClassOf)) - {c}
            for c in set(self.ontology.subjects(RDF.type, OWL.Class))
        }

    def given_subjects(self) -> set[URIRef]:
        """The named nodes the given files say something about."""
        if self._subjects is None:
            self._subjects = {
                s for p in self.given for s in p.graph.subjects() if isinstance(s, URIRef)
            }
        return self._subjects

    def kind(self, node: Node) -> frozenset[Node]:
        """The most specific ontology classes of ``node`` (none that is a superclass of another)."""
        classes = {c for c in self.data.objects(node, RDF.type) if c in self.superclasses}
        broader = set().union(*(self.superclasses[c] for c in classes)) if classes else set()
        return frozenset(classes - broader)

    def places(self) -> dict[Node, tuple[str, int | None]]:
        """File and line of every subject of every data file, the first place it is defined."""
        places: dict[Node, tuple[str, int | None]] = {}
        for parsed in self.given + self.context:
            for node in parsed.subject_lines:
                places.setdefault(node, (display(parsed.path), parsed.line_of(node)))
        return places

    def dangling(self, node: Node | None) -> bool:
        """An IRI under ``{base}id/`` that no file defines (asserted triples only, not inferred)."""
        return (
            isinstance(node, URIRef)
            and under_base(node, self.settings.id_base)
            and node not in self.defined
        )

    # -- locating and showing nodes ---------------------------------------------------------

    def locate(self, node: Node | None) -> tuple[str, int | None] | None:
        """File and line of the first given file that defines ``node``, or None if none does."""
        if node is None:
            return None
        defining = [p for p in self.given if (node, None, None) in p.graph]
        if not defining:
            return None
        for parsed in defining:
            file, line = self.locate_in(parsed, node)
            if line is not None:
                return file, line
        return self.locate_in(defining[0], node)

    def locate_in(self, parsed: ParsedFile, node: Node) -> tuple[str, int | None]:
        """A blank node has no line of its own: use the block of the named node that holds it."""
        walked: list[Node] = []
        seen: set[Node] = set()
        while isinstance(node, BNode) and node not in seen:
            if (parsed.path, node) in self.holders:
                node = self.holders[(parsed.path, node)]
                break
            seen.add(node)
            walked.append(node)
            owner = next(parsed.graph.subjects(None, node), None)
            if owner is None:
                break
            node = owner
        for blank in walked:
            self.holders[(parsed.path, blank)] = node
        line = parsed.line_of(node)
        if line is None and isinstance(node, BNode):
            line = orphan_line(parsed, node)  # a block of its own: `[ ... ]` or `_:b ...`
        return display(parsed.path), line

    def finding(
        self,
        parsed: ParsedFile,
        node: Node,
        *,
        message: str,
        check: Check,
        path: Node | None = None,
        value: Node | None = None,
        severity: Severity = "Violation",
        line: int | None = None,
    ) -> Finding:
        """A finding about ``node`` of ``parsed``, at ``line`` or else its block's line."""
        file, block = self.locate_in(parsed, node)
        return Finding(
            file=file,
            line=line if line is not None else block,
            column=None,
            severity=severity,
            message=message,
            node=self.show(node),
            path=self.show(path),
            value=self.show(value),
            check=check,
        )

    def show(self, term: Node | None) -> str | None:
        """A term as the report writes it: a prefixed name where one fits, ``[]`` for a blank."""
        if term is None:
            return None
        if isinstance(term, BNode):
            return "[]"
        return term.n3(self.names)
