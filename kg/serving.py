"""``kg serve``'s process model: uvicorn's supervisor, a graceful drain, and reload on SIGHUP.

The supervising process binds the socket and runs ``workers`` uvicorn processes (one or many).
``SIGTERM`` drains: every worker stops accepting, lets its requests finish (up to the query
deadline and a margin), then exits. ``SIGHUP`` reloads: each worker in turn is replaced by one
that loads the graph *before* it accepts a request (``KG_LOAD_BEFORE_SERVING``); only when the
newcomer is ready is the old worker drained. A replacement that cannot load the graph exits
(with :data:`LOAD_FAILED`, not uvicorn's start-up failure, which would stop the supervisor), so
uvicorn keeps the old workers serving the old graph; the reason is written to the run folder,
where ``/ready`` reports it. A worker that dies is restarted, and it too loads before serving.
A worker whose supervisor dies, even by SIGKILL, drains and stops (:func:`follow_supervisor`).
"""

from __future__ import annotations

import ctypes
import json
import logging
import math
import os
import shutil
import signal
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import uvicorn
from pydantic import SecretStr
from uvicorn.supervisors import Multiprocess

from kg.settings import Settings

__all__ = [
    "serve",
    "Supervisor",
    "follow_supervisor",
    "record_load",
    "last_load",
    "LOAD_SECONDS",
    "LOAD_FAILED",
    "LOAD_RETRY_PAUSE",
]

log = logging.getLogger(__name__)

#: How long a replacement worker may take to load the graph before the reload is abandoned.
LOAD_SECONDS = 900
#: Beyond the query deadline, how long a draining worker waits for its last responses to go out.
DRAIN_MARGIN_SECONDS = 5
#: The exit status of a replacement worker that could not load the graph (EX_TEMPFAIL).
LOAD_FAILED = 75
#: How long such a worker waits before it exits, so a broken file cannot make a restart loop spin.
LOAD_RETRY_PAUSE = 5.0
_STATUS = "last-load.json"
#: prctl(2): ask the kernel for a signal when the parent process dies.
_PR_SET_PDEATHSIG = 1


def serve(settings: Settings, *, log_level: str = "info", access_log: bool = False) -> None:
    """Run the service until SIGINT or SIGTERM; SIGHUP reloads the data without downtime."""
    owned_run_dir = settings.run_dir is None
    run_dir = settings.run_dir or Path(tempfile.mkdtemp(prefix="scicoop-serve-"))
    update: dict[str, object] = {"run_dir": run_dir}
    if settings.store_kind == "oxigraph" and settings.store_path is None:
        update["store_path"] = run_dir / "store"  # one store for every worker, built once
    settings = settings.model_copy(update=update)
    _export(settings)
    if settings.store_kind == "oxigraph":
        _start_loading(settings)
    # Every worker writes its counters where /metrics in any worker sums them all
    # (prometheus_client's multiprocess mode, chosen by this variable when a worker imports it).
    assert settings.metrics_dir is not None
    settings.metrics_dir.mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(settings.metrics_dir)
    config = uvicorn.Config(
        "api.app:create_app",
        factory=True,
        http="api.limits:BoundedHttpToolsProtocol",  # httptools sets no limit on a request head
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=log_level,
        # A line per request costs a light query a tenth of its time; the per-query log
        # (api.access) stays, and a proxy in front logs requests as operators want them.
        access_log=access_log,
        timeout_graceful_shutdown=math.ceil(settings.query_timeout) + DRAIN_MARGIN_SECONDS,
        timeout_worker_healthcheck=LOAD_SECONDS,
    )
    sock = config.bind_socket()
    try:
        Supervisor(config, sockets=[sock]).run()
    finally:
        sock.close()
        if owned_run_dir:
            shutil.rmtree(run_dir, ignore_errors=True)


def _start_loading(settings: Settings) -> None:
    """Start loading the graph now, while the workers import; they join the loading resident."""
    from kg.store.oxigraph import start_resident

    try:
        start_resident(settings)
    except (OSError, ValueError) as error:  # the workers try again, and /ready says why
        log.warning("the graph could not be loaded ahead of the workers: %s", error)


def _export(settings: Settings) -> None:
    """Each worker builds its own Settings from the environment: hand ours on through it."""
    for key, value in settings.model_dump(exclude_none=True).items():
        if isinstance(value, tuple | list):
            value = os.pathsep.join(str(item) for item in value)
        elif isinstance(value, SecretStr):  # the workers need the password, not its mask
            value = value.get_secret_value()
        os.environ[f"KG_{key.upper()}"] = str(value)


class Supervisor(Multiprocess):  # type: ignore[misc]
    """uvicorn's supervisor, whose later workers load the graph before they serve.

    The first workers load in the background (``/ready`` says 503 meanwhile: nothing else
    serves yet). Every worker started after them, to replace one on SIGHUP or one that died,
    takes no request before its graph is loaded, so clients never meet a loading worker.
    """

    def init_processes(self) -> None:
        super().init_processes()
        os.environ["KG_LOAD_BEFORE_SERVING"] = "true"  # read by the workers started from now on

    def keep_subprocess_alive(self) -> None:
        # uvicorn waits up to timeout_worker_healthcheck (ours: LOAD_SECONDS, for reloads) for a
        # worker's answer to its ping; a worker killed between ping and answer would stall the
        # supervision that long, since this process holds the worker's end of the pipe too.
        # Closed here (the worker has its own copy since it started), its death ends the wait.
        for process in self.processes:
            process.child_conn.close()
        super().keep_subprocess_alive()


def follow_supervisor() -> None:
    """Have this worker sent SIGTERM (a graceful drain) when the process that started it dies.

    A supervisor stopped by SIGKILL cannot stop its workers, which would go on answering on the
    shared port, never reloaded and never stopped. uvicorn starts every worker from its main
    thread, so the kernel's parent-death signal fires only when the supervisor itself is gone.
    """
    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        reason = os.strerror(ctypes.get_errno())
        log.warning("this worker will outlive a killed supervisor (prctl: %s)", reason)
        return
    if os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGTERM)  # it died before the request was made


def record_load(run_dir: Path, *, version: str | None = None, error: str | None = None) -> None:
    """Write the outcome of this process's load of the graph for ``/ready`` to report."""
    status = {
        "ok": error is None,
        "at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "pid": os.getpid(),
        "version": version,
        "error": error,
    }
    temporary = run_dir / f".{_STATUS}.{os.getpid()}"
    try:
        temporary.write_text(json.dumps(status), encoding="utf-8")
        temporary.replace(run_dir / _STATUS)  # atomic: readers see one whole record
    except OSError as failure:
        log.warning("could not record the load outcome in %s: %s", run_dir, failure)


def last_load(run_dir: Path) -> dict[str, object] | None:
    """The last recorded load outcome of any process of this service, if any."""
    try:
        status = json.loads((run_dir / _STATUS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return status if isinstance(status, dict) else None
