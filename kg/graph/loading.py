"""Files -> named graphs: one named graph per file, parse errors located by file, line and column.

Turtle is checked first by Oxigraph's parser through :mod:`kg.graph.parsing`, which reports the
exact line and column, refuses nesting deeper than rdflib can recurse and terms longer than its
buffer; rdflib then builds the graph that the rest of the library and pySHACL work on.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

import pyoxigraph
from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.term import IdentifiedNode

from kg.errors import RdfSyntaxError, UnusableInputError
from kg.graph.parsing import check_syntax
from kg.namespaces import bind_prefixes
from kg.settings import Settings

__all__ = [
    "ParsedFile",
    "parse_file",
    "parse_text",
    "quiet_ill_typed_literals",
    "silence_ill_typed_literals",
    "rdf_files",
    "read_rdf_text",
    "graph_iri",
    "inferred_graph_iri",
    "load_dataset",
]

#: File endings we read, with the rdflib and Oxigraph names of their syntax.
SYNTAXES: dict[str, tuple[str, pyoxigraph.RdfFormat]] = {
    ".ttl": ("turtle", pyoxigraph.RdfFormat.TURTLE),
    ".nt": ("nt", pyoxigraph.RdfFormat.N_TRIPLES),
}


#: The byte order mark some editors put at the start of a UTF-8 file.
BOM = "\ufeff"


@dataclass
class ParsedFile:
    """One parsed file: its graph and the line where each subject's block starts."""

    path: Path
    graph: Graph
    subject_lines: dict[IdentifiedNode, int] = field(default_factory=dict)
    #: The text's lines, for locating a single triple (empty when the text is not kept).
    lines: tuple[str, ...] = ()
    #: The text started with a byte order mark, which was dropped before parsing.
    had_bom: bool = False

    def line_of(self, node: object) -> int | None:
        """The line where ``node`` is defined as a subject in this file, if it is."""
        return self.subject_lines.get(node)  # type: ignore[call-overload]


def rdf_files(paths: Iterable[Path], *, suffixes: Iterable[str] = SYNTAXES) -> list[Path]:
    """Expand files and folders into the sorted list of RDF files (by ``suffixes``) they hold.

    Raises UnusableInputError for a path that does not exist or a file of an unknown syntax.
    """
    known = tuple(suffixes)
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(p for p in sorted(path.rglob("*")) if p.suffix in known and p.is_file())
        elif path.is_file():
            if path.suffix not in known:
                offered = ", ".join(known)
                raise UnusableInputError(f"{path}: unknown RDF syntax; use one of {offered}")
            found.append(path)
        else:
            raise UnusableInputError(f"{path}: no such file or folder")
    return sorted(dict.fromkeys(found))


def parse_text(text: str, *, path: Path | str, base_iri: str | None = None) -> ParsedFile:
    """Parse Turtle or N-Triples ``text`` that claims to come from ``path``.

    Raises RdfSyntaxError with the line and column of the first error, or of the bracket that
    nests too deep (see :mod:`kg.graph.parsing`).
    """
    path = Path(path)
    had_bom = text.startswith(BOM)
    text = text.removeprefix(BOM)
    rdflib_format, ox_format = SYNTAXES.get(path.suffix, SYNTAXES[".ttl"])
    check_syntax(text, syntax=ox_format, path=path, base_iri=base_iri)
    graph = Graph()
    bind_prefixes(graph.namespace_manager)
    with quiet_ill_typed_literals():
        graph.parse(data=text, format=rdflib_format, publicID=base_iri)
    lines = tuple(text.splitlines())
    return ParsedFile(
        path, graph, _subject_lines(lines, graph, base_iri), lines=lines, had_bom=had_bom
    )


def read_rdf_text(path: Path) -> str:
    """The text of an RDF file, decoded as UTF-8.

    Raises RdfSyntaxError (not UTF-8) or UnusableInputError (cannot be read).
    """
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise RdfSyntaxError(path, None, None, f"not UTF-8 ({error.reason})") from None
    except OSError as error:
        raise UnusableInputError(f"{path}: cannot read ({error.strerror})") from None


def parse_file(path: Path, *, base_iri: str | None = None) -> ParsedFile:
    """Read and parse one file; see :func:`parse_text` and :func:`read_rdf_text`."""
    return parse_text(read_rdf_text(path), path=path, base_iri=base_iri)


class _DropIllTypedLiteralWarnings(logging.Filter):
    """rdflib logs a traceback for each ill-typed literal; the report already names them."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Failed to convert Literal")


def silence_ill_typed_literals() -> None:
    """From now on, in this process, rdflib does not log ill-typed literals (for a process that
    only reads what clients send: a validation worker)."""
    logging.getLogger("rdflib.term").addFilter(_DropIllTypedLiteralWarnings())


@contextmanager
def quiet_ill_typed_literals() -> Iterator[None]:
    """Within the block, rdflib does not log ill-typed literals (data that a client sent could
    otherwise write a traceback per literal into the server's log)."""
    logger = logging.getLogger("rdflib.term")
    drop = _DropIllTypedLiteralWarnings()
    logger.addFilter(drop)
    try:
        yield
    finally:
        logger.removeFilter(drop)


# A subject starts a statement at the beginning of a line: a prefixed name or an <IRI>.
_SUBJECT_AT_LINE_START = re.compile(
    r"^(<[^>\s]*>|[A-Za-z][\w.-]*:[\w.%:-]*|:[\w.%:-]*|_:[\w.-]+)(?:\s|$)"
)
# The file's own prefix declarations, in either Turtle or SPARQL style.
_PREFIX_DECLARATION = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([\w.-]*):\s*<([^>]*)>", re.IGNORECASE)
# A base declaration, in either style.
_BASE_DECLARATION = re.compile(r"^\s*(?:@base|BASE)\s*<([^>]*)>", re.IGNORECASE)


def _subject_lines(
    text_lines: tuple[str, ...], graph: Graph, base_iri: str | None = None
) -> dict[IdentifiedNode, int]:
    """Map each subject of ``graph`` to the first line that opens a block about it.

    Files here follow one block per subject, opened at column 0, as the style guide asks.
    Prefixed names are read with the file's own declarations, which may differ from ours; an
    IRI relative to ``@base`` is resolved against the base in force on its line.
    """
    subjects = set(graph.subjects())
    declared = {m.group(1): m.group(2) for m in map(_PREFIX_DECLARATION.match, text_lines) if m}
    lines: dict[IdentifiedNode, int] = {}
    base = base_iri
    for number, line in enumerate(text_lines, start=1):
        if based := _BASE_DECLARATION.match(line):
            base = urljoin(base, based.group(1)) if base else based.group(1)
            continue
        match = _SUBJECT_AT_LINE_START.match(line)
        if not match or _PREFIX_DECLARATION.match(line):
            continue
        node = _expand(match.group(1), declared, graph, base)
        if node is not None and node in subjects and node not in lines:
            lines[node] = number
    return lines


def _expand(token: str, declared: dict[str, str], graph: Graph, base: str | None) -> URIRef | None:
    """A subject token as an IRI; blank node labels are renamed by the parser, so not locatable."""
    if token.startswith("<"):
        return URIRef(urljoin(base, token[1:-1]) if base else token[1:-1])
    if token.startswith("_:"):
        return None
    prefix, _, local = token.partition(":")
    if prefix in declared:
        return URIRef(declared[prefix] + local)
    try:
        return graph.namespace_manager.expand_curie(token)
    except ValueError:
        return None


def graph_iri(path: Path, settings: Settings) -> URIRef:
    """The named graph of a file: ``{base}graph/{folder}/{stem}``, from its path in the project."""
    try:
        relative = path.resolve().relative_to(_project_root(settings))
    except ValueError:
        relative = Path("external") / path.name
    return URIRef(settings.graph_base + relative.with_suffix("").as_posix())


def inferred_graph_iri(settings: Settings) -> URIRef:
    return URIRef(settings.graph_base + "inferred")


def _project_root(settings: Settings) -> Path:
    return settings.data_dir.resolve().parent


def default_paths(settings: Settings) -> list[Path]:
    return [settings.ontology_dir, settings.data_dir]


def iter_parsed(paths: Iterable[Path], settings: Settings) -> Iterator[ParsedFile]:
    for path in rdf_files(paths):
        yield parse_file(path)


def load_dataset(settings: Settings, *, paths: Iterable[Path] | None = None) -> Dataset:
    """Ontology and data as a Dataset: one named graph per file, plus the inferred graph.

    The default graph is the union of all named graphs, so queries see everything.
    Raises RdfSyntaxError on the first file that does not parse.
    """
    from kg.graph.inference import materialise

    dataset = Dataset(default_union=True)
    bind_prefixes(dataset.namespace_manager, base=settings.base_iri)
    asserted = []
    for parsed in iter_parsed(paths or default_paths(settings), settings):
        named = dataset.graph(graph_iri(parsed.path, settings))
        for triple in parsed.graph:
            named.add(triple)
        asserted.append(named)
    inferred = dataset.graph(inferred_graph_iri(settings))
    for triple in materialise(t for graph in asserted for t in graph):
        inferred.add(triple)
    return dataset


def is_blank(node: object) -> bool:
    return isinstance(node, BNode)
