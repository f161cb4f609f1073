"""Faults a public endpoint lives through: reloads (good and broken), SIGTERM, killed processes.

Each test runs ``kg serve --workers 2`` as an operator does, over a data folder of its own, and
acts on it with signals while clients keep asking.
"""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from kg.settings import PROJECT_ROOT

if TYPE_CHECKING:
    from tests.integration.conftest import LiveServer

pytestmark = pytest.mark.integration

CASES = PROJECT_ROOT / "tests" / "api" / "cases" / "graph"
#: How long a reload may take to show.
READY_TIMEOUT = 90.0
TICK = "https://example.org/test#tick"
COUNT_TICKS = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{TICK}> ?o }}"
#: A cartesian product of the ticks with themselves, three times: seconds of work for 400 ticks.
SLOW_COUNT = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a <{TICK}> ?x . ?b <{TICK}> ?y . ?c <{TICK}> ?z }}"


class Served:
    """A running ``kg serve`` over the data folder ``data``; ``count`` asks a CSV query."""

    def __init__(self, server: LiveServer, data: Path) -> None:
        self.server = server
        self.url = server.url
        self.process = server.process
        self.data = data
        self.log = server.log
        self.ready_everywhere = server.ready_everywhere

    def count(self, query: str = COUNT_TICKS, *, timeout: float = 30) -> httpx.Response:
        return httpx.get(
            self.url + "/sparql",
            params={"query": query},
            headers={"Accept": "text/csv"},
            timeout=timeout,
        )


ServeTicks = Callable[[int], AbstractContextManager[Served]]


def _ticks(data: Path, count: int, *, extra: str = "") -> None:
    lines = [f'<https://example.org/n{i}> <{TICK}> "{i}" .' for i in range(count)]
    (data / "ticks.ttl").write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")


@pytest.fixture
def serve_ticks(
    tmp_path: Path, start_kg_serve: Callable[..., AbstractContextManager[LiveServer]]
) -> ServeTicks:
    """``serve_ticks(n)``: ``kg serve --workers 2`` over the fixture graph plus ``n`` ticks."""

    @contextmanager
    def serve(ticks: int) -> Iterator[Served]:
        data = tmp_path / "data"
        shutil.copytree(CASES / "data", data)
        _ticks(data, ticks)
        arguments = ("--ontology-dir", str(CASES / "ontology"), "--data-dir", str(data), "serve",
                     "--workers", "2", "--query-timeout", "60")  # fmt: skip
        with start_kg_serve(
            tmp_path, *arguments, KG_QUERIES_DIR=str(CASES / "queries"), KG_QUERY_WORKERS="2"
        ) as server:
            yield Served(server, data)

    return serve


@dataclass
class Hammer:
    """A client asking one query over and over in a thread, keeping every outcome."""

    served: Served
    query: str = COUNT_TICKS
    outcomes: list[tuple[int, str]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Hammer:
        def loop() -> None:
            while not self._stop.is_set():
                try:
                    answer = self.served.count(self.query)
                    self.outcomes.append((answer.status_code, answer.text.split()[-1]))
                except httpx.TransportError as error:
                    self.outcomes.append((0, type(error).__name__))

        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(timeout=60)


def _children(pid: int) -> list[int]:
    """The child processes of ``pid``, from /proc."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def _is_uvicorn_worker(pid: int) -> bool:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"multiprocessing" in command and b"resource_tracker" not in command


def test_a_reload_with_good_data_swaps_while_every_request_is_answered(
    serve_ticks: Callable[[int], AbstractContextManager[Served]],
) -> None:
    with serve_ticks(100) as served:
        before = served.ready_everywhere()
        _ticks(served.data, 150)
        with Hammer(served) as hammer:
            served.process.send_signal(signal.SIGHUP)
            after = served.ready_everywhere(changed_from=str(before["version"]))
            time.sleep(0.5)
        assert after["version"] != before["version"], served.log()
        assert after["last_load"]["ok"] is True  # type: ignore[index]
        assert after["last_load"]["version"] == after["version"]  # type: ignore[index]
        # Every request got a whole graph: the old count or the new one, never an error.
        assert hammer.outcomes, "the client asked nothing"
        assert {outcome for outcome in hammer.outcomes} <= {(200, "100"), (200, "150")}, (
            sorted(set(hammer.outcomes)),
            served.log(),
        )
        assert hammer.outcomes[-1] == (200, "150")
        assert served.count().text.split()[-1] == "150"


def test_a_reload_with_broken_data_keeps_the_old_graph_and_says_why(
    serve_ticks: Callable[[int], AbstractContextManager[Served]],
) -> None:
    with serve_ticks(100) as served:
        before = served.ready_everywhere()
        _ticks(served.data, 150, extra="<https://example.org/broken> <https://example.org/p> .\n")
        with Hammer(served) as hammer:
            served.process.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + READY_TIMEOUT
            while time.monotonic() < deadline:
                status = httpx.get(served.url + "/ready", timeout=5).json()
                if status.get("last_load") and not status["last_load"]["ok"]:
                    break
                time.sleep(0.3)
            time.sleep(1.0)  # the supervisor gives up on the newcomer and keeps the old workers
        assert status["last_load"]["ok"] is False, served.log()
        assert f"{served.data / 'ticks.ttl'}:151" in status["last_load"]["error"]
        assert served.process.poll() is None, served.log()
        assert {outcome for outcome in hammer.outcomes} == {(200, "100")}, served.log()
        still = served.ready_everywhere(version=str(before["version"]))
        assert still["status"] == "ready"
        assert served.count().text.split()[-1] == "100"

        _ticks(served.data, 150)  # fixed: the next reload goes through
        served.process.send_signal(signal.SIGHUP)
        fixed = served.ready_everywhere(changed_from=str(before["version"]))
        assert served.count().text.split()[-1] == "150"
        assert fixed["last_load"]["ok"] is True  # type: ignore[index]


def test_sigterm_lets_the_query_in_flight_finish_then_stops(
    serve_ticks: Callable[[int], AbstractContextManager[Served]],
) -> None:
    with serve_ticks(400) as served:
        answers: list[httpx.Response] = []
        asking = threading.Thread(
            target=lambda: answers.append(served.count(SLOW_COUNT, timeout=90)), daemon=True
        )
        asking.start()
        time.sleep(1.0)  # the count takes several seconds: it is running now
        served.process.send_signal(signal.SIGTERM)
        asking.join(timeout=90)
        assert answers, served.log()
        assert answers[0].status_code == 200, answers[0].text
        assert answers[0].text.split()[-1] == str(400**3)
        assert served.process.wait(timeout=60) == 0, served.log()
        assert "Received SIGTERM" in served.log()


def test_a_killed_worker_is_replaced_and_the_other_requests_succeed(
    serve_ticks: Callable[[int], AbstractContextManager[Served]],
) -> None:
    with serve_ticks(100) as served:
        workers = [pid for pid in _children(served.process.pid) if _is_uvicorn_worker(pid)]
        assert len(workers) == 2, workers
        with Hammer(served) as hammer:
            time.sleep(0.5)
            os.kill(workers[0], signal.SIGKILL)
            deadline = time.monotonic() + READY_TIMEOUT
            while time.monotonic() < deadline:
                now = [pid for pid in _children(served.process.pid) if _is_uvicorn_worker(pid)]
                if len(now) == 2 and workers[0] not in now:
                    break
                time.sleep(0.2)
            served.ready_everywhere()
            time.sleep(0.5)
        assert len(now) == 2 and workers[0] not in now, served.log()
        assert "died" in served.log()
        # Only requests the killed worker held can fail (their connection drops); the rest succeed.
        ok = [outcome for outcome in hammer.outcomes if outcome == (200, "100")]
        failed = [outcome for outcome in hammer.outcomes if outcome != (200, "100")]
        assert len(ok) > 10 and len(failed) <= 2, (failed, served.log())
        assert all(status == 0 for status, _ in failed), failed  # dropped, never a wrong answer
        assert all(served.count().text.split()[-1] == "100" for _ in range(10))


def _query_workers(server: int) -> list[int]:
    """The processes the resident (the process holding the graph) forked to run queries."""
    residents = [pid for pid in _descendants(server) if b"kg.store.resident" in _command(pid)]
    return [pid for resident in residents for pid in _children(resident)]


def _command(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def test_a_query_worker_killed_mid_query_fails_only_that_query_with_503(
    serve_ticks: ServeTicks,
) -> None:
    lookup = f"SELECT ?o WHERE {{ <https://example.org/n7> <{TICK}> ?o }}"
    with serve_ticks(400) as served:
        answers: list[httpx.Response] = []
        asking = threading.Thread(
            target=lambda: answers.append(served.count(SLOW_COUNT, timeout=90)), daemon=True
        )
        asking.start()
        time.sleep(1.5)
        query_workers = _query_workers(served.process.pid)
        busy = max(query_workers, key=_cpu_ticks)
        with Hammer(served, query=lookup) as hammer:
            time.sleep(0.3)
            os.kill(busy, signal.SIGKILL)
            asking.join(timeout=90)
            time.sleep(0.5)
        assert answers, served.log()
        assert answers[0].status_code == 503, answers[0].text
        assert answers[0].headers["retry-after"].isdigit()
        assert "the query worker was killed" in answers[0].text
        assert hammer.outcomes and set(hammer.outcomes) == {(200, "7")}, set(hammer.outcomes)
        assert busy not in _query_workers(served.process.pid)
        assert all(served.count(lookup).status_code == 200 for _ in range(10))


def _descendants(pid: int) -> list[int]:
    found = []
    for child in _children(pid):
        found += [child, *_descendants(child)]
    return found


def _running(pid: int) -> bool:
    """Alive and not a zombie waiting for a parent that is gone."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_workers_stop_when_the_supervisor_is_killed(
    serve_ticks: Callable[[int], AbstractContextManager[Served]],
) -> None:
    # SIGKILL gives the supervisor no chance to stop its workers: they must notice on their own,
    # or they would go on answering on the port, never reloaded and never stopped.
    with serve_ticks(10) as served:
        family = _descendants(served.process.pid)
        assert len([pid for pid in family if _is_uvicorn_worker(pid)]) >= 2, family
        served.process.kill()
        served.process.wait(timeout=10)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(_running(pid) for pid in family):
            time.sleep(0.2)
        assert not [pid for pid in family if _running(pid)], served.log()
        with pytest.raises(httpx.TransportError):
            httpx.get(served.url + "/health", timeout=2)
