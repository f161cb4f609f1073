"""The narrow protocol every store backend keeps, its declared capabilities, and the registry.

Callers see one surface whatever the backend: ``query(sparql, substitutions=...)`` answering
pyoxigraph objects (``QuerySolutions``, ``QueryBoolean``, or an iterable of ``Triple``), the
store's ``named_graphs`` and data ``version``, an ``executor`` for the serving path, and ``close``.
Backends are registered by name and imported only when chosen, as rdflib's plugins are.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

import pyoxigraph

if TYPE_CHECKING:
    from kg.query.formats import Format
    from kg.settings import Settings
    from kg.query.gate import PreparedQuery

__all__ = ["Store", "QueryRunner", "QueryResult", "BACKENDS", "backend"]

#: What ``Store.query`` answers: rows, a boolean, or triples (CONSTRUCT, DESCRIBE).
QueryResult = pyoxigraph.QuerySolutions | pyoxigraph.QueryBoolean | Iterable[pyoxigraph.Triple]


class QueryRunner(Protocol):
    """What serves ``/sparql``: :class:`kg.query.processes.QueryExecutor` and its in-process peers."""

    async def run(
        self,
        prepared: PreparedQuery,
        *,
        result_format: Format,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> bytes: ...

    def close(self) -> None: ...


@runtime_checkable
class Store(Protocol):
    """One loaded version of the graph, whatever holds it.

    Capabilities are class-level flags: ``isolated_queries`` (worker processes can open it read
    only from ``path``, so a runaway query is killed, not waited for) and ``persistent`` (it
    outlives the process: a restart on unchanged data reopens it instead of loading again).
    """

    isolated_queries: ClassVar[bool]
    persistent: ClassVar[bool]
    #: Where the store lives on disk, if it does.
    path: Path | None
    #: A short hash that changes when the data does (ETags use it).
    version: str
    named_graphs: list[str]

    def query(
        self,
        sparql: str,
        *,
        substitutions: Mapping[pyoxigraph.Variable, Any] | None = None,
        default_graph: list[pyoxigraph.NamedNode] | None = None,
        named_graphs: list[pyoxigraph.NamedNode] | None = None,
    ) -> QueryResult:
        """Answer ``sparql``, blocking; the default graph is the union of all named graphs.

        Raises SyntaxError for a malformed query, OSError for a store that cannot answer.
        """
        ...

    def executor(self, settings: Settings) -> QueryRunner:
        """The query runner for the serving path, with the deadline and limits of ``settings``."""
        ...

    def close(self) -> None: ...


#: Backend name -> "module:factory"; the factory takes (settings, *, on_disk) and returns a Store.
BACKENDS: dict[str, str] = {
    "oxigraph": "kg.store.oxigraph:open_oxigraph",
    "memory": "kg.store.memory:open_memory",
    "remote": "kg.store.remote:open_remote",
}


def backend(name: str) -> Any:
    """The factory of backend ``name``, imported now (ValueError naming the choices if unknown)."""
    try:
        module_name, _, attribute = BACKENDS[name].partition(":")
    except KeyError:
        choices = ", ".join(BACKENDS)
        raise ValueError(f"unknown store backend {name!r}; choose one of {choices}") from None
    return getattr(importlib.import_module(module_name), attribute)
