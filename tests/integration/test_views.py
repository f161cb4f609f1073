"""The pictures, in real headless Chromium over the real graph: the query page's result views, the
editor, the home page's network and map, a resource's neighbourhood and a country on the map.

Every test records each request the page makes (Chrome's performance log) and asserts that none
leaves the test server, and reads the browser's console: no error, no Content-Security-Policy
violation. Screenshots of each view go to ``tests/integration/screenshots/`` (git-ignored).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import rdflib

from kg.settings import PROJECT_ROOT
from tests.integration.conftest import chromium

pytestmark = [pytest.mark.integration, pytest.mark.browser]

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
WAIT = 30
SC = "https://w3id.org/scicoop/ontology#"
PREFIXES = (
    "PREFIX sc: <https://w3id.org/scicoop/ontology#>\n"
    "PREFIX id: <https://w3id.org/scicoop/id/>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
)
PARTNERS = (
    "#defaultView:Graph\n" + PREFIXES + "SELECT ?partnership ?partnershipLabel ?partner "
    "?partnerLabel WHERE {\n  ?partnership a sc:Partnership ; sc:party ?partner ; "
    "rdfs:label ?partnershipLabel .\n  ?partner rdfs:label ?partnerLabel .\n"
    '  FILTER(LANG(?partnerLabel) = "en" && LANG(?partnershipLabel) = "en")\n}'
)
#: Five countries large enough for any world map, by ISO 3166-1 alpha-2 code, with a number each.
COUNTRIES = (
    "#defaultView:Map\n" + PREFIXES + "SELECT ?country ?code ?weight WHERE {\n"
    '  VALUES (?code ?weight) { ("CN" 5) ("FR" 1) ("BR" 2) ("KE" 3) ("AU" 4) }\n'
    "  ?country sc:isoAlpha2 ?code .\n}"
)
CLAIMS = (
    "#defaultView:BarChart\n" + PREFIXES + "SELECT ?claim ?label ?value WHERE {\n"
    "  ?claim a sc:QuantitativeClaim ; sc:value ?value ; rdfs:label ?label .\n"
    '  FILTER(LANG(?label) = "en")\n}'
)
EVENTS = (
    "#defaultView:Timeline\n" + PREFIXES + "SELECT ?event ?when WHERE {\n"
    '  VALUES (?event ?when) { ("founding" "2018-11-04"^^xsd:date) '
    '("congress" "2012-11-08"^^xsd:date) ("assembly" "2015-09-25"^^xsd:date) }\n}'
)
SERIES = (
    "#defaultView:LineChart\n" + PREFIXES + "SELECT ?year ?count WHERE {\n"
    "  VALUES (?year ?count) { (2019 3) (2020 5) (2021 4) (2022 8) }\n}"
)


@pytest.fixture
def browser(real_url: str) -> Iterator[Any]:
    """Headless Chromium that records the requests it makes and its console (the conftest's
    ``chrome`` fixture with Chrome's performance and browser logs turned on). On leaving, the
    test fails if any request went elsewhere than the test server or the console has an error."""
    with chromium(window="1280,1400", logs=True) as driver:
        driver.get("about:blank")
        driver.get_log("performance")  # the browser's own start-up page, before any test page
        yield driver
        _assert_offline_and_clean(driver, real_url)


def _assert_offline_and_clean(driver: Any, server: str) -> None:
    requested = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requested.append(message["params"]["request"]["url"])
    assert requested, "the performance log recorded no request"
    outside = [url for url in requested if not url.startswith((server + "/", "data:"))]
    assert outside == [], f"requests left the server: {outside}"
    problems = [
        entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"
    ]
    assert problems == [], f"console errors: {problems}"


def _wait_for_marks(driver: Any, selector: str = "#view") -> int:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, WAIT).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, f"{selector}[data-marks]"))
    )
    return int(driver.find_element(By.CSS_SELECTOR, selector).get_attribute("data-marks"))


def _screenshot(driver: Any, name: str, element: str | None = None) -> Path:
    from selenium.webdriver.common.by import By

    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    if element:
        found = driver.find_element(By.CSS_SELECTOR, element)
        driver.execute_script("arguments[0].scrollIntoView()", found)
        found.screenshot(str(path))
    else:
        driver.save_screenshot(str(path))
    assert path.stat().st_size > 1000
    return path


def _count(url: str, query: str) -> int:
    answer = httpx.post(url + "/sparql", data={"query": PREFIXES + query},
                        headers={"Accept": "application/sparql-results+json"})  # fmt: skip
    assert answer.status_code == 200, answer.text
    return int(answer.json()["results"]["bindings"][0]["n"]["value"])


def _open_query(driver: Any, url: str, query: str) -> None:
    driver.get(url + "/query?query=" + quote(query))


def test_a_graph_query_from_a_share_link_draws_its_network(real_url: str, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    _open_query(browser, real_url, PARTNERS)
    drawn = _wait_for_marks(browser)
    expected = _count(
        real_url,
        "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { "
        "{ ?x a sc:Partnership ; sc:party ?q } UNION { ?p a sc:Partnership ; sc:party ?x } }",
    )
    assert drawn == expected
    assert len(browser.find_elements(By.CSS_SELECTOR, "#view svg.network g.node")) == expected
    # Each partnership and partner links to its page on this server.
    links = {a.get_dom_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "#view a")}
    assert {"/id/china", "/id/cas-cooperation-agreements"} <= links
    pressed = browser.find_element(By.CSS_SELECTOR, '#views button[aria-pressed="true"]')
    assert pressed.text == "Graph"
    _screenshot(browser, "query-graph", "#results-section")


def test_a_map_query_colours_its_countries(real_url: str, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    _open_query(browser, real_url, COUNTRIES)
    assert _wait_for_marks(browser) == 5
    marks = browser.find_elements(By.CSS_SELECTOR, "#view svg.map path.mark")
    assert len(marks) == 5
    # Every other country of the atlas is drawn too, in grey.
    assert len(browser.find_elements(By.CSS_SELECTOR, "#view svg.map path.country")) > 150
    titles = sorted(
        m.find_element(By.TAG_NAME, "title").get_attribute("textContent") for m in marks
    )
    assert titles[0] == "Australia: 4" and "China: 5" in titles

    # A choropleth: shades differ by the number, and from the grey of unmarked land.
    def shade(selector: str) -> str:
        return browser.find_element(By.CSS_SELECTOR, selector).value_of_css_property("fill")

    china, kenya = shade('#view a[href="/id/china"] path'), shade('#view a[href="/id/kenya"] path')
    grey = shade("#view svg.map path.country:not(.mark)")
    assert len({china, kenya, grey}) == 3, (china, kenya, grey)
    _screenshot(browser, "query-map", "#results-section")


def test_bar_chart_timeline_and_line_chart_draw_a_mark_per_row(real_url: str, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    claims = _count(real_url, "SELECT (COUNT(*) AS ?n) WHERE { ?c a sc:QuantitativeClaim ; "
                    'sc:value ?v ; rdfs:label ?l . FILTER(LANG(?l) = "en") }')  # fmt: skip
    _open_query(browser, real_url, CLAIMS)
    assert _wait_for_marks(browser) == claims
    assert len(browser.find_elements(By.CSS_SELECTOR, "#view svg.chart rect.bar")) == claims
    _screenshot(browser, "query-bar-chart", "#results-section")

    _open_query(browser, real_url, EVENTS)
    assert _wait_for_marks(browser) == 3
    assert len(browser.find_elements(By.CSS_SELECTOR, "#view svg.chart .moment")) == 3
    ticks = browser.find_elements(By.CSS_SELECTOR, "#view svg.chart .tick text")
    assert any(t.text == "2014" for t in ticks)  # a time axis in years
    _screenshot(browser, "query-timeline", "#results-section")

    _open_query(browser, real_url, SERIES)
    assert _wait_for_marks(browser) == 4
    assert len(browser.find_elements(By.CSS_SELECTOR, "#view svg.chart circle.point")) == 4
    _screenshot(browser, "query-line-chart", "#results-section")


def test_the_switcher_changes_view_and_back_to_the_table(real_url: str, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    _open_query(browser, real_url, PARTNERS)
    _wait_for_marks(browser)
    browser.find_element(By.CSS_SELECTOR, '#views button[data-view="Table"]').click()
    table = browser.find_element(By.ID, "results")
    assert table.is_displayed()
    assert not browser.find_element(By.ID, "view").is_displayed()
    rows = len(browser.find_elements(By.CSS_SELECTOR, "#results tbody tr"))
    assert f"{rows} row(s)" == browser.find_element(By.ID, "count").text
    browser.find_element(By.CSS_SELECTOR, '#views button[data-view="Map"]').click()
    assert _wait_for_marks(browser) == 1  # China is a party
    browser.find_element(By.CSS_SELECTOR, '#views button[data-view="Timeline"]').click()
    message = browser.find_element(By.CSS_SELECTOR, "#view .not-drawable")
    assert "dates" in message.text  # partnerships here have no dates
    _screenshot(browser, "query-table", "#results-section")


def test_the_editor_completes_a_prefix_and_a_term(real_url: str, browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(real_url + "/query")
    wait = WebDriverWait(browser, WAIT)
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "body[data-editor-ready]")))
    content = browser.find_element(By.CSS_SELECTOR, ".cm-content")
    content.click()
    content.send_keys(Keys.CONTROL, "a")
    content.send_keys(Keys.DELETE)
    content.send_keys("skos")
    option = wait.until(
        ec.presence_of_element_located(
            (By.CSS_SELECTOR, ".cm-tooltip-autocomplete li[aria-selected] .cm-completionLabel")
        )
    )
    assert option.text == "skos:"
    content.send_keys(Keys.ENTER)
    text = browser.find_element(By.ID, "query").get_property("value")
    # The prefix is written, and declared at the top since the query did not declare it.
    assert text == "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\nskos:"
    content.send_keys(Keys.ENTER, "sc:Partners")
    wait.until(
        ec.text_to_be_present_in_element(
            (By.CSS_SELECTOR, ".cm-tooltip-autocomplete"), "sc:Partnership"
        )
    )
    _screenshot(browser, "editor-completion", ".cm-editor")
    content.send_keys(Keys.ENTER)
    text = browser.find_element(By.ID, "query").get_property("value")
    assert text.splitlines()[-1] == "sc:Partnership"
    # A label completes to its IRI.
    content.send_keys(Keys.ENTER, "Chinese Acad")
    wait.until(
        ec.text_to_be_present_in_element(
            (By.CSS_SELECTOR, ".cm-tooltip-autocomplete"), "Chinese Academy of Sciences"
        )
    )
    content.send_keys(Keys.ENTER)
    text = browser.find_element(By.ID, "query").get_property("value")
    assert text.splitlines()[-1] == "id:chinese-academy-of-sciences"


def test_a_syntax_error_is_marked_at_its_line_and_the_run_is_remembered(
    real_url: str, browser: Any
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    broken = "SELECT ?s\nWHERE { ?s ?p ?o ) }"
    _open_query(browser, real_url, broken)
    wait = WebDriverWait(browser, WAIT)
    wait.until(ec.visibility_of_element_located((By.ID, "error")))
    assert browser.find_element(By.ID, "error").text.startswith("line 2, column")
    marked = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".cm-lintRange-error")))
    line = marked.find_element(By.XPATH, "./ancestor::div[contains(@class, 'cm-line')]")
    assert line.text == "WHERE { ?s ?p ?o ) }"
    history = browser.execute_script(
        "return JSON.parse(localStorage.getItem('scicoop-kg.query-history'))"
    )
    assert [item["query"] for item in history] == [broken]
    assert len(browser.find_elements(By.CSS_SELECTOR, "#history-list li")) == 1
    _screenshot(browser, "editor-error", "#editor-section")
    # The browser logs the two 400s (the page, rendered with the error, and the editor's run);
    # nothing else.
    console = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert console and all("status of 400" in m for m in console), console
    assert all(m.startswith((real_url + "/query?", real_url + "/sparql")) for m in console), console


def _atlas_codes(url: str) -> set[str]:
    atlas = httpx.get(url + "/static/dist/countries-110m.json").json()
    return {g["id"] for g in atlas["objects"]["countries"]["geometries"] if "id" in g}


def test_home_page_shows_the_network_and_the_map(real_url: str, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    browser.get(real_url + "/")
    nodes = _wait_for_marks(browser, "#cooperation [data-network]")
    partnerships = _count(
        real_url, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a sc:Partnership }"
    )
    programmes = _count(real_url, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a sc:Programme }")
    assert nodes > partnerships + programmes  # and the actors they tie
    drawn = browser.find_elements(By.CSS_SELECTOR, "#cooperation svg.network g.node")
    assert len(drawn) == nodes
    hrefs = {
        a.get_dom_attribute("href")
        for a in browser.find_elements(By.CSS_SELECTOR, "#cooperation a")
    }
    assert {"/id/cas-cooperation-agreements", "/id/chinese-academy-of-sciences"} <= hrefs
    query = PREFIXES + "SELECT ?code WHERE { ?c a sc:CountryOrRegion ; sc:isoNumeric ?code }"
    answer = httpx.post(real_url + "/sparql", data={"query": query},
                        headers={"Accept": "application/sparql-results+json"})  # fmt: skip
    codes = answer.json()["results"]["bindings"]
    on_the_map = {row["code"]["value"] for row in codes} & _atlas_codes(real_url)
    assert _wait_for_marks(browser, "#countries [data-map]") == len(on_the_map)
    marks = browser.find_elements(By.CSS_SELECTOR, "#countries svg.map a path.mark")
    assert len(marks) == len(on_the_map)
    _screenshot(browser, "home-network", "#cooperation")
    _screenshot(browser, "home-map", "#countries")


def test_resource_pages_draw_the_neighbourhood_and_a_country_on_the_map(
    real_url: str, browser: Any
) -> None:
    from selenium.webdriver.common.by import By

    browser.get(real_url + "/doc/chinese-academy-of-sciences")
    drawn = _wait_for_marks(browser, "#neighbourhood [data-network]")
    data = json.loads(
        browser.find_element(By.ID, "neighbourhood-data").get_attribute("textContent")
    )
    assert drawn == len(data["nodes"]) > 10
    hrefs = {
        a.get_dom_attribute("href")
        for a in browser.find_elements(By.CSS_SELECTOR, "#neighbourhood a")
    }
    assert {"/id/china", "/id/cas-cooperation-agreements"} <= hrefs
    _screenshot(browser, "resource-neighbourhood", "#neighbourhood")

    browser.get(real_url + "/doc/china")
    assert _wait_for_marks(browser, "#country-map [data-map]") == 1
    assert len(browser.find_elements(By.CSS_SELECTOR, "#country-map svg.map path.mark")) == 1
    partnerships = _count(
        real_url, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p sc:party id:china }"
    )
    assert len(browser.find_elements(By.CSS_SELECTOR, "#partnerships li")) == partnerships
    _screenshot(browser, "country-map", "#country-map")


def _examples_with_a_view() -> list[tuple[str, str, str]]:
    found = []
    for path in sorted((PROJECT_ROOT / "queries").glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        view = re.search(r"^#defaultView:(\w+)", text, flags=re.MULTILINE)
        if view:
            found.append((path.stem, view.group(1), text))
    return found


EXAMPLES = _examples_with_a_view()
XSD = "http://www.w3.org/2001/XMLSchema#"


def _expected_marks(url: str, view: str, query: str) -> int:
    """What a reader counts in the answer: distinct IRIs for a network, rows with a number for a
    chart, rows with a date for a timeline."""
    if view == "Graph" and re.search(r"^CONSTRUCT", query, flags=re.MULTILINE):
        answer = httpx.post(url + "/sparql", data={"query": query},
                            headers={"Accept": "application/n-triples"})  # fmt: skip
        graph = rdflib.Graph().parse(data=answer.text, format="nt")
        iris = {s for s, p, _ in graph if p != rdflib.RDF.type}
        iris |= {o for _, p, o in graph if isinstance(o, rdflib.URIRef) and p != rdflib.RDF.type}
        return len(iris)
    answer = httpx.post(url + "/sparql", data={"query": query},
                        headers={"Accept": "application/sparql-results+json"})  # fmt: skip
    rows = answer.json()["results"]["bindings"]
    if view == "Graph":
        return len(
            {term["value"] for row in rows for term in row.values() if term["type"] == "uri"}
        )
    kinds = ("gYear", "date", "dateTime") if view == "Timeline" else ("decimal", "integer")
    wanted = {XSD + kind for kind in kinds}
    return sum(any(term.get("datatype") in wanted for term in row.values()) for row in rows)


def test_the_examples_declare_views_for_networks_charts_and_time() -> None:
    assert {view for _, view, _ in EXAMPLES} >= {"Graph", "BarChart", "Timeline"}


@pytest.mark.parametrize(("name", "view", "query"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_each_example_opens_in_its_view(
    real_url: str, browser: Any, name: str, view: str, query: str
) -> None:
    from selenium.webdriver.common.by import By

    _open_query(browser, real_url, query)
    drawn = _wait_for_marks(browser)
    pressed = browser.find_element(By.CSS_SELECTOR, '#views button[aria-pressed="true"]')
    assert pressed.text == view
    assert drawn == _expected_marks(real_url, view, query) > 0
    _screenshot(browser, f"example-{name}", "#results-section")


def test_the_api_documentation_runs_from_this_server(real_url: str, browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    operations = sum(
        len(methods) for methods in httpx.get(real_url + "/openapi.json").json()["paths"].values()
    )
    browser.get(real_url + "/docs")
    WebDriverWait(browser, WAIT).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "#swagger-ui .opblock"))
    )
    assert len(browser.find_elements(By.CSS_SELECTOR, "#swagger-ui .opblock")) == operations
    assert httpx.get(real_url + "/redoc").status_code == 404  # it loaded ReDoc from a CDN
