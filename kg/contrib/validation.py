"""Check data files before they are merged: syntax, SHACL shapes and references, as one report.

A contribution is checked together with the whole graph (the rest of ``data/`` and the ontology),
so a new partnership may name an actor defined elsewhere; only the nodes its own files define are
reported on. Exit codes follow the ``kg`` command: 0 clean or warnings only; 1 any violation (a
syntax error is a violation located by line and column, and every file is still parsed so all of
them are reported at once); 2 unusable input (a missing path, an unknown file type, an unreadable
file, shapes that do not parse), where nothing is validated.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pyshacl
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import OWL, PROV, RDF, RDFS, SH, SKOS, NamespaceManager
from rdflib.term import Node

from kg.contrib.checks import (
    closest_term,
    normalise_label,
    slug_fits,
    slugify,
    unused_prefixes,
)
from kg.errors import RdfSyntaxError, UnusableInputError
from kg.graph.inference import materialise
from kg.graph.loading import ParsedFile, parse_file, parse_text, rdf_files
from kg.namespaces import BASE, bind_prefixes
from kg.settings import Settings

__all__ = ["Finding", "Severity", "ValidationReport", "validate", "validate_contribution"]

Severity = Literal["Violation", "Warning", "Info"]
SEVERITIES: tuple[Severity, ...] = ("Violation", "Warning", "Info")

#: What found a problem: the parser, a SHACL shape, or one of the curator checks written in Python
#: (references to undefined nodes, terms missing from the ontology, quotes missing from the source,
#: probable duplicates, slugs that do not fit their label, unused prefixes); see
#: kg.contrib.checks.CHECKS.
Check = Literal["syntax", "shacl", "reference", "term", "quote", "duplicate", "slug", "prefix"]


@dataclass(frozen=True)
class Finding:
    """One problem, located at the block (file and line) of the node it is about."""

    file: str | None
    line: int | None
    column: int | None
    severity: Severity
    message: str
    node: str | None = None
    path: str | None = None
    value: str | None = None
    shape: str | None = None
    check: Check = "shacl"

    def sort_key(self) -> tuple[str, int, int, int, str, str]:
        return (
            self.file or "",
            self.line or 0,
            self.column or 0,
            SEVERITIES.index(self.severity),
            self.node or "",
            self.message,
        )


@dataclass
class ValidationReport:
    """Findings sorted by file and line, the files reported on, and unusable-input errors."""

    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: Named nodes (subject IRIs) that the reported files define, for the summary line.
    nodes: int = 0
    #: The repository root that SARIF locations are written relative to.
    root: Path | None = None

    @property
    def counts(self) -> dict[Severity, int]:
        counts: dict[Severity, int] = dict.fromkeys(SEVERITIES, 0)
        for finding in self.findings:
            counts[finding.severity] += 1
        return counts

    @property
    def conforms(self) -> bool:
        """True when the files may be merged: usable, and no violation (warnings are allowed)."""
        return not self.errors and self.counts["Violation"] == 0

    @property
    def exit_code(self) -> int:
        if self.errors:
            return 2
        return 0 if self.conforms else 1


def validate(
    paths: Sequence[Path] | None = None,
    *,
    settings: Settings,
    references_everywhere: bool = False,
) -> ValidationReport:
    """Validate ``paths`` (files or folders; default: all of ``settings.data_dir``).

    The rest of ``data/`` is the context the given files are checked against; only the given files
    are reported on, except with ``references_everywhere`` (used when files were deleted), where a
    reference from any data file to a node no file defines is reported too.

    Never raises for bad input: unusable input is reported in ``errors`` (exit code 2), and every
    other problem is a located :class:`Finding`.
    """
    try:
        data_files = rdf_files([settings.data_dir])
        given_files = rdf_files(paths) if paths else data_files
    except UnusableInputError as error:
        return ValidationReport(errors=[str(error)])
    if not given_files:
        where = ", ".join(str(p) for p in paths or [settings.data_dir])
        return ValidationReport(errors=[f"{where}: no RDF files (.ttl, .nt) to validate"])
    given_keys = {p.resolve() for p in given_files}
    with _quiet_ill_typed_literals():
        given, given_syntax = _parse_each(given_files)
    return _run(
        given,
        given_syntax,
        [p for p in data_files if p.resolve() not in given_keys],
        files=[_display(p) for p in given_files],
        settings=settings,
        references_everywhere=references_everywhere,
    )


def validate_contribution(
    parsed: ParsedFile, *, settings: Settings, text: str | None = None
) -> ValidationReport:
    """Validate one already parsed contribution (e.g. a request body) against all of ``data/``.

    ``text`` is the Turtle it was parsed from, for the unused-prefix check (None: skip it).
    """
    try:
        data_files = rdf_files([settings.data_dir])
    except UnusableInputError as error:
        return ValidationReport(errors=[str(error)])
    return _run(
        [parsed],
        [],
        data_files,
        files=[str(parsed.path)],
        settings=settings,
        texts={parsed.path: text},
    )


def _run(
    given: list[ParsedFile],
    given_syntax: list[Finding | str],
    context_files: list[Path],
    *,
    files: list[str],
    settings: Settings,
    references_everywhere: bool = False,
    texts: dict[Path, str | None] | None = None,
) -> ValidationReport:
    """Check ``given`` against the context files, the ontology and the shapes."""
    try:
        ontology_files = rdf_files([settings.ontology_dir])
        shape_files = rdf_files([settings.shapes_dir])
    except UnusableInputError as error:
        return ValidationReport(errors=[str(error)])
    if not ontology_files:
        return ValidationReport(errors=[f"{settings.ontology_dir}: no ontology files (.ttl, .nt)"])
    report = ValidationReport(files=files, root=settings.data_dir.resolve().parent)

    with _quiet_ill_typed_literals():
        try:
            shapes = _load_shapes(shape_files, settings=settings)
        except (RdfSyntaxError, UnusableInputError) as error:
            report.errors.append(f"shapes: {error}")
            return report
        context, context_syntax = _parse_each(context_files)
        ontology, ontology_syntax = _parse_each(ontology_files)
        unreadable = [
            e for e in given_syntax + context_syntax + ontology_syntax if isinstance(e, str)
        ]
        if unreadable:
            report.errors.extend(unreadable)
            return report
        report.findings.extend(
            f for f in given_syntax + context_syntax + ontology_syntax if isinstance(f, Finding)
        )
        checker = _Checker(given, context, ontology, settings=settings)
        report.nodes = len(checker.given_subjects())
        report.findings.extend(checker.shacl(shapes))
    report.findings.extend(checker.references(everywhere=references_everywhere))
    report.findings.extend(checker.quotes())
    report.findings.extend(checker.duplicates())
    report.findings.extend(checker.slugs())
    report.findings.extend(checker.prefixes(texts or {}))
    if not ontology_syntax:
        report.findings.extend(checker.terms())
    report.findings.sort(key=Finding.sort_key)
    return report


def _display(path: Path) -> str:
    """A path as the user should see it: relative to the working folder when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def _parse_each(paths: Sequence[Path]) -> tuple[list[ParsedFile], list[Finding | str]]:
    """Parse every file, going on after a syntax error so that all of them are reported at once."""
    parsed: list[ParsedFile] = []
    problems: list[Finding | str] = []
    for path in paths:
        try:
            parsed.append(parse_file(path))
        except RdfSyntaxError as error:
            problems.append(
                Finding(
                    file=_display(path),
                    line=error.line,
                    column=error.column,
                    severity="Violation",
                    message=f"syntax error: {error.message}; fix the Turtle here (the rest of "
                    "this file was not checked)",
                    check="syntax",
                )
            )
        except UnusableInputError as error:
            problems.append(str(error))
    return parsed, problems


def _load_shapes(paths: Sequence[Path], *, settings: Settings) -> Graph:
    """The shapes graph; shapes are written against the canonical base, which we swap for ours."""
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


class _DropIllTypedLiteralWarnings(logging.Filter):
    """rdflib logs a traceback for each ill-typed literal; the report already names them."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Failed to convert Literal")


@contextmanager
def _quiet_ill_typed_literals() -> Iterator[None]:
    logger = logging.getLogger("rdflib.term")
    drop = _DropIllTypedLiteralWarnings()
    logger.addFilter(drop)
    try:
        yield
    finally:
        logger.removeFilter(drop)


class _Checker:
    """The graph of one validation run, and where each node of the given files is defined."""

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
        self._texts: dict[Node, str | None] = {}
        self._subjects: set[URIRef] | None = None
        self._superclasses = {
            c: set(self.ontology.transitive_objects(c, RDFS.subClassOf)) - {c}
            for c in set(self.ontology.subjects(RDF.type, OWL.Class))
        }

    # -- the checks ---------------------------------------------------------------------------

    def shacl(self, shapes: Graph) -> list[Finding]:
        """SHACL over data and RDFS entailments: ``sh:class sc:Actor`` accepts an academy."""
        # The ontology goes into the data graph itself: pySHACL's ont_graph only copies class and
        # property axioms, not the closed vocabularies' individuals (sc:MoreThan a sc:Qualifier).
        graph = Graph()
        for triple in self.ontology:
            graph.add(triple)
        for triple in self._shacl_data():
            graph.add(triple)
        for triple in materialise(graph):
            graph.add(triple)
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
            where = self._locate(focus)
            if where is None:
                continue  # not defined in the files we report on
            file, line = where
            value = results.value(result, SH.value)
            if self._dangling(value):
                continue  # the reference check says it better than "not an instance of sc:Actor"
            findings.add(
                Finding(
                    file=file,
                    line=line,
                    column=None,
                    severity=_severity(results.value(result, SH.resultSeverity)),
                    message=_message(results, result),
                    node=self._show(focus),
                    path=self._show_path(results, results.value(result, SH.resultPath)),
                    value=None if value == focus else self._show(value),
                    shape=self._show_shape(shapes, results.value(result, SH.sourceShape)),
                )
            )
        return list(findings)

    def _shacl_data(self) -> Iterable[tuple[Node, Node, Node]]:
        """The data SHACL needs to judge the given files' nodes: all of it, when they are all.

        For a contribution (a context of other files), that is the given triples, what the context
        says about their subjects, the context triples pointing at them (a claim about a given
        group), and the types of every node they link to (for ``sh:class``). pySHACL's own
        ``focus_nodes`` option cannot be used: it also filters the value nodes of nested shapes
        (``sh:or``), losing results. This subset is what makes ``--changed-since`` fast.
        """
        if not self.context:
            return self.data
        subjects = self.given_subjects()
        triples = {t for p in self.given for t in p.graph}
        for parsed in self.context:
            for s, p, o in parsed.graph:
                if s in subjects or o in subjects:
                    triples.add((s, p, o))
        linked: set[Node] = {o for _s, _p, o in triples if isinstance(o, URIRef)}
        linked |= {s for s, _p, _o in triples}
        for node in linked - subjects:
            for cls in self.data.objects(node, RDF.type):
                triples.add((node, RDF.type, cls))
        return triples

    def references(self, *, everywhere: bool = False) -> list[Finding]:
        """IRIs under ``{base}id/`` that the given (or, ``everywhere``, all) files use but no file
        defines."""
        findings: dict[tuple[str, Node, Node], Finding] = {}
        for parsed in self.given + (self.context if everywhere else []):
            for s, p, o in parsed.graph:
                if not self._dangling(o) or (str(parsed.path), s, o) in findings:
                    continue
                file, line = self._locate_in(parsed, s)
                findings[(str(parsed.path), s, o)] = Finding(
                    file=file,
                    line=line,
                    column=None,
                    severity="Violation",
                    message=f"{self._show(o)} is referenced but not defined anywhere; "
                    "define it or fix the IRI",
                    node=self._show(s),
                    path=self._show(p),
                    value=self._show(o),
                    check="reference",
                )
        return list(findings.values())

    def terms(self) -> list[Finding]:
        """Classes, properties and values in the ontology's namespace that it does not define."""
        namespace = self.settings.ontology_iri
        findings: dict[tuple[str, Node, Node], Finding] = {}
        for parsed in self.given:
            for s, p, o in parsed.graph:
                for term, role in ((p, "property"), (o, "class" if p == RDF.type else "value")):
                    if not (isinstance(term, URIRef) and term.startswith(namespace)):
                        continue
                    if term in self.defined or (str(parsed.path), s, term) in findings:
                        continue
                    file, line = self._locate_in(parsed, s)
                    findings[(str(parsed.path), s, term)] = Finding(
                        file=file,
                        line=line,
                        column=None,
                        severity="Violation",
                        message=f"{self._show(term)} is not a term of the ontology; "
                        + self._suggestion(term, role)
                        + "check its spelling against ontology/ (or propose the term there first)",
                        node=self._show(s),
                        path=self._show(p),
                        value=self._show(o),
                        check="term",
                    )
        return list(findings.values())

    def _suggestion(self, term: URIRef, role: str) -> str:
        """``did you mean sc:party? `` for the closest ontology term of the same role."""
        namespace = self.settings.ontology_iri
        if role == "property":
            kinds = {OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty}
        elif role == "class":
            kinds = {OWL.Class}
        else:
            kinds = set()
        candidates = [
            str(t)[len(namespace) :]
            for t in set(self.ontology.subjects())
            if isinstance(t, URIRef)
            and t.startswith(namespace)
            and (not kinds or kinds & set(self.ontology.objects(t, RDF.type)))
        ]
        closest = closest_term(str(term)[len(namespace) :], candidates)
        if closest is None:
            return ""
        return f"did you mean {self._show(URIRef(namespace + closest))}? "

    def duplicates(self) -> list[Finding]:
        """A given node with the label (any language, normalised) and kind of another node."""
        index: dict[tuple[frozenset[Node], str], list[URIRef]] = {}
        for node, label in self.data.subject_objects(RDFS.label):
            kind = self._kind(node)
            if isinstance(node, URIRef) and kind:
                nodes = index.setdefault((kind, normalise_label(str(label))), [])
                if node not in nodes:
                    nodes.append(node)
        places = self._places()
        findings: dict[tuple[Node, Node], Finding] = {}
        for parsed in self.given:
            for node, label in parsed.graph.subject_objects(RDFS.label):
                kind = self._kind(node)
                if not isinstance(node, URIRef) or not kind:
                    continue
                here = self._locate(node) or (None, None)
                for other in index.get((kind, normalise_label(str(label))), []):
                    there = places.get(other, ("", None))
                    # Report once, on the later of two given nodes (context nodes come first).
                    later = other not in self.given_subjects() or (there[0], there[1] or 0) < (
                        here[0] or "",
                        here[1] or 0,
                    )
                    if other == node or not later or (node, other) in findings:
                        continue
                    kinds = ", ".join(sorted(self._show(k) or "" for k in kind))
                    findings[(node, other)] = Finding(
                        file=here[0],
                        line=here[1],
                        column=None,
                        severity="Warning",
                        message=f"probable duplicate of {self._show(other)} "
                        f'({there[0]}:{there[1]}): same rdfs:label "{label}" and kind {kinds}; '
                        f"use {self._show(other)} instead, or give each a label that tells "
                        "them apart",
                        node=self._show(node),
                        path="rdfs:label",
                        value=self._show(other),
                        check="duplicate",
                    )
        return list(findings.values())

    def slugs(self) -> list[Finding]:
        """Slugs with a word that does not come from the node's labels (countries exempt)."""
        country = URIRef(self.settings.ontology_iri + "CountryOrRegion")
        findings: list[Finding] = []
        for node in sorted(self.given_subjects()):
            if not node.startswith(self.settings.id_base) or (node, RDF.type, country) in self.data:
                continue
            labels = [
                str(x) for p in (RDFS.label, SKOS.altLabel) for x in self.data.objects(node, p)
            ]
            # The kind may lead the slug: id:partnership-..., id:claim-... (CamelCase split).
            kinds = [
                re.sub(r"(?<=[a-z])(?=[A-Z])", " ", str(c)[len(self.settings.ontology_iri) :])
                for c in self._kind(node)
            ]
            slug = str(node)[len(self.settings.id_base) :]
            if not labels or slug_fits(slug, labels + kinds):
                continue
            english = next(
                (
                    str(x)
                    for x in self.data.objects(node, RDFS.label)
                    if getattr(x, "language", None) == "en"
                ),
                labels[0],
            )
            file, line = self._locate(node) or (None, None)
            findings.append(
                Finding(
                    file=file,
                    line=line,
                    column=None,
                    severity="Warning",
                    message=f'slug {slug!r} does not fit the label "{english}": '
                    f"{_unexplained(slug, labels + kinds)} is not a word of it; rename the node "
                    f"(e.g. id:{slugify(english)}) and every reference to it",
                    node=self._show(node),
                    path="rdfs:label",
                    check="slug",
                )
            )
        return findings

    def prefixes(self, texts: dict[Path, str | None]) -> list[Finding]:
        """``@prefix`` declarations that nothing in their file uses."""
        findings: list[Finding] = []
        for parsed in self.given:
            if parsed.path in texts:
                text = texts[parsed.path]
            elif parsed.path.suffix == ".ttl":
                text = parsed.path.read_text(encoding="utf-8")
            else:
                text = None
            for prefix, line in unused_prefixes(text) if text else []:
                findings.append(
                    Finding(
                        file=_display(parsed.path),
                        line=line,
                        column=None,
                        severity="Warning",
                        message=f"prefix {prefix}: is declared but never used; remove this "
                        "@prefix line",
                        check="prefix",
                    )
                )
        return findings

    def given_subjects(self) -> set[URIRef]:
        if self._subjects is None:
            self._subjects = {
                s for p in self.given for s in p.graph.subjects() if isinstance(s, URIRef)
            }
        return self._subjects

    def _kind(self, node: Node) -> frozenset[Node]:
        """The most specific ontology classes of ``node`` (none that is a superclass of another)."""
        classes = {c for c in self.data.objects(node, RDF.type) if c in self._superclasses}
        broader = set().union(*(self._superclasses[c] for c in classes)) if classes else set()
        return frozenset(classes - broader)

    def _places(self) -> dict[Node, tuple[str, int | None]]:
        """File and line of every subject of every data file, the first place it is defined."""
        places: dict[Node, tuple[str, int | None]] = {}
        for parsed in self.given + self.context:
            for node in parsed.subject_lines:
                places.setdefault(node, (_display(parsed.path), parsed.line_of(node)))
        return places

    def quotes(self) -> list[Finding]:
        """Quotes that do not occur verbatim (white space aside) in their source's text file."""
        quote = URIRef(self.settings.ontology_iri + "quote")
        findings: list[Finding] = []
        for parsed in self.given:
            for node, text in parsed.graph.subject_objects(quote):
                texts = [
                    self._source_text(source)
                    for source in self.data.objects(node, PROV.wasDerivedFrom)
                ]
                if not texts or None in texts:
                    continue  # no source, or one without a readable text: SHACL says which
                if any(_normalise(str(text)) in t for t in texts if t is not None):
                    continue
                file, line = self._locate_in(parsed, node)
                findings.append(
                    Finding(
                        file=file,
                        line=line,
                        column=None,
                        severity="Violation",
                        message="sc:quote does not occur in the text of its source; copy the "
                        "sentence exactly as the source prints it",
                        node=self._show(node),
                        path=self._show(quote),
                        value=self._show(text),
                        check="quote",
                    )
                )
        return findings

    def _source_text(self, source: Node) -> str | None:
        """The white-space-normalised text behind ``source``'s ``sc:sourceText``, if it reads."""
        if source not in self._texts:
            relative = self.data.value(source, URIRef(self.settings.ontology_iri + "sourceText"))
            text = None
            if relative is not None:
                path = self.settings.data_dir.resolve().parent / str(relative)
                try:
                    text = _normalise(path.read_text(encoding="utf-8"))
                except (OSError, UnicodeDecodeError):
                    text = None
            self._texts[source] = text
        return self._texts[source]

    def _dangling(self, node: Node | None) -> bool:
        """An IRI under ``{base}id/`` that no file defines (asserted triples only, not inferred)."""
        return (
            isinstance(node, URIRef)
            and node.startswith(self.settings.id_base)
            and node not in self.defined
        )

    # -- locating and showing nodes ---------------------------------------------------------

    def _locate(self, node: Node | None) -> tuple[str, int | None] | None:
        """File and line of the first given file that defines ``node``, or None if none does."""
        if node is None:
            return None
        defining = [p for p in self.given if (node, None, None) in p.graph]
        if not defining:
            return None
        for parsed in defining:
            file, line = self._locate_in(parsed, node)
            if line is not None:
                return file, line
        return self._locate_in(defining[0], node)

    def _locate_in(self, parsed: ParsedFile, node: Node) -> tuple[str, int | None]:
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
        return _display(parsed.path), parsed.line_of(node)

    def _show(self, term: Node | None) -> str | None:
        if term is None:
            return None
        if isinstance(term, BNode):
            return "[]"
        return term.n3(self.names)

    def _show_path(self, results: Graph, path: Node | None) -> str | None:
        inverse = results.value(path, SH.inversePath) if isinstance(path, BNode) else None
        if inverse is not None:
            return "^" + (self._show(inverse) or "")
        return self._show(path)

    def _show_shape(self, shapes: Graph, shape: Node | None) -> str | None:
        """Name an anonymous property shape by the named node shape that holds it."""
        if isinstance(shape, BNode):
            shape = next(shapes.subjects(SH.property, shape), shape)
        return self._show(shape)


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


def _normalise(text: str) -> str:
    """Collapse every run of white space to one space, as quotes are compared."""
    return " ".join(text.split())


def _unexplained(slug: str, labels: list[str]) -> str:
    """The slug's words that the labels do not explain, quoted: ``'russian'``."""
    words = [w for w in slug.split("-") if not slug_fits(w, labels)]
    return ", ".join(repr(w) for w in words)
