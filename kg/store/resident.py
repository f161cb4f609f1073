"""The graph held in memory by one resident process, shared copy-on-write by forked readers.

An Oxigraph store in memory answers scans four to eight times faster than one on disk, but
pyoxigraph cannot stop a running query: a query must run in a process that can be killed. So one
*resident* process loads the graph once and, when a client asks, forks a reader for it. A reader
shares the resident's pages (no copy of the graph per reader), can be killed at a deadline, capped
in memory and cut off the network, and the resident goes on; so do the other readers.

Reading the store writes to it: Oxigraph counts references to the terms it hands out, so a query
that scans copies the pages it reads into its reader (a full scan of 1M triples copies 500 of the
store's 600 MB). Lookups touch a few pages. A reader keeps what it copied, so its next scan runs at
full speed (a fresh fork pays the copy again: scans three to five times slower); but when the
machine runs short of memory (:func:`memory_is_short`), a reader that ran a query longer than
:data:`RECYCLE_AFTER_SECONDS` is replaced by a fresh fork (milliseconds), which brings what the
readers hold back to little more than the graph, once.

Every uvicorn worker serving the same store folder uses the same resident. It listens on a Unix
socket in a folder only this user can enter, named after the store folder; the first worker to
need it starts it (under a lock) and later ones connect. A client's first message is the
resident's hello, sent once the graph is loaded (or the load's error). The resident exits once no
client has been connected for :data:`GRACE_SECONDS`, so after a reload the resident of the old
version goes when the last old worker has drained.

The resident writes a snapshot of its quads (N-Quads) and a marker into its folder, from a forked
child, so a restart on unchanged data loads the snapshot: no parsing of Turtle, no inference.

The control protocol (pickled tuples over the socket): the resident says ``("hello", graphs,
loaded_snapshot, pid)`` or ``("error", exception)``; ``("fork", "module:function", args)`` answers
``("forked", pid)`` after passing the reader's end of a new socket pair (``SCM_RIGHTS``), and the
reader runs ``function(connection, store, *args)``; ``("status", pid)`` answers the exit code of
a reader that ended (negative: the signal), or None.
"""

from __future__ import annotations

import ctypes
import fcntl
import hashlib
import importlib
import json
import logging
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from multiprocessing.connection import Connection, wait
from multiprocessing.reduction import recv_handle, send_handle
from pathlib import Path
from typing import Any

import pyoxigraph

__all__ = [
    "Resident",
    "ForkedProcess",
    "ResidentGone",
    "release_free_memory",
    "MARKER",
    "SNAPSHOT",
    "GRACE_SECONDS",
    "RECYCLE_AFTER_SECONDS",
    "memory_is_short",
]

log = logging.getLogger(__name__)

#: The file in a store folder that records which data its snapshot holds.
MARKER = "scicoop-store.json"
#: The quads of the store folder's version, written by the resident after a load from the files.
SNAPSHOT = "snapshot.nq"
#: How long a resident with no client connected waits before it exits.
GRACE_SECONDS = 5.0
#: How long a fork or status request may take (a fork copies the page tables of the graph).
CONTROL_SECONDS = 60.0

#: A reader that answered a query for this long has likely copied much of the graph: when memory
#: is short, its owner replaces it with a fresh fork (see the module docstring).
RECYCLE_AFTER_SECONDS = 0.05
#: Memory is short when less than this share of it is available (to the machine or the cgroup).
SHORT_OF_MEMORY = 0.25

#: What builds the graph when the folder holds no snapshot: "module:function" taking the
#: settings JSON and answering (store, named graphs).
BUILDER = "kg.store.oxigraph:build_in_memory"


class ResidentGone(ConnectionError):
    """The resident process is not there (it exited, or died while loading)."""


class ForkedProcess:
    """A reader forked by the resident: not our child, so it is watched through a pidfd."""

    def __init__(self, pid: int, resident: Resident) -> None:
        self.pid = pid
        self._resident = resident
        self._pidfd: int | None = os.pidfd_open(pid)

    def is_alive(self) -> bool:
        return self._pidfd is not None and not select.select([self._pidfd], [], [], 0)[0]

    def join(self, timeout: float | None = None) -> None:
        if self._pidfd is not None:
            select.select([self._pidfd], [], [], timeout)

    def kill(self) -> None:
        """SIGKILL through the pidfd: never a process that reused the pid."""
        if self._pidfd is not None and self.is_alive():
            signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)

    @property
    def exitcode(self) -> int | None:
        """How it ended, as multiprocessing says it (negative: the signal); None if unknown."""
        if self.is_alive():
            return None
        try:
            return self._resident.exit_code(self.pid)
        except (ResidentGone, OSError, EOFError):
            return None

    def close(self) -> None:
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None


class Resident:
    """A client's connection to the resident holding one store folder's graph; thread-safe."""

    def __init__(
        self,
        conn: Connection,
        folder: Path,
        graphs: list[str],
        *,
        reopened: bool,
        pid: int,
        settings_json: str | None = None,
        snapshot: bool = True,
    ) -> None:
        self._conn = conn
        self._lock = threading.Lock()
        #: How to start the resident again should it die (killed by an operator or the OOM killer).
        self._settings_json = settings_json
        self._snapshot = snapshot
        self.folder = folder
        self.named_graphs = graphs
        #: True when no file was parsed for us: the resident was running, or loaded a snapshot.
        self.reopened = reopened
        #: The resident's process id (for operators: it is one process per data version).
        self.pid = pid

    @classmethod
    def open(
        cls, folder: Path, *, settings_json: str | None = None, snapshot: bool = True
    ) -> Resident:
        """Connect to the resident of ``folder``, starting it when there is none.

        The resident loads ``folder``'s snapshot when its marker is there, else builds the graph
        from ``settings_json`` (:data:`BUILDER`) and, with ``snapshot``, writes one. Blocks until
        the graph is loaded; raises what the load raised (RdfSyntaxError for a file that does
        not parse), or ResidentGone.
        """
        conn, joined = cls.start(folder, settings_json=settings_json, snapshot=snapshot)
        _, graphs, loaded_snapshot, pid = _hello(conn, folder)
        return cls(
            conn,
            folder,
            list(graphs),
            reopened=joined or loaded_snapshot,
            pid=pid,
            settings_json=settings_json,
            snapshot=snapshot,
        )

    @staticmethod
    def start(
        folder: Path, *, settings_json: str | None = None, snapshot: bool = True
    ) -> tuple[Connection, bool]:
        """Start the resident of ``folder`` unless it runs: a connection to it (its hello still
        to come, once loaded), and whether it was running already. ``kg serve`` calls this before
        its workers start, so the graph loads while they import."""
        address = socket_path(folder)
        with _locked(address.with_suffix(".lock")):
            conn = _connect(address)
            if conn is not None:
                return conn, True
            _start(folder, address, settings_json, snapshot=snapshot)
            conn = _connect(address)
            if conn is None:
                raise ResidentGone(f"the resident for {folder} does not answer at {address}")
            return conn, False

    def fork(self, target: str, *args: object) -> tuple[ForkedProcess, Connection]:
        """A new reader running ``target(connection, store, *args)``, and our end of its pipe.

        A resident that died is started again first (it loads the snapshot): the caller waits
        for that load rather than the service failing every query from then on.
        """
        with self._lock:
            try:
                pid, fd = self._fork(target, args)
            except ResidentGone:
                self._restart()
                pid, fd = self._fork(target, args)
        return ForkedProcess(pid, self), Connection(fd)

    def _fork(self, target: str, args: tuple[object, ...]) -> tuple[int, int]:
        """One fork request (lock held): the reader's pid and our end of its socket."""
        self._send(("fork", target, args))
        if not self._conn.poll(CONTROL_SECONDS):
            raise ResidentGone("the resident did not fork a reader in time")
        try:
            fd = recv_handle(self._conn)
            reply = self._conn.recv()
        except (EOFError, OSError) as error:
            raise ResidentGone(f"the resident is gone: {error}") from None
        return reply[1], fd

    def _restart(self) -> None:
        """Connect to a new resident of our folder, started if need be (lock held)."""
        log.warning("the resident process for %s is gone: starting it again", self.folder)
        self._conn.close()
        conn, _ = Resident.start(
            self.folder, settings_json=self._settings_json, snapshot=self._snapshot
        )
        hello = _hello(conn, self.folder)
        self._conn, self.pid = conn, hello[3]

    def exit_code(self, pid: int) -> int | None:
        """The exit code of reader ``pid`` (negative: the signal that ended it), or None."""
        with self._lock:
            self._send(("status", pid))
            if not self._conn.poll(CONTROL_SECONDS):
                raise ResidentGone("the resident did not answer in time")
            reply = self._conn.recv()
        return reply[1]  # type: ignore[no-any-return]

    def close(self) -> None:
        """Disconnect; the resident exits when its last client has gone."""
        with self._lock:
            self._conn.close()

    def _send(self, message: tuple[object, ...]) -> None:
        try:
            self._conn.send(message)
        except OSError as error:
            raise ResidentGone(f"the resident is gone: {error}") from None


def _hello(conn: Connection, folder: Path) -> tuple[Any, ...]:
    """The resident's first message, once it has loaded; what its load raised, raised here."""
    try:
        hello: tuple[Any, ...] = conn.recv()
    except (EOFError, OSError):
        conn.close()
        raise ResidentGone(f"the resident for {folder} died while loading; see its log") from None
    if hello[0] == "error":
        conn.close()
        raise hello[1]
    return hello


def socket_path(folder: Path) -> Path:
    """Where the resident of ``folder`` listens: short (a Unix socket path is at most 107
    bytes) and in a folder only this user may enter."""
    private = Path(tempfile.gettempdir()) / f"scicoop-kg-{os.getuid()}"
    private.mkdir(mode=0o700, exist_ok=True)
    info = private.stat()
    if info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise PermissionError(f"{private} must belong to this user alone (mode 700)")
    name = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:24]
    return private / f"{name}.sock"


def _connect(address: Path) -> Connection | None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(str(address))
    except OSError:
        sock.close()
        return None
    return Connection(sock.detach())


def _start(folder: Path, address: Path, settings_json: str | None, *, snapshot: bool) -> None:
    """Start the resident and wait until it listens (it loads afterwards)."""
    address.unlink(missing_ok=True)  # a resident that died left its socket file
    process = subprocess.Popen(  # noqa: S603 (our own module, no shell)
        [sys.executable, "-m", "kg.store.resident", str(folder), str(address), str(int(snapshot))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        start_new_session=True,  # Ctrl-C at a terminal reaches the server, which stops us
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write((settings_json or "").encode())
    process.stdin.close()
    line = process.stdout.readline()
    process.stdout.close()
    if line.strip() != b"listening":
        process.wait()
        raise ResidentGone(f"the resident for {folder} did not start (exit {process.returncode})")


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --- The resident process ------------------------------------------------------------------------


def main(folder: Path, address: Path, settings_json: str, *, snapshot: bool) -> None:
    """Listen, load, then answer fork and status requests until no client remains."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(address))
    listener.listen(64)
    sys.stdout.write("listening\n")
    sys.stdout.close()
    try:
        store, graphs, reopened = _load(folder, settings_json)
    except Exception as error:  # noqa: BLE001 (every client hears of it)
        log.error("the resident for %s could not load the graph: %s", folder, error)
        _refuse_all(listener, error)
        address.unlink(missing_ok=True)
        return
    release_free_memory()  # what loading and inference freed: the readers need not share it
    readers: dict[int, int | None] = {}
    if snapshot and not reopened:
        readers[_fork_snapshot(store, folder, graphs, listener)] = None
    _Serving(listener, store, (graphs, reopened), readers).run()
    address.unlink(missing_ok=True)


def _load(folder: Path, settings_json: str) -> tuple[pyoxigraph.Store, list[str], bool]:
    marker = _read_marker(folder)
    if marker is not None:
        store = pyoxigraph.Store()
        store.bulk_load(path=folder / SNAPSHOT, format=pyoxigraph.RdfFormat.N_QUADS)
        log.info("resident: loaded the snapshot of %s (%d quads)", folder, len(store))
        return store, list(marker["named_graphs"]), True
    if not settings_json:
        raise ResidentGone(f"{folder} holds no snapshot and no settings were given to build one")
    store, graphs = _function(BUILDER)(settings_json)
    return store, graphs, False


def _read_marker(folder: Path) -> dict[str, Any] | None:
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return marker if (folder / SNAPSHOT).exists() else None


def _fork_snapshot(
    store: pyoxigraph.Store, folder: Path, graphs: list[str], listener: socket.socket
) -> int:
    """Write the snapshot, then the marker (last: a crash leaves none), from a child."""
    pid = os.fork()
    if pid:
        return pid
    try:
        listener.close()
        os.nice(10)
        folder.mkdir(parents=True, exist_ok=True)
        temporary = folder / f".{SNAPSHOT}.{os.getpid()}"
        store.dump(temporary, pyoxigraph.RdfFormat.N_QUADS)
        temporary.replace(folder / SNAPSHOT)
        marker = folder / f".{MARKER}.{os.getpid()}"
        record = {"version": folder.name, "named_graphs": graphs}
        marker.write_text(json.dumps(record, indent=1), encoding="utf-8")
        marker.replace(folder / MARKER)
    except BaseException:  # noqa: BLE001 (a child must never return into the resident's loop)
        traceback.print_exc()
        os._exit(1)
    os._exit(0)


def _refuse_all(listener: socket.socket, error: Exception) -> None:
    """Tell every client connected or connecting within the grace period why there is no graph."""
    listener.settimeout(GRACE_SECONDS)
    while True:
        try:
            sock, _ = listener.accept()
        except TimeoutError:
            return
        with Connection(sock.detach()) as conn, suppress(OSError):
            try:
                conn.send(("error", error))
            except OSError:
                raise
            except Exception:  # noqa: BLE001 (an exception that does not pickle)
                conn.send(("error", ResidentGone(f"{type(error).__name__}: {error}")))


class _Serving:
    """The resident's loop: accept clients, fork readers, reap them, exit when left alone."""

    def __init__(
        self,
        listener: socket.socket,
        store: pyoxigraph.Store,
        hello: tuple[list[str], bool],
        readers: dict[int, int | None],
    ) -> None:
        self.listener = listener
        self.store = store
        self.hello = hello
        self.clients: list[Connection] = []
        #: pid -> exit code (None while it runs), bounded to the readers not yet asked about.
        self.readers = readers
        self.alone_since: float | None = time.monotonic()

    def run(self) -> None:
        while True:
            for ready in wait([self.listener, *self.clients], timeout=1.0):
                if ready is self.listener:
                    self._accept()
                else:
                    assert isinstance(ready, Connection)
                    self._answer(ready)
            self._reap()
            if self.clients:
                self.alone_since = None
            elif self.alone_since is None:
                self.alone_since = time.monotonic()
            elif time.monotonic() - self.alone_since > GRACE_SECONDS:
                return

    def _accept(self) -> None:
        sock, _ = self.listener.accept()
        conn = Connection(sock.detach())
        try:
            conn.send(("hello", *self.hello, os.getpid()))
        except OSError:  # it left before the graph was loaded (kg serve's early start)
            conn.close()
            return
        self.clients.append(conn)

    def _answer(self, conn: Connection) -> None:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            self.clients.remove(conn)
            conn.close()
            return
        try:
            if message[0] == "fork":
                self._fork(conn, message[1], message[2])
            elif message[0] == "status":
                conn.send(("status", self._status(message[1])))
        except OSError:
            self.clients.remove(conn)
            conn.close()

    def _fork(self, conn: Connection, target: str, args: tuple[object, ...]) -> None:
        function = _function(target)  # imported before the fork: each reader need not
        ours, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            status = 0
            try:
                self.listener.close()
                for client in self.clients:
                    client.close()
                ours.close()
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                function(Connection(theirs.detach()), self.store, *args)
            except BaseException:  # noqa: BLE001 (a child must never return into this loop)
                traceback.print_exc()
                status = 1
            os._exit(status)
        theirs.close()
        self.readers[pid] = None
        send_handle(conn, ours.fileno(), pid)
        ours.close()
        conn.send(("forked", pid))

    def _status(self, pid: int) -> int | None:
        deadline = time.monotonic() + 5.0
        while self.readers.get(pid, 0) is None and time.monotonic() < deadline:
            self._reap()
            time.sleep(0.01)
        return self.readers.pop(pid, None)

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid in self.readers:
                self.readers[pid] = os.waitstatus_to_exitcode(status)
            if len(self.readers) > 4096:  # codes nobody asked for: keep the running ones
                for old in [p for p, code in self.readers.items() if code is not None][:2048]:
                    del self.readers[old]


def memory_is_short(share: float = SHORT_OF_MEMORY) -> bool:
    """Whether less than ``share`` of the memory is available, to the machine or to our cgroup."""
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit != "max":
            used = int(Path("/sys/fs/cgroup/memory.current").read_text())
            return (int(limit) - used) < share * int(limit)
    except (OSError, ValueError):
        pass
    info: dict[str, int] = {}
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                name, _, value = line.partition(":")
                if name in ("MemTotal", "MemAvailable"):
                    info[name] = int(value.split()[0])
    except (OSError, ValueError):
        return False
    if len(info) < 2:
        return False
    return info["MemAvailable"] < share * info["MemTotal"]


def release_free_memory() -> None:
    """Give the memory the allocator holds free back to the system (glibc's ``malloc_trim``).

    pyoxigraph allocates through the C library: after a build or a large query, the freed heap
    stays with the process and would count against it for as long as it lives.
    """
    with suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL(None).malloc_trim(0)


def _function(target: str) -> Callable[..., Any]:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


if __name__ == "__main__":
    # As the serving processes write theirs (api.app), so one log reads as one.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    main(Path(sys.argv[1]), Path(sys.argv[2]), sys.stdin.read(), snapshot=sys.argv[3] == "1")
