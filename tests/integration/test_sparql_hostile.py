"""Hostile queries against a live server: nothing is read or fetched on a query's behalf, nothing
is updated, and a runaway query neither outlives its deadline nor stalls other clients.

A real listener socket stands where a fetch would land; every test asserts it saw no request.
"""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.integration

#: ``start_server(log_dir, **KG_overrides)``: the live-server context manager from conftest.
StartServer = Callable[..., AbstractContextManager[Any]]


class Listener:
    """A tiny HTTP server on a free loopback port that records every request it gets."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        recorded = self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the stdlib's naming
                recorded.append(f"GET {self.path}")
                self.send_response(200)
                self.send_header("Content-Type", "text/turtle")
                self.end_headers()
                self.wfile.write(b"<urn:a> <urn:b> <urn:c> .\n")

            do_POST = do_GET  # noqa: N815

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    running = Listener()
    yield running
    running.close()


def _hostile_queries(url: str) -> dict[str, str]:
    return {
        "from-file": "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
        "from-url": f"SELECT * FROM <{url}/data.ttl> WHERE {{ ?s ?p ?o }}",
        "from-named-url": f"SELECT * FROM NAMED <{url}/g.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        "service": f"SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
        "service-silent": f"SELECT * WHERE {{ SERVICE SILENT <{url}/sparql> {{ ?s ?p ?o }} }}",
        "service-escaped": f"SELECT * WHERE {{ \\u0053ERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
        "service-variable": (
            f"SELECT * WHERE {{ VALUES ?e {{ <{url}/sparql> }} SERVICE ?e {{ ?s ?p ?o }} }}"
        ),
        "load": f"LOAD <{url}/data.ttl>",
        "load-into": f"LOAD SILENT <{url}/data.ttl> INTO GRAPH <urn:g>",
        "insert-data": "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
        "drop": "DROP ALL",
    }


@pytest.mark.parametrize(
    "name",
    list(_hostile_queries("http://x")),
)
@pytest.mark.parametrize("method", ["GET", "POST-form", "POST-direct"])
def test_file_and_url_access_and_updates_are_refused_and_nothing_is_fetched(
    base_url: str, listener: Listener, name: str, method: str
) -> None:
    query = _hostile_queries(listener.url)[name]
    if method == "GET":
        response = httpx.get(base_url + "/sparql", params={"query": query})
    elif method == "POST-form":
        response = httpx.post(base_url + "/sparql", data={"query": query})
    else:
        response = httpx.post(
            base_url + "/sparql",
            content=query,
            headers={"Content-Type": "application/sparql-query"},
        )
    assert response.status_code in (400, 403), (response.status_code, response.text)
    assert response.text.strip(), "a refusal must say why"
    time.sleep(0.05)  # a fetch, if any had started, would have landed by now
    assert listener.requests == []


@pytest.mark.parametrize("update", ["INSERT DATA { <urn:a> <urn:b> <urn:c> }", "DROP ALL"])
def test_updates_via_update_parameter_and_sparql_update_body_are_refused(
    base_url: str, update: str
) -> None:
    as_form = httpx.post(base_url + "/sparql", data={"update": update})
    as_body = httpx.post(
        base_url + "/sparql",
        content=update,
        headers={"Content-Type": "application/sparql-update"},
    )
    as_get = httpx.get(base_url + "/sparql", params={"update": update})
    for response in (as_form, as_body, as_get):
        assert response.status_code == 403, response.text
        assert "read-only" in response.text
    # And the graph is unchanged.
    ask = httpx.get(
        base_url + "/sparql",
        params={"query": "ASK { <urn:a> <urn:b> <urn:c> }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert ask.json()["boolean"] is False


def test_load_via_update_parameter_fetches_nothing(base_url: str, listener: Listener) -> None:
    response = httpx.post(base_url + "/sparql", data={"update": f"LOAD <{listener.url}/x.ttl>"})
    assert response.status_code == 403
    time.sleep(0.05)
    assert listener.requests == []


@pytest.fixture(scope="module")
def slow_server(
    tmp_path_factory: pytest.TempPathFactory, start_server: StartServer
) -> Iterator[Any]:
    """A server whose queries stop after 2 s."""
    with start_server(tmp_path_factory.mktemp("slow"), KG_QUERY_TIMEOUT="2") as running:
        yield running


# Counting a six-way cartesian product: no row comes out before the count is done.
RUNAWAY = """SELECT (COUNT(*) AS ?n)
WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o . ?p ?q ?r }"""
LIGHT = """SELECT ?label WHERE {
  <https://w3id.org/scicoop/id/chinese-academy-of-sciences>
    <http://www.w3.org/2000/01/rdf-schema#label> ?label }"""


def test_runaway_query_stops_at_the_deadline_while_others_answer(slow_server: Any) -> None:
    url = slow_server.url + "/sparql"
    with ThreadPoolExecutor(max_workers=1) as pool:
        heavy = pool.submit(httpx.get, url, params={"query": RUNAWAY}, timeout=30)
        time.sleep(0.5)  # the heavy query is now running
        light = httpx.get(url, params={"query": LIGHT}, headers={"Accept": "text/csv"}, timeout=10)
        assert not heavy.done(), "the runaway query should still be running"
        heavy_response = heavy.result()
    assert light.status_code == 200, light.text
    assert light.text.splitlines() == ["label", "Chinese Academy of Sciences"]
    assert heavy_response.status_code == 503, heavy_response.text
    assert "stopped after 2 s, the deadline" in heavy_response.text
    metrics = httpx.get(slow_server.url + "/metrics").text
    assert "kg_query_timeouts_total 1.0" in metrics


def test_the_server_still_answers_after_the_timeout(slow_server: Any) -> None:
    response = httpx.get(
        slow_server.url + "/sparql", params={"query": LIGHT}, headers={"Accept": "text/csv"}
    )
    assert response.status_code == 200
    assert "Chinese Academy of Sciences" in response.text


def test_server_log_names_the_timeout(slow_server: Any) -> None:
    assert "outcome=timeout" in slow_server.log()


@pytest.fixture(scope="module")
def capped_server(
    tmp_path_factory: pytest.TempPathFactory, start_server: StartServer
) -> Iterator[Any]:
    """A server that answers at most 3 rows."""
    with start_server(tmp_path_factory.mktemp("capped"), KG_RESULT_LIMIT="3") as running:
        yield running


def test_result_over_the_cap_is_422_saying_how_to_page(capped_server: Any) -> None:
    url = capped_server.url + "/sparql"
    everything = httpx.get(url, params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert everything.status_code == 422, everything.text
    assert "more than 3 rows" in everything.text and "LIMIT 3" in everything.text
    paged = httpx.get(
        url,
        params={"query": "SELECT * WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 3 OFFSET 3"},
        headers={"Accept": "text/csv"},
    )
    assert paged.status_code == 200, paged.text
    assert len(paged.text.splitlines()) == 4  # header and three rows
