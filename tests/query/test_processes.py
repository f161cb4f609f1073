"""Query workers: deadlines that hold, caps, replacement of dead workers, the heavy and light
lanes, every output format."""

from __future__ import annotations

import asyncio
import csv
import ctypes
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib

from kg.query.cost import TooManyHeavyQueries
from kg.query.errors import (
    NotAcceptable,
    Overloaded,
    QueryFailed,
    QuerySyntaxError,
    QueryTimeout,
    ResultTooLarge,
    WorkerLost,
)
from kg.query.formats import Format, by_name
from kg.query.gate import PreparedQuery, QueryForm, prepare
from kg.query.limits import Limits
from kg.query.processes import INLINE_BYTES, ProcessRunner
from kg.query.threaded import ThreadedRunner
from kg.store.resident import MARKER, SNAPSHOT, Resident

EX = "urn:kg:test:"
BIG = EX + "graph/big"
SMALL = EX + "graph/small"
GRAPHS = [BIG, SMALL]
ROWS = 20_000

CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"
LIGHT = f"SELECT ?label WHERE {{ <{EX}china> <{EX}label> ?label }}"


@pytest.fixture(scope="module")
def resident(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Resident]:
    """A resident holding ~20k triples in one graph, a handful of varied terms in another."""
    folder = tmp_path_factory.mktemp("executor") / "store"
    folder.mkdir()
    big = "".join(f'<{EX}s{i}> <{EX}value> "{i}" <{BIG}> .\n' for i in range(ROWS))
    small = f"""
        <{EX}china> <{EX}label> "China"@en <{SMALL}> .
        <{EX}china> <{EX}label> "中国"@zh <{SMALL}> .
        <{EX}china> <{EX}partner> _:b1 <{SMALL}> .
        _:b1 <{EX}count> "160"^^<http://www.w3.org/2001/XMLSchema#integer> <{SMALL}> .
        _:b1 <{EX}note> "tab\\there, \\"quoted\\", new\\nline" <{SMALL}> .
    """
    (folder / SNAPSHOT).write_text(big + small, encoding="utf-8")
    (folder / MARKER).write_text(json.dumps({"named_graphs": GRAPHS}), encoding="utf-8")
    opened = Resident.open(folder)
    yield opened
    opened.close()


def executor(resident: Resident, **options: object) -> ProcessRunner:
    settings: dict[str, object] = {
        "workers": 2,
        "timeout": 10.0,
        "result_limit": 1000,
        "memory_bytes": 2 * 1024**3,
        "max_queue": 4,
    }
    settings.update(options)
    return ProcessRunner(resident, Limits(**settings))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def shared(resident: Resident) -> Iterator[ProcessRunner]:
    """One pool for the tests that neither kill nor time out its workers."""
    pool = executor(resident)
    yield pool
    pool.close()


def run(pool: ProcessRunner, query: str, fmt: str = "json", **options: object) -> bytes:
    prepared = prepare(query, named_graphs=GRAPHS)
    return asyncio.run(pool.run(prepared, result_format=by_name(fmt), **options))  # type: ignore[arg-type]


def labels(body: bytes) -> set[str]:
    return {row["label"]["value"] for row in json.loads(body)["results"]["bindings"]}


def test_deadline_stops_a_cartesian_product_while_a_light_query_is_answered(
    resident: Resident,
) -> None:
    pool = executor(resident, timeout=1.0)

    async def both() -> tuple[BaseException | bytes, float, bytes, float]:
        started = time.perf_counter()

        async def heavy() -> tuple[BaseException | bytes, float]:
            try:
                result: BaseException | bytes = await pool.run(
                    prepare(CARTESIAN, named_graphs=GRAPHS), result_format=by_name("json")
                )
            except QueryTimeout as error:
                result = error
            return result, time.perf_counter() - started

        async def light() -> tuple[bytes, float]:
            await asyncio.sleep(0.2)  # the cartesian product is running by now
            body = await pool.run(
                prepare(LIGHT, named_graphs=GRAPHS), result_format=by_name("json")
            )
            return body, time.perf_counter() - started

        (slow, slow_seconds), (fast, fast_seconds) = await asyncio.gather(heavy(), light())
        return slow, slow_seconds, fast, fast_seconds

    try:
        slow, slow_seconds, fast, fast_seconds = asyncio.run(both())
        assert isinstance(slow, QueryTimeout)
        assert "stopped after 1 s" in str(slow)
        assert 1.0 <= slow_seconds < 10.0
        assert labels(fast) == {"China", "中国"}
        assert fast_seconds < slow_seconds  # answered while the other query was still running
        # the killed worker was replaced: the pool answers again at full strength
        assert labels(run(pool, LIGHT)) == {"China", "中国"}
    finally:
        pool.close()


def test_worker_killed_from_outside_is_replaced(resident: Resident) -> None:
    pool = executor(resident, workers=1)
    try:
        assert labels(run(pool, LIGHT)) == {"China", "中国"}
        (worker,) = pool._workers
        os.kill(worker.process.pid, signal.SIGKILL)  # type: ignore[arg-type]
        worker.process.join(5)
        assert labels(run(pool, LIGHT)) == {"China", "中国"}
        assert pool._workers[0] is not worker
    finally:
        pool.close()


def test_worker_killed_mid_query_fails_that_query_only(resident: Resident) -> None:
    pool = executor(resident, workers=1)

    async def kill_during_query() -> None:
        task = asyncio.ensure_future(
            pool.run(prepare(CARTESIAN, named_graphs=GRAPHS), result_format=by_name("json"))
        )
        await asyncio.sleep(0.8)  # started, and busy
        os.kill(pool._workers[0].process.pid, signal.SIGKILL)  # type: ignore[arg-type]
        # Nothing was wrong with the query: the client is told to ask again (503 + Retry-After).
        with pytest.raises(WorkerLost, match="the query worker was killed"):
            await task

    try:
        asyncio.run(kill_during_query())
        assert labels(run(pool, LIGHT)) == {"China", "中国"}
    finally:
        pool.close()


def test_queue_beyond_max_queue_is_overloaded(resident: Resident) -> None:
    pool = executor(resident, workers=1, max_queue=1, timeout=0.5)

    async def three() -> list[object]:
        # Built by hand, so the gate's cost class (heavy) does not send it to the heavy lane.
        query = PreparedQuery(CARTESIAN, QueryForm.SELECT)
        json_format = by_name("json")
        first = asyncio.ensure_future(pool.run(query, result_format=json_format))
        await asyncio.sleep(0.1)
        second = asyncio.ensure_future(pool.run(query, result_format=json_format))
        await asyncio.sleep(0.1)
        with pytest.raises(Overloaded, match="1 queries are already waiting") as caught:
            await pool.run(query, result_format=json_format)
        assert caught.value.waiting == 1
        return await asyncio.gather(first, second, return_exceptions=True)

    try:
        outcomes = asyncio.run(three())
        assert [type(outcome) for outcome in outcomes] == [QueryTimeout, QueryTimeout]
    finally:
        pool.close()


def test_heavy_queries_leave_a_worker_to_light_ones(resident: Resident) -> None:
    """Two heavy queries, two workers: one runs, the other is refused, a light one is answered."""
    pool = executor(resident, workers=2, heavy_queue=0, timeout=3.0)
    heavy = prepare(CARTESIAN, named_graphs=GRAPHS)
    assert heavy.heavy, heavy.cost

    async def scene() -> tuple[list[object], float, bytes]:
        json_format = by_name("json")
        started = time.perf_counter()
        heavies = [
            asyncio.ensure_future(pool.run(heavy, result_format=json_format)) for _ in range(2)
        ]
        await asyncio.sleep(0.3)  # the first heavy query is running by now
        light = await pool.run(prepare(LIGHT, named_graphs=GRAPHS), result_format=json_format)
        light_seconds = time.perf_counter() - started
        outcomes = await asyncio.gather(*heavies, return_exceptions=True)
        return outcomes, light_seconds, light

    try:
        (first, second), light_seconds, light = asyncio.run(scene())
        assert isinstance(first, QueryTimeout)
        assert isinstance(second, TooManyHeavyQueries)
        assert isinstance(second, Overloaded)  # so the HTTP layer answers 503 + Retry-After
        assert "runs at most 1 heavy query at a time" in str(second)
        assert "a cartesian product" in str(second)
        assert labels(light) == {"China", "中国"}
        assert light_seconds < 2.0  # answered long before the heavy query's 3 s deadline
    finally:
        pool.close()


def test_heavy_queries_wait_in_their_queue_and_past_it_are_refused(resident: Resident) -> None:
    pool = executor(resident, workers=2, heavy_queue=1)
    # Heavy by its class (an aggregate over the whole graph), quick in fact.
    count = prepare("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", named_graphs=GRAPHS)
    assert count.heavy

    async def three() -> list[object]:
        json_format = by_name("json")
        runs = [pool.run(count, result_format=json_format) for _ in range(3)]
        return await asyncio.gather(*runs, return_exceptions=True)

    try:
        first, second, third = asyncio.run(three())
        # the first ran, the second waited for it, the third found the queue full
        assert json.loads(first)["results"]["bindings"][0]["n"]["value"] == str(ROWS + 5)  # type: ignore[arg-type]
        assert second == first
        assert isinstance(third, TooManyHeavyQueries)
        assert "and 1 more are waiting" in str(third)
    finally:
        pool.close()


def test_a_light_looking_query_that_ran_long_takes_the_heavy_lane_next_time(
    resident: Resident,
) -> None:
    pool = executor(resident, workers=2, heavy_queue=0, timeout=1.0, light_budget=0.2)
    # Built by hand: light by default, slow in fact.
    disguised = PreparedQuery(CARTESIAN, QueryForm.SELECT)
    heavy = prepare(CARTESIAN.replace("?f }", "?f . ?g ?h ?i }"), named_graphs=GRAPHS)

    async def scene() -> None:
        json_format = by_name("json")
        with pytest.raises(QueryTimeout):
            await pool.run(disguised, result_format=json_format)  # ran in the light lane
        running = asyncio.ensure_future(pool.run(heavy, result_format=json_format))
        await asyncio.sleep(0.2)
        # Reformatted, it is the same query: now it needs the heavy lane, which is full.
        respaced = PreparedQuery(disguised.text.replace(" . ", " .\n  "), QueryForm.SELECT)
        with pytest.raises(TooManyHeavyQueries, match=r"it ran past 0.2 s before"):
            await pool.run(respaced, result_format=json_format)
        with pytest.raises(QueryTimeout):
            await running

    try:
        asyncio.run(scene())
        assert labels(run(pool, LIGHT)) == {"China", "中国"}  # on a fresh worker
        # only the disguised query is remembered: a worker's start-up does not count
        assert len(pool._slow) == 1
    finally:
        pool.close()


def test_heavy_lane_workers_run_at_lower_cpu_priority(resident: Resident) -> None:
    pool = executor(resident, workers=3, heavy_workers=2, heavy_nice=10)
    try:
        assert labels(run(pool, LIGHT)) == {"China", "中国"}
        run(pool, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")  # heavy: on a heavy worker
        deadline = time.monotonic() + 30
        niceness: dict[bool, set[int]] = {}
        while time.monotonic() < deadline:  # the others niced themselves once started
            niceness = {True: set(), False: set()}
            for worker in pool._workers:
                pid = worker.process.pid
                assert pid is not None
                niceness[worker.heavy].add(os.getpriority(os.PRIO_PROCESS, pid))
            if niceness[True] == {os.getpriority(os.PRIO_PROCESS, 0) + 10}:
                break
            time.sleep(0.1)
        own = os.getpriority(os.PRIO_PROCESS, 0)
        assert niceness == {True: {own + 10}, False: {own}}
    finally:
        pool.close()


def test_threaded_runner_keeps_a_thread_for_light_queries() -> None:
    def answer(prepared: PreparedQuery, fmt: Format, dataset: object) -> bytes:
        time.sleep(1.0 if prepared.heavy else 0.01)  # a stand-in for a slow engine
        return prepared.text.encode()

    runner = ThreadedRunner(answer, Limits(workers=2, timeout=5.0, max_queue=4, heavy_queue=0))
    heavy = prepare(CARTESIAN, named_graphs=GRAPHS)
    light = prepare(LIGHT, named_graphs=GRAPHS)
    json_format = by_name("json")

    async def scene() -> tuple[list[object], float]:
        started = time.perf_counter()
        heavies = [
            asyncio.ensure_future(runner.run(heavy, result_format=json_format)) for _ in range(2)
        ]
        await asyncio.sleep(0.1)
        assert await runner.run(light, result_format=json_format) == LIGHT.encode()
        light_seconds = time.perf_counter() - started
        return await asyncio.gather(*heavies, return_exceptions=True), light_seconds

    try:
        (first, second), light_seconds = asyncio.run(scene())
        assert first == CARTESIAN.encode()
        assert isinstance(second, TooManyHeavyQueries)
        assert light_seconds < 0.8  # did not wait for the heavy query's thread
    finally:
        runner.close()


def test_select_past_the_cap_names_the_limit(shared: ProcessRunner) -> None:
    with pytest.raises(ResultTooLarge) as caught:
        run(shared, "SELECT ?s WHERE { ?s ?p ?o }")
    assert "more than 1000 rows" in str(caught.value)
    assert "add LIMIT 1000" in str(caught.value)
    body = run(shared, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1000", "tsv")
    assert body.count(b"\n") == 1001  # header and exactly the cap


def test_construct_past_the_cap_names_the_limit(shared: ProcessRunner) -> None:
    with pytest.raises(ResultTooLarge, match="more than 1000 triples"):
        run(shared, "CONSTRUCT WHERE { ?s ?p ?o }", "nt")


def test_an_answer_over_a_mebibyte_arrives_whole_and_the_worker_answers_on(
    resident: Resident,
) -> None:
    # Large answers are read in a thread, small ones on the event loop: both, one after the other.
    pool = executor(resident, result_limit=ROWS, workers=1)
    try:
        body = run(pool, f"SELECT ?s ?v WHERE {{ ?s <{EX}value> ?v }}", "json")
        assert len(body) > INLINE_BYTES
        rows = json.loads(body)["results"]["bindings"]
        assert sorted(int(row["v"]["value"]) for row in rows) == list(range(ROWS))
        assert labels(run(pool, LIGHT)) == {"China", "中国"}
    finally:
        pool.close()


EXPECTED_ROWS = {
    ("China", "en"),
    ("中国", "zh"),
}
SELECT_LABELS = f"""
    SELECT ?label (LANG(?label) AS ?lang) ?note
    WHERE {{ <{EX}china> <{EX}label> ?label OPTIONAL {{ ?x <{EX}note> ?note }} }}
"""
NOTE = 'tab\there, "quoted", new\nline'


def test_select_json_parses_with_the_json_module(shared: ProcessRunner) -> None:
    document = json.loads(run(shared, SELECT_LABELS, "json"))
    assert document["head"]["vars"] == ["label", "lang", "note"]
    rows = document["results"]["bindings"]
    assert {(r["label"]["value"], r["label"]["xml:lang"]) for r in rows} == EXPECTED_ROWS
    assert {r["note"]["value"] for r in rows} == {NOTE}


def test_select_xml_parses_with_elementtree(shared: ProcessRunner) -> None:
    ns = {"r": "http://www.w3.org/2005/sparql-results#"}
    root = ET.fromstring(run(shared, SELECT_LABELS, "xml"))
    names = [v.get("name") for v in root.findall("r:head/r:variable", ns)]
    assert names == ["label", "lang", "note"]
    found = {
        (literal.text, literal.get("{http://www.w3.org/XML/1998/namespace}lang"))
        for literal in root.findall("r:results/r:result/r:binding[@name='label']/r:literal", ns)
    }
    assert found == EXPECTED_ROWS


def test_select_csv_parses_with_the_csv_module(shared: ProcessRunner) -> None:
    rows = list(csv.DictReader(io.StringIO(run(shared, SELECT_LABELS, "csv").decode())))
    assert {(row["label"], row["lang"]) for row in rows} == EXPECTED_ROWS
    assert {row["note"] for row in rows} == {NOTE}


def test_select_tsv_parses_as_tab_separated(shared: ProcessRunner) -> None:
    lines = run(shared, SELECT_LABELS, "tsv").decode().splitlines()
    assert lines[0].split("\t") == ["?label", "?lang", "?note"]
    rows = {tuple(line.split("\t")[:2]) for line in lines[1:]}
    assert rows == {('"China"@en', '"en"'), ('"中国"@zh', '"zh"')}
    assert len(lines) == 3  # the note's tab and newline are escaped, not raw


def test_ask_in_json_and_xml(shared: ProcessRunner) -> None:
    assert json.loads(run(shared, f"ASK {{ <{EX}china> ?p ?o }}", "json"))["boolean"] is True
    root = ET.fromstring(run(shared, "ASK { <urn:nothing> ?p ?o }", "xml"))
    assert root.find("{http://www.w3.org/2005/sparql-results#}boolean").text == "false"  # type: ignore[union-attr]


CONSTRUCT_SMALL = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{SMALL}> {{ ?s ?p ?o }} }}"


@pytest.mark.parametrize(
    ("fmt", "rdflib_format"),
    [
        ("ttl", "turtle"),
        ("nt", "nt"),
        ("jsonld", "json-ld"),
        ("rdf", "xml"),
        ("nq", "nquads"),
        ("trig", "trig"),
    ],
)
def test_construct_output_parses_with_rdflib(
    shared: ProcessRunner, fmt: str, rdflib_format: str
) -> None:
    body = run(shared, CONSTRUCT_SMALL, fmt)
    graph = rdflib.Dataset() if fmt in {"nq", "trig"} else rdflib.Graph()
    graph.parse(data=body, format=rdflib_format)
    triples = set(graph.triples((None, None, None)))
    assert len(triples) == 5
    china = rdflib.URIRef(EX + "china")
    label = rdflib.URIRef(EX + "label")
    assert set(graph.objects(china, label)) == {
        rdflib.Literal("China", lang="en"),
        rdflib.Literal("中国", lang="zh"),
    }
    assert rdflib.Literal(160) in set(graph.objects(None, rdflib.URIRef(EX + "count")))
    assert rdflib.Literal(NOTE) in set(graph.objects(None, rdflib.URIRef(EX + "note")))


def test_default_graph_is_the_union_unless_chosen(shared: ProcessRunner) -> None:
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

    def number(body: bytes) -> int:
        return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])

    assert number(run(shared, count)) == ROWS + 5
    assert number(run(shared, count, default_graphs=[SMALL])) == 5
    # an IRI that is not one of the store's graphs selects an empty graph
    assert number(run(shared, count, default_graphs=["http://127.0.0.1:9/elsewhere"])) == 0
    # the query's own FROM, and the protocol's choice over it
    from_small = f"SELECT (COUNT(*) AS ?n) FROM <{SMALL}> WHERE {{ ?s ?p ?o }}"
    assert number(run(shared, from_small)) == 5
    assert number(run(shared, from_small, default_graphs=[BIG])) == ROWS


def test_named_graphs_select_what_graph_sees(shared: ProcessRunner) -> None:
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"

    def graphs(body: bytes) -> set[str]:
        return {row["g"]["value"] for row in json.loads(body)["results"]["bindings"]}

    assert graphs(run(shared, query)) == {BIG, SMALL}
    assert graphs(run(shared, query, named_graphs=[SMALL])) == {SMALL}
    from_named = f"SELECT DISTINCT ?g FROM NAMED <{BIG}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    assert graphs(run(shared, from_named)) == {BIG}


def test_what_pyoxigraph_rejects_is_a_located_syntax_error(shared: ProcessRunner) -> None:
    malformed = PreparedQuery("SELECT * WHERE {\n  ?s ?p ?o \n  FILTER(}", QueryForm.SELECT)
    with pytest.raises(QuerySyntaxError) as caught:
        asyncio.run(shared.run(malformed, result_format=by_name("json")))
    assert caught.value.line == 3
    assert caught.value.message.startswith("expected")


def test_evaluation_error_is_query_failed(shared: ProcessRunner) -> None:
    # The gate refuses unknown functions (tests/query/test_gate.py); built by hand, the query
    # reaches the engine, whose evaluation error comes back as QueryFailed.
    text = "SELECT (<urn:kg:f>(?s) AS ?x) WHERE { ?s ?p ?o } LIMIT 1"
    prepared = PreparedQuery(text, QueryForm.SELECT)
    with pytest.raises(QueryFailed, match="custom function <urn:kg:f> is not supported"):
        asyncio.run(shared.run(prepared, result_format=by_name("json")))


def test_a_format_of_the_wrong_kind_is_not_acceptable(shared: ProcessRunner) -> None:
    with pytest.raises(NotAcceptable, match="text/turtle"):
        run(shared, CONSTRUCT_SMALL, "json")


def _can_isolate_network() -> bool:
    """Whether this kernel lets an unprivileged process create a network namespace."""
    probe = (
        "import ctypes, sys; "
        "sys.exit(ctypes.CDLL(None, use_errno=True).unshare(0x10000000 | 0x40000000) != 0)"
    )
    return subprocess.run([sys.executable, "-c", probe], check=False).returncode == 0


@pytest.mark.skipif(
    sys.platform != "linux" or not _can_isolate_network(),
    reason="no unprivileged network namespaces here; the query gate alone refuses SERVICE",
)
def test_worker_cannot_reach_the_network_even_past_the_gate(shared: ProcessRunner) -> None:
    assert ctypes  # the worker enters the namespace through ctypes, as the probe above
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(0.5)
        port = listener.getsockname()[1]
        # Built by hand: prepare() would refuse it.
        smuggled = PreparedQuery(
            f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
            QueryForm.SELECT,
        )
        with pytest.raises(QueryFailed, match="Network is unreachable"):
            asyncio.run(shared.run(smuggled, result_format=by_name("json")))
        with pytest.raises(TimeoutError):
            listener.accept()


def test_memory_cap_stops_the_query_not_the_server(resident: Resident) -> None:
    # RocksDB needs about 600 MiB of address space to open the store; leave a little more.
    pool = executor(resident, workers=1, memory_bytes=800 * 2**20, timeout=30.0)
    # A 1 KiB string doubled 20 times: 1 GiB in the last BIND alone.
    doublings = " ".join(f"BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1})" for i in range(20))
    hungry = f'SELECT (STRLEN(?x20) AS ?n) WHERE {{ BIND("{"a" * 1024}" AS ?x0) {doublings} }}'
    try:
        with pytest.raises(QueryFailed, match="ran out of memory .the limit is 800 MiB") as caught:
            run(pool, hungry)
        assert not isinstance(caught.value, WorkerLost)  # asking again would not help
        assert labels(run(pool, LIGHT)) == {"China", "中国"}
    finally:
        pool.close()


def test_a_worker_that_ran_long_is_forked_afresh_only_when_memory_is_short(
    resident: Resident,
) -> None:
    """A scan copies the graph's pages into its worker; short of memory, the worker is replaced."""
    scan = (
        f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a <{EX}value> ?v . VALUES ?k {{ "
        + " ".join(str(k) for k in range(100))
        + " } }"
    )
    for share, replaced in ((1.0, True), (1e-9, False)):  # always short, never short
        pool = executor(resident, workers=1, short_of_memory=share)
        try:
            run(pool, LIGHT)
            before = pool._workers[0].process.pid
            run(pool, LIGHT)  # a lookup: the same worker answers
            assert pool._workers[0].process.pid == before
            assert json.loads(run(pool, scan))["results"]["bindings"][0]["n"]["value"] == "2000000"
            assert (pool._workers[0].process.pid != before) is replaced
            assert labels(run(pool, LIGHT)) == {"China", "中国"}
        finally:
            pool.close()


def test_a_resident_that_died_is_started_again_from_its_snapshot(
    tmp_path: Path, resident: Resident
) -> None:
    """The OOM killer or an operator stops the process holding the graph: queries go on."""
    folder = tmp_path / "store"
    shutil.copytree(resident.folder, folder)
    own = Resident.open(folder)
    pool = executor(own, workers=1)
    try:
        assert labels(run(pool, LIGHT)) == {"China", "中国"}
        first = own.pid
        os.kill(first, signal.SIGKILL)
        os.waitpid(first, 0)  # this process started it
        worker = pool._workers[0]
        worker.kill()  # its worker goes too: the next one must be forked anew
        worker.process.join(5)
        assert labels(run(pool, LIGHT)) == {"China", "中国"}
        assert own.pid != first
    finally:
        pool.close()
        own.close()
