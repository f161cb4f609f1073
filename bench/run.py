"""Measure our endpoint beside its peers, with the ratio to the fastest peer for every figure.

    python bench/run.py --triples 10000 100000 --output bench/results.md
    python bench/run.py --triples 1000000     # the size the targets of issue #13 are checked at
    python bench/run.py --triples 1000000 --systems ours oxigraph-memory virtuoso

The systems (``--systems``; the first four by default):

- ``ours``: ``kg serve --data FILE --workers 2`` on the embedded default store (Oxigraph on disk);
- ``oxigraph-memory``: ``oxigraph serve`` without ``--location``, the quads POSTed to ``/store``;
- ``oxigraph-disk``: ``oxigraph load --location``, then ``oxigraph serve --location``;
- ``rdflib-endpoint``: ``rdflib-endpoint serve`` of the quads, skipped above
  ``--rdflib-endpoint-max`` triples (it takes minutes to load a million);
- ``memory``: ours on rdflib's memory store (``ours: memory``);
- ``remote``: ours in front of ``oxigraph serve`` in memory (``ours: remote``; its load excludes
  the peer's);
- ``virtuoso``: Debian's ``virtuoso-t`` loaded by ``kg push`` (its load is the push: parsing,
  inference and sending), measured directly and behind ours (``ours: virtuoso``).

For each size: generate the data (bench/generate.py) and dump what our server serves (ontology,
data, inferred graph) as N-Quads, so that every system answers from the same quads; then start
each system in turn and measure the time from its start to its first answer, the median latency of
every query in bench/queries/ (after a 3 s pause and one warm-up: ``--repeats`` runs, and more until
a second has passed, at most 500, each capped at ``--cap`` seconds), the light query's throughput
under ``wrk`` (repeated, and with distinct IRIs; see bench/measure.py), a restart on unchanged
data where the store is on disk, and the peak memory (PSS) of its process tree, beside pyoxigraph's
own peak holding the same quads in memory. Writes a Markdown table with each figure's ratio to the
fastest peer and the targets marked pass or miss (bench/report.py); ``--json`` keeps the figures.
A system that fails or times out is marked so in the table and the run goes on. ``--workdir``
keeps the generated files, reused by the next run with the same folder.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
# Siblings, not a package: bench/ is a folder of scripts.
from generate import node_counts, write  # noqa: E402
from measure import (  # noqa: E402
    QUERIES,
    ROOT,
    Failed,
    PeakMemory,
    free_port,
    measure_queries,
    phase,
    running,
    throughput,
    wait_ready,
)
from report import Result, Size, table, targets_table, write_json  # noqa: E402

#: A pause between the first answer and the measurements, for every system alike: latency is
#: measured in the steady state, not while the last worker processes are still starting.
SETTLE_SECONDS = 3.0
BIN = Path(sys.executable).parent
#: The systems, each with the results it fills; the first four run by default.
SYSTEMS: dict[str, tuple[str, ...]] = {
    "ours": ("ours",),
    "oxigraph-memory": ("oxigraph-memory",),
    "oxigraph-disk": ("oxigraph-disk",),
    "rdflib-endpoint": ("rdflib-endpoint",),
    "memory": ("ours: memory",),
    "remote": ("ours: remote",),
    "virtuoso": ("virtuoso", "ours: virtuoso"),
}
DEFAULT_SYSTEMS = list(SYSTEMS)[:4]
QUERY_NAMES = [path.stem for path in QUERIES]
#: How a system fails without stopping the run: it does not answer (Failed), a command fails or
#: times out, a connection or an HTTP status fails, Virtuoso is not installed (RuntimeError).
FAILURES = (Failed, RuntimeError, OSError, subprocess.SubprocessError, httpx.HTTPError)


@dataclass(frozen=True)
class Options:
    """How every system is measured."""

    repeats: int = 5
    #: Seconds one query may take.
    cap: float = 60.0
    #: Seconds a system may take to load and answer (10M triples take minutes).
    load_limit: float = 1800.0
    #: uvicorn workers of our server.
    workers: int = 2
    #: Seconds of each ``wrk`` load; 0 measures no throughput.
    seconds: int = 5
    #: Whether stores on disk are restarted on unchanged data.
    restart: bool = True
    rdflib_endpoint_max: int = 1_000_000
    #: Virtuoso's NumberOfBuffers (8 KB pages: 340000 is about 2.7 GB).
    virtuoso_buffers: int = 340_000


@dataclass(frozen=True)
class Dataset:
    """One size's files: the generated triples ours loads, the quads it serves (what the peers
    load), and how many actors the generated data has."""

    triples: int
    data: Path
    dump: Path
    quads: int
    actors: int
    work: Path


# --- the data -----------------------------------------------------------------------------------


def dump_dataset(data: Path, output: Path) -> int:
    """What our server serves (ontology, data, inferred graph) as N-Quads; returns the quads."""
    import pyoxigraph

    from kg.settings import Settings
    from kg.store.oxigraph import open_oxigraph

    store = open_oxigraph(Settings(data_paths=(data,)), on_disk=False)
    store.store.dump(output, format=pyoxigraph.RdfFormat.N_QUADS)
    return len(store.store)


def prepare(triples: int, work: Path) -> Dataset:
    """Generate and dump ``triples`` in ``work``, or reuse what an earlier run left there."""
    data, dump = work / f"bench-{triples}.nt", work / f"bench-{triples}.nq"
    done = work / f"bench-{triples}.json"  # written last: the files are whole
    if not done.exists():
        with phase(f"{triples:,} triples: generate and dump"):
            write(triples, data)
            # In a process of its own, so the memory of the whole graph is given back.
            with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
                quads = pool.submit(dump_dataset, data, dump).result()
            done.write_text(json.dumps({"quads": quads}), encoding="utf-8")
    quads = json.loads(done.read_text(encoding="utf-8"))["quads"]
    actors = node_counts(triples)["actor"]
    return Dataset(triples, data, dump, quads, actors, work)


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


# --- one server ---------------------------------------------------------------------------------


def serve_and_measure(
    name: str,
    command: list[str],
    endpoint: str,
    *,
    dataset: Dataset,
    options: Options,
    result: Result,
    env: dict[str, str] | None = None,
    before: float = 0.0,
    fill: Callable[[subprocess.Popen[bytes]], None] | None = None,
) -> None:
    """Start ``command`` and measure it at ``endpoint`` into ``result``: the time to the first
    answer (plus ``before``, a load done ahead), each query's median, throughput under wrk and
    the peak memory of its process tree. ``fill`` loads the data into the started server.

    Raises Failed when the server does not answer within the load limit.
    """
    log = dataset.work / f"{name.replace(': ', '-')}-{dataset.triples}.log"
    step = f"{dataset.triples:,} triples: {name}"
    started = time.perf_counter()
    with running(command, env=env, log=log) as process:
        memory = PeakMemory(process.pid)
        try:
            with phase(f"{step}: load to first answer"):
                if fill is not None:
                    fill(process)
                ready = wait_ready(endpoint, process, since=started, limit=options.load_limit)
                if ready is None:
                    raise Failed(f"no answer within {options.load_limit:g} s (see {log})")
                result.figures["load"] = before + ready
            measure_answers(step, endpoint, dataset=dataset, options=options, result=result)
        finally:
            peak = memory.stop()
        result.figures["peak_mb"] = peak


def measure_answers(
    step: str, endpoint: str, *, dataset: Dataset, options: Options, result: Result
) -> None:
    """After the settling pause: each query's median, then throughput under wrk."""
    time.sleep(SETTLE_SECONDS)
    with phase(f"{step}: query medians"):
        medians, notes = measure_queries(endpoint, repeats=options.repeats, cap=options.cap)
    result.figures.update({f"median:{q}": seconds for q, seconds in medians.items()})
    result.notes.update({f"median:{q}": note for q, note in notes.items()})
    if options.seconds:
        with phase(f"{step}: wrk, {options.seconds} s a load"):
            rates, notes = throughput(
                endpoint, actors=dataset.actors, seconds=options.seconds, work=dataset.work
            )
        result.figures.update({f"rps:{load}": rate for load, rate in rates.items()})
        result.notes.update({f"rps:{load}": note for load, note in notes.items()})


def restart_seconds(
    name: str, command: list[str], endpoint: str, *, dataset: Dataset, options: Options,
    env: dict[str, str] | None = None,
) -> float:  # fmt: skip
    """Seconds from starting ``command`` again (its store on disk as left) to its first answer."""
    log = dataset.work / f"{name}-restart-{dataset.triples}.log"
    with phase(f"{dataset.triples:,} triples: {name}: restart"):
        started = time.perf_counter()
        with running(command, env=env, log=log) as process:
            ready = wait_ready(endpoint, process, since=started, limit=options.load_limit)
    if ready is None:
        raise Failed(f"no answer after a restart within {options.load_limit:g} s (see {log})")
    return ready


def _kg_serve(port: int, options: Options, *settings: str) -> list[str]:
    """Our server as users start it: ``kg serve`` (its supervisor and its workers)."""
    return [
        str(BIN / "kg"), "serve", "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(options.workers), "--log-level", "warning", *settings,
    ]  # fmt: skip


def _our_env(options: Options) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
    env["KG_QUERY_TIMEOUT"] = f"{options.cap:g}"
    return env


def _oxigraph_serve(port: int, *location: str) -> list[str]:
    return [
        str(BIN / "oxigraph"), "serve", *location, "--bind", f"127.0.0.1:{port}",
        "--union-default-graph",
    ]  # fmt: skip


def _post_quads(
    base: str, dump: Path, *, limit: float
) -> Callable[[subprocess.Popen[bytes]], None]:
    """Loads ``dump`` into the ``oxigraph serve`` at ``base`` once it answers."""

    def fill(process: subprocess.Popen[bytes]) -> None:
        deadline = time.perf_counter() + limit
        while True:
            if process.poll() is not None or time.perf_counter() > deadline:
                raise Failed(f"oxigraph serve did not start (exit {process.poll()})")
            try:
                httpx.get(base + "/query", params={"query": "ASK {}"}, timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        with dump.open("rb") as body:
            httpx.post(
                base + "/store",
                content=body,
                headers={"Content-Type": "application/n-quads"},
                timeout=limit,
            ).raise_for_status()

    return fill


# --- the systems --------------------------------------------------------------------------------


def run_ours(dataset: Dataset, options: Options, results: dict[str, Result]) -> None:
    port = free_port()
    store = dataset.work / f"store-{dataset.triples}"
    shutil.rmtree(store, ignore_errors=True)
    command = _kg_serve(port, options, "--data", str(dataset.data), "--store-path", str(store))
    endpoint = f"http://127.0.0.1:{port}/sparql"
    env = _our_env(options)
    result = results["ours"]
    serve_and_measure(
        "ours", command, endpoint, dataset=dataset, options=options, result=result, env=env
    )
    if options.restart:
        result.figures["restart"] = restart_seconds(
            "ours", command, endpoint, dataset=dataset, options=options, env=env
        )


def run_oxigraph_memory(dataset: Dataset, options: Options, results: dict[str, Result]) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve_and_measure(
        "oxigraph-memory", _oxigraph_serve(port), base + "/query", dataset=dataset,
        options=options, result=results["oxigraph-memory"],
        fill=_post_quads(base, dataset.dump, limit=options.load_limit),
    )  # fmt: skip


def run_oxigraph_disk(dataset: Dataset, options: Options, results: dict[str, Result]) -> None:
    location = dataset.work / f"oxigraph-{dataset.triples}"
    shutil.rmtree(location, ignore_errors=True)
    with phase(f"{dataset.triples:,} triples: oxigraph-disk: oxigraph load"):
        started = time.perf_counter()
        subprocess.run(
            [str(BIN / "oxigraph"), "load", "--location", str(location),
             "--file", str(dataset.dump)],
            check=True, capture_output=True, timeout=options.load_limit,
        )  # fmt: skip
        loaded = time.perf_counter() - started
    port = free_port()
    command = _oxigraph_serve(port, "--location", str(location))
    endpoint = f"http://127.0.0.1:{port}/query"
    result = results["oxigraph-disk"]
    serve_and_measure(
        "oxigraph-disk", command, endpoint, dataset=dataset, options=options, result=result,
        before=loaded,
    )  # fmt: skip
    if options.restart:
        result.figures["restart"] = restart_seconds(
            "oxigraph-disk", command, endpoint, dataset=dataset, options=options
        )


def run_rdflib_endpoint(dataset: Dataset, options: Options, results: dict[str, Result]) -> None:
    port = free_port()
    command = [
        str(BIN / "rdflib-endpoint"), "serve", str(dataset.dump), "--host", "127.0.0.1",
        "--port", str(port),
    ]  # fmt: skip
    serve_and_measure(
        "rdflib-endpoint", command, f"http://127.0.0.1:{port}/", dataset=dataset,
        options=options, result=results["rdflib-endpoint"],
    )  # fmt: skip


def run_ours_memory(dataset: Dataset, options: Options, results: dict[str, Result]) -> None:
    port = free_port()
    serve_and_measure(
        "ours: memory", _kg_serve(port, options, "--store", "memory", "--data", str(dataset.data)),
        f"http://127.0.0.1:{port}/sparql", dataset=dataset, options=options,
        result=results["ours: memory"], env=_our_env(options),
    )  # fmt: skip


def run_ours_remote(dataset: Dataset, options: Options, results: dict[str, Result]) -> None:
    """Ours in front of ``oxigraph serve`` in memory, loaded beforehand (not counted)."""
    peer = free_port()
    base = f"http://127.0.0.1:{peer}"
    log = dataset.work / f"oxigraph-for-remote-{dataset.triples}.log"
    with running(_oxigraph_serve(peer), log=log) as process:
        with phase(f"{dataset.triples:,} triples: ours: remote: loading oxigraph serve"):
            _post_quads(base, dataset.dump, limit=options.load_limit)(process)
        port = free_port()
        store = f"sparql+{base}/query"
        serve_and_measure(
            "ours: remote", _kg_serve(port, options, "--store", store),
            f"http://127.0.0.1:{port}/sparql", dataset=dataset, options=options,
            result=results["ours: remote"], env=_our_env(options),
        )  # fmt: skip


def run_virtuoso(dataset: Dataset, options: Options, results: dict[str, Result]) -> None:
    """``kg push`` into a fresh Virtuoso, then Virtuoso's own endpoint and ours in front of it."""
    sys.path.insert(0, str(ROOT / "tests" / "integration"))
    from conftest import virtuoso_server  # the tests' launcher: one Virtuoso config, not two

    from kg.settings import Settings
    from kg.store.push import push

    step = f"{dataset.triples:,} triples: virtuoso"
    with virtuoso_server(
        dataset.work / f"virtuoso-{dataset.triples}", row_cap=10_000_000,
        timeout_s=int(options.cap), buffers=options.virtuoso_buffers,
    ) as virtuoso:  # fmt: skip
        store = f"sparql+{virtuoso.sparql}"
        result = results["virtuoso"]
        memory = PeakMemory(virtuoso.process.pid)
        try:
            with phase(f"{step}: kg push"):
                started = time.perf_counter()
                settings = Settings(
                    store=store, store_user="dba", store_password="dba",
                    data_paths=(dataset.data,),
                )  # fmt: skip
                push(settings, timeout=options.load_limit)
                result.figures["load"] = time.perf_counter() - started
            measure_answers(step, virtuoso.sparql, dataset=dataset, options=options, result=result)
        finally:
            result.figures["peak_mb"] = memory.stop()
        port = free_port()
        serve_and_measure(
            "ours: virtuoso", _kg_serve(port, options, "--store", store),
            f"http://127.0.0.1:{port}/sparql", dataset=dataset, options=options,
            result=results["ours: virtuoso"], env=_our_env(options),
        )  # fmt: skip


RUNNERS: dict[str, Callable[[Dataset, Options, dict[str, Result]], None]] = {
    "ours": run_ours,
    "oxigraph-memory": run_oxigraph_memory,
    "oxigraph-disk": run_oxigraph_disk,
    "rdflib-endpoint": run_rdflib_endpoint,
    "memory": run_ours_memory,
    "remote": run_ours_remote,
    "virtuoso": run_virtuoso,
}


def run_size(
    triples: int, *, systems: list[str], options: Options, work: Path, alone: bool = True
) -> Size:
    """Every system in ``systems`` measured on ``triples`` generated triples; a system that fails
    is marked failed in its result, and the others still run."""
    dataset = prepare(triples, work)
    results: dict[str, Result] = {}
    for system in systems:
        for name in SYSTEMS[system]:
            results[name] = Result()
        if system == "rdflib-endpoint" and triples > options.rdflib_endpoint_max:
            results[system].notes["*"] = f"skipped above {options.rdflib_endpoint_max:,} triples"
            continue
        try:
            RUNNERS[system](dataset, options, results)
        except FAILURES as error:
            for name in SYSTEMS[system]:
                results[name].notes.setdefault("*", f"failed: {error}")
        finally:
            for store in work.glob(f"*-{triples}/"):  # stores of gigabytes, never reused
                shutil.rmtree(store, ignore_errors=True)
    alone_mb = None
    if alone:
        with phase(f"{triples:,} triples: pyoxigraph alone holding the quads"):
            alone_mb = pyoxigraph_peak_mb(dataset.dump)
    return Size(triples, dataset.quads, results, alone_mb)


def machine() -> str:
    """This machine's cores and memory, for the tables' header."""
    total = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    return f"{os.cpu_count()} cores, {total / 2**20:.0f} GiB"


def common_arguments(parser: argparse.ArgumentParser) -> None:
    """The options bench/run.py and bench/curve.py share (see :class:`Options`)."""
    parser.add_argument("--repeats", type=int, default=Options.repeats)
    parser.add_argument("--cap", type=float, default=Options.cap, help="seconds per query")
    parser.add_argument("--load-limit", type=float, default=Options.load_limit, help="seconds")
    parser.add_argument(
        "--workers", type=int, default=Options.workers, help="ours: uvicorn workers"
    )
    parser.add_argument("--workdir", type=Path, help="keep (and reuse) generated files here")


@contextmanager
def workdir(args: argparse.Namespace) -> Iterator[Path]:
    """``--workdir``, kept; or a temporary folder whose generated data is removed at the end
    (the logs stay, for the failures the table points to)."""
    work: Path = args.workdir or Path(tempfile.mkdtemp(prefix="scicoop-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        yield work
    finally:
        if args.workdir is None:
            for generated in work.glob("bench-*"):
                generated.unlink()
        print(f"bench: logs in {work}", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--triples", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument(
        "--systems", nargs="+", choices=list(SYSTEMS), default=DEFAULT_SYSTEMS, metavar="SYSTEM",
        help=f"of {', '.join(SYSTEMS)} (default: {' '.join(DEFAULT_SYSTEMS)})",
    )  # fmt: skip
    common_arguments(parser)
    parser.add_argument(
        "--seconds", type=int, default=Options.seconds, help="of each wrk load; 0: none"
    )
    parser.add_argument("--no-restart", dest="restart", action="store_false")
    parser.add_argument(
        "--rdflib-endpoint-max", type=int, default=Options.rdflib_endpoint_max,
        help="skip rdflib-endpoint above this many triples",
    )  # fmt: skip
    parser.add_argument("--virtuoso-buffers", type=int, default=Options.virtuoso_buffers)
    parser.add_argument("--output", type=Path, default=HERE / "results.md")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if args.seconds and shutil.which("wrk") is None:
        sys.exit("bench/run.py measures throughput with wrk: apt-get install wrk (or --seconds 0)")
    options = Options(
        repeats=args.repeats, cap=args.cap, load_limit=args.load_limit, workers=args.workers,
        seconds=args.seconds, restart=args.restart, rdflib_endpoint_max=args.rdflib_endpoint_max,
        virtuoso_buffers=args.virtuoso_buffers,
    )  # fmt: skip
    command = shlex.join(["python", "bench/run.py", *sys.argv[1:]])
    sections = [
        f"Command: `{command}` ({machine()}). Every figure is followed by its ratio to the fastest "
        "peer of its row (lower is better, except req/s: there it is the fraction of the fastest "
        "peer's throughput); the targets of issue #13 follow each table.\n"
    ]
    sizes = []
    with workdir(args) as work:
        for triples in args.triples:
            size = run_size(triples, systems=args.systems, options=options, work=work)
            sizes.append(size)
            sections.append(table(size, QUERY_NAMES) + "\n" + targets_table(size, QUERY_NAMES))
            args.output.write_text("\n".join(sections), encoding="utf-8")
            if args.json:
                write_json(sizes, args.json, command=command, machine=machine())
            print(sections[-1], flush=True)


if __name__ == "__main__":
    main()
