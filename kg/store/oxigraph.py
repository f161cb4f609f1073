"""The embedded default: an Oxigraph store in memory, in this process or in a resident one.

One-shot commands and tests hold the store in their own process (:class:`OxigraphStore`, queries
in threads). A server holds it in a resident process shared by all its workers
(:mod:`kg.store.resident`): queries for clients run in readers forked from it, which can be
killed at their deadline, and the server's own lookups go to a reader of their own
(:class:`ResidentStore`). ``KG_STORE_PATH`` holds one folder per data version with the
resident's snapshot, so a restart on the same files (and base IRI) loads that snapshot without
parsing or inference; a reload on changed data builds the new version beside the one still being
served, whose folder is removed once no resident holds it.
"""

from __future__ import annotations

import fcntl
import logging
import queue
import shutil
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Any, ClassVar

import pyoxigraph
from rdflib import Dataset
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from kg.graph.files import data_version, load_into, serving_paths
from kg.graph.inference import materialise_in_store
from kg.graph.loading import inferred_graph_iri
from kg.settings import Settings
from kg.store.base import QueryResult, RunnerKind
from kg.store.resident import RECYCLE_AFTER_SECONDS, ForkedProcess, Resident, memory_is_short

__all__ = [
    "OxigraphStore",
    "ResidentStore",
    "open_oxigraph",
    "open_in_process",
    "start_resident",
    "build_in_memory",
]

log = logging.getLogger(__name__)

#: Readers a server keeps for its own lookups (pages, typed routes), started as needed.
OWN_READERS = 4


def _options(
    default_graph: list[pyoxigraph.NamedNode] | None,
    named_graphs: list[pyoxigraph.NamedNode] | None,
    substitutions: Mapping[pyoxigraph.Variable, Any] | None,
) -> dict[str, object]:
    """pyoxigraph's query options: the default graph is the union of all unless one is given."""
    options: dict[str, object] = {}
    if default_graph is not None or named_graphs is not None:
        options["default_graph"] = default_graph or []
        options["named_graphs"] = named_graphs or []
    else:
        options["use_default_graph_as_union"] = True
    if substitutions:
        options["substitutions"] = dict(substitutions)
    return options


@dataclass
class OxigraphStore:
    """An Oxigraph store in this process's memory: for one-shot commands and tests."""

    runner: ClassVar[RunnerKind] = "threads"
    persistent: ClassVar[bool] = False
    engine: ClassVar[str] = "Oxigraph"
    failures: ClassVar[tuple[type[Exception], ...]] = (OSError, RuntimeError, ValueError)

    path: Path | None
    version: str
    named_graphs: list[str]
    store: pyoxigraph.Store = field(repr=False)

    def query(
        self,
        sparql: str,
        *,
        substitutions: Mapping[pyoxigraph.Variable, Any] | None = None,
        default_graph: list[pyoxigraph.NamedNode] | None = None,
        named_graphs: list[pyoxigraph.NamedNode] | None = None,
    ) -> QueryResult:
        """Run ``sparql``; the default graph is the union of all named graphs unless given."""
        options = _options(default_graph, named_graphs, substitutions)
        return self.store.query(sparql, **options)  # type: ignore[arg-type,no-any-return]

    def close(self) -> None:
        del self.store


@dataclass
class ResidentStore:
    """The graph of a resident process (:mod:`kg.store.resident`), asked through its readers.

    Client queries run in readers of the :class:`~kg.query.processes.ProcessRunner` over
    ``resident``; ``query`` here serves the server's own lookups, answered by up to
    :data:`OWN_READERS` readers of their own and read back into pyoxigraph objects.
    """

    runner: ClassVar[RunnerKind] = "processes"
    persistent: ClassVar[bool] = True
    engine: ClassVar[str] = "Oxigraph"
    failures: ClassVar[tuple[type[Exception], ...]] = (OSError, RuntimeError, ValueError)

    path: Path | None
    version: str
    named_graphs: list[str]
    resident: Resident = field(repr=False)
    owns_path: bool = False
    #: True when the resident loaded a snapshot of this version instead of the files.
    reopened: bool = False
    #: A shared lock on the version's "in use" file while this store is open (see ``_prune``).
    in_use: IO[str] | None = field(default=None, repr=False)
    _idle: queue.LifoQueue[tuple[ForkedProcess, Connection]] = field(
        default_factory=queue.LifoQueue, repr=False
    )
    _started: threading.Semaphore = field(
        default_factory=lambda: threading.BoundedSemaphore(OWN_READERS), repr=False
    )

    def query(
        self,
        sparql: str,
        *,
        substitutions: Mapping[pyoxigraph.Variable, Any] | None = None,
        default_graph: list[pyoxigraph.NamedNode] | None = None,
        named_graphs: list[pyoxigraph.NamedNode] | None = None,
    ) -> QueryResult:
        """Answer ``sparql`` in a reader; a reader that died is replaced and asked again."""
        request = (sparql, dict(substitutions or {}), default_graph, named_graphs)
        for attempt in (1, 2):
            reader = self._reader()
            started = time.monotonic()
            try:
                reader[1].send(request)
                reply = reader[1].recv()
            except (EOFError, OSError):
                self._discard(reader)
                if attempt == 2:
                    stopped = "the store's reader process stopped; see the server log"
                    raise OSError(stopped) from None
                continue
            if time.monotonic() - started > RECYCLE_AFTER_SECONDS and memory_is_short():
                self._discard(reader)  # it has likely copied much of the graph: fork afresh
            else:
                self._idle.put(reader)
            return _unpack(reply)
        raise AssertionError("unreachable")  # pragma: no cover

    def _reader(self) -> tuple[ForkedProcess, Connection]:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        if self._started.acquire(blocking=False):
            try:
                return self.resident.fork("kg.store.oxigraph:answer_own_queries")
            except BaseException:
                self._started.release()
                raise
        return self._idle.get()

    def _discard(self, reader: tuple[ForkedProcess, Connection]) -> None:
        reader[0].kill()
        reader[1].close()
        reader[0].close()
        self._started.release()

    def close(self) -> None:
        """Stop the readers and disconnect; remove the folder when this object created it."""
        while True:
            try:
                self._discard(self._idle.get_nowait())
            except queue.Empty:
                break
        self.resident.close()
        if self.in_use is not None:
            self.in_use.close()  # drops the shared lock: the next build may prune this version
        if self.owns_path and self.path is not None:
            shutil.rmtree(self.path, ignore_errors=True)


def answer_own_queries(conn: Connection, store: pyoxigraph.Store) -> None:
    """A reader's loop for :class:`ResidentStore`: answers as SPARQL JSON or N-Triples bytes."""
    while True:
        try:
            sparql, substitutions, default_graph, named_graphs = conn.recv()
        except EOFError:
            return
        try:
            options = _options(default_graph, named_graphs, substitutions)
            answer = store.query(sparql, **options)  # type: ignore[arg-type]
            if isinstance(answer, pyoxigraph.QueryTriples):
                reply: tuple[object, ...] = (
                    "triples",
                    answer.serialize(format=pyoxigraph.RdfFormat.N_TRIPLES),
                )
            else:
                reply = ("results", answer.serialize(format=pyoxigraph.QueryResultsFormat.JSON))
        except SyntaxError as error:
            reply = ("error", SyntaxError(str(error)))
        except (OSError, RuntimeError, ValueError) as error:
            reply = ("error", type(error)(str(error)))
        conn.send(reply)


def _unpack(reply: tuple[Any, ...]) -> QueryResult:
    kind, content = reply
    if kind == "triples":
        quads = pyoxigraph.parse(content, pyoxigraph.RdfFormat.N_TRIPLES)
        return [quad.triple for quad in quads]
    if kind == "results":
        return pyoxigraph.parse_query_results(content, pyoxigraph.QueryResultsFormat.JSON)  # type: ignore[return-value]
    raise content


def open_oxigraph(
    settings: Settings, *, on_disk: bool = True, dataset: Dataset | None = None
) -> OxigraphStore | ResidentStore:
    """The graph of ``serving_paths(settings)`` (or ``dataset``) in an Oxigraph store.

    In this process when ``on_disk`` is false (or for a ``dataset``); otherwise held by the
    resident of ``settings.store_path``'s folder for this data version (loading its snapshot when
    there is one), or of a temporary folder removed by ``close``.
    Raises RdfSyntaxError for a file that does not parse, UnusableInputError for a missing one.
    """
    if not on_disk or dataset is not None:
        return open_in_process(settings, dataset=dataset)
    version = data_version(serving_paths(settings), settings)
    settings_json = settings.model_dump_json()
    if settings.store_path is None:
        path = Path(tempfile.mkdtemp(prefix="scicoop-store-")) / version
        resident = Resident.open(path, settings_json=settings_json, snapshot=False)
        return ResidentStore(path.parent, version, resident.named_graphs, resident, owns_path=True)
    root = settings.store_path
    root.mkdir(parents=True, exist_ok=True)
    in_use = _hold(root, version)
    try:
        resident = Resident.open(root / version, settings_json=settings_json)
    except BaseException:
        in_use.close()
        raise
    if resident.reopened:
        log.info("store %s holds data version %s: loaded without parsing", root, version)
    _prune(root, keep=version)
    return ResidentStore(
        root / version,
        version,
        resident.named_graphs,
        resident,
        reopened=resident.reopened,
        in_use=in_use,
    )


def start_resident(settings: Settings) -> None:
    """Have the resident of this data version start loading, without waiting for it.

    ``kg serve`` calls it before its workers start: the graph loads while they import, and each
    then joins the resident (:func:`open_oxigraph`). Raises ResidentGone when it cannot start.
    """
    if settings.store_path is None:
        return
    version = data_version(serving_paths(settings), settings)
    conn, _ = Resident.start(
        settings.store_path / version, settings_json=settings.model_dump_json()
    )
    conn.close()


def open_in_process(settings: Settings, *, dataset: Dataset | None = None) -> OxigraphStore:
    """The graph of ``serving_paths(settings)`` (or ``dataset``) in this process's memory."""
    paths = serving_paths(settings)
    store = pyoxigraph.Store()
    graphs = _fill(store, settings, paths=paths, dataset=dataset)
    return OxigraphStore(None, data_version(paths, settings), graphs, store)


def build_in_memory(settings_json: str) -> tuple[pyoxigraph.Store, list[str]]:
    """The resident's builder: the files of the settings loaded and inferred, in memory."""
    settings = Settings.model_validate_json(settings_json)
    store = pyoxigraph.Store()
    graphs = _fill(store, settings, paths=serving_paths(settings), dataset=None)
    return store, graphs


def _fill(
    store: pyoxigraph.Store,
    settings: Settings,
    *,
    paths: list[Path],
    dataset: Dataset | None,
) -> list[str]:
    """Load the files (or copy ``dataset``), infer; the sorted named graphs."""
    started = time.perf_counter()
    if dataset is None:
        load_into(store, paths, settings)
        loaded = time.perf_counter()
        size = materialise_in_store(store, inferred_graph=str(inferred_graph_iri(settings)))
        log.info(
            "loaded in %.1f s, %d triples inferred in %.1f s",
            loaded - started,
            size,
            time.perf_counter() - loaded,
        )
    else:
        for graph in dataset.graphs():
            if graph.identifier == DATASET_DEFAULT_GRAPH_ID:
                continue  # the union view; its triples all live in named graphs
            store.bulk_load(
                graph.serialize(format="nt", encoding="utf-8"),
                pyoxigraph.RdfFormat.N_TRIPLES,
                to_graph=pyoxigraph.NamedNode(str(graph.identifier)),
            )
    return sorted(g.value for g in store.named_graphs())  # type: ignore[union-attr]


def _hold(root: Path, version: str) -> IO[str]:
    """A shared lock on ``{root}/{version}.in-use``, held for as long as the store is open."""
    handle = (root / f"{version}.in-use").open("a")
    fcntl.flock(handle, fcntl.LOCK_SH)
    return handle


def _prune(root: Path, *, keep: str) -> None:
    """Remove the versions under ``root`` that no process holds open any more.

    A reload builds its version beside the one still being served; the old one goes once its
    last reader has closed it (the next build, in any process, finds its lock free).
    """
    for folder in root.iterdir():
        if not folder.is_dir() or folder.name == keep:
            continue
        with (root / f"{folder.name}.in-use").open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # still served by some process
            shutil.rmtree(folder, ignore_errors=True)
            (root / f"{folder.name}.in-use").unlink(missing_ok=True)
