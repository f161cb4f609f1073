"""Light-query throughput with a native load generator (wrk), ours against Oxigraph in memory.

A Python client saturates near 1,000 requests a second whatever the server, so throughput here
comes from ``wrk`` (Debian's package: ``apt-get install wrk``), 2 threads, 8 connections. Two
loads, as clients send them: one query repeated, and the same lookup with a different IRI in
every request (a new text each time). The peer is ``oxigraph serve`` holding the same quads in
memory (loaded through its ``/store``), the configuration people pick for speed.

    python bench/throughput.py --triples 1000000 [--seconds 5] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import httpx
from generate import write
from run import BIN, dump_dataset, free_port, kg_serve, our_env, running, wait_ready

LOOKUP = "SELECT ?p ?o WHERE {{ <https://w3id.org/scicoop/id/bench-actor-{}> ?p ?o }}"
#: wrk's Lua: the same lookup with another IRI in each request, so every text is new.
DISTINCT = """
counter = 0
request = function()
  counter = counter + 1
  local query = "SELECT ?p ?o WHERE { <https://w3id.org/scicoop/id/bench-actor-"
    .. counter .. "> ?p ?o }"
  local encoded = string.gsub(query, "([^%w%-%.%_%~])", function(c)
    return string.format("%%%02X", string.byte(c)) end)
  return wrk.format("GET", "/sparql?query=" .. encoded,
    {["Accept"] = "application/sparql-results+json"})
end
"""
REPEATED = """
wrk.headers["Accept"] = "application/sparql-results+json"
"""


def wrk(url: str, script: str, *, seconds: float, work: Path) -> dict[str, float]:
    """Requests a second and median latency (ms) of ``wrk`` against ``url`` with ``script``."""
    lua = work / f"wrk-{abs(hash(script))}.lua"
    lua.write_text(script, encoding="utf-8")
    done = subprocess.run(
        ["wrk", "-t2", "-c8", f"-d{seconds:g}s", "--latency", "-s", str(lua), url],
        capture_output=True,
        text=True,
        check=True,
    )
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)[1])  # type: ignore[index]
    median = re.search(r"50%\s+([\d.]+)(us|ms|s)", done.stdout)
    assert median is not None, done.stdout
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[median[2]]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", done.stdout)
    return {
        "req_per_s": rate,
        "p50_ms": float(median[1]) * scale,
        "non_2xx": float(errors[1]) if errors else 0.0,
    }


def loads(base: str, *, seconds: float, work: Path) -> dict[str, dict[str, float]]:
    repeated = base + "/sparql?query=" + quote(LOOKUP.format(7))
    return {
        "repeated": wrk(repeated, REPEATED, seconds=seconds, work=work),
        "distinct": wrk(base, DISTINCT, seconds=seconds, work=work),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench/throughput.py needs wrk: apt-get install wrk")
    work = Path(tempfile.mkdtemp(prefix="scicoop-throughput-"))
    data = work / f"bench-{args.triples}.nt"
    write(args.triples, data)
    dump = work / "dump.nq"
    dump_dataset(data, dump)
    results: dict[str, dict[str, dict[str, float]]] = {}

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [str(BIN / "oxigraph"), "serve", "--bind", f"127.0.0.1:{port}"]
    with running(command, log=work / "oxigraph.log") as process:
        while httpx.get(base + "/query?query=ASK{}", timeout=5).status_code != 200:
            time.sleep(0.1)
        with dump.open("rb") as body:
            httpx.post(
                base + "/store",
                content=body,
                headers={"Content-Type": "application/n-quads"},
                timeout=600,
            ).raise_for_status()
        results["oxigraph serve (memory)"] = loads(base, seconds=args.seconds, work=work)
        assert process.poll() is None

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = our_env(data)
    with running(kg_serve(port, args.workers), env=env, log=work / "kg.log") as process:
        if wait_ready(base + "/sparql", process, limit=900) is None:
            sys.exit(f"kg serve did not become ready; see {work / 'kg.log'}")
        results[f"ours (kg serve --workers {args.workers})"] = loads(
            base, seconds=args.seconds, work=work
        )

    peer = results["oxigraph serve (memory)"]
    print(f"\nwrk -t2 -c8 -d{args.seconds:g}s, {args.triples:,} triples\n")
    print("| system | load | req/s | p50 | non-2xx | ratio to oxigraph |")
    print("|---|---|---|---|---|---|")
    for system, by_load in results.items():
        for load, figures in by_load.items():
            ratio = figures["req_per_s"] / peer[load]["req_per_s"]
            print(
                f"| {system} | {load} | {figures['req_per_s']:,.0f} | {figures['p50_ms']:.2f} ms "
                f"| {figures['non_2xx']:.0f} | {ratio:.2f}x |"
            )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
