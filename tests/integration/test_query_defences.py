"""Abusive SPARQL against a live server: each ends in a clear answer within the deadline, heavy
queries are limited (503 and Retry-After past the limit), and they cannot starve light ones; the
same lanes in front of a real remote store.

The server runs with a 2 s deadline over the fixture graph plus a synthetic chain of
:data:`CHAIN` nodes (``urn:kg:chain:n0 -> n1 -> ...``) and one long ``aaa...ab`` string.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx
import pytest

from kg.query.cost import TooManyHeavyQueries
from kg.query.errors import QueryTimeout
from kg.query.formats import by_name
from kg.query.gate import prepare
from kg.query.limits import Limits
from kg.query.runner import open_runner
from kg.settings import PROJECT_ROOT, Settings
from kg.store import build_store

pytestmark = pytest.mark.integration

#: ``start_server(log_dir, **KG_overrides)``: the live-server context manager from conftest.
StartServer = Callable[..., AbstractContextManager[Any]]

CASES_DATA = PROJECT_ROOT / "tests" / "api" / "cases" / "graph" / "data"
CHAIN = 3000
LONG = 30_000
DEADLINE = 2.0
#: What a refused or stopped query may take beyond the deadline: a worker's replacement, a
#: busy shared machine.
RESULT_LIMIT = 1000
JSON = {"Accept": "application/sparql-results+json"}

LIGHT = """SELECT ?label WHERE {
  <https://w3id.org/scicoop/id/chinese-academy-of-sciences>
    <http://www.w3.org/2000/01/rdf-schema#label> ?label }"""
CARTESIAN_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def _chain_folder(folder: Path) -> Path:
    lines = [
        f"<urn:kg:chain:n{i}> <urn:kg:chain:next> <urn:kg:chain:n{i + 1}> ." for i in range(CHAIN)
    ]
    lines.append(f'<urn:kg:chain:long> <urn:kg:chain:text> "{"a" * LONG}b" .')
    (folder / "chain.nt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def defended(tmp_path_factory: pytest.TempPathFactory, start_server: StartServer) -> Iterator[Any]:
    """A server with two query workers, a 2 s deadline, a 1000-row cap, one heavy waiting place."""
    chain = _chain_folder(tmp_path_factory.mktemp("chain-data"))
    with start_server(
        tmp_path_factory.mktemp("defended"),
        KG_DATA_PATHS=f"{CASES_DATA}{os.pathsep}{chain}",
        KG_QUERY_TIMEOUT=str(DEADLINE),
        KG_RESULT_LIMIT=str(RESULT_LIMIT),
        KG_HEAVY_QUEUE="1",
    ) as running:
        yield running


def _ask(url: str, query: str, *, timeout: float = 30) -> httpx.Response:
    return httpx.get(url + "/sparql", params={"query": query}, headers=JSON, timeout=timeout)


def _assert_light_answers(url: str) -> None:
    response = _ask(url, LIGHT)
    assert response.status_code == 200, response.text
    rows = response.json()["results"]["bindings"]
    assert [row["label"]["value"] for row in rows] == ["Chinese Academy of Sciences"]


STOPPED = "stopped after 2 s, the deadline of this endpoint"


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        pytest.param(CARTESIAN_COUNT, 503, STOPPED, id="cartesian-count"),
        pytest.param(
            "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }",
            422,
            f"the result has more than {RESULT_LIMIT} rows",
            id="cartesian-rows",
        ),
        pytest.param(
            "SELECT (COUNT(*) AS ?n) WHERE { ?s (<urn:kg:chain:next>|^<urn:kg:chain:next>)* ?o }",
            503,
            STOPPED,
            id="deep-property-path",
        ),
        pytest.param(
            "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } OFFSET 10000000000",
            503,
            STOPPED,
            id="huge-offset",
        ),
    ],
)
def test_abusive_query_ends_in_a_clear_error_within_the_deadline(
    defended: Any, query: str, status: int, message: str
) -> None:
    response = _ask(defended.url, query)
    assert response.status_code == status, response.text
    assert message in response.text
    _assert_light_answers(defended.url)


def test_catastrophic_regex_is_answered_correctly_within_the_deadline(defended: Any) -> None:
    # ^(a+)+$ on "aaa...ab" backtracks for ages in a backtracking engine; Oxigraph's regex
    # (Rust's regex crate, finite automata) is linear-time, so the true answer comes at once.
    query = """SELECT (REGEX(?text, "^(a+)+$") AS ?whole) (REGEX(?text, "^(a+)+b$") AS ?withb)
               (STRLEN(?text) AS ?length)
               WHERE { <urn:kg:chain:long> <urn:kg:chain:text> ?text }"""
    response = _ask(defended.url, query)
    assert response.status_code == 200, response.text
    (row,) = response.json()["results"]["bindings"]
    assert (row["whole"]["value"], row["withb"]["value"]) == ("false", "true")
    assert row["length"]["value"] == str(LONG + 1)
    _assert_light_answers(defended.url)


def test_heavy_queries_past_the_limit_get_503_with_retry_after_while_light_ones_answer(
    defended: Any,
) -> None:
    # One heavy worker (of two) and one waiting place: of six heavy queries at once, at most two
    # are taken; the rest are refused at once, with Retry-After.
    with ThreadPoolExecutor(max_workers=6) as pool:
        heavies = [pool.submit(_ask, defended.url, CARTESIAN_COUNT) for _ in range(6)]
        time.sleep(0.5)
        lights = [_ask(defended.url, LIGHT) for _ in range(5)]
        # Not queued behind a heavy query: answered while the admitted ones still run.
        still_running = sum(not future.done() for future in heavies)
        outcomes = [future.result() for future in heavies]
    refused = [r for r in outcomes if "Retry-After" in r.headers]
    stopped = [r for r in outcomes if "Retry-After" not in r.headers]
    assert len(refused) >= 4, [r.text for r in outcomes]
    assert still_running >= 1
    for response in refused:
        assert response.status_code == 503
        assert int(response.headers["Retry-After"]) > 0
        assert "runs at most 1 heavy query at a time" in response.text
        assert "a cartesian product" in response.text
    for response in stopped:
        assert response.status_code == 503
        assert STOPPED in response.text
    for response in lights:
        assert response.status_code == 200, response.text
    assert "outcome=overloaded" in defended.log()


def test_heavy_load_does_not_starve_light_queries(defended: Any) -> None:
    # Starvation is a light query waiting for a heavy one to end. So: while two clients keep the
    # heavy lane full, every light query answers, each while a heavy query is still in flight.
    # (How long a light query takes under load is measured by bench/load.py, not asserted here.)
    stop = threading.Event()
    heavy_answers: list[int] = []
    in_flight = [0]
    lock = threading.Lock()

    def hammer() -> None:
        with httpx.Client(base_url=defended.url, headers=JSON, timeout=30) as client:
            while not stop.is_set():
                with lock:
                    in_flight[0] += 1
                try:
                    response = client.get("/sparql", params={"query": CARTESIAN_COUNT})
                finally:
                    with lock:
                        in_flight[0] -= 1
                heavy_answers.append(response.status_code)

    hammers = [threading.Thread(target=hammer) for _ in range(2)]
    for thread in hammers:
        thread.start()
    lights: list[tuple[int, bool]] = []
    try:
        time.sleep(0.5)  # both heavy clients are in
        with httpx.Client(base_url=defended.url, headers=JSON, timeout=30) as client:
            for _ in range(20):
                response = client.get("/sparql", params={"query": LIGHT})
                with lock:
                    lights.append((response.status_code, in_flight[0] > 0))
    finally:
        stop.set()
        for thread in hammers:
            thread.join(timeout=30)
    assert heavy_answers and set(heavy_answers) == {503}, heavy_answers  # the load was heavy
    assert all(status == 200 for status, _ in lights), lights
    assert all(during for _, during in lights), lights


# --- the same lanes in front of a remote store (KG_STORE=sparql+http://...) ----------------------


@pytest.fixture(scope="module")
def remote_chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A real ``oxigraph serve`` holding the chain in one named graph, as a remote store."""
    chain = _chain_folder(tmp_path_factory.mktemp("remote-chain")) / "chain.nt"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    binary = Path(sys.executable).parent / "oxigraph"
    assert binary.exists(), "the oxigraph server (PyPI package oxigraph) is not installed"
    process = subprocess.Popen(
        [str(binary), "serve", "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url + "/query", params={"query": "ASK {}"}, timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "oxigraph serve did not start within 30 s"
                time.sleep(0.1)
        loaded = httpx.post(
            url + "/store",
            params={"graph": "urn:kg:chain:graph"},
            content=chain.read_bytes(),
            headers={"Content-Type": "application/n-triples"},
            timeout=30,
        )
        assert loaded.status_code in (201, 204), loaded.text
        yield Settings(store=f"sparql+{url}/query", query_workers=2, query_timeout=3.0)
    finally:
        process.kill()  # it may still be counting a cartesian product nobody waits for
        process.wait(timeout=10)


def test_remote_store_keeps_a_place_for_light_queries(remote_chain: Settings) -> None:
    store = build_store(remote_chain)
    runner = open_runner(
        store, Limits.from_settings(remote_chain.model_copy(update={"heavy_queue": 0}))
    )
    heavy = prepare(CARTESIAN_COUNT, named_graphs=store.named_graphs)
    light = prepare(
        "SELECT ?next WHERE { <urn:kg:chain:n7> <urn:kg:chain:next> ?next }",
        named_graphs=store.named_graphs,
    )
    json_format = by_name("json")

    async def scene() -> tuple[list[object], bytes, bool]:
        heavies = [
            asyncio.ensure_future(runner.run(heavy, result_format=json_format)) for _ in range(2)
        ]
        await asyncio.sleep(0.3)
        body = await runner.run(light, result_format=json_format)
        heavy_running = not heavies[0].done()  # the light one did not wait for it
        return await asyncio.gather(*heavies, return_exceptions=True), body, heavy_running

    (first, second), body, heavy_running = asyncio.run(scene())
    assert isinstance(first, QueryTimeout)
    assert isinstance(second, TooManyHeavyQueries)
    assert "runs at most 1 heavy query at a time" in str(second)
    rows = json.loads(body)["results"]["bindings"]
    assert [row["next"]["value"] for row in rows] == ["urn:kg:chain:n8"]
    assert heavy_running  # answered long before the heavy query's deadline
