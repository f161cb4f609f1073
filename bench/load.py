"""Load test: a realistic mix of requests against ``kg serve``, checked answer by answer.

    python bench/load.py --short                   # ~12 s, starts `kg serve --workers 2` itself
    python bench/load.py --long --json report.json # ~3 min
    python bench/load.py --url http://127.0.0.1:8000 --seconds 60 --concurrency 16

A bounded asyncio client (httpx, ``--concurrency`` connections, closed loop) draws each request
from a weighted mix: dereferencing (``/id`` → 303, ``/doc`` with the ``Accept`` headers of real
clients), typed ``/api/`` routes, light SPARQL (an IRI lookup), heavy SPARQL (a GROUP BY over every
quad, a transitive path) and bad requests (a malformed query → 400, an unknown slug → 404, an
``Accept`` nothing matches → 406). Every kind has its expected status and a check of the content,
whose expected values are computed at start-up from the Turtle files themselves (parsed here with
pyoxigraph, one named graph per file as the server names them), not hard-coded and not asked of the
server: a *wrong answer* is the expected status with the wrong content.

A 503 with ``Retry-After`` to a heavy query is the service shedding load as designed: it is counted
(``overloaded``), not a failure. Any other 5xx, an unexpected status, a wrong answer or a transport
error is a failure, and the exit status is 1 when there is any.

The report gives, per kind: requests, throughput, p50/p95/p99 latency and counts per outcome; as a
text table, and as JSON with ``--json PATH`` (``-`` for stdout).
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import os
import random
import re
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store, Triple

__all__ = ["Expectations", "Kind", "Report", "expectations", "main", "mix", "run_load"]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
QUERIES = HERE / "load_queries"
BASE_IRI = "https://w3id.org/scicoop/"
RDFS_LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
#: Seconds the load runs in each mode.
MODES = {"short": 12.0, "long": 180.0}
#: Seconds to wait for a started server to answer ``/ready`` on every worker.
READY_SECONDS = 120.0
#: Per-request timeout: above the server's query deadline would hide nothing, so keep it close.
REQUEST_SECONDS = 60.0

#: ``Accept`` headers of real clients, for ``/doc``: (name, headers, forced extension, format).
DOC_VARIANTS: tuple[tuple[str, dict[str, str], str, str], ...] = (
    ("turtle", {"Accept": "text/turtle"}, "", "ttl"),
    ("rdflib", {"Accept": "application/rdf+xml;q=0.9, text/turtle;q=1.0, */*;q=0.1"}, "", "ttl"),
    ("curl", {"Accept": "*/*"}, "", "ttl"),
    ("rdfxml", {"Accept": "application/rdf+xml"}, "", "rdf"),
    ("jsonld", {"Accept": "application/ld+json"}, "", "jsonld"),
    ("nt-extension", {}, ".nt", "nt"),
    (
        "firefox",
        {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
        "",
        "html",
    ),
)
_MEDIA = {
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "rdf": "application/rdf+xml",
    "jsonld": "application/ld+json",
    "html": "text/html",
}
_PARSERS = {"ttl": RdfFormat.TURTLE, "nt": RdfFormat.N_TRIPLES, "rdf": RdfFormat.RDF_XML}


def query_text(name: str, **terms: NamedNode) -> str:
    """The text of ``load_queries/{name}.rq``; ``$var`` placeholders receive ``terms`` written as
    N-Triples terms by pyoxigraph (an HTTP client must send text; nothing else is spliced)."""
    text = (QUERIES / f"{name}.rq").read_text(encoding="utf-8")
    return string.Template(text).substitute({key: str(term) for key, term in terms.items()})


# --- expectations, from the files ---------------------------------------------------------------


@dataclass(frozen=True)
class Thing:
    """A thing under ``id/`` with its asserted statements."""

    iri: str
    slug: str
    label: str
    labels: frozenset[tuple[str, str | None]]
    #: Asserted triples about it whose object is not a blank node (those are comparable).
    triples: frozenset[Triple]


@dataclass(frozen=True)
class Expectations:
    """What correct answers contain, computed from the Turtle files."""

    things: tuple[Thing, ...]
    actors: tuple[Thing, ...]
    claims: int
    graph_sizes: dict[str, int]
    inferred_graph: str
    subclass_pairs: int


def _graph_iri(path: Path, *, base: str) -> NamedNode:
    """As the server names it: ``{base}graph/{folder}/{file stem}``."""
    return NamedNode(f"{base}graph/{path.parent.name}/{path.stem}")


def _load(paths: list[Path], *, base: str) -> Store:
    store = Store()
    for path in paths:
        graph = _graph_iri(path, base=base)
        store.bulk_extend(
            Quad(t.subject, t.predicate, t.object, graph)
            for t in pyoxigraph.parse(path=str(path), format=RdfFormat.TURTLE)
        )
    return store


def _select(store: Store, name: str, *, union: bool = True) -> list[dict[str, str]]:
    """The rows of ``load_queries/{name}.rq`` over the local store, values as strings."""
    result = store.query(query_text(name), use_default_graph_as_union=union)
    assert isinstance(result, pyoxigraph.QuerySolutions), f"{name}.rq is not a SELECT"
    names = [variable.value for variable in result.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in result]


def _count(store: Store, name: str) -> int:
    (row,) = _select(store, name)
    return int(next(iter(row.values())))


def expectations(*, data_dir: Path, ontology_dir: Path, base: str = BASE_IRI) -> Expectations:
    """Parse the ontology and data files (as ``kg serve`` loads them) and derive the answers."""
    files = sorted(ontology_dir.glob("*.ttl")) + sorted(data_dir.glob("*.ttl"))
    if not files:
        raise SystemExit(f"load: no Turtle files under {ontology_dir} or {data_dir}")
    store = _load(files, base=base)
    id_base = base + "id/"
    found: dict[str, Thing] = {}
    for quad in store.quads_for_pattern(None, RDFS_LABEL, None):
        subject, label = quad.subject, quad.object
        if not (isinstance(subject, NamedNode) and subject.value.startswith(id_base)):
            continue
        if not (isinstance(label, Literal) and label.language == "en") or subject.value in found:
            continue
        statements = store.quads_for_pattern(subject, None, None)
        triples = frozenset(
            q.triple for q in statements if not isinstance(q.object, pyoxigraph.BlankNode)
        )
        labels = frozenset(
            (q.object.value, q.object.language)
            for q in store.quads_for_pattern(subject, RDFS_LABEL, None)
            if isinstance(q.object, Literal)
        )
        slug = subject.value[len(id_base) :]
        found[subject.value] = Thing(subject.value, slug, label.value, labels, triples)
    things = sorted(found.values(), key=lambda t: t.iri)
    actor_iris = {row["thing"] for row in _select(store, "actors")}
    sizes = {
        row["graph"]: int(row["triples"]) for row in _select(store, "graph_sizes", union=False)
    }
    return Expectations(
        things=tuple(things),
        actors=tuple(thing for thing in things if thing.iri in actor_iris),
        claims=_count(store, "claims"),
        graph_sizes=sizes,
        inferred_graph=base + "graph/inferred",
        subclass_pairs=_count(store, "subclass_closure"),
    )


# --- the request kinds --------------------------------------------------------------------------


class WrongAnswer(Exception):
    """The expected status, with content that contradicts the data."""


@dataclass(frozen=True)
class Planned:
    """One request to send and how to judge its answer."""

    method: str
    url: str
    expect: int
    check: Callable[[httpx.Response], None]
    headers: dict[str, str] = field(default_factory=dict)
    data: dict[str, str] | None = None
    #: Heavy queries may be shed with 503 + Retry-After.
    may_shed: bool = False


@dataclass(frozen=True)
class Kind:
    """A kind of request in the mix, its weight, and how to plan one."""

    name: str
    weight: int
    plan: Callable[[random.Random], Planned]


def _media(response: httpx.Response) -> str:
    return str(response.headers.get("content-type", "")).split(";")[0].strip()


def _want_media(response: httpx.Response, media: str) -> None:
    if _media(response) != media:
        raise WrongAnswer(f"Content-Type {_media(response)!r}, expected {media!r}")


def _json_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)


def _check_document(thing: Thing, fmt: str) -> Callable[[httpx.Response], None]:
    def check(response: httpx.Response) -> None:
        _want_media(response, _MEDIA[fmt])
        if fmt in _PARSERS:
            got = {quad.triple for quad in pyoxigraph.parse(response.content, format=_PARSERS[fmt])}
            missing = thing.triples - got
            if missing:
                raise WrongAnswer(
                    f"{len(missing)} asserted triples missing, e.g. {next(iter(missing))}"
                )
        elif fmt == "jsonld":
            if thing.label not in set(_json_strings(response.json())):
                raise WrongAnswer(f"JSON-LD without the label {thing.label!r}")
        elif thing.label not in html.unescape(response.text):
            raise WrongAnswer(f"HTML page without the label {thing.label!r}")

    return check


def mix(expected: Expectations) -> list[Kind]:
    """The weighted request kinds, each planning requests whose answers ``expected`` predicts."""
    things, actors = expected.things, expected.actors

    def dereference(rng: random.Random) -> Planned:
        thing = rng.choice(things)

        def check(response: httpx.Response) -> None:
            if response.headers.get("location") != f"/doc/{thing.slug}":
                raise WrongAnswer(f"303 to {response.headers.get('location')!r}")

        return Planned("GET", f"/id/{thing.slug}", 303, check, {"Accept": "text/turtle"})

    def document(rng: random.Random) -> Planned:
        thing = rng.choice(things)
        _, headers, extension, fmt = rng.choice(DOC_VARIANTS)
        return Planned(
            "GET", f"/doc/{thing.slug}{extension}", 200, _check_document(thing, fmt), headers
        )

    def api_actor(rng: random.Random) -> Planned:
        thing = rng.choice(actors)

        def check(response: httpx.Response) -> None:
            body = response.json()
            if (body.get("iri"), body.get("label")) != (thing.iri, thing.label):
                raise WrongAnswer(f"actor {body.get('iri')!r} labelled {body.get('label')!r}")

        return Planned("GET", f"/api/actors/{thing.slug}", 200, check)

    def api_search(rng: random.Random) -> Planned:
        thing = rng.choice(things)
        words = [w for w in thing.label.split() if len(w) > 3] or [thing.label]
        word = rng.choice(words)

        def check(response: httpx.Response) -> None:
            body = response.json()
            if thing.iri not in {item["iri"] for item in body["items"]}:
                raise WrongAnswer(f"search {word!r} misses {thing.iri} ({body['total']} hits)")

        return Planned(
            "GET", "/api/search?" + str(httpx.QueryParams(q=word, limit=500)), 200, check
        )

    def api_claims(rng: random.Random) -> Planned:
        def check(response: httpx.Response) -> None:
            total = response.json()["total"]
            if total != expected.claims:
                raise WrongAnswer(f"{total} claims, the data has {expected.claims}")

        return Planned("GET", f"/api/claims?limit={rng.choice((1, 10, 500))}", 200, check)

    def sparql_light(rng: random.Random) -> Planned:
        thing = rng.choice(things)

        def check(response: httpx.Response) -> None:
            _want_media(response, "application/sparql-results+json")
            rows = response.json()["results"]["bindings"]
            got = {(row["label"]["value"], row["label"].get("xml:lang")) for row in rows}
            if got != thing.labels:
                raise WrongAnswer(
                    f"labels {sorted(got, key=str)} != {sorted(thing.labels, key=str)}"
                )

        query = query_text("labels", thing=NamedNode(thing.iri))
        headers = {"Accept": "application/sparql-results+json"}
        if rng.random() < 0.5:
            return Planned(
                "GET", "/sparql?" + str(httpx.QueryParams(query=query)), 200, check, headers
            )
        return Planned("POST", "/sparql", 200, check, headers, data={"query": query})

    def sparql_group(rng: random.Random) -> Planned:
        def check(response: httpx.Response) -> None:
            rows = response.json()["results"]["bindings"]
            got = {row["graph"]["value"]: int(row["triples"]["value"]) for row in rows}
            got.pop(expected.inferred_graph, None)
            if got != expected.graph_sizes:
                diff = {
                    g: (got.get(g), n) for g, n in expected.graph_sizes.items() if got.get(g) != n
                }
                raise WrongAnswer(f"graph sizes (got, expected) differ: {diff or got}")

        query = query_text("graph_sizes")
        headers = {"Accept": "application/sparql-results+json"}
        return Planned("POST", "/sparql", 200, check, headers, data={"query": query}, may_shed=True)

    def sparql_path(rng: random.Random) -> Planned:
        def check(response: httpx.Response) -> None:
            (row,) = response.json()["results"]["bindings"]
            if int(row["pairs"]["value"]) != expected.subclass_pairs:
                raise WrongAnswer(
                    f"{row['pairs']['value']} subclass pairs, expected {expected.subclass_pairs}"
                )

        query = query_text("subclass_closure")
        headers = {"Accept": "application/sparql-results+json"}
        url = "/sparql?" + str(httpx.QueryParams(query=query))
        return Planned("GET", url, 200, check, headers, may_shed=True)

    def bad_query(rng: random.Random) -> Planned:
        def check(response: httpx.Response) -> None:
            if not re.match(r"line \d+, column \d+: syntax error in the query", response.text):
                raise WrongAnswer(f"400 without a located syntax error: {response.text[:120]!r}")

        url = "/sparql?" + str(httpx.QueryParams(query=query_text("malformed")))
        return Planned("GET", url, 400, check)

    def unknown_slug(rng: random.Random) -> Planned:
        slug = f"no-such-thing-{rng.randrange(10**9)}"

        def check(response: httpx.Response) -> None:
            if f"{BASE_IRI}id/{slug}" not in response.text:
                raise WrongAnswer(f"404 that does not name the IRI: {response.text[:120]!r}")

        return Planned("GET", f"/{rng.choice(('id', 'doc'))}/{slug}", 404, check)

    def bad_accept(rng: random.Random) -> Planned:
        thing = rng.choice(things)

        def check(response: httpx.Response) -> None:
            if "text/turtle" not in response.text:
                raise WrongAnswer(
                    f"406 that does not list what is offered: {response.text[:120]!r}"
                )

        return Planned("GET", f"/doc/{thing.slug}", 406, check, {"Accept": "image/png"})

    return [
        Kind("deref /id", 15, dereference),
        Kind("doc conneg", 20, document),
        Kind("api actor", 10, api_actor),
        Kind("api search", 6, api_search),
        Kind("api claims", 6, api_claims),
        Kind("sparql light", 20, sparql_light),
        Kind("sparql heavy group", 4, sparql_group),
        Kind("sparql heavy path", 4, sparql_path),
        Kind("bad query 400", 5, bad_query),
        Kind("unknown 404", 5, unknown_slug),
        Kind("bad accept 406", 5, bad_accept),
    ]


# --- running and reporting ----------------------------------------------------------------------

OUTCOMES = ("ok", "overloaded", "server_error", "wrong_status", "wrong_answer", "transport")
FAILURES = ("server_error", "wrong_status", "wrong_answer", "transport")


@dataclass
class Tally:
    """What one kind measured."""

    latencies: list[float] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    statuses: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)
    #: Requests sent again after the server closed a kept-alive connection under them.
    retried: int = 0

    def record(self, outcome: str, seconds: float, status: int | None, note: str = "") -> None:
        self.latencies.append(seconds)
        self.outcomes[outcome] += 1
        key = str(status) if status is not None else "none"
        self.statuses[key] = self.statuses.get(key, 0) + 1
        if outcome in FAILURES and len(self.examples) < 5:
            self.examples.append(note)


def _judge(planned: Planned, response: httpx.Response) -> tuple[str, str]:
    status = response.status_code
    where = f"{planned.method} {planned.url[:100]}"
    if status == 503 and planned.may_shed and response.headers.get("retry-after"):
        return "overloaded", ""
    if status >= 500:
        return "server_error", f"{where}: {status} {response.text[:200]!r}"
    if status != planned.expect:
        return (
            "wrong_status",
            f"{where}: {status}, expected {planned.expect}: {response.text[:200]!r}",
        )
    try:
        planned.check(response)
    except (WrongAnswer, ValueError, KeyError, TypeError, SyntaxError) as error:
        return "wrong_answer", f"{where}: {type(error).__name__}: {error}"
    return "ok", ""


#: A kept-alive connection the server closed as the request went out (its idle timeout): every
#: request of the mix is safe, so it is sent again once on a fresh connection, as browsers do,
#: and counted (``retried``); a second failure is a failure.
_STALE_CONNECTION = (httpx.RemoteProtocolError, httpx.ReadError)


async def _send(client: httpx.AsyncClient, planned: Planned, tally: Tally) -> httpx.Response:
    def request() -> Awaitable[httpx.Response]:
        return client.request(
            planned.method, planned.url, headers=planned.headers, data=planned.data
        )

    try:
        return await request()
    except _STALE_CONNECTION:
        tally.retried += 1
        return await request()


async def _worker(
    client: httpx.AsyncClient,
    kinds: list[Kind],
    tallies: dict[str, Tally],
    *,
    seed: int,
    until: float,
) -> None:
    rng = random.Random(seed)
    weights = [kind.weight for kind in kinds]
    while time.monotonic() < until:
        kind = rng.choices(kinds, weights)[0]
        planned = kind.plan(rng)
        started = time.perf_counter()
        try:
            response = await _send(client, planned, tallies[kind.name])
        except httpx.TransportError as error:
            seconds = time.perf_counter() - started
            tallies[kind.name].record("transport", seconds, None, f"{planned.url[:100]}: {error!r}")
            continue
        seconds = time.perf_counter() - started
        outcome, note = _judge(planned, response)
        tallies[kind.name].record(outcome, seconds, response.status_code, note)


def _percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@dataclass
class Report:
    """The whole run: per-kind figures and totals (``as_dict`` is the JSON report)."""

    url: str
    seconds: float
    concurrency: int
    workers: int | None
    tallies: dict[str, Tally]

    @property
    def failures(self) -> int:
        return sum(t.outcomes[f] for t in self.tallies.values() for f in FAILURES)

    def as_dict(self) -> dict[str, Any]:
        def ms(value: float | None) -> float | None:
            return None if value is None else round(value * 1000, 1)

        kinds = {}
        for name, tally in self.tallies.items():
            kinds[name] = {
                "requests": len(tally.latencies),
                "throughput_rps": round(len(tally.latencies) / self.seconds, 1),
                "p50_ms": ms(_percentile(tally.latencies, 0.50)),
                "p95_ms": ms(_percentile(tally.latencies, 0.95)),
                "p99_ms": ms(_percentile(tally.latencies, 0.99)),
                "outcomes": tally.outcomes,
                "statuses": dict(sorted(tally.statuses.items())),
                "retried": tally.retried,
                "failure_examples": tally.examples,
            }
        everything = [s for t in self.tallies.values() for s in t.latencies]
        totals = {o: sum(t.outcomes[o] for t in self.tallies.values()) for o in OUTCOMES}
        return {
            "url": self.url,
            "seconds": round(self.seconds, 1),
            "concurrency": self.concurrency,
            "server_workers": self.workers,
            "requests": len(everything),
            "throughput_rps": round(len(everything) / self.seconds, 1),
            "p50_ms": ms(_percentile(everything, 0.50)),
            "p95_ms": ms(_percentile(everything, 0.95)),
            "p99_ms": ms(_percentile(everything, 0.99)),
            "outcomes": totals,
            "retried": sum(t.retried for t in self.tallies.values()),
            "failures": self.failures,
            "kinds": kinds,
        }

    def table(self) -> str:
        data = self.as_dict()
        header = ("kind", "req", "req/s", "p50 ms", "p95 ms", "p99 ms", "ok", "503 shed", "5xx",
                  "bad status", "wrong", "transport", "retried")  # fmt: skip
        rows = [header]
        for name, k in [*data["kinds"].items(), ("all", data)]:
            o = k["outcomes"]
            rows.append((name, str(k["requests"]), str(k["throughput_rps"]), str(k["p50_ms"]),
                         str(k["p95_ms"]), str(k["p99_ms"]), str(o["ok"]), str(o["overloaded"]),
                         str(o["server_error"]), str(o["wrong_status"]), str(o["wrong_answer"]),
                         str(o["transport"]), str(k["retried"])))  # fmt: skip
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        lines = [
            f"{data['url']}: {data['seconds']} s, {data['concurrency']} clients, "
            f"server workers: {data['server_workers'] or 'unknown'}"
        ]
        for index, row in enumerate(rows):
            lines.append(
                "  ".join(
                    c.ljust(w) if i == 0 else c.rjust(w)
                    for i, (c, w) in enumerate(zip(row, widths, strict=True))
                )
            )
            if index == 0 or index == len(rows) - 2:
                lines.append("  ".join("-" * w for w in widths))
        for name, k in data["kinds"].items():
            for example in k["failure_examples"]:
                lines.append(f"FAIL {name}: {example}")
        return "\n".join(lines)


async def run_load(
    url: str, *, expected: Expectations, seconds: float, concurrency: int, seed: int = 7,
    workers: int | None = None,
) -> Report:  # fmt: skip
    """Send the mix to ``url`` from ``concurrency`` clients for ``seconds``; the report."""
    kinds = mix(expected)
    tallies = {kind.name: Tally() for kind in kinds}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    timeout = httpx.Timeout(REQUEST_SECONDS)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout) as client:
        started = time.monotonic()
        until = started + seconds
        await asyncio.gather(
            *(
                _worker(client, kinds, tallies, seed=seed + i, until=until)
                for i in range(concurrency)
            )
        )
        elapsed = time.monotonic() - started
    return Report(url, elapsed, concurrency, workers, tallies)


# --- a server of our own ------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(url: str, process: subprocess.Popen[bytes], *, log: Path) -> None:
    """Until 20 successive ``/ready`` probes answer 200 (each worker loads on its own)."""
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"load: kg serve exited with {process.returncode}; see {log}")
        try:
            if all(httpx.get(url + "/ready", timeout=5).status_code == 200 for _ in range(20)):
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"load: kg serve not ready within {READY_SECONDS} s; see {log}")


@contextmanager
def kg_serve(*, workers: int, log: Path, data_dir: Path, ontology_dir: Path) -> Iterator[str]:
    """``kg serve --workers N`` on a free loopback port, as an operator runs it; SIGTERM after."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
    env.update(KG_DATA_DIR=str(data_dir), KG_ONTOLOGY_DIR=str(ontology_dir))
    command = [
        str(Path(sys.executable).with_name("kg")), "serve", "--host", "127.0.0.1",
        "--port", str(port), "--workers", str(workers), "--log-level", "warning",
    ]  # fmt: skip
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, env=env, stdout=sink, stderr=subprocess.STDOUT, cwd=ROOT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process, log=log)
        yield url
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/load.py", description=__doc__.split("\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--short", dest="mode", action="store_const", const="short", help="~12 s (CI)"
    )
    mode.add_argument("--long", dest="mode", action="store_const", const="long", help="~3 min")
    parser.add_argument("--seconds", type=float, help="run this long instead of the mode's time")
    parser.add_argument("--url", help="a running server; default: start `kg serve` here")
    parser.add_argument("--workers", type=int, default=2, help="workers of the started server")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data", help="the served data")
    parser.add_argument("--ontology-dir", type=Path, default=ROOT / "ontology")
    parser.add_argument("--base-iri", default=BASE_IRI)
    parser.add_argument(
        "--json", metavar="PATH", help="also write the JSON report here (- for stdout)"
    )
    parser.add_argument(
        "--log",
        type=Path,
        default=Path(tempfile.gettempdir()) / "scicoop-load-kg-serve.log",
        help="the started server's log (default: in the temporary folder)",
    )
    args = parser.parse_args(argv)
    if args.concurrency < 1 or args.workers < 1:
        parser.error("--concurrency and --workers must be at least 1")
    args.seconds = args.seconds or MODES[args.mode or "short"]
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the load test; 0 when nothing failed, 1 otherwise."""
    args = _arguments(argv)
    expected = expectations(
        data_dir=args.data_dir, ontology_dir=args.ontology_dir, base=args.base_iri
    )

    def load(url: str, workers: int | None) -> Report:
        running = run_load(
            url, expected=expected, seconds=args.seconds, concurrency=args.concurrency,
            seed=args.seed, workers=workers,
        )  # fmt: skip
        return asyncio.run(running)

    if args.url:
        report = load(args.url.rstrip("/"), None)
    else:
        with kg_serve(workers=args.workers, log=args.log, data_dir=args.data_dir,
                      ontology_dir=args.ontology_dir) as url:  # fmt: skip
            report = load(url, args.workers)
    text = report.table()
    if args.json == "-":
        print(json.dumps(report.as_dict(), indent=2))
        print(text, file=sys.stderr)
    else:
        print(text)
        if args.json:
            Path(args.json).write_text(
                json.dumps(report.as_dict(), indent=2) + "\n", encoding="utf-8"
            )
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
