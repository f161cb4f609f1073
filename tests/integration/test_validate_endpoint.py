"""``/validate`` on a live uvicorn over a private copy of the shipped ontology, shapes and data."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kg.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration

CASES = PROJECT_ROOT / "tests" / "cases" / "validation"
ONE_PARTY_MESSAGE = (
    "a partnership needs at least two parties (sc:party); add every party the source names, "
    "or an sc:ActorGroup for partners it describes only in aggregate"
)
INLINE_CONTEXT = {
    "sc": "https://w3id.org/scicoop/ontology#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
}


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The server's folders: a copy, so a test can tell that nothing was written there."""
    root = tmp_path_factory.mktemp("project")
    for folder in ("ontology", "shapes", "data", "queries"):
        shutil.copytree(PROJECT_ROOT / folder, root / folder)
    return root


def env(root: Path) -> dict[str, str]:
    return {f"KG_{name.upper()}_DIR": str(root / name) for name in ("ontology", "shapes", "data")}


def snapshot(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def url(
    start_server: object, copy: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with start_server(  # type: ignore[operator]
        tmp_path_factory.mktemp("validate"), wait_for="/health", **env(copy)
    ) as running:
        yield running.url


def post(url: str, body: str | bytes, content_type: str, **headers: str) -> httpx.Response:
    return httpx.post(
        url + "/validate",
        content=body,
        headers={"Content-Type": content_type, **headers},
        timeout=60,
    )


def test_turtle_report_is_the_json_of_kg_validate(url: str, copy: Path) -> None:
    before = snapshot(copy)
    answer = post(url, (CASES / "partnership_one_party.ttl").read_bytes(), "text/turtle")

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == {
        "conforms": False,
        "exit_code": 1,
        "files": ["contribution.ttl"],
        "nodes": 1,
        "counts": {"Violation": 1, "Warning": 0, "Info": 0},
        "errors": [],
        "findings": [
            {
                "file": "contribution.ttl",
                "line": 8,
                "column": None,
                "severity": "Violation",
                "node": "id:test-lonely-partnership",
                "path": "sc:party",
                "value": None,
                "message": ONE_PARTY_MESSAGE,
                "shape": "scs:PartnershipParties",
                "check": "shacl",
            }
        ],
    }
    # Validation stores nothing.
    assert snapshot(copy) == before


def test_references_resolve_against_the_whole_graph(url: str) -> None:
    fixed = (
        (CASES / "partnership_one_party.ttl")
        .read_text(encoding="utf-8")
        .replace(
            "sc:party id:chinese-academy-of-sciences ;",
            "sc:party id:chinese-academy-of-sciences, id:hou-jianguo ;",
        )
    )
    report = post(url, fixed, "text/turtle; charset=utf-8").json()
    assert (report["conforms"], report["counts"]["Violation"]) == (True, 0)


def test_json_ld_with_an_inline_context(url: str) -> None:
    document = {
        "@context": INLINE_CONTEXT,
        "@id": "https://w3id.org/scicoop/id/test-json-academy",
        "@type": "sc:Acadmy",
        "rdfs:label": {"@value": "Test JSON academy", "@language": "en"},
    }
    report = post(url, json.dumps(document), "application/ld+json").json()

    assert report["files"] == ["contribution.jsonld"]
    terms = [f for f in report["findings"] if f["check"] == "term"]
    assert [(t["line"], t["node"], t["message"]) for t in terms] == [
        (
            None,  # JSON-LD has no block lines
            "id:test-json-academy",
            "sc:Acadmy is not a term of the ontology; did you mean sc:Academy? check its "
            "spelling against ontology/ (or propose the term there first)",
        )
    ]


def test_json_ld_remote_context_is_refused_not_fetched(url: str) -> None:
    document = {"@context": "http://127.0.0.1:9/context.jsonld", "@id": "urn:x"}
    answer = post(url, json.dumps(document), "application/ld+json", Accept="application/json")
    assert answer.status_code == 400
    assert answer.json()["message"] == (
        "syntax error: remote @context <http://127.0.0.1:9/context.jsonld> is not fetched; "
        "put the context inline in the document"
    )
    assert (answer.json()["line"], answer.json()["column"]) == (1, 14)


def test_syntax_error_is_400_with_line_and_column(url: str) -> None:
    body = (CASES / "syntax_error.ttl").read_bytes()
    text = post(url, body, "text/turtle")
    assert text.status_code == 400
    assert text.text.startswith("line 11, column 5: syntax error: ")
    located = post(url, body, "text/turtle", Accept="application/json").json()
    assert (located["status"], located["line"], located["column"]) == (400, 11, 5)

    broken = post(url, '{"@id": "urn:x",}', "application/ld+json", Accept="application/json")
    assert (broken.status_code, broken.json()["line"], broken.json()["column"]) == (400, 1, 17)


def test_other_content_types_are_415_naming_the_accepted_ones(url: str) -> None:
    answer = post(url, "<rdf:RDF/>", "application/rdf+xml")
    assert answer.status_code == 415
    assert answer.text == (
        "cannot validate a application/rdf+xml body; send text/turtle or application/ld+json "
        "(or the form of GET /validate as application/x-www-form-urlencoded)\n"
    )


def test_plain_text_report_on_request(url: str) -> None:
    answer = post(
        url, (CASES / "partnership_one_party.ttl").read_bytes(), "text/turtle", Accept="text/plain"
    )
    assert answer.headers["content-type"].startswith("text/plain")
    assert answer.text.splitlines() == [
        f"contribution.ttl:8: Violation: {ONE_PARTY_MESSAGE} "
        "(node id:test-lonely-partnership, path sc:party)",
        "",
        "1 file, 1 node checked: 1 violation, 0 warnings",
    ]


def test_the_form_works_without_javascript_and_escapes_the_report(url: str) -> None:
    form = httpx.get(url + "/validate", timeout=30)
    assert form.status_code == 200
    assert '<form method="post" action="/validate">' in form.text
    assert '<textarea id="data" name="data"' in form.text
    assert "<script" not in form.text

    turtle = (
        "@prefix id: <https://w3id.org/scicoop/id/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix sc: <https://w3id.org/scicoop/ontology#> .\n"
        'id:test-markup a sc:Academy ; rdfs:label "<b>Test</b> markup"@en .\n'
    )
    page = httpx.post(url + "/validate", data={"data": turtle, "syntax": "turtle"}, timeout=60)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<section id="report"' in page.text
    assert "&lt;b&gt;Test&lt;/b&gt; markup" in page.text  # the pasted data, escaped
    assert "<b>Test</b>" not in page.text
    assert "tests/" not in page.text
    assert "contribution.ttl:4: Violation: no source; add prov:wasDerivedFrom" in page.text

    broken = httpx.post(url + "/validate", data={"data": "id:x a", "syntax": "turtle"}, timeout=60)
    assert broken.status_code == 400
    assert '<section id="error"' in broken.text
    assert "line 1, column 1: syntax error:" in broken.text


def test_size_is_capped(
    start_server: object, copy: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # The deadline and the admission limits: tests/integration/test_validate_admission.py.
    limits = {"KG_MAX_BODY_BYTES": "2048"}
    with start_server(  # type: ignore[operator]
        tmp_path_factory.mktemp("validate-limits"), wait_for="/health", **env(copy), **limits
    ) as running:
        big = post(running.url, "#" * 5000, "text/turtle")
        assert big.status_code == 413
        assert big.text == "request body exceeds the limit of 2048 bytes\n"
