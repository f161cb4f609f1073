"""rdflib's own memory store, queried by rdflib's SPARQL engine: for small graphs and comparison.

Answers are converted to the pyoxigraph objects the other backends give (SPARQL JSON for rows,
N-Triples for triples), so callers see one shape. rdflib's engine is far slower than Oxigraph's
(seconds to minutes at 100k triples on joins) and its queries run in threads that a deadline
cannot stop (see :mod:`kg.query.threaded`): keep this backend to small graphs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pyoxigraph
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.sparql.evaluate import evalPart
from rdflib.plugins.sparql.processor import SPARQLResult, prepareQuery
from rdflib.plugins.sparql.sparql import QueryContext, SPARQLError
from rdflib.term import Identifier, Variable

from kg.graph.files import data_version, load_any, serving_paths
from kg.settings import Settings
from kg.store.base import PARSER_LOCK, QueryResult, RunnerKind

__all__ = ["MemoryStore", "open_memory"]


def _to_rdflib(term: Any) -> Identifier:
    """A pyoxigraph term (or an IRI string) as the rdflib term it stands for."""
    if isinstance(term, str):
        return URIRef(term)
    if isinstance(term, pyoxigraph.NamedNode):
        return URIRef(term.value)
    if isinstance(term, pyoxigraph.BlankNode):
        return BNode(term.value)
    if isinstance(term, pyoxigraph.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"cannot bind {term!r}: an IRI, blank node or literal is needed")


@dataclass
class MemoryStore:
    """An rdflib Dataset (union default graph) holding one version of the graph."""

    runner: ClassVar[RunnerKind] = "threads"
    persistent: ClassVar[bool] = False
    engine: ClassVar[str] = "rdflib"
    failures: ClassVar[tuple[type[Exception], ...]] = (
        SPARQLError,
        ValueError,
        TypeError,
        KeyError,
        NotImplementedError,
        RecursionError,
    )

    version: str
    named_graphs: list[str]
    dataset: Dataset = field(repr=False)
    path: Path | None = None

    def query(
        self,
        sparql: str,
        *,
        substitutions: Mapping[pyoxigraph.Variable, Any] | None = None,
        default_graph: list[pyoxigraph.NamedNode] | None = None,
        named_graphs: list[pyoxigraph.NamedNode] | None = None,
    ) -> QueryResult:
        """Answer ``sparql`` with rdflib; with ``default_graph``/``named_graphs`` the query's own
        FROM clauses are replaced by them (nothing is ever fetched), else the union is queried."""
        with PARSER_LOCK:  # rdflib's parser must not run in two threads at once
            query = prepareQuery(sparql)
        bindings = {
            Variable(_name(var)): _to_rdflib(value) for var, value in (substitutions or {}).items()
        }
        clauses = query.algebra.datasetClause
        if default_graph is None and named_graphs is None and clauses:
            default_graph = [pyoxigraph.NamedNode(str(c.default)) for c in clauses if c.default]
            named_graphs = [pyoxigraph.NamedNode(str(c.named)) for c in clauses if c.named]
        if default_graph is None and named_graphs is None:
            context = QueryContext(self.dataset, initBindings=bindings)  # type: ignore[arg-type]
        else:
            # Ours replace the query's FROM clauses, which rdflib would otherwise try to fetch.
            query.algebra["datasetClause"] = None
            context = self._view(default_graph or [], named_graphs or [], bindings)
        context.prologue = query.prologue
        return _to_pyoxigraph(SPARQLResult(evalPart(context, query.algebra)))

    def _graph(self, node: pyoxigraph.NamedNode) -> Graph:
        """The named graph ``node`` (empty when unknown; nothing is added to the dataset)."""
        return Graph(store=self.dataset.store, identifier=URIRef(node.value))

    def _view(
        self,
        default_graph: list[pyoxigraph.NamedNode],
        named_graphs: list[pyoxigraph.NamedNode],
        bindings: dict[Variable, Identifier],
    ) -> QueryContext:
        """A dataset of copies: ``default_graph`` merged as the default, ``named_graphs`` named."""
        view = Dataset()
        for node in named_graphs:
            copy = view.graph(URIRef(node.value))
            for triple in self._graph(node):
                copy.add(triple)
        merged = Graph()
        for node in default_graph:
            for triple in self._graph(node):
                merged.add(triple)
        context = QueryContext(view, initBindings=bindings)  # type: ignore[arg-type]
        context.graph = merged
        return context

    def close(self) -> None:
        self.dataset = Dataset()


def _name(variable: pyoxigraph.Variable | str) -> str:
    return variable if isinstance(variable, str) else variable.value


def _to_pyoxigraph(result: SPARQLResult) -> QueryResult:
    """rdflib's answer as pyoxigraph objects, through the standard formats."""
    if result.type == "CONSTRUCT" or result.type == "DESCRIBE":
        assert result.graph is not None
        text = result.graph.serialize(format="nt", encoding="utf-8")
        return [quad.triple for quad in pyoxigraph.parse(text, pyoxigraph.RdfFormat.N_TRIPLES)]
    data = result.serialize(format="json")
    assert data is not None
    return pyoxigraph.parse_query_results(data, pyoxigraph.QueryResultsFormat.JSON)


def open_memory(
    settings: Settings, *, on_disk: bool = True, dataset: Dataset | None = None
) -> MemoryStore:
    """The graph of ``serving_paths(settings)`` (or ``dataset``) in rdflib's memory store.

    ``on_disk`` is ignored: this store lives in memory. Raises RdfSyntaxError, UnusableInputError.
    """
    paths = serving_paths(settings)
    version = data_version(paths, settings)
    if dataset is None:
        dataset = load_any(paths, settings)
    graphs = sorted(
        str(g.identifier) for g in dataset.graphs() if g.identifier != DATASET_DEFAULT_GRAPH_ID
    )
    return MemoryStore(version, graphs, dataset)
