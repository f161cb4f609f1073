"""Check data files before they are merged: every check of ``kg.contrib``, as one report.

A contribution is checked together with the whole graph (the rest of ``data/`` and the ontology),
so a new partnership may name an actor defined elsewhere; only the nodes its own files define are
reported on. Exit codes follow the ``kg`` command: 0 clean or warnings only; 1 any violation (a
syntax error is a violation located by line and column, and every file is still parsed so all of
them are reported at once); 2 unusable input (a missing path, an unknown file type, an unreadable
file, shapes that do not parse), where nothing is validated.

This module only gathers the files and runs the checks; each check is a module of its own
(:mod:`~kg.contrib.syntax`, :mod:`~kg.contrib.shapes`, :mod:`~kg.contrib.references`, ...), and
the report types live in :mod:`kg.contrib.findings`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from kg.contrib.characters import check_characters
from kg.contrib.contents import check_contents
from kg.contrib.duplicates import check_duplicates
from kg.contrib.findings import Check, Finding, Severity, ValidationReport, display
from kg.contrib.namespace import check_namespace
from kg.contrib.prefixes import check_prefixes
from kg.contrib.provenance import check_provenance
from kg.contrib.quotes import check_quotes
from kg.contrib.references import check_references
from kg.contrib.shapes import check_shapes, load_shapes
from kg.contrib.slugs import check_slugs
from kg.contrib.syntax import byte_order_marks, parse_each
from kg.contrib.terms import check_terms
from kg.contrib.workspace import Workspace
from kg.errors import RdfSyntaxError, UnusableInputError
from kg.graph.loading import ParsedFile, rdf_files
from kg.progress import progress_when
from kg.settings import Settings

__all__ = [
    "Check",
    "Context",
    "Finding",
    "Severity",
    "ValidationReport",
    "load_context",
    "validate",
    "validate_contribution",
]


@dataclass
class Context:
    """What given files are checked against, parsed once: the other data files, the ontology and
    the shapes. A server keeps one per validation worker (:mod:`kg.contrib.pool`)."""

    files: list[ParsedFile] = field(default_factory=list)
    ontology: list[ParsedFile] = field(default_factory=list)
    shapes: Graph = field(default_factory=Graph)
    #: Syntax errors in those files: reported with the given files' findings.
    findings: list[Finding] = field(default_factory=list)
    #: Unusable input (a folder without files, an unreadable file, shapes that do not parse):
    #: nothing can be validated against this context.
    errors: list[str] = field(default_factory=list)
    ontology_parses: bool = True


def load_context(
    settings: Settings,
    *,
    leave_out: Iterable[Path] = (),
    advance: Callable[[int], None] | None = None,
) -> Context:
    """Parse the data files (but ``leave_out``), the ontology and the shapes of ``settings``;
    ``advance`` is told the size of each data file parsed.

    Never raises for bad input: what makes the context unusable is in ``errors``.
    """
    skipped = {p.resolve() for p in leave_out}
    try:
        data_files = [p for p in rdf_files([settings.data_dir]) if p.resolve() not in skipped]
        ontology_files = rdf_files([settings.ontology_dir])
        shape_files = rdf_files([settings.shapes_dir])
    except UnusableInputError as error:
        return Context(errors=[str(error)])
    if not ontology_files:
        return Context(errors=[f"{settings.ontology_dir}: no ontology files (.ttl, .nt)"])
    try:
        shapes = load_shapes(shape_files, settings=settings)
    except (RdfSyntaxError, UnusableInputError) as error:
        return Context(errors=[f"shapes: {error}"])
    files, file_problems = parse_each(data_files, advance=advance)
    ontology, ontology_problems = parse_each(ontology_files)
    problems = file_problems + ontology_problems
    return Context(
        files=files,
        ontology=ontology,
        shapes=shapes,
        findings=[f for f in problems if isinstance(f, Finding)],
        errors=[e for e in problems if isinstance(e, str)],
        ontology_parses=not ontology_problems,
    )


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
    # Parsing with rdflib is most of the time taken: what is parsed is the measure of "large".
    size = sum({p.resolve(): p.stat().st_size for p in [*given_files, *data_files]}.values())
    large = size >= settings.progress_min_bytes
    with progress_when(large, "parsing", total=size) as advance:
        given, given_syntax = parse_each(given_files, advance=advance)
        context = load_context(settings, leave_out=given_files, advance=advance)
    return _check(
        given,
        given_syntax,
        context,
        files=[display(p) for p in given_files],
        settings=settings,
        references_everywhere=references_everywhere,
        large=large,
    )


def validate_contribution(
    parsed: ParsedFile,
    *,
    settings: Settings,
    text: str | None = None,
    context: Context | None = None,
) -> ValidationReport:
    """Validate one already parsed contribution (e.g. a request body) against all of ``data/``.

    ``text`` is the Turtle it was parsed from, for the unused-prefix check (None: skip it);
    ``context``, when given, is what :func:`load_context` returned for ``settings``.
    """
    return _check(
        [parsed],
        [],
        context if context is not None else load_context(settings),
        files=[str(parsed.path)],
        settings=settings,
        texts={parsed.path: text},
    )


def _check(
    given: list[ParsedFile],
    given_syntax: list[Finding | str],
    context: Context,
    *,
    files: list[str],
    settings: Settings,
    references_everywhere: bool = False,
    texts: dict[Path, str | None] | None = None,
    large: bool = False,
) -> ValidationReport:
    """Check ``given`` against the context files, the ontology and the shapes; ``large``
    input shows the checks' progress."""
    report = ValidationReport(files=files, root=settings.data_dir.resolve().parent)
    unreadable = [e for e in given_syntax if isinstance(e, str)] + context.errors
    if unreadable:
        report.errors.extend(unreadable)
        return report
    report.findings.extend(f for f in given_syntax if isinstance(f, Finding))
    report.findings.extend(context.findings)
    report.findings.extend(byte_order_marks(given))
    ws = Workspace(given, context.files, context.ontology, settings=settings)
    report.nodes = len(ws.given_subjects())
    checks: list[Callable[[], Iterable[Finding]]] = [
        lambda: check_shapes(ws, context.shapes),
        lambda: check_namespace(ws),
        lambda: check_provenance(ws),
        lambda: check_characters(ws),
        lambda: check_references(ws, everywhere=references_everywhere),
        lambda: check_quotes(ws),
        lambda: check_duplicates(ws),
        lambda: check_slugs(ws),
        lambda: check_prefixes(ws, texts or {}),
    ]
    if context.ontology_parses:
        checks += [lambda: check_terms(ws), lambda: check_contents(ws, context.shapes)]
    with progress_when(large, "checking", total=len(checks), unit="check") as advance:
        for check in checks:
            report.findings.extend(check())
            advance(1)
    report.findings.sort(key=Finding.sort_key)
    return report
