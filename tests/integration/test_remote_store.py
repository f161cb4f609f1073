"""The remote backend against a real ``oxigraph serve`` process: ``kg push``, queries, deadlines,
and the gate before anything is sent."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kg.errors import SettingsError
from kg.query.errors import QueryFailed, QueryTimeout
from kg.query.formats import by_name
from kg.query.gate import prepare
from kg.query.limits import Limits
from kg.query.runner import open_runner
from kg.settings import PROJECT_ROOT, Settings
from kg.store import RemoteStore, build_store
from kg.store.push import PushError, push
from kg.store.remote import VERSION_PREFIX, VERSIONS_GRAPH
from tests.listening import Listener

pytestmark = pytest.mark.integration

GRAPH = "https://w3id.org/scicoop/graph/"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _oxigraph_binary() -> str:
    beside = Path(sys.executable).parent / "oxigraph"
    found = shutil.which("oxigraph") or (str(beside) if beside.exists() else None)
    if found is None:
        pytest.fail("the oxigraph server (PyPI package oxigraph) is not installed")
    return found


def start_oxigraph(*extra: str) -> tuple[subprocess.Popen[bytes], str]:
    """An in-memory ``oxigraph serve`` on a free port, once it answers."""
    port = free_port()
    process = subprocess.Popen(
        [_oxigraph_binary(), "serve", "--bind", f"127.0.0.1:{port}", *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(url + "/query", params={"query": "ASK {}"}, timeout=1)
            return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    pytest.fail("oxigraph serve did not start within 30 s")


@pytest.fixture(scope="module")
def oxigraph_url() -> Iterator[str]:
    process, url = start_oxigraph()
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def pushed(oxigraph_url: str) -> Settings:
    settings = Settings(store=f"sparql+{oxigraph_url}/query")
    push(settings)
    return settings


def test_push_sends_every_graph_with_its_triples(oxigraph_url: str) -> None:
    settings = Settings(store=f"sparql+{oxigraph_url}/query")
    sent = push(settings)
    local = build_store(Settings(), on_disk=False)
    assert [p.graph for p in sent] == local.named_graphs
    assert {p.status for p in sent} <= {200, 201, 204}
    counts = httpx.post(
        f"{oxigraph_url}/query",
        data={"query": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"},
        headers={"Accept": "application/sparql-results+json"},
    ).json()["results"]["bindings"]
    remote = {row["g"]["value"]: int(row["n"]["value"]) for row in counts}
    # each graph under the version's name, its manifest, and the record that publishes it
    version = f"{VERSION_PREFIX}{local.version}"
    assert remote == {
        **{f"{version}:{p.graph}": p.triples for p in sent},
        version: 2 * len(sent),
        VERSIONS_GRAPH: 1,
    }
    assert remote[f"{version}:{GRAPH}inferred"] > 1000


def test_push_to_a_server_that_is_not_there_names_it() -> None:
    url = f"http://127.0.0.1:{free_port()}/store"
    with pytest.raises(PushError, match=f"^{url}: cannot send graph https://w3id.org/scicoop/"):
        push(Settings(), url=url)


def test_remote_store_reads_graphs_and_answers_bound_queries(pushed: Settings) -> None:
    store = build_store(pushed)
    assert isinstance(store, RemoteStore)
    assert store.named_graphs == build_store(Settings(), on_disk=False).named_graphs
    assert len(store.version) == 16


def test_the_deadline_stops_waiting_for_a_slow_remote_query(pushed: Settings) -> None:
    store = build_store(pushed)
    settings = pushed.model_copy(update={"query_timeout": 0.2})
    runner = open_runner(store, Limits.from_settings(settings))
    slow = prepare(
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }",
        named_graphs=store.named_graphs,
    )
    with pytest.raises(QueryTimeout, match="stopped after 0.2 s"):
        asyncio.run(runner.run(slow, result_format=by_name("json")))


def test_an_unreachable_remote_store_is_a_query_failure_naming_it(pushed: Settings) -> None:
    store = build_store(pushed)
    gone = f"http://127.0.0.1:{free_port()}/query"
    store.server.url = gone
    runner = open_runner(store, Limits.from_settings(pushed))
    query = prepare("ASK { ?s ?p ?o }", named_graphs=store.named_graphs)
    with pytest.raises(QueryFailed, match=f"the remote store at {gone} cannot be reached"):
        asyncio.run(runner.run(query, result_format=by_name("json")))


def test_service_is_refused_before_anything_reaches_the_remote_store(
    pushed: Settings, tmp_path: Path, start_server: Any, listener: Listener
) -> None:
    with start_server(tmp_path, KG_STORE=pushed.store) as server:
        # a SERVICE the remote store would follow, to a listener that would see it
        service = f"{listener.url}/sparql"
        query = f"SELECT * WHERE {{ SERVICE <{service}> {{ ?s ?p ?o }} }}"
        answer = httpx.get(server.url + "/sparql", params={"query": query}, timeout=30)
        assert answer.status_code in (400, 403)
        assert "SERVICE is not allowed here" in answer.text
        # and the endpoint does answer from the remote store
        ok = httpx.get(
            server.url + "/sparql",
            params={"query": "ASK { ?s a <https://w3id.org/scicoop/ontology#Actor> }"},
            headers={"Accept": "application/sparql-results+json"},
            timeout=30,
        )
        assert ok.status_code == 200 and ok.json()["boolean"] is True
    time.sleep(0.3)
    assert listener.connections == []


@pytest.mark.parametrize(
    ("auth", "header"),
    [
        ("basic", b"Authorization: Basic ZGJhOnMzY3JldA=="),
        ("bearer", b"Authorization: Bearer s3cret"),
    ],
)
def test_credentials_go_with_the_request_as_asked(
    auth: str, header: bytes, listener: Listener
) -> None:
    """``KG_STORE_AUTH=basic`` sends the user and password unasked (Fuseki, GraphDB);
    ``bearer`` sends the password as a token (QLever's access token)."""
    settings = Settings(
        store=f"sparql+{listener.url}/sparql", store_user="dba", store_password="s3cret",
        store_auth=auth, query_timeout=0.5,
    )  # fmt: skip
    with pytest.raises(OSError):  # the listener answers nothing
        build_store(settings)
    assert any(header in connection for connection in listener.connections)


def test_push_keeps_the_last_versions_and_deletes_older_ones(tmp_path: Path) -> None:
    """Three versions pushed with KG_STORE_KEEP_VERSIONS=2: the first is gone (manifest and
    graphs), the last two remain, and the store reads the last."""
    from conftest import CASES

    process, url = start_oxigraph()
    try:
        mine = tmp_path / "mine.ttl"
        mine.write_text(
            "<https://w3id.org/scicoop/id/lab> a <https://w3id.org/scicoop/ontology#Academy> .\n",
            encoding="utf-8",
        )
        store = f"sparql+{url}/query"
        versions = []
        for data in (None, (CASES / "data",), (mine,)):
            push(Settings(store=store, data_paths=data))
            versions.append(build_store(Settings(store=store)).prefix)
        graphs = httpx.post(
            f"{url}/query",
            data={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"},
            headers={"Accept": "application/sparql-results+json"},
        ).json()["results"]["bindings"]
        names = {row["g"]["value"] for row in graphs}
        assert len(set(versions)) == 3
        assert not any(name.startswith(versions[0]) for name in names)
        assert versions[0].rstrip(":") not in names  # the manifest, deleted first
        assert all(any(name.startswith(v) for name in names) for v in versions[1:])
        assert build_store(Settings(store=store)).prefix == versions[2]
        # files to serve make no sense to a remote store: it says so, naming the setting
        with pytest.raises(SettingsError, match=r"^KG_DATA_PATHS .* \(kg push --data"):
            build_store(Settings(store=store, data_paths=(mine,)))
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_kg_push_of_large_data_logs_the_bytes_it_sends(tmp_path: Path) -> None:
    """``kg push`` as a user runs it, its standard error a pipe, over data it counts as large."""
    process, url = start_oxigraph()
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
        done = subprocess.run(
            [str(Path(sys.executable).with_name("kg")), "push", "--to", f"{url}/store"],
            env={**env, "KG_PROGRESS_MIN_BYTES": "1000", "KG_STORE_PUSH_BATCH": "1000"},
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].endswith(" graphs sent")
    shown = [
        line.split(" INFO kg.progress ", 1)[1]
        for line in done.stderr.splitlines()
        if " INFO kg.progress " in line
    ]
    pushing = [line for line in shown if line.startswith("pushing: ")]
    assert pushing[0].endswith(" (0%)"), shown
    assert pushing[-2].endswith(" (100%)")
    assert pushing[-1].startswith("pushing: done, ")
    assert len(pushing) <= 13
    assert any(line.startswith("loading: done, ") for line in shown)  # the files read first
