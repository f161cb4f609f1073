"""The remote store over a real Virtuoso (started by the ``virtuoso`` fixture): ``kg push`` with
credentials, versions that readers switch to whole, Virtuoso's row cap and deadline surfaced,
and credentials that appear nowhere."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import CASES, VIRTUOSO_ROW_CAP, VIRTUOSO_TIMEOUT_S, Virtuoso, virtuoso_server

from kg.query.errors import QueryTimeout
from kg.query.formats import by_name
from kg.query.gate import prepare
from kg.query.limits import Limits
from kg.query.remote import AnswerCut
from kg.query.runner import open_runner
from kg.settings import PROJECT_ROOT, Settings
from kg.store import RemoteStore, build_store
from kg.store.push import UNCHANGED, PushError, push
from kg.store.remote import VERSION_PREFIX

pytestmark = pytest.mark.integration

SECRET = "pa55-w0rd-nobody-may-see"
TOTAL = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def _settings(virtuoso: Virtuoso, **extra: Any) -> Settings:
    return Settings(store=f"sparql+http://dba:dba@{virtuoso.url[7:]}/sparql", **extra)


def _total(store: RemoteStore) -> int:
    (row,) = store.query(TOTAL)  # type: ignore[misc]
    return int(row["n"].value)


def test_push_without_credentials_is_refused_naming_the_settings(
    virtuoso: Virtuoso, copy_settings: Settings
) -> None:
    # Data the server does not hold yet (a version already there would send nothing).
    extra = copy_settings.data_dir / "extra.ttl"
    extra.write_text("<urn:example:a> <urn:example:b> <urn:example:c> .\n", encoding="utf-8")
    with pytest.raises(PushError) as refused:
        push(copy_settings.model_copy(update={"store": f"sparql+{virtuoso.sparql}"}))
    message = str(refused.value)
    assert message.startswith(f"{virtuoso.url}/sparql-graph-crud: graph https://w3id.org/")
    assert "set KG_STORE_USER and KG_STORE_PASSWORD" in message


def test_kg_push_loads_the_graph_and_the_store_reads_it_whole(
    virtuoso: Virtuoso, virtuoso_store: str
) -> None:
    """``kg push`` as a user runs it; then the store serves the embedded store's graphs."""
    done = subprocess.run(
        [str(Path(sys.executable).with_name("kg")), "push",
         "--store", f"sparql+http://dba:dba@{virtuoso.url[7:]}/sparql"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    local = build_store(Settings(), on_disk=False)
    # the session's push already sent this version: nothing is sent again
    assert done.stdout.count(f"(HTTP {UNCHANGED})") == len(local.named_graphs)
    store = build_store(Settings(store=virtuoso_store))
    assert isinstance(store, RemoteStore)
    assert store.named_graphs == local.named_graphs
    assert store.prefix.startswith(VERSION_PREFIX)
    (expected,) = local.query(TOTAL)  # type: ignore[misc]
    assert _total(store) == int(expected["n"].value)
    graphs = store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert sorted(row["g"].value for row in graphs) == local.named_graphs  # type: ignore[union-attr]


def test_a_reader_during_a_push_sees_one_version_whole(tmp_path: Path) -> None:
    """Readers opening while another version is pushed (in small batches, so the push takes
    many requests) see the old graph or the new one, never a mix; a reader that opened the old
    version keeps answering from it until it reloads."""
    with virtuoso_server(tmp_path / "virtuoso") as virtuoso:
        old = _settings(virtuoso)
        new = _settings(
            virtuoso, data_dir=CASES / "data", ontology_dir=CASES / "ontology",
            store_push_batch=1000,
        )  # fmt: skip
        push(old)
        before = build_store(old)
        assert isinstance(before, RemoteStore)
        old_total = _total(before)
        seen: Counter[int] = Counter()
        pushing = threading.Event()
        pushing.set()

        def read() -> None:
            while True:
                store = build_store(Settings(store=f"sparql+{virtuoso.sparql}"))
                seen[_total(store)] += 1  # type: ignore[arg-type]
                seen[-_total(before)] += 1  # the reader that opened first, negated
                if not pushing.is_set():
                    return

        reader = threading.Thread(target=read)
        reader.start()
        try:
            push(new)
        finally:
            pushing.clear()
            reader.join(timeout=120)
        after = build_store(Settings(store=f"sparql+{virtuoso.sparql}"))
        assert isinstance(after, RemoteStore)
        new_total = _total(after)
        assert new_total != old_total
        assert set(seen) <= {old_total, new_total, -old_total}, seen
        assert seen[-old_total] >= 1
        assert _total(before) == old_total  # the old version is kept (KG_STORE_KEEP_VERSIONS)


def test_an_answer_past_the_row_cap_is_refused_not_cut(virtuoso_store: str) -> None:
    store = build_store(Settings(store=virtuoso_store))
    assert isinstance(store, RemoteStore)
    assert store.server.row_cap == VIRTUOSO_ROW_CAP
    assert _total(store) > VIRTUOSO_ROW_CAP
    runner = open_runner(store, Limits.from_settings(Settings()))
    queries = {
        "select": ("SELECT * WHERE { ?s ?p ?o }", "csv"),
        "construct": ("CONSTRUCT WHERE { ?s ?p ?o }", "nt"),
        "at the cap": (
            f"SELECT * {{ ?s ?p ?o }} ORDER BY ?s ?p ?o LIMIT {VIRTUOSO_ROW_CAP}",
            "csv",
        ),
    }

    async def run_all() -> dict[str, bytes | Exception]:
        answers: dict[str, bytes | Exception] = {}
        for name, (query, fmt) in queries.items():
            prepared = prepare(query, named_graphs=store.named_graphs)
            try:
                answers[name] = await runner.run(prepared, result_format=by_name(fmt))
            except AnswerCut as error:
                answers[name] = error
        return answers

    answers = asyncio.run(run_all())
    cap = f"reached the cap of Virtuoso/[0-9.]+ \\({VIRTUOSO_ROW_CAP} rows"
    assert isinstance(answers["select"], AnswerCut)
    assert re.search(cap, str(answers["select"]))
    assert isinstance(answers["construct"], AnswerCut)
    assert f"add LIMIT {VIRTUOSO_ROW_CAP} or less" in str(answers["construct"])
    # asking for no more than the cap is whole
    whole = answers["at the cap"]
    assert isinstance(whole, bytes)
    assert len(whole.decode().splitlines()) == VIRTUOSO_ROW_CAP + 1
    with pytest.raises(OSError, match="may be incomplete"):
        store.query("SELECT * WHERE { ?s ?p ?o }")
    assert AnswerCut.status == 422


def test_a_query_virtuoso_stops_is_our_deadline(virtuoso_store: str) -> None:
    store = build_store(Settings(store=virtuoso_store))
    assert isinstance(store, RemoteStore)
    assert store.server.timeout == VIRTUOSO_TIMEOUT_S
    runner = open_runner(store, Limits.from_settings(Settings(query_timeout=60)))
    slow = prepare(
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }",
        named_graphs=store.named_graphs,
    )
    with pytest.raises(QueryTimeout, match=f"stopped after {VIRTUOSO_TIMEOUT_S:g} s"):
        asyncio.run(runner.run(slow, result_format=by_name("json")))


def test_credentials_appear_nowhere(virtuoso: Virtuoso, tmp_path: Path, start_server: Any) -> None:
    """A wrong password, in the URL: refused, naming the settings, and shown nowhere (the
    error, the settings' repr, /ready, the server's log, kg push's error)."""
    wrong = f"sparql+http://dba:{SECRET}@{virtuoso.url[7:]}/sparql-auth"
    with pytest.raises(PermissionError) as refused:
        build_store(Settings(store=wrong))
    assert "KG_STORE_USER" in str(refused.value)
    with pytest.raises(PushError) as push_refused:
        push(
            Settings(
                store=f"sparql+{virtuoso.sparql}", store_user="dba", store_password=SECRET,
                data_dir=CASES / "data",
            )
        )  # fmt: skip
    assert "refused with 401" in str(push_refused.value)
    with start_server(tmp_path, wait_for="/health", KG_STORE=wrong) as server:
        for _ in range(100):
            ready = httpx.get(server.url + "/ready", timeout=10)
            if "reason" in ready.json() and "refused" in ready.json()["reason"]:
                break
        assert ready.status_code == 503
        assert "refused the query (401)" in ready.json()["reason"]
        log = server.log()
    texts = [str(refused.value), str(push_refused.value), repr(Settings(store=wrong)), ready.text]
    assert all(SECRET not in text for text in [*texts, log])


def test_an_authenticated_endpoint_serves_without_showing_its_password(
    virtuoso: Virtuoso, virtuoso_store: str, tmp_path: Path, start_server: Any
) -> None:
    store = f"sparql+http://dba:dba@{virtuoso.url[7:]}/sparql-auth"
    with start_server(tmp_path, KG_STORE=store, KG_STORE_USER="dba") as server:
        ready = httpx.get(server.url + "/ready", timeout=10).json()
        description = httpx.get(server.url + "/sparql", headers={"Accept": "text/turtle"})
        ask = httpx.get(
            server.url + "/sparql",
            params={"query": "ASK { ?s a <https://w3id.org/scicoop/ontology#Actor> }"},
            headers={"Accept": "application/sparql-results+json"},
        )
        cut = httpx.get(server.url + "/sparql", params={"query": "SELECT * { ?s ?p ?o }"})
        texts = [str(ready), description.text, ask.text, cut.text, server.log()]
    assert ready["status"] == "ready"
    assert ask.json()["boolean"] is True
    assert cut.status_code == 422 and "may be incomplete" in cut.text
    assert not any("dba:dba" in text or "dba@" in text for text in texts)


def test_kg_serve_with_credentials_in_the_store_url(
    virtuoso: Virtuoso, virtuoso_store: str, tmp_path: Path, start_kg_serve: Any
) -> None:
    """``kg serve --store sparql+http://user:password@…/sparql-auth``: every worker logs in (the
    password reaches them, not its mask), and the log never shows it."""
    store = f"sparql+http://dba:dba@{virtuoso.url[7:]}/sparql-auth"
    with start_kg_serve(tmp_path, "serve", "--store", store, "--workers", "2") as server:
        answers = [
            httpx.get(
                server.url + "/sparql",
                params={"query": "ASK { ?s a <https://w3id.org/scicoop/ontology#Academy> }"},
                headers={"Accept": "application/sparql-results+json"},
                timeout=30,
            )
            for _ in range(6)
        ]
        log = server.log()
    assert all(a.status_code == 200 and a.json()["boolean"] is True for a in answers)
    assert "dba:dba" not in log and "dba@" not in log
