"""``kg diff BASE_REF``: what a change does to the graph, as Markdown for a pull-request comment.

Nodes and quantitative claims are compared by IRI between the data at ``BASE_REF`` (extracted with
``git archive``, the working tree untouched) and the working tree, and shown by label; then the
validation findings of both are compared, so a reviewer sees what the change fixes and breaks.
Each side is validated with its own ontology and shapes. What a file adds to a node that another
file defines is listed apart, with whether a statement of provenance backs it
(:mod:`kg.contrib.provenance`): it is the change a reviewer most easily misses.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, NamespaceManager
from rdflib.term import Node

from kg.contrib.changes import extract_tree, repository_root
from kg.contrib.provenance import changes_to_existing, statements
from kg.contrib.validation import Finding, ValidationReport, validate
from kg.contrib.workspace import Workspace
from kg.errors import RdfSyntaxError
from kg.graph.loading import ParsedFile, parse_file, rdf_files
from kg.namespaces import bind_prefixes
from kg.settings import Settings

__all__ = ["diff", "GraphDiff", "compare"]

#: Datatypes whose values are shown as written (``160``, not ``"160"^^xsd:integer``).
NUMBERS = frozenset(
    URIRef("http://www.w3.org/2001/XMLSchema#" + name) for name in ("integer", "decimal", "double")
)
#: Findings listed per section at most; the rest are counted.
MAX_LISTED = 50


@dataclass(frozen=True)
class Elsewhere:
    """A triple a file adds to a node that another file (``home``) defines."""

    file: str
    triple: tuple[Node, Node, Node]
    home: str
    #: Whether a statement of provenance in the same file backs it.
    backed: bool


@dataclass
class GraphDiff:
    """Nodes (claims apart) and claims added, changed (with per-property changes) and removed."""

    added: list[URIRef]
    removed: list[URIRef]
    changed: dict[URIRef, list[str]]
    new_findings: list[Finding]
    fixed_findings: list[Finding]
    before: ValidationReport
    after: ValidationReport
    #: Triples added to existing nodes by files other than the ones that define them.
    elsewhere: list[Elsewhere] = field(default_factory=list)


def diff(base_ref: str, *, settings: Settings) -> str:
    """The Markdown report of the change from ``base_ref`` to the working tree.

    Raises UnusableInputError when not in a git repository or ``base_ref`` is unknown.
    """
    root = repository_root(settings.data_dir.resolve().parent)
    with tempfile.TemporaryDirectory(prefix="kg-diff-") as folder:
        base = extract_tree(base_ref, root=root, destination=Path(folder))
        base_settings = settings.model_copy(
            update={
                key: _moved(getattr(settings, key), root, base)
                for key in ("ontology_dir", "shapes_dir", "data_dir", "queries_dir")
            }
        )
        old, new = _data(base_settings), _data(settings)
        result = compare(
            old,
            new,
            before=_rooted(validate(settings=base_settings), base),
            after=_rooted(validate(settings=settings), root),
            settings=settings,
        )
        result.elsewhere = [
            e
            for e in _elsewhere(settings, root=root)
            if e.triple not in old and (e.triple[0], None, None) in old
        ]
    return render_markdown(result, old=old, new=new, base_ref=base_ref, settings=settings)


def _moved(path: Path, root: Path, base: Path) -> Path:
    """Where ``path`` (inside the repository) lies in the extracted tree."""
    try:
        return base / path.resolve().relative_to(root.resolve())
    except ValueError:
        return path


def _rooted(report: ValidationReport, root: Path) -> ValidationReport:
    """The report with every file named relative to its tree's root, so both sides compare."""

    def relative(file: str | None) -> str | None:
        if file is None:
            return None
        try:
            return Path(file).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            return file

    report.findings = [replace(f, file=relative(f.file)) for f in report.findings]
    return report


def _parsed(settings: Settings) -> list[ParsedFile]:
    """Every data file that parses; the others are left out (validation says why)."""
    if not settings.data_dir.is_dir():
        return []
    parsed = []
    for path in rdf_files([settings.data_dir]):
        try:
            parsed.append(parse_file(path))
        except RdfSyntaxError:
            continue
    return parsed


def _data(settings: Settings) -> Graph:
    """All data files as one graph."""
    graph = Graph()
    bind_prefixes(graph.namespace_manager, base=settings.base_iri)
    for parsed in _parsed(settings):
        for triple in parsed.graph:
            graph.add(triple)
    return graph


def _elsewhere(settings: Settings, *, root: Path) -> list[Elsewhere]:
    """Every triple of the working tree that a file states about a node another file defines."""
    ws = Workspace(_parsed(settings), [], [], settings=settings)
    backed = statements(ws)

    def shown(path: Path) -> str:
        return _moved(path, root, Path()).as_posix()

    return [
        Elsewhere(shown(parsed.path), triple, shown(homes[0].path), triple in backed)
        for parsed, triple, homes in changes_to_existing(ws)
    ]


def _finding_key(finding: Finding) -> tuple[str | None, ...]:
    """What makes two findings the same problem, whatever line it moved to."""
    return (finding.file, finding.node, finding.path, finding.value, finding.message)


def compare(
    old: Graph,
    new: Graph,
    *,
    before: ValidationReport,
    after: ValidationReport,
    settings: Settings,
) -> GraphDiff:
    """Compare two versions of the data and their validation reports."""

    def nodes(graph: Graph) -> set[URIRef]:
        return {
            s for s in graph.subjects() if isinstance(s, URIRef) and s.startswith(settings.id_base)
        }

    old_nodes, new_nodes = nodes(old), nodes(new)
    names = NamespaceManager(Graph(), bind_namespaces="none")
    bind_prefixes(names, base=settings.base_iri)
    changed: dict[URIRef, list[str]] = {}
    for node in sorted(old_nodes & new_nodes):
        lines = []
        predicates = set(old.predicates(node)) | set(new.predicates(node))
        for predicate in sorted(predicates, key=str):
            was = set(old.objects(node, predicate))
            now = set(new.objects(node, predicate))
            if was != now:
                lines.append(
                    f"`{predicate.n3(names)}` {_values(was - now, names)} → "
                    f"{_values(now - was, names)}"
                )
        if lines:
            changed[node] = lines
    old_keys = {_finding_key(f) for f in before.findings}
    new_keys = {_finding_key(f) for f in after.findings}
    return GraphDiff(
        added=sorted(new_nodes - old_nodes),
        removed=sorted(old_nodes - new_nodes),
        changed=changed,
        new_findings=[f for f in after.findings if _finding_key(f) not in old_keys],
        fixed_findings=[f for f in before.findings if _finding_key(f) not in new_keys],
        before=before,
        after=after,
    )


def _values(values: set[Node], names: NamespaceManager) -> str:
    if not values:
        return "∅"
    return ", ".join(f"`{_show(v, names)}`" for v in sorted(values, key=str))


def _show(value: Node, names: NamespaceManager) -> str:
    """Numbers as written (``160``), everything else in Turtle form."""
    if isinstance(value, Literal) and value.datatype in NUMBERS:
        return str(value)
    return value.n3(names)


def _label(graph: Graph, node: Node) -> str:
    labels = sorted(
        graph.objects(node, RDFS.label), key=lambda x: getattr(x, "language", "") != "en"
    )
    text = str(labels[0]) if labels else ""
    return text.replace("|", "\\|").replace("\n", " ")


def _kind(graph: Graph, node: Node, names: NamespaceManager) -> str:
    return ", ".join(sorted(t.n3(names) for t in graph.objects(node, RDF.type)))


def _claim_text(graph: Graph, node: Node, settings: Settings) -> str:
    """``more than 160 (sc:Count): countries and regions …``, as the claim reads."""
    sc = settings.ontology_iri

    def one(name: str) -> str:
        value = graph.value(node, URIRef(sc + name))
        if isinstance(value, URIRef):
            return value[len(sc) :] if value.startswith(sc) else str(value)
        return str(value) if isinstance(value, Literal) else "?"

    return f"{one('qualifier')} {one('value')} {one('unit')}: {one('measure')}".replace("|", "\\|")


def render_markdown(
    result: GraphDiff, *, old: Graph, new: Graph, base_ref: str, settings: Settings
) -> str:
    """The report: counts, tables of added and removed nodes, changes, and validation changes."""
    names = NamespaceManager(Graph(), bind_namespaces="none")
    bind_prefixes(names, base=settings.base_iri)
    claim = URIRef(settings.ontology_iri + "QuantitativeClaim")

    def is_claim(graph: Graph, node: Node) -> bool:
        return (node, RDF.type, claim) in graph

    lines = [f"## Knowledge graph changes since `{base_ref}`", ""]
    sections = (
        ("Added", result.added, new),
        ("Removed", result.removed, old),
    )
    counts = []
    for claims in (False, True):
        added = [n for n in result.added if is_claim(new, n) is claims]
        removed = [n for n in result.removed if is_claim(old, n) is claims]
        changed = [n for n in result.changed if is_claim(new, n) is claims]
        what = "Claims" if claims else "Nodes"
        counts.append(
            f"**{what}:** {len(added)} added, {len(changed)} changed, {len(removed)} removed"
        )
    lines += [" · ".join(counts), ""]
    for title, nodes, graph in sections:
        if not nodes:
            continue
        lines += [f"### {title}", "", "| Node | Kind | Label or claim |", "| --- | --- | --- |"]
        for node in nodes:
            text = _claim_text(graph, node, settings) if is_claim(graph, node) else None
            lines.append(
                f"| `{node.n3(names)}` | {_kind(graph, node, names)} | "
                f"{text or _label(graph, node)} |"
            )
        lines.append("")
    if result.changed:
        lines += ["### Changed", ""]
        for node, changes in result.changed.items():
            lines.append(f"- `{node.n3(names)}` ({_label(new, node) or _label(old, node)})")
            lines += [f"  - {change}" for change in changes]
        lines.append("")
    if result.elsewhere:
        lines += ["### Added to existing nodes by other files", ""]
        for item in result.elsewhere:
            subject, predicate, value = item.triple
            backing = "backed by a statement of provenance" if item.backed else "**no source**"
            lines.append(
                f"- `{subject.n3(names)}` (defined in `{item.home}`): `{predicate.n3(names)}` "
                f"`{_show(value, names)}`, added by `{item.file}`; {backing}"
            )
        lines.append("")
    lines += ["### Validation", ""]
    for name, report in (("Before", result.before), ("After", result.after)):
        counts_ = report.counts
        lines.append(
            f"- {name}: {counts_['Violation']} violations, {counts_['Warning']} warnings"
            + (f" ({'; '.join(report.errors)})" if report.errors else "")
        )
    for title, findings in (
        ("New findings", result.new_findings),
        ("Fixed findings", result.fixed_findings),
    ):
        lines += ["", f"**{title}:** {len(findings)}"] + ([""] if findings else [])
        for finding in findings[:MAX_LISTED]:
            where = f"{finding.file}:{finding.line}" if finding.line else f"{finding.file}"
            lines.append(f"- `{where}` {finding.severity}: {finding.message}")
        if len(findings) > MAX_LISTED:
            lines.append(f"- … and {len(findings) - MAX_LISTED} more")
    return "\n".join(lines).rstrip() + "\n"
