"""The query store: the loaded Dataset copied into an on-disk Oxigraph store.

On disk so that query worker processes can open it read-only (``pyoxigraph.Store.read_only``) and
be killed at a deadline without taking the serving process with them.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph
from rdflib import Dataset
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from kg.loading import data_version, default_paths, load_dataset
from kg.settings import Settings

__all__ = ["OxigraphStore", "build_store"]


@dataclass
class OxigraphStore:
    """An Oxigraph store at ``path`` holding one version of the graph."""

    path: Path
    version: str
    named_graphs: list[str]
    store: pyoxigraph.Store = field(repr=False)
    owns_path: bool = False

    def query(self, sparql: str, **options: object) -> object:
        """Run ``sparql`` with the union of all named graphs as the default graph."""
        options.setdefault("use_default_graph_as_union", True)
        return self.store.query(sparql, **options)  # type: ignore[arg-type]

    def close(self) -> None:
        """Release the store; remove its folder when this object created it."""
        del self.store
        if self.owns_path:
            shutil.rmtree(self.path, ignore_errors=True)


def build_store(
    settings: Settings, *, dataset: Dataset | None = None, on_disk: bool = True
) -> OxigraphStore:
    """Load the graph (or take ``dataset``) and copy it into a fresh Oxigraph store.

    On disk (at ``settings.store_path``, or a temporary folder removed by ``close``) when query
    workers must open it; in memory for one-shot command-line use.
    """
    version = data_version(default_paths(settings))
    if dataset is None:
        dataset = load_dataset(settings)
    owns_path = settings.store_path is None
    path = Path(tempfile.mkdtemp(prefix="scicoop-store-")) if owns_path else settings.store_path
    assert path is not None
    if path.exists() and not owns_path:
        shutil.rmtree(path)
    store = pyoxigraph.Store(str(path)) if on_disk else pyoxigraph.Store()
    if not on_disk and owns_path:
        path.rmdir()
    for graph in dataset.graphs():
        if graph.identifier == DATASET_DEFAULT_GRAPH_ID:
            continue  # the union view; its triples all live in named graphs
        store.bulk_load(
            graph.serialize(format="nt", encoding="utf-8"),
            pyoxigraph.RdfFormat.N_TRIPLES,
            to_graph=pyoxigraph.NamedNode(str(graph.identifier)),
        )
    store.flush()
    graphs = sorted(g.value for g in store.named_graphs())  # type: ignore[union-attr]
    return OxigraphStore(path, version, graphs, store, owns_path)
