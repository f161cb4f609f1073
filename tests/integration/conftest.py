"""Live-server fixtures: a real uvicorn process on a free port, started as production starts it.

``sys.executable -m uvicorn api.app:create_app --factory``: the app builds its Settings from the
``KG_*`` variables given here, exactly as ``kg serve`` and multi-worker deployments do.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from kg.settings import PROJECT_ROOT

#: A small graph with the facts the tests assert on (see its files for what is real and what not).
CASES = PROJECT_ROOT / "tests" / "api" / "cases" / "graph"
READY_TIMEOUT = 90.0
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    """A running server: its base URL and the file its stderr (logs) goes to."""

    url: str
    log_path: Path
    process: subprocess.Popen[bytes]

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def ready_everywhere(
        self, *, version: str | None = None, changed_from: str | None = None
    ) -> dict[str, object]:
        """Wait for 20 successive 200s from ``/ready`` [all for ``version``, or all for another
        version than ``changed_from``]; the last answer.

        With several workers each loads on its own, so one 200 does not mean all are ready.
        """
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the server exited with {self.process.returncode}:\n{self.log()}")
            try:
                answers = [httpx.get(self.url + "/ready", timeout=5) for _ in range(20)]
            except httpx.TransportError:
                answers = []
            if answers and all(
                a.status_code == 200
                and version in (None, a.json()["version"])
                and a.json()["version"] != changed_from
                for a in answers
            ):
                return answers[-1].json()  # type: ignore[no-any-return]
            time.sleep(0.3)
        pytest.fail(f"not ready (version {version}) within {READY_TIMEOUT} s:\n{self.log()}")


def fixture_env(**overrides: str) -> dict[str, str]:
    """Environment for a server over the test graph; ``overrides`` are extra ``KG_*`` values."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
    env.update(
        KG_ONTOLOGY_DIR=str(CASES / "ontology"),
        KG_DATA_DIR=str(CASES / "data"),
        KG_QUERIES_DIR=str(CASES / "queries"),
        KG_QUERY_WORKERS="2",
    )
    env.update(overrides)
    return env


@contextmanager
def live_server(
    log_dir: Path, *, wait_for: str = "/ready", **overrides: str
) -> Iterator[LiveServer]:
    """Start uvicorn over the fixture graph, wait for 200 from ``wait_for``, stop it afterwards."""
    port = free_port()
    log_path = log_dir / f"uvicorn-{port}.log"
    command = [
        sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port),
        "--http", "api.limits:BoundedHttpToolsProtocol",
    ]  # fmt: skip
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command, env=fixture_env(**overrides), stdout=log_file, stderr=subprocess.STDOUT,
            cwd=PROJECT_ROOT,
        )  # fmt: skip
    server = LiveServer(f"http://127.0.0.1:{port}", log_path, process)
    try:
        _wait_ready(server, wait_for)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _wait_ready(server: LiveServer, path: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"uvicorn exited with {server.process.returncode}:\n{server.log()}")
        try:
            if httpx.get(server.url + path, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"{server.url}{path} did not answer 200 within {READY_TIMEOUT} s:\n{server.log()}")


@contextmanager
def kg_serve(log_dir: Path, *arguments: str, **overrides: str) -> Iterator[LiveServer]:
    """``kg [arguments] serve --port P`` as an operator runs it (supervisor and workers).

    Ready means 20 successive ``/ready`` probes answered 200: each worker loads on its own.
    On exit it is sent SIGTERM (unless already stopped) and waited for.
    """
    port = free_port()
    log_path = log_dir / f"kg-serve-{port}.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
    env.update(overrides)
    serve_at = arguments.index("serve") + 1 if "serve" in arguments else len(arguments)
    command = [
        str(Path(sys.executable).with_name("kg")),
        *arguments[:serve_at], *([] if "serve" in arguments else ["serve"]),
        "--port", str(port), *arguments[serve_at:],
    ]  # fmt: skip
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command, env=env, stdout=log_file, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT
        )
    server = LiveServer(f"http://127.0.0.1:{port}", log_path, process)
    try:
        server.ready_everywhere()
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
        try:
            process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def start_kg_serve() -> object:
    """:func:`kg_serve` itself, for tests of the process model (signals, workers)."""
    return kg_serve


@pytest.fixture(scope="session")
def start_server() -> object:
    """:func:`live_server` itself, for tests that need a server with other settings."""
    return live_server


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server shared by the protocol tests (they only read)."""
    with live_server(tmp_path_factory.mktemp("server")) as running:
        yield running


@pytest.fixture(scope="session")
def base_url(server: LiveServer) -> str:
    return server.url


def repository_settings() -> dict[str, str]:
    """``KG_*`` overrides that point a server at the repository's own ontology, data, queries."""
    return {
        "KG_ONTOLOGY_DIR": str(PROJECT_ROOT / "ontology"),
        "KG_DATA_DIR": str(PROJECT_ROOT / "data"),
        "KG_QUERIES_DIR": str(PROJECT_ROOT / "queries"),
    }


@pytest.fixture(scope="session")
def real_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server over the REAL repository graph, shared by the tests that only read."""
    with live_server(tmp_path_factory.mktemp("real"), **repository_settings()) as running:
        yield running


@pytest.fixture(scope="session")
def real_url(real_server: LiveServer) -> str:
    return real_server.url


@contextmanager
def chromium(*, window: str = "1280,1024", logs: bool = False) -> Iterator[Any]:
    """Headless Chromium through chromedriver; absent binaries FAIL the test (CI installs them).

    With ``logs``, Chrome's performance log (every request) and browser log (the console) are
    kept for the test to read.
    """
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    for binary in (CHROMIUM, CHROMEDRIVER):
        assert binary.exists(), f"{binary} is missing: run `make browser`"
    profile = tempfile.mkdtemp(prefix="kg-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        f"--user-data-dir={profile}", f"--window-size={window}",
    ):  # fmt: skip
        options.add_argument(argument)
    if logs:
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def chrome() -> Iterator[object]:
    """Headless Chromium (see :func:`chromium`)."""
    with chromium() as driver:
        yield driver


# --- Virtuoso: a real server per test session (issue #16) -----------------------------------------
#: Debian's virtuoso-opensource; CI installs it (.ci/run). Missing, the tests FAIL: none is skipped.
VIRTUOSO = Path("/usr/bin/virtuoso-t")
#: Small enough that the tests can exceed it, large enough for every page the service serves.
VIRTUOSO_ROW_CAP = 5000
#: Virtuoso's own deadline, below the service's: the tests see which one stops a query.
VIRTUOSO_TIMEOUT_S = 5
VIRTUOSO_PASSWORD = "dba"  # a fresh database's DBA password

VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = ., {dir}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty_buffers}
ThreadsPerQuery = 2
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
MaxClientConnections = 10
ServerThreads = 10
EnabledDavVSP = 0
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = {row_cap}
MaxQueryExecutionTime = {timeout_s}
MaxQueryCostEstimationTime = 0
"""


def stop(process: subprocess.Popen[bytes], *, grace: float) -> None:
    """SIGTERM, then SIGKILL after ``grace`` seconds; waits for the process either way."""
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@dataclass
class Virtuoso:
    """A running Virtuoso: its HTTP base URL and its folder (database, log)."""

    url: str
    directory: Path
    process: subprocess.Popen[bytes]

    @property
    def sparql(self) -> str:
        return self.url + "/sparql"

    def log(self) -> str:
        return (self.directory / "virtuoso.log").read_text(encoding="utf-8", errors="replace")


@contextmanager
def virtuoso_server(
    directory: Path,
    *,
    row_cap: int = VIRTUOSO_ROW_CAP,
    timeout_s: int = VIRTUOSO_TIMEOUT_S,
    buffers: int = 10_000,
) -> Iterator[Virtuoso]:
    """``virtuoso-t +foreground`` with its own config and database in ``directory``, on free
    loopback ports, once ``/sparql`` answers; stopped (and waited for) afterwards.

    Raises RuntimeError when Virtuoso is not installed or does not answer within 120 s.
    """
    if not VIRTUOSO.exists():
        raise RuntimeError(
            f"{VIRTUOSO} is missing: install Debian's virtuoso-opensource (.ci/run does)"
        )
    directory.mkdir(parents=True, exist_ok=True)
    http_port = free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(
        VIRTUOSO_INI.format(
            dir=directory, sql_port=free_port(), http_port=http_port, row_cap=row_cap,
            timeout_s=timeout_s, buffers=buffers, dirty_buffers=buffers * 3 // 4,
        ),
        encoding="utf-8",
    )  # fmt: skip
    with (directory / "stdout.log").open("wb") as out:
        process = subprocess.Popen(
            [str(VIRTUOSO), "+foreground", "+configfile", str(ini)],
            cwd=directory, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    server = Virtuoso(f"http://127.0.0.1:{http_port}", directory, process)
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"virtuoso-t exited with {process.returncode}:\n{server.log()}")
            try:
                if httpx.get(server.sparql, params={"query": "ASK {}"}, timeout=2).is_success:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"Virtuoso did not answer within 120 s:\n{server.log()}")
            time.sleep(0.3)
        yield server
    finally:
        stop(process, grace=60)


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Virtuoso]:
    """One Virtuoso for the session (row cap VIRTUOSO_ROW_CAP, deadline VIRTUOSO_TIMEOUT_S)."""
    try:
        with virtuoso_server(tmp_path_factory.mktemp("virtuoso")) as running:
            yield running
    except RuntimeError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def virtuoso_store(virtuoso: Virtuoso) -> str:
    """``KG_STORE`` for the session's Virtuoso with the repository's graph pushed into it (the
    query endpoint needs no credentials; ``kg push`` does)."""
    from kg.settings import Settings
    from kg.store.push import push

    push(Settings(store=f"sparql+{virtuoso.sparql}", store_user="dba",
                  store_password=VIRTUOSO_PASSWORD))  # fmt: skip
    return f"sparql+{virtuoso.sparql}"
