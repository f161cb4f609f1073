"""The HTML pages, on live servers: over the real graph, and over a graph with hostile labels.

Browsing is checked in headless Chromium by following links as a visitor would; pages are
checked to work without JavaScript and to show markup in data as text.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import rdflib

from kg.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration

CAS_NAME = "Chinese Academy of Sciences"
PARTNERSHIP = (
    "CAS cooperation agreements with research institutions, universities, enterprises and "
    "international science and technology organisations"
)
PARTNER = (
    "Research institutions, universities, enterprises and international science and "
    "technology organisations with CAS cooperation agreements"
)
HOSTILE = '<script>window.pwned = "yes"</script><img src=x onerror="window.pwned=1">'


def _hostile_turtle() -> str:
    """An organisation whose English label is an XSS attempt, written by rdflib (escaped right)."""
    sc = rdflib.Namespace("https://w3id.org/scicoop/ontology#")
    ids = rdflib.Namespace("https://w3id.org/scicoop/id/")
    graph = rdflib.Graph()
    graph.add((ids["hostile-organisation"], rdflib.RDF.type, sc.Organisation))
    graph.add((ids["hostile-organisation"], rdflib.RDFS.label, rdflib.Literal(HOSTILE, lang="en")))
    graph.add((ids["hostile-organisation"], sc.country, ids.elsewhere))
    graph.add((ids.elsewhere, rdflib.RDF.type, sc.CountryOrRegion))
    graph.add((ids.elsewhere, rdflib.RDFS.label, rdflib.Literal("Elsewhere", lang="en")))
    return graph.serialize(format="turtle")


def _sparql_count(url: str, query: str) -> int:
    answer = httpx.get(url + "/sparql", params={"query": query})
    assert answer.status_code == 200, answer.text
    return int(answer.json()["results"]["bindings"][0]["n"]["value"])


def test_home_page_says_what_the_graph_is_and_counts_by_class(real_url: str) -> None:
    page = httpx.get(real_url + "/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "knowledge graph of international science-and-technology cooperation" in page.text
    organisations = _sparql_count(
        real_url,
        "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE "
        "{ ?o a <https://w3id.org/scicoop/ontology#Organisation> }",
    )
    assert (
        f'<a href="/ontology/Organisation">Organisation</a></td>'
        f'<td class="number">{organisations}</td>'
    ) in page.text
    for entry in ("/ontology/Organisation", "/ontology/Partnership", "/ontology/Programme",
                  "/ontology/QuantitativeClaim", "/query"):  # fmt: skip
        assert f'href="{entry}"' in page.text
    assert '<link rel="stylesheet" href="/static/site.css">' in page.text
    # Scripts only draw the pictures, from this server's bundle and the JSON the page carries;
    # everything else reads without JavaScript.
    scripts = re.findall(r"<script[^>]*>", page.text)
    assert scripts == [
        '<script type="application/json" id="network-data">',
        '<script type="application/json" id="countries-data">',
        '<script src="/static/dist/pages.js">',
    ]
    assert httpx.get(real_url + "/static/site.css").status_code == 200


def test_resource_page_labels_follow_accept_language(real_url: str) -> None:
    doc = real_url + "/doc/chinese-academy-of-sciences"
    english = httpx.get(doc, headers={"Accept": "text/html"})
    assert f'<h1 id="label" lang="en">{CAS_NAME}</h1>' in english.text
    assert '<span lang="zh">中国科学院</span>' in english.text  # the other label, tagged
    chinese = httpx.get(doc, headers={"Accept": "text/html", "Accept-Language": "zh-CN,zh;q=0.9"})
    assert '<h1 id="label" lang="zh">中国科学院</h1>' in chinese.text
    assert chinese.headers["etag"] != english.headers["etag"]
    assert "Accept-Language" in chinese.headers["vary"]
    # No Chinese label: English is the fallback.
    alliance = httpx.get(
        real_url + "/doc/xi-jinping", headers={"Accept": "text/html", "Accept-Language": "fr"}
    )
    assert '<h1 id="label" lang="en">Xi Jinping</h1>' in alliance.text


def test_resource_page_shows_types_values_incoming_links_and_quotes(real_url: str) -> None:
    page = httpx.get(real_url + "/doc/chinese-academy-of-sciences.html").text
    assert '<a href="/ontology/Academy">Academy</a>' in page
    assert '<a href="/id/china">China</a>' in page  # a value, as a link on this server
    assert '<a href="/id/cas-cooperation-agreements">' in page  # an incoming link
    assert "signing cooperation agreements with 138 research institutions" in page
    assert '<a href="/id/striving-to-create-a-new-horizon">Striving to Create' in page
    assert 'href="/doc/chinese-academy-of-sciences.ttl"' in page


def test_class_page_lists_instances_and_property_page_counts_usage(real_url: str) -> None:
    page = httpx.get(real_url + "/ontology/Organisation").text
    assert "A named body of people with a common purpose" in page  # the definition
    assert f'<a href="/id/chinese-academy-of-sciences">{CAS_NAME}</a>' in page
    narrower = page.split('<dd class="subs">')[1].split("</dd>")[0]
    assert '<a href="/ontology/University">University</a>' in narrower  # a direct subclass
    assert "/ontology/Academy" not in narrower  # a subclass of a subclass
    assert 'href="/ontology/Actor"' in page  # its superclass
    usage = _sparql_count(
        real_url,
        "SELECT (COUNT(*) AS ?n) WHERE { ?s <https://w3id.org/scicoop/ontology#party> ?o }",
    )
    assert f"Used in {usage} triple(s)" in httpx.get(real_url + "/ontology/party").text
    countries = httpx.get(real_url + "/ontology/CountryOrRegion", params={"page": 2}).text
    assert "Page 2 of" in countries
    missing = httpx.get(real_url + "/ontology/Organization", headers={"Accept": "text/html"})
    assert missing.status_code == 404
    assert 'href="/ontology/Organisation"' in missing.text


@pytest.mark.browser
def test_in_chromium_browse_from_home_to_a_partner(real_url: str, chrome: object) -> None:
    from selenium.webdriver.common.by import By

    driver = chrome
    driver.get(real_url + "/")  # type: ignore[attr-defined]
    driver.find_element(By.LINK_TEXT, "Organisations").click()  # type: ignore[attr-defined]
    assert driver.find_element(By.ID, "label").text.startswith("Organisation")  # type: ignore[attr-defined]
    driver.find_element(By.LINK_TEXT, CAS_NAME).click()  # type: ignore[attr-defined]
    assert driver.find_element(By.ID, "label").text == CAS_NAME  # type: ignore[attr-defined]
    assert driver.current_url == real_url + "/doc/chinese-academy-of-sciences"  # type: ignore[attr-defined]
    driver.find_element(By.CSS_SELECTOR, "#incoming").find_element(  # type: ignore[attr-defined]
        By.LINK_TEXT, PARTNERSHIP
    ).click()
    assert driver.find_element(By.ID, "label").text == PARTNERSHIP  # type: ignore[attr-defined]
    driver.find_element(By.CSS_SELECTOR, "#properties").find_element(  # type: ignore[attr-defined]
        By.LINK_TEXT, PARTNER
    ).click()
    assert driver.find_element(By.ID, "label").text == PARTNER  # type: ignore[attr-defined]
    quotes = driver.find_element(By.ID, "quotes").text  # type: ignore[attr-defined]
    assert "138 research institutions" in quotes


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory, start_server: Any) -> Iterator[Any]:
    """A server over the real ontology and one data file whose label is an XSS attempt."""
    folder: Path = tmp_path_factory.mktemp("hostile")
    shutil.copytree(PROJECT_ROOT / "ontology", folder / "ontology")
    (folder / "data").mkdir()
    (folder / "data" / "hostile.ttl").write_text(_hostile_turtle(), encoding="utf-8")
    (folder / "queries").mkdir()
    with start_server(
        folder,
        KG_ONTOLOGY_DIR=str(folder / "ontology"),
        KG_DATA_DIR=str(folder / "data"),
        KG_QUERIES_DIR=str(folder / "queries"),
    ) as running:
        yield running


def test_markup_in_a_label_is_escaped_in_every_page(hostile_server: Any) -> None:
    for path in ("/doc/hostile-organisation.html", "/doc/elsewhere.html",
                 "/ontology/Organisation", "/graph/data/hostile"):  # fmt: skip
        page = httpx.get(hostile_server.url + path, headers={"Accept": "text/html"})
        assert page.status_code == 200, path
        assert "<script>window.pwned" not in page.text, path
        assert "&lt;script&gt;window.pwned" in page.text, path


@pytest.mark.browser
def test_in_chromium_a_script_in_a_label_is_shown_as_text(
    hostile_server: Any, chrome: object
) -> None:
    from selenium.webdriver.common.by import By

    driver = chrome
    driver.get(hostile_server.url + "/id/elsewhere")  # type: ignore[attr-defined]
    driver.find_element(By.LINK_TEXT, HOSTILE).click()  # type: ignore[attr-defined]
    assert driver.find_element(By.ID, "label").text == HOSTILE  # type: ignore[attr-defined]
    assert driver.execute_script("return window.pwned === undefined")  # type: ignore[attr-defined]
    # The only scripts in the page's content are the JSON data of its pictures, never run.
    scripts = driver.find_elements(By.CSS_SELECTOR, "main script")  # type: ignore[attr-defined]
    assert {s.get_attribute("type") for s in scripts} <= {"application/json"}
    assert driver.find_elements(By.CSS_SELECTOR, "main img") == []  # type: ignore[attr-defined]
    data = json.loads(driver.find_element(By.ID, "neighbourhood-data").get_attribute("textContent"))  # type: ignore[attr-defined]
    assert HOSTILE in {node["label"] for node in data["nodes"]}
    labels = driver.find_elements(By.CSS_SELECTOR, "#neighbourhood svg text")  # type: ignore[attr-defined]
    assert labels and driver.find_elements(By.CSS_SELECTOR, "#neighbourhood svg script") == []  # type: ignore[attr-defined]


def _outside_inferred(page: str) -> str:
    before, found, rest = page.partition('<details id="inferred">')
    return before + (rest.split("</details>", 1)[1] if found else "")


def test_resource_page_keeps_inferred_alignments_apart(real_url: str) -> None:
    page = httpx.get(real_url + "/doc/chinese-academy-of-sciences.html").text
    shown = _outside_inferred(page)
    # The partnerships are listed once, under the asserted "party", not again under PROV.
    assert shown.count('<a href="/id/cas-cooperation-agreements">') == 1
    # No row or type of an alignment outside the inferred section (the data's own labels may
    # say "a party to", so the row headers are what is checked).
    headers = re.findall(r'<th scope="row"><a href="[^"]*">([^<]*)</a>', shown)
    for alignment in ("prov:wasAssociatedWith", "prov:wasAttributedTo", "party to"):
        assert alignment not in headers, alignment
    assert "prov:Agent" not in shown
    inferred = page.split('<details id="inferred">')[1].split("</details>")[0]
    assert "prov:wasAssociatedWith" in inferred and "prov:wasAttributedTo" in inferred
    assert '<a href="/ontology/Organisation">Organisation</a>' in inferred  # an inferred type
    # Every RDF format still carries the inferred triples.
    turtle = httpx.get(real_url + "/doc/chinese-academy-of-sciences.ttl").text
    assert "prov:wasAssociatedWith" in turtle or "wasAssociatedWith" in turtle


def test_partnership_page_shows_the_figure_that_sizes_it(real_url: str) -> None:
    page = httpx.get(real_url + "/doc/partnerships-china-countries-and-regions.html").text
    figures = page.split('<section id="figures"')[1].split("</section>")[0]
    row = figures.split('<tr class="figure">')[1]
    assert '<td class="qualifier">More than</td><td class="number value">160</td>' in row
    assert (
        'href="/id/countries-and-regions-with-science-and-technology-partnerships-with-china"'
        in row
    )
    # The supporting sentence is quoted once on the page: the partnership's source says it too.
    assert page.count("According to statistics, China has established") == 1
    quotes = page.split('<section id="quotes"')[1].split("</section>")[0]
    assert '<blockquote lang="en">According to statistics, China has established' in quotes
    group = httpx.get(
        real_url + "/doc/countries-and-regions-with-science-and-technology-partnerships-with-china",
        headers={"Accept": "text/html"},
    ).text
    assert '<td class="number value">160</td>' in group  # the group's own figure
    assert '<section id="figures"' not in httpx.get(real_url + "/doc/xi-jinping.html").text


def test_country_page_carries_its_map_mark_and_partnerships(real_url: str) -> None:
    page = httpx.get(real_url + "/doc/china.html").text
    data = page.split('<script type="application/json" id="country-data">')[1]
    marks = json.loads(data.split("</script>")[0])
    assert [mark["code"] for mark in marks] == ["156"]
    partnerships = page.split('<ul id="partnerships">')[1].split("</ul>")[0]
    assert partnerships.count("<li>") == _sparql_count(
        real_url,
        "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p <https://w3id.org/scicoop/ontology#party> "
        "<https://w3id.org/scicoop/id/china> }",
    )
    assert '<a href="/id/partnerships-china-countries-and-regions">' in partnerships
