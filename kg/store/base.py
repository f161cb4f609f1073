"""The narrow protocol every store backend keeps, its declared capabilities, and the registry.

Callers see one surface whatever the backend: ``query(sparql, substitutions=...)`` answering
pyoxigraph objects (``QuerySolutions``, ``QueryBoolean``, or an iterable of ``Triple``), the
store's ``named_graphs`` and data ``version``, and ``close``. A store holds data only: how its
queries are run for clients is :mod:`kg.query.runner`'s business, chosen by the store's declared
``runner`` capability. Backends are registered by name and imported only when chosen, as rdflib's
plugins are.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

import pyoxigraph

__all__ = ["Store", "QueryResult", "RunnerKind", "BACKENDS", "backend", "PARSER_LOCK"]

#: What ``Store.query`` answers: rows, a boolean, or triples (CONSTRUCT, DESCRIBE).
QueryResult = pyoxigraph.QuerySolutions | pyoxigraph.QueryBoolean | Iterable[pyoxigraph.Triple]

#: How a store's queries are run for clients: in killable worker processes that open it from its
#: ``path``, in threads of the serving process, or forwarded to a remote server.
RunnerKind = Literal["processes", "threads", "remote"]

#: Held while rdflib parses or translates SPARQL. rdflib's parser (pyparsing) is not thread-safe:
#: parses racing in a fresh process make pyparsing guess the arity of its parse actions wrong, and
#: from then on *every* parse in that process fails with a TypeError. Whoever calls rdflib's
#: SPARQL parser off the main thread (``Graph.query``, ``prepareQuery``, the gate) holds it.
PARSER_LOCK = threading.Lock()


@runtime_checkable
class Store(Protocol):
    """One loaded version of the graph, whatever holds it.

    Capabilities are class-level flags: ``runner`` (how queries are run for clients; only a
    ``processes`` store can have a runaway query killed rather than waited for), ``persistent``
    (it outlives the process: a restart on unchanged data reopens it instead of loading again),
    and, for a ``threads`` store, the ``engine`` named in failures and the exceptions that
    ``failures`` its engine raises for a query it cannot evaluate.
    """

    runner: ClassVar[RunnerKind]
    persistent: ClassVar[bool]
    engine: ClassVar[str]
    failures: ClassVar[tuple[type[Exception], ...]]
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
