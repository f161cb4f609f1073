"""RDF files -> a store: which files, which named graph each goes to, and the data's version.

Serving reads Turtle, N-Triples, N-Quads and TriG. A triples file becomes one named graph (its
path, as :func:`kg.graph.loading.graph_iri` names it); a quads file keeps its own graphs, and its
default-graph triples go to the file's graph, so the union default graph stays the union of
named graphs. Parsing goes straight into Oxigraph (``bulk_load``, no rdflib on this path): at a
million triples that is seconds instead of the minutes rdflib's parser takes. Oxigraph streams and
does not recurse, so deep nesting loads; a term over its 16 MiB buffer is a located syntax error.
No RDF/XML or JSON-LD here: nothing that could declare entities or name a remote context.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph
from rdflib import Dataset

from kg.graph.loading import graph_iri, inferred_graph_iri
from kg.graph.loading import rdf_files as loading_rdf_files
from kg.graph.parsing import located, term_too_long
from kg.namespaces import BASE, bind_prefixes, rebase
from kg.progress import progress_when
from kg.settings import Settings

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

__all__ = ["SYNTAXES", "rdf_files", "serving_paths", "data_version", "load_into", "load_any"]

#: File endings served, with their Oxigraph format.
SYNTAXES: dict[str, pyoxigraph.RdfFormat] = {
    ".ttl": pyoxigraph.RdfFormat.TURTLE,
    ".nt": pyoxigraph.RdfFormat.N_TRIPLES,
    ".nq": pyoxigraph.RdfFormat.N_QUADS,
    ".trig": pyoxigraph.RdfFormat.TRIG,
}

#: Bumped when the layout of a store on disk changes, so old stores are rebuilt, not misread.
LAYOUT = "1"


def rdf_files(paths: Iterable[Path]) -> list[Path]:
    """The files a server loads: :func:`kg.graph.loading.rdf_files` with the quad syntaxes too."""
    return loading_rdf_files(paths, suffixes=SYNTAXES)


def serving_paths(settings: Settings) -> list[Path]:
    """What a server loads: the ontology, and ``data_paths`` when given, else ``data_dir``."""
    return [settings.ontology_dir, *(settings.data_paths or (settings.data_dir,))]


def data_version(paths: Iterable[Path], settings: Settings) -> str:
    """A short hash of the files (names, graphs, contents) and the base IRI.

    It changes exactly when what a store built from them would hold changes.
    """
    digest = hashlib.sha256(f"layout {LAYOUT}\0{settings.base_iri}\0".encode())
    for path in rdf_files(paths):
        digest.update(f"{graph_iri(path, settings)}\0".encode())
        with path.open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def load_into(store: pyoxigraph.Store, paths: Iterable[Path], settings: Settings) -> list[str]:
    """Parse every file under ``paths`` into ``store``; returns the files' graph IRIs.

    Files of ``settings.progress_min_bytes`` or more in all show their progress in bytes read.
    Raises RdfSyntaxError (file, line, column) for the first file that does not parse; the store
    then holds part of the data and should be discarded.
    """
    files = rdf_files(paths)
    size = sum(path.stat().st_size for path in files)
    large = size >= settings.progress_min_bytes
    with progress_when(large, "loading", total=size) as advance:
        graphs = [_load_file(store, path, settings, advance=advance) for path in files]
    if settings.base_iri != BASE:
        _rebase(store, base=settings.base_iri)
    return graphs


def _load_file(
    store: pyoxigraph.Store, path: Path, settings: Settings, *, advance: Callable[[int], None]
) -> str:
    """Load one file into its graph (a quads file: its own graphs); returns the graph's IRI.

    Oxigraph reads a path with no word on how far it got, so it is given the open file behind
    :class:`_Counted` instead. Its errors carry the same line and column either way; we add the
    file.
    """
    fmt = SYNTAXES[path.suffix]
    graph = pyoxigraph.NamedNode(str(graph_iri(path, settings)))
    try:
        with (
            path.open("rb", buffering=0) as raw,
            io.BufferedReader(_Counted(raw, advance), buffer_size=_BLOCK) as counted,
        ):
            if fmt.supports_datasets:
                store.bulk_load(input=counted, format=fmt)
            else:
                store.bulk_load(input=counted, format=fmt, to_graph=graph)
    except SyntaxError as error:
        raise located(error, path=path) from None
    except MemoryError:
        # Oxigraph's token buffer is full: one literal or IRI is over 16 MiB.
        with path.open("rb") as lines:
            raise term_too_long(path=path, lines=lines) from None
    if fmt.supports_datasets:
        _move_default_graph(store, graph)
    return graph.value


#: Bytes read from a file at a time while loading. Oxigraph asks for about 2 KiB at a time; a
#: buffer this size answers those in C, so the counting below runs once per MiB.
_BLOCK = 1 << 20


class _Counted(io.RawIOBase):
    """A raw binary file whose reads are counted: ``advance(n)`` after each ``n`` bytes read."""

    def __init__(self, raw: io.RawIOBase, advance: Callable[[int], None]) -> None:
        super().__init__()
        self._raw = raw
        self._advance = advance

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int | None:
        n = self._raw.readinto(buffer)
        if n:
            self._advance(n)
        return n


def _rebase(store: pyoxigraph.Store, *, base: str) -> None:
    """Move every IRI under the files' base to ``base`` (a deployment under another base)."""

    def moved(term: Any) -> Any:
        if isinstance(term, pyoxigraph.NamedNode) and term.value.startswith(BASE):
            return pyoxigraph.NamedNode(rebase(term.value, base=base))
        if isinstance(term, pyoxigraph.Literal) and term.datatype.value.startswith(BASE):
            return pyoxigraph.Literal(
                term.value, datatype=pyoxigraph.NamedNode(rebase(term.datatype.value, base=base))
            )
        return term

    old = [q for q in store if any(moved(t) is not t for t in (q.subject, q.predicate, q.object))]
    for quad in old:
        store.remove(quad)
    store.extend(
        pyoxigraph.Quad(moved(q.subject), moved(q.predicate), moved(q.object), q.graph_name)
        for q in old
    )


def _move_default_graph(store: pyoxigraph.Store, graph: pyoxigraph.NamedNode) -> None:
    """Put a quads file's default-graph triples into the file's own graph."""
    default = pyoxigraph.DefaultGraph()
    moved = [
        pyoxigraph.Quad(q.subject, q.predicate, q.object, graph)
        for q in store.quads_for_pattern(None, None, None, default)
    ]
    if moved:
        store.extend(moved)
        store.clear_graph(default)


def load_any(paths: Iterable[Path], settings: Settings) -> Dataset:
    """The files under ``paths`` as an rdflib Dataset, with the inferred graph, union default.

    Parsed and inferred by Oxigraph (the same code the embedded store uses), then handed to
    rdflib as N-Quads, so every backend holds the same quads.
    Raises RdfSyntaxError and UnusableInputError as :func:`load_into` does.
    """
    from kg.graph.inference import materialise_in_store

    store = pyoxigraph.Store()
    load_into(store, paths, settings)
    materialise_in_store(store, inferred_graph=str(inferred_graph_iri(settings)))
    dataset = Dataset(default_union=True)
    bind_prefixes(dataset.namespace_manager, base=settings.base_iri)
    dataset.parse(data=store.dump(format=pyoxigraph.RdfFormat.N_QUADS), format="nquads")
    return dataset
