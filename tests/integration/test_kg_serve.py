"""``kg serve`` as a researcher runs it: the repository's graph, two workers, asked over HTTP.

The questions are the ones a reader of the essay asks; each answer comes with its quoting sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

PREFIXES = """
PREFIX id:      <https://w3id.org/scicoop/id/>
PREFIX sc:      <https://w3id.org/scicoop/ontology#>
PREFIX rdfs:    <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov:    <http://www.w3.org/ns/prov#>
"""
pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory, start_kg_serve: Any) -> Iterator[str]:
    """``kg serve --workers 2`` over the shipped ontology and data."""
    with start_kg_serve(tmp_path_factory.mktemp("kg-serve"), "serve", "--workers", "2") as server:
        yield server.url + "/sparql"


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
              ?membership sc:partnershipKind sc:Membership ; sc:party {alliance}, ?group .
              ?group a sc:ActorGroup .
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


def _health_count(text: str) -> float:
    """``kg_http_requests_total`` for ``GET /health`` answered 200, in an exposition."""
    pattern = r'kg_http_requests_total\{[^}]*route="/health"[^}]*status="200"[^}]*\} (\S+)'
    found = re.findall(pattern, text)
    return sum(float(value) for value in found)


def test_metrics_count_the_requests_of_every_worker(endpoint: str) -> None:
    base = endpoint.removesuffix("/sparql")

    def get(path: str) -> httpx.Response:
        # A new connection each time, so the workers share the requests (and the scrapes).
        return httpx.get(base + path, headers={"Connection": "close"}, timeout=30)

    before = _health_count(get("/metrics").text)
    for _ in range(40):
        assert get("/health").status_code == 200
    # Each scrape lands on either worker: every one must see all 40 requests.
    seen = [_health_count(get("/metrics").text) - before for _ in range(8)]
    assert all(count >= 40 for count in seen), seen


def test_serving_large_files_logs_their_loading(tmp_path: Path, start_kg_serve: Any) -> None:
    """``kg serve --data`` over files it counts as large: the worker's log shows the bytes read."""
    data = tmp_path / "big.nt"
    data.write_text(
        "".join(f'<urn:x:{n}> <urn:x:p> "value {n}" .\n' for n in range(20_000)), encoding="utf-8"
    )
    with start_kg_serve(
        tmp_path, "serve", "--data", str(data), KG_PROGRESS_MIN_BYTES="100000"
    ) as server:
        answer = httpx.get(
            server.url + "/sparql",
            params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s <urn:x:p> ?o }"},
            headers={"Accept": "text/csv"},
        )
        log = server.log()
    assert answer.text.splitlines() == ["n", "20000"]
    loading = [
        line.split(" INFO kg.progress ", 1)[1]
        for line in log.splitlines()
        if " INFO kg.progress " in line
    ]
    assert loading[0].endswith(" (0%)"), log
    assert loading[-1].startswith("loading: done, ")
    assert len(loading) <= 13
