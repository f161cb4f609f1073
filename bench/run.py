"""Measure our endpoint (each backend), ``oxigraph serve``, Virtuoso and rdflib-endpoint side by
side.

    python bench/run.py --triples 10000 100000 --output bench/results.md
    python bench/run.py --triples 1000000 10000000 --systems oxigraph virtuoso

Virtuoso (Debian's ``virtuoso-t``, started with its own database in the work folder) is loaded by
``kg push`` (its "load" is the push: parsing, inference and sending), then measured directly and
behind our endpoint (``KG_STORE=sparql+http://…/sparql``).

For each size: generate the data (bench/generate.py), build the dataset our server serves
(ontology + data + inferred graph) and dump it as N-Quads, so every system answers from the same
quads; then start each system in turn and measure the time to its first answer, the median latency
of every query in bench/queries/ (after a 3 s pause and one warm-up: ``--repeats`` runs, and more
until a second has passed, at most 500, each capped at ``--cap`` seconds), the throughput of the
light query (1-iri-lookup) at 8 concurrent clients, and the peak memory (PSS) of its process tree
(sampled from /proc), beside pyoxigraph's own peak holding the same quads in memory. Writes a
Markdown table with ratios to oxigraph serve.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyoxigraph

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from generate import write  # noqa: E402  (a sibling script, not a package)

QUERIES = sorted((HERE / "queries").glob("*.rq"))
LIGHT = "1-iri-lookup"
#: The most runs of one query a median is taken over.
MAX_SAMPLES = 500
#: A pause between the first answer and the measurements, for every system alike: latency is
#: measured in the steady state, not while the last worker processes are still starting.
SETTLE_SECONDS = 3.0
BIN = Path(sys.executable).parent


@dataclass
class Result:
    """What one system measured at one size; None where it failed or hit the cap."""

    load_seconds: float | None = None
    restart_seconds: float | None = None
    medians: dict[str, float | None] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    throughput: float | None = None
    peak_mb: float | None = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
    """Samples the PSS of a process tree every 0.2 s; ``peak`` in MB."""

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


def wait_ready(url: str, process: subprocess.Popen[bytes], *, limit: float) -> float | None:
    """Seconds to the first answer; returns once 16 answers in a row came (every worker ready)."""
    started = time.perf_counter()
    first = None
    in_a_row = 0
    with httpx.Client() as client:
        while time.perf_counter() - started < limit:
            if process.poll() is not None:
                return None
            seconds, _ = ask(client, url, "ASK { ?s ?p ?o }", cap=5)
            if seconds is None:
                in_a_row = 0
                time.sleep(0.1)
                continue
            first = first or time.perf_counter() - started
            in_a_row += 1
            if in_a_row >= 16:
                return first
    return None


@contextmanager
def running(
    command: list[str], *, env: dict[str, str] | None = None, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
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


def measure_queries(
    url: str, result: Result, *, repeats: int, cap: float, min_seconds: float = 1.0
) -> None:
    """Each query's median after a warm-up: ``repeats`` runs at least, and more until
    ``min_seconds`` have passed (at most :data:`MAX_SAMPLES`), so a sub-millisecond median is
    not three samples of a shared machine's noise."""
    with httpx.Client() as client:
        for path in QUERIES:
            text = path.read_text(encoding="utf-8")
            first, note = ask(client, url, text, cap=cap)  # warm-up
            result.notes[path.stem] = note
            if first is None:
                result.medians[path.stem] = None
                continue
            times: list[float] = []
            until = time.perf_counter() + min_seconds
            while len(times) < MAX_SAMPLES and (
                len(times) < repeats or time.perf_counter() < until
            ):
                seconds, note = ask(client, url, text, cap=cap)
                if seconds is None:
                    result.notes[path.stem] = note
                    break
                times.append(seconds)
            result.medians[path.stem] = statistics.median(times or [first])


def measure_throughput(url: str, *, clients: int = 8, seconds: float = 5.0, cap: float) -> float:
    query = (HERE / "queries" / f"{LIGHT}.rq").read_text(encoding="utf-8")
    done = [0] * clients
    stop = time.perf_counter() + seconds

    def client_loop(index: int) -> None:
        with httpx.Client() as client:
            while time.perf_counter() < stop:
                took, _ = ask(client, url, query, cap=cap)
                if took is not None:
                    done[index] += 1

    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / seconds


def serve_and_measure(
    command: list[str],
    url: str,
    *,
    env: dict[str, str] | None,
    log: Path,
    args: argparse.Namespace,
    result: Result,
    before: float = 0.0,
) -> None:
    with running(command, env=env, log=log) as process:
        memory = PeakMemory(process.pid)
        ready = wait_ready(url, process, limit=args.load_limit)
        if ready is None:
            result.notes["load"] = f"not ready within {args.load_limit:g} s (see {log})"
            memory.stop()
            return
        result.load_seconds = before + ready
        time.sleep(SETTLE_SECONDS)
        measure_queries(url, result, repeats=args.repeats, cap=args.cap)
        result.throughput = measure_throughput(url, cap=args.cap)
        result.peak_mb = memory.stop()


def our_env(data: Path, **settings: str) -> dict[str, str]:
    """Our server's environment: ``data`` served, unless the store is remote (loaded already)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
    if not settings.get("KG_STORE", "").startswith("sparql+"):
        env["KG_DATA_PATHS"] = str(data)
    env.update(KG_QUERY_WORKERS="2", **settings)
    return env


def kg_serve(port: int, workers: int) -> list[str]:
    """Our server as users start it: ``kg serve`` (its supervisor and ``workers`` workers)."""
    return [
        str(BIN / "kg"), "serve", "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(workers), "--log-level", "warning",
    ]  # fmt: skip


def pyoxigraph_peak_mb(dump: Path) -> float:
    """Peak memory of pyoxigraph alone holding ``dump`` in memory: the memory target's base."""
    script = (
        "import resource, sys, pyoxigraph\n"
        "store = pyoxigraph.Store()\n"
        "store.bulk_load(path=sys.argv[1], format=pyoxigraph.RdfFormat.N_QUADS)\n"
        "store.query('SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }')\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(dump)], check=True, capture_output=True, text=True
    )
    return int(done.stdout.split()[-1]) / 1024


def dump_dataset(data: Path, output: Path) -> int:
    """What our server serves (ontology, data, inferred graph) as N-Quads; returns the quads."""
    from kg.settings import Settings
    from kg.store.oxigraph import open_oxigraph

    store = open_oxigraph(Settings(data_paths=(data,)), on_disk=False)
    output.write_bytes(store.store.dump(format=pyoxigraph.RdfFormat.N_QUADS))
    return len(store.store)


def run_virtuoso(
    triples: int, data: Path, args: argparse.Namespace, work: Path, results: dict[str, Result]
) -> None:
    """``kg push`` into a fresh Virtuoso, then Virtuoso's own endpoint and ours in front of it."""
    sys.path.insert(0, str(ROOT / "tests" / "integration"))
    from conftest import virtuoso_server  # the tests' launcher: one Virtuoso config, not two

    from kg.settings import Settings
    from kg.store.push import push

    cap = int(args.cap)
    with virtuoso_server(
        work / f"virtuoso-{triples}", row_cap=10_000_000, timeout_s=cap,
        buffers=args.virtuoso_buffers,
    ) as virtuoso:  # fmt: skip
        store = f"sparql+{virtuoso.sparql}"
        results["virtuoso"] = result = Result()
        memory = PeakMemory(virtuoso.process.pid)
        started = time.perf_counter()
        push(
            Settings(store=store, store_user="dba", store_password="dba", data_paths=(data,)),
            timeout=args.load_limit,
        )
        result.load_seconds = time.perf_counter() - started
        time.sleep(SETTLE_SECONDS)
        measure_queries(virtuoso.sparql, result, repeats=args.repeats, cap=args.cap)
        result.throughput = measure_throughput(virtuoso.sparql, cap=args.cap)
        result.peak_mb = memory.stop()
        ours = free_port()
        results["ours: virtuoso"] = Result()
        serve_and_measure(
            kg_serve(ours, args.workers),
            f"http://127.0.0.1:{ours}/sparql",
            env=our_env(data, KG_STORE=store, KG_QUERY_TIMEOUT=str(args.cap)),
            log=work / "ours-virtuoso.log",
            args=args,
            result=results["ours: virtuoso"],
        )


def run_size(triples: int, args: argparse.Namespace, work: Path) -> tuple[int, dict[str, Result]]:
    data = work / f"bench-{triples}.nt"
    write(triples, data)
    dump = work / f"bench-{triples}.nq"
    quads = dump_dataset(data, dump)
    results: dict[str, Result] = {}
    cap = str(args.cap)

    # oxigraph serve: `oxigraph load` then serve; our remote backend runs against it meanwhile.
    location = work / f"oxigraph-{triples}"
    shutil.rmtree(location, ignore_errors=True)
    started = time.perf_counter()
    subprocess.run(
        [str(BIN / "oxigraph"), "load", "--location", str(location), "--file", str(dump)],
        check=True,
        capture_output=True,
    )
    loaded = time.perf_counter() - started
    port = free_port()
    oxigraph = [
        str(BIN / "oxigraph"),
        "serve",
        "--location",
        str(location),
        "--bind",
        f"127.0.0.1:{port}",
        "--union-default-graph",
    ]
    results["oxigraph serve"] = result = Result()
    with running(oxigraph, log=work / "oxigraph.log") as process:
        memory = PeakMemory(process.pid)
        ready = wait_ready(f"http://127.0.0.1:{port}/query", process, limit=args.load_limit)
        result.load_seconds = loaded + (ready or float("nan"))
        url = f"http://127.0.0.1:{port}/query"
        time.sleep(SETTLE_SECONDS)
        measure_queries(url, result, repeats=args.repeats, cap=args.cap)
        result.throughput = measure_throughput(url, cap=args.cap)
        result.peak_mb = memory.stop()
        if "remote" in args.systems:
            ours = free_port()
            results["ours: remote"] = Result()
            serve_and_measure(
                kg_serve(ours, args.workers),
                f"http://127.0.0.1:{ours}/sparql",
                env=our_env(
                    data, KG_STORE=f"sparql+http://127.0.0.1:{port}/query", KG_QUERY_TIMEOUT=cap
                ),
                log=work / "ours-remote.log",
                args=args,
                result=results["ours: remote"],
            )

    if "oxigraph" in args.systems:
        store = work / f"store-{triples}"
        shutil.rmtree(store, ignore_errors=True)
        ours = free_port()
        env = our_env(data, KG_STORE="oxigraph", KG_STORE_PATH=str(store), KG_QUERY_TIMEOUT=cap)
        results["ours: oxigraph"] = result = Result()
        url = f"http://127.0.0.1:{ours}/sparql"
        serve_and_measure(
            kg_serve(ours, args.workers),
            url,
            env=env,
            log=work / "ours-oxigraph.log",
            args=args,
            result=result,
        )
        # a restart on unchanged data reopens the store on disk
        started = time.perf_counter()
        with running(
            kg_serve(ours, args.workers), env=env, log=work / "ours-restart.log"
        ) as process:
            if wait_ready(url, process, limit=args.load_limit) is not None:
                result.restart_seconds = time.perf_counter() - started

    if "memory" in args.systems:
        ours = free_port()
        results["ours: memory"] = Result()
        serve_and_measure(
            kg_serve(ours, args.workers),
            f"http://127.0.0.1:{ours}/sparql",
            env=our_env(data, KG_STORE="memory", KG_QUERY_TIMEOUT=cap),
            log=work / "ours-memory.log",
            args=args,
            result=results["ours: memory"],
        )

    if "virtuoso" in args.systems:
        run_virtuoso(triples, data, args, work, results)

    if "rdflib-endpoint" in args.systems:
        port = free_port()
        results["rdflib-endpoint"] = Result()
        serve_and_measure(
            [
                str(BIN / "rdflib-endpoint"),
                "serve",
                str(dump),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            f"http://127.0.0.1:{port}/",  # rdflib-endpoint serves SPARQL at its root
            env=None,
            log=work / "rdflib-endpoint.log",
            args=args,
            result=results["rdflib-endpoint"],
        )
    return quads, results


def _cell(
    value: float | None, reference: float | None, *, unit: str, higher_better: bool = False
) -> str:
    if value is None:
        return "—"
    text = f"{value:.1f} {unit}" if value >= 10 else f"{value:.3g} {unit}"
    if reference and value and reference == reference:  # not NaN
        ratio = value / reference
        text += f" ({ratio:.2g}x)"
    return text


def table(
    triples: int, quads: int, results: dict[str, Result], *, alone: float | None = None
) -> str:
    names = list(results)
    reference = results.get("oxigraph serve", Result())
    lines = [
        f"### {triples:,} generated triples ({quads:,} quads served: ontology, data, inferred)",
        "",
        "| measure | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for path in QUERIES:
        row = []
        for name in names:
            median = results[name].medians.get(path.stem)
            if median is None:
                row.append(results[name].notes.get(path.stem, "—"))
            else:
                ref = reference.medians.get(path.stem)
                row.append(_cell(median * 1000, ref * 1000 if ref else None, unit="ms"))
        lines.append(f"| {path.stem} (median) | " + " | ".join(row) + " |")
    lines.append(
        "| light query, 8 clients | "
        + " | ".join(
            _cell(results[n].throughput, reference.throughput, unit="req/s") for n in names
        )
        + " |"
    )
    lines.append(
        "| load to first answer | "
        + " | ".join(
            _cell(results[n].load_seconds, reference.load_seconds, unit="s") for n in names
        )
        + " |"
    )
    lines.append(
        "| restart, unchanged data | "
        + " | ".join(_cell(results[n].restart_seconds, None, unit="s") for n in names)
        + " |"
    )
    lines.append(
        "| peak memory (PSS of the process tree) | "
        + " | ".join(_cell(results[n].peak_mb, reference.peak_mb, unit="MB") for n in names)
        + " |"
    )
    if alone:
        lines.append(
            "| peak memory vs pyoxigraph alone in memory "
            f"({alone:.1f} MB) | "
            + " | ".join(_cell(results[n].peak_mb, alone, unit="MB") for n in names)
            + " |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--triples", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument(
        "--systems", nargs="+", default=["oxigraph", "memory", "remote", "rdflib-endpoint"]
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cap", type=float, default=60.0, help="seconds per query at most")
    parser.add_argument("--load-limit", dest="load_limit", type=float, default=600.0)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers of our server")
    parser.add_argument(
        "--virtuoso-buffers",
        dest="virtuoso_buffers",
        type=int,
        default=340_000,
        help="Virtuoso's NumberOfBuffers (8 KB pages: 340000 is about 2.7 GB)",
    )
    parser.add_argument("--output", type=Path, default=HERE / "results.md")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="scicoop-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    command = " ".join(["python bench/run.py", *sys.argv[1:]])
    sections = [
        f"Command: `{command}`; ratios are to oxigraph serve (lower is better, except req/s).\n"
    ]
    for triples in args.triples:
        quads, results = run_size(triples, args, work)
        alone = pyoxigraph_peak_mb(work / f"bench-{triples}.nq")
        sections.append(table(triples, quads, results, alone=alone))
        args.output.write_text("\n".join(sections), encoding="utf-8")
        print(sections[-1], flush=True)


if __name__ == "__main__":
    main()
