"""How the benchmark measures one running server: time to its first answer, each query's median,
throughput under ``wrk``, and the peak memory of its process tree.

A Python client saturates near 1,000 requests a second whatever the server, so throughput comes
from ``wrk`` (Debian's package: ``apt-get install wrk``), 2 threads and 8 connections, for two
loads as clients send them: the light query repeated, and the same lookup with another actor's
IRI in every request (a new text each time, so no answer can come from a cache).
"""

from __future__ import annotations

import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import httpx

__all__ = [
    "HERE",
    "LIGHT",
    "QUERIES",
    "ROOT",
    "Failed",
    "PeakMemory",
    "free_port",
    "measure_queries",
    "phase",
    "running",
    "throughput",
    "wait_ready",
]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
QUERIES = sorted((HERE / "queries").glob("*.rq"))
#: The light query: one actor's IRI looked up. The throughput loads send it.
LIGHT = "1-iri-lookup"
#: The actor the light query looks up; the distinct load puts another actor's number there.
LIGHT_ACTOR = "bench-actor-7"
#: The most runs of one query a median is taken over.
MAX_SAMPLES = 500
#: ``wrk``'s threads and connections.
WRK_THREADS, WRK_CONNECTIONS = 2, 8


class Failed(Exception):
    """A system that did not start, load or answer: the table says so, the run goes on."""


@contextmanager
def phase(description: str) -> Iterator[None]:
    """Say on stderr what the benchmark is doing, then how long it took (or that it failed).

    The one place the benchmark reports progress: plain lines, one a phase, for logs and
    terminals alike.
    """
    print(f"bench: {description} …", file=sys.stderr, flush=True)
    started = time.perf_counter()
    try:
        yield
    except BaseException as error:
        print(f"bench: {description}: failed ({error!r})", file=sys.stderr, flush=True)
        raise
    took = time.perf_counter() - started
    print(f"bench: {description}: {took:.1f} s", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- memory -------------------------------------------------------------------------------------


def _tree(root: int) -> list[int]:
    """``root`` and its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, ()))
    return found


def _pss_kb(pid: int) -> int:
    """Proportional set size: private pages plus a fair share of pages shared with others.

    Summed over a tree it counts a shared library or a page of the on-disk store read by several
    processes once, where summing RSS would count it in every process.
    """
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class PeakMemory:
    """Samples the PSS of a process tree every 0.2 s; ``stop()`` gives the peak in MB."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            total = sum(_pss_kb(pid) for pid in _tree(self.pid))
            self.peak = max(self.peak, total / 1024)
            time.sleep(0.2)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join(timeout=2)
        return self.peak


# --- processes ----------------------------------------------------------------------------------


@contextmanager
def running(
    command: list[str], *, env: dict[str, str] | None = None, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """``command`` started with its output in ``log``; terminated (then killed) afterwards."""
    with log.open("wb") as stream:
        process = subprocess.Popen(
            command, env=env, stdout=stream, stderr=subprocess.STDOUT, cwd=ROOT
        )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


# --- latency ------------------------------------------------------------------------------------


def _accept(query: str) -> str:
    graph = any(word in query.upper() for word in ("CONSTRUCT", "DESCRIBE"))
    return "text/turtle" if graph else "application/sparql-results+json"


def ask(client: httpx.Client, url: str, query: str, *, cap: float) -> tuple[float | None, str]:
    """Seconds one POSTed query took, or None with why."""
    started = time.perf_counter()
    try:
        response = client.post(
            url, data={"query": query}, headers={"Accept": _accept(query)}, timeout=cap
        )
    except httpx.TimeoutException:
        return None, f"> {cap:g} s"
    except httpx.TransportError as error:
        return None, f"error: {error}"
    if response.status_code != 200:
        return None, f"HTTP {response.status_code}"
    return time.perf_counter() - started, f"{len(response.content)} bytes"


def wait_ready(
    url: str, process: subprocess.Popen[bytes], *, since: float, limit: float
) -> float | None:
    """Seconds from ``since`` (a ``perf_counter``) to the first answer, or None when the process
    ended or ``limit`` seconds passed; returns once 16 answers came in a row (every worker up)."""
    first = None
    in_a_row = 0
    with httpx.Client() as client:
        while time.perf_counter() - since < limit:
            if process.poll() is not None:
                return None
            seconds, _ = ask(client, url, "ASK { ?s ?p ?o }", cap=5)
            if seconds is None:
                in_a_row = 0
                time.sleep(0.1)
                continue
            first = first or time.perf_counter() - since
            in_a_row += 1
            if in_a_row >= 16:
                return first
    return None


def measure_queries(
    url: str, *, repeats: int, cap: float, min_seconds: float = 1.0
) -> tuple[dict[str, float], dict[str, str]]:
    """Each query's median in seconds, and why a query has none (``> cap``, ``HTTP 500``).

    After a warm-up: ``repeats`` runs at least, and more until ``min_seconds`` have passed (at
    most :data:`MAX_SAMPLES`), so a sub-millisecond median is not three samples of a shared
    machine's noise. Each run ends with another comment line: our endpoint answers a text it
    has answered before from memory, and a median is the cost of evaluating the query. (It
    still knows the query's shape, as it would for a client's next query of that form.)
    """
    medians: dict[str, float] = {}
    notes: dict[str, str] = {}
    with httpx.Client() as client:
        for path in QUERIES:
            text = path.read_text(encoding="utf-8")
            first, note = ask(client, url, text, cap=cap)  # warm-up
            if first is None:
                notes[path.stem] = note
                continue
            times: list[float] = []
            until = time.perf_counter() + min_seconds
            while len(times) < MAX_SAMPLES and (
                len(times) < repeats or time.perf_counter() < until
            ):
                # A new text each run, so that no answer comes from a cache of answers.
                seconds, note = ask(client, url, f"{text}\n# run {len(times)}", cap=cap)
                if seconds is None:
                    notes[path.stem] = note
                    break
                times.append(seconds)
            medians[path.stem] = statistics.median(times or [first])
    return medians, notes


# --- throughput ---------------------------------------------------------------------------------

#: wrk's Lua for the distinct load: the light query with actor ``n`` in request ``n``, counted
#: across threads (each thread starts at its own offset), so no text is sent twice. Past the last
#: actor the IRIs come round again with a LIMIT above any answer's size, a new text still.
_DISTINCT = """
local before, after = [==[{before}]==], [==[{after}]==]
local actors, threads = {actors}, {threads}
local started = 0
function setup(thread)
  thread:set("offset", started)
  started = started + 1
end
local sent = 0
function request()
  local n = sent * threads + offset
  sent = sent + 1
  local query = before .. (n % actors) .. after
  local round = math.floor(n / actors)
  if round > 0 then query = query .. " LIMIT " .. (1000 + round) end
  local encoded = string.gsub(query, "([^%w%-%.%_%~])", function(c)
    return string.format("%%%02X", string.byte(c)) end)
  return wrk.format("GET", wrk.path .. "?query=" .. encoded,
    {{["Accept"] = "application/sparql-results+json"}})
end
"""
_REPEATED = """
wrk.headers["Accept"] = "application/sparql-results+json"
"""


def _wrk(url: str, script: str, *, seconds: int, work: Path, name: str) -> tuple[float, str]:
    """Good answers a second under ``wrk`` with ``script``, and a note on errors ("" if none)."""
    lua = work / f"wrk-{name}.lua"
    lua.write_text(script, encoding="utf-8")
    command = [
        "wrk", f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{seconds}s", "--latency",
        "-s", str(lua), url,
    ]  # fmt: skip
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, check=True, timeout=seconds + 60
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise Failed(f"wrk: {error}") from error
    totals = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)\b", done.stdout)
    if totals is None:
        raise Failed(f"wrk printed no totals: {done.stdout!r}")
    duration = float(totals[2]) * {"ms": 0.001, "s": 1, "m": 60}[totals[3]]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", done.stdout)
    timeouts = re.search(r"Socket errors: .*timeout (\d+)", done.stdout)
    errors = int(bad[1]) if bad else 0
    good = int(totals[1]) - errors
    note = f"{errors} non-2xx" if errors else ""
    if timeouts and int(timeouts[1]):
        note = ", ".join(filter(None, [note, f"{timeouts[1]} timeouts"]))
    if good <= 0:
        raise Failed(f"wrk: no good answer ({note})")
    return good / duration, note


def throughput(
    endpoint: str, *, actors: int, seconds: int, work: Path
) -> tuple[dict[str, float], dict[str, str]]:
    """Requests a second with a 200 answer under ``wrk`` for the ``repeated`` and ``distinct``
    loads on ``endpoint`` (a SPARQL endpoint's URL, queried by GET); notes on errors and
    failures by load."""
    text = (HERE / "queries" / f"{LIGHT}.rq").read_text(encoding="utf-8")
    before, after = text.split(LIGHT_ACTOR, 1)
    before += LIGHT_ACTOR.rstrip("0123456789")
    distinct = _DISTINCT.format(before=before, after=after, actors=actors, threads=WRK_THREADS)
    scripts = {
        "repeated": (endpoint + "?query=" + quote(text), _REPEATED),
        "distinct": (endpoint, distinct),
    }
    rates: dict[str, float] = {}
    notes: dict[str, str] = {}
    for load, (url, script) in scripts.items():
        try:
            rates[load], note = _wrk(url, script, seconds=seconds, work=work, name=load)
        except Failed as error:
            note = f"failed: {error}"
        if note:
            notes[load] = note
    return rates, notes
