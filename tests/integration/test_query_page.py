"""The query page, served by a live server: without JavaScript (server-rendered) and in Chromium."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import quote

import httpx
import pytest

from kg.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration

CAS_QUERY = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?s ?label WHERE { ?s a <https://w3id.org/scicoop/ontology#Organisation> ; rdfs:label ?label }
ORDER BY ?label"""


class Cells(HTMLParser):
    """The text and links of the page's results table, read by the standard library's parser."""

    def __init__(self) -> None:
        super().__init__()
        self.in_results = False
        self.in_cell = False
        self.cells: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and ("id", "results") in attrs:
            self.in_results = True
        elif self.in_results and tag == "td":
            self.in_cell = True
            self.cells.append("")
        elif self.in_cell and tag == "a":
            self.links.append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.in_results = False
        elif tag == "td":
            self.in_cell = False

    def handle_data(self, data: str) -> None:
        if self.in_cell:
            self.cells[-1] += data


def _cells(html: str) -> Cells:
    parser = Cells()
    parser.feed(html)
    return parser


def test_page_has_the_editor_with_prefixes_and_the_examples(base_url: str) -> None:
    response = httpx.get(base_url + "/query")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    html = response.text
    assert "PREFIX sc: &lt;https://w3id.org/scicoop/ontology#&gt;" in html
    assert "PREFIX id: &lt;https://w3id.org/scicoop/id/&gt;" in html
    assert "Actors and their labels" in html
    assert "Every actor with its English label, whatever kind of actor it is." in html
    assert "Academies" in html
    assert '<script src="/static/dist/query.js" nonce="' in html
    assert "https://" + "cdn" not in html  # everything is served locally


def test_static_assets_are_served(base_url: str) -> None:
    script = httpx.get(base_url + "/static/dist/query.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert "textContent" in script.text
    # Our own code writes data only as text: no markup from strings anywhere in its sources.
    sources = sorted((PROJECT_ROOT / "frontend" / "src").rglob("*.js"))
    assert sources
    for source in sources:
        text = source.read_text(encoding="utf-8")
        assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write", text), (
            source
        )
    assert httpx.get(base_url + "/static/query.css").status_code == 200
    licences = httpx.get(base_url + "/static/dist/LICENSES.md")
    assert licences.status_code == 200 and "| @codemirror/view |" in licences.text


def test_without_javascript_the_server_renders_the_table_escaped(base_url: str) -> None:
    response = httpx.get(base_url + "/query", params={"query": CAS_QUERY})
    assert response.status_code == 200, response.text
    cells = _cells(response.text)
    assert "Chinese Academy of Sciences @en" in cells.cells
    assert "/id/chinese-academy-of-sciences" in cells.links
    # A label holding markup is shown as text, never interpreted.
    assert "<b>Markup</b> & test @en" in cells.cells
    assert "&lt;b&gt;Markup&lt;/b&gt; &amp; test" in response.text
    assert "<b>Markup</b>" not in response.text
    assert "/sparql?query=" in response.text and "format=csv" in response.text


def test_without_javascript_a_syntax_error_is_shown_with_its_line(base_url: str) -> None:
    response = httpx.get(base_url + "/query", params={"query": "SELECT ?s\nWHERE { ?s ?p ?o ) }"})
    assert response.status_code == 400
    assert "line 2, column" in response.text
    assert '<textarea id="query"' in response.text  # the query can be fixed in place


def test_download_link_answers_csv(base_url: str) -> None:
    response = httpx.get(base_url + "/sparql", params={"query": CAS_QUERY, "format": "csv"})
    assert response.status_code == 200
    assert "Chinese Academy of Sciences" in response.text
    assert (
        "attachment" in response.headers["content-disposition"]
        or "filename=" in response.headers["content-disposition"]
    )


@pytest.mark.browser
def test_in_chromium_pick_an_example_run_it_and_see_the_table(
    base_url: str, chrome: object
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver = chrome
    driver.get(base_url + "/query")  # type: ignore[attr-defined]
    driver.find_element(By.LINK_TEXT, "Academies").click()  # type: ignore[attr-defined]
    editor = driver.find_element(By.ID, "query")  # type: ignore[attr-defined]
    assert "?academy a sc:Academy" in editor.get_property("value")
    assert driver.current_url == base_url + "/query"  # type: ignore[attr-defined]
    driver.find_element(By.ID, "run").click()  # type: ignore[attr-defined]
    wait = WebDriverWait(driver, 20)
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#results tbody tr")))
    headers = [th.text for th in driver.find_elements(By.CSS_SELECTOR, "#results th")]  # type: ignore[attr-defined]
    assert headers == ["academy", "label"]
    cells = [td.text for td in driver.find_elements(By.CSS_SELECTOR, "#results td")]  # type: ignore[attr-defined]
    assert cells == [
        "https://w3id.org/scicoop/id/chinese-academy-of-sciences",
        "Chinese Academy of Sciences @en",
    ]
    link = driver.find_element(By.CSS_SELECTOR, "#results td a")  # type: ignore[attr-defined]
    assert link.get_attribute("href") == base_url + "/id/chinese-academy-of-sciences"
    downloads = {
        a.text: a.get_attribute("href")
        for a in driver.find_elements(By.CSS_SELECTOR, "#downloads a")
    }  # type: ignore[attr-defined]
    assert set(downloads) >= {"json", "xml", "csv", "tsv"}
    assert httpx.get(downloads["csv"]).text.splitlines()[1].endswith("Chinese Academy of Sciences")


@pytest.mark.browser
def test_in_chromium_markup_in_data_is_shown_as_text(base_url: str, chrome: object) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver = chrome
    driver.get(base_url + "/query?query=" + quote(CAS_QUERY))  # type: ignore[attr-defined]
    WebDriverWait(driver, 20).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "body[data-editor-ready]"))
    )
    WebDriverWait(driver, 20).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "#results tbody tr"))
    )
    cells = [td.text for td in driver.find_elements(By.CSS_SELECTOR, "#results td")]  # type: ignore[attr-defined]
    assert "<b>Markup</b> & test @en" in cells
    assert driver.find_elements(By.CSS_SELECTOR, "#results b") == []  # type: ignore[attr-defined]
