"""``kg serve`` as a researcher runs it: the repository's graph, two workers, asked over HTTP.

The questions are the ones a reader of the essay asks; each answer comes with its quoting sentence.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

from kg.settings import PROJECT_ROOT

PREFIXES = """
PREFIX id:      <https://w3id.org/scicoop/id/>
PREFIX sc:      <https://w3id.org/scicoop/ontology#>
PREFIX rdfs:    <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov:    <http://www.w3.org/ns/prov#>
"""
pytestmark = pytest.mark.integration

READY_TIMEOUT = 90.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``kg serve --port P --workers 2`` over the shipped ontology and data."""
    port = free_port()
    kg = Path(sys.executable).with_name("kg")
    log_path = tmp_path_factory.mktemp("kg-serve") / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(kg), "serve", "--port", str(port), "--workers", "2"],
            stdout=log, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"kg serve exited with {process.returncode}:\n{log_path.read_text()}")
            # Each worker loads the graph itself: ready means every probe, on any worker, says so.
            try:
                if all(httpx.get(url + "/ready", timeout=2).status_code == 200 for _ in range(20)):
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"kg serve not ready in {READY_TIMEOUT} s:\n{log_path.read_text()}")
            time.sleep(0.2)
        yield url + "/sparql"
    finally:
        process.terminate()
        process.wait(timeout=30)


def _rows(endpoint: str, query: str) -> list[dict[str, str]]:
    client = SPARQLWrapper(endpoint)
    client.setQuery(PREFIXES + query)
    client.setReturnFormat(JSON)
    bindings = client.queryAndConvert()["results"]["bindings"]  # type: ignore[index]
    return [{name: cell["value"] for name, cell in row.items()} for row in bindings]


def test_partner_countries_figure_is_more_than_160_with_its_sentence(endpoint: str) -> None:
    rows = _rows(
        endpoint,
        """SELECT ?value ?qualifier ?quote WHERE {
             ?p sc:party id:china, ?group ; sc:partnershipKind sc:ScienceAndTechnologyPartnership .
             ?claim sc:claimSubject ?group ; sc:value ?value ; sc:qualifier ?qualifier ;
                    sc:quote ?quote .
           }""",
    )
    assert [(r["value"], r["qualifier"]) for r in rows] == [
        ("160", "https://w3id.org/scicoop/ontology#MoreThan")
    ]
    assert "partnerships with over 160 countries and regions" in rows[0]["quote"]


def test_highly_cited_papers_share_has_period_and_rank(endpoint: str) -> None:
    rows = _rows(
        endpoint,
        """SELECT ?value ?start ?end ?rank ?scope ?quote WHERE {
             ?claim sc:unit sc:Percent ; sc:value ?value ; sc:periodStart ?start ;
                    sc:periodEnd ?end ; sc:rank ?rank ; sc:rankScope ?scope ; sc:quote ?quote .
           }""",
    )
    assert len(rows) == 1
    row = rows[0]
    assert (row["value"], row["start"], row["end"], row["rank"], row["scope"]) == (
        "27.3", "2011", "2021", "2", "in the world"
    )  # fmt: skip
    assert "27.3% of the global share from 2011 to 2021, ranking second" in row["quote"]


def test_who_launched_the_alliance_and_how_many_members_from_how_many_countries(
    endpoint: str,
) -> None:
    alliance = "id:alliance-of-international-science-organisations-in-the-belt-and-road-region"
    founders = _rows(
        endpoint, f"SELECT ?label WHERE {{ {alliance} sc:foundedBy/rdfs:label ?label }}"
    )
    assert {r["label"] for r in founders} == {"Chinese Academy of Sciences", "中国科学院"}
    figures = _rows(
        endpoint,
        f"""SELECT ?value ?measure ?quote WHERE {{
              ?group sc:memberOf {alliance} .
              ?claim sc:claimSubject ?group ; sc:value ?value ; sc:measure ?measure ;
                     sc:quote ?quote .
            }} ORDER BY DESC(?value)""",
    )
    assert [r["value"] for r in figures] == ["67", "48"]
    assert all("67 member organisations from 48 countries" in r["quote"] for r in figures)


def test_programmes_the_essay_names(endpoint: str) -> None:
    rows = _rows(
        endpoint,
        """SELECT ?label WHERE {
             ?programme a sc:Programme ; rdfs:label ?label .
             FILTER(LANG(?label) = "en")
           } ORDER BY ?label""",
    )
    labels = [r["label"].lower() for r in rows]
    assert len(labels) == 5
    for words in ("belt and road", "carbon neutrality", "anti-pandemic", "developing countries"):
        assert any(words in label for label in labels), (words, labels)
