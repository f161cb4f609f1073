"""The same service over Virtuoso as over the embedded store: ``kg serve`` and ``kg serve --store
sparql+http://…/sparql`` over a Virtuoso that ``kg push`` loaded, asked the same things a user
asks (the example queries, dereferencing, the typed routes, pages, ``POST /validate``), must
answer alike."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import LiveServer, kg_serve
from test_backends import VIRTUOSO_DIFFERS

from kg.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration

QUERIES = sorted((PROJECT_ROOT / "queries").glob("*.rq"))
VALIDATION = PROJECT_ROOT / "tests" / "cases" / "validation"
SLUGS = ["chinese-academy-of-sciences", "china", "hou-jianguo"]
#: Answers that differ only where CSV cannot tell (an empty string from an unbound value).
SAME_IN_CSV = {"chinese-labels", "interpretations"}
#: A blank node label in N-Triples or CSV, which each store names its own way.
BLANK = re.compile(r"_:[A-Za-z0-9]+")


@pytest.fixture(scope="module")
def servers(
    virtuoso_store: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, LiveServer]]:
    """The repository's graph served by ``kg serve`` from the embedded store and from Virtuoso."""
    folder = tmp_path_factory.mktemp("parity")
    with (
        kg_serve(folder, "serve") as embedded,
        kg_serve(folder, "serve", "--store", virtuoso_store) as virtuoso,
    ):
        yield {"embedded": embedded, "virtuoso": virtuoso}


def _both(
    servers: dict[str, LiveServer], path: str, *, method: str = "GET", **options: object
) -> list[httpx.Response]:
    return [
        httpx.request(method, s.url + path, timeout=60, **options)  # type: ignore[arg-type]
        for s in (servers["embedded"], servers["virtuoso"])
    ]


def _lines(response: httpx.Response) -> list[str]:
    """The answer's lines, in order for CSV (header first), blank nodes as ``_``."""
    return [BLANK.sub("_", line) for line in response.text.splitlines()]


def _concatenations_sorted(lines: list[str]) -> list[str]:
    return [
        ",".join("; ".join(sorted(cell.split("; "))) for cell in line.split(",")) for line in lines
    ]


def _example(path: Path) -> object:
    marks = []
    if path.stem in VIRTUOSO_DIFFERS and path.stem not in SAME_IN_CSV:
        marks = [pytest.mark.xfail(strict=True, reason=VIRTUOSO_DIFFERS[path.stem])]
    return pytest.param(path, id=path.stem, marks=marks)


@pytest.mark.parametrize("path", [_example(p) for p in QUERIES])
def test_example_query_over_the_endpoint(path: Path, servers: dict[str, LiveServer]) -> None:
    query = path.read_text(encoding="utf-8")
    graph = re.search(r"^\s*(CONSTRUCT|DESCRIBE)", query, re.MULTILINE) is not None
    accept = "application/n-triples" if graph else "text/csv"
    embedded, virtuoso = _both(
        servers, "/sparql", params={"query": query}, headers={"Accept": accept}
    )
    assert embedded.status_code == virtuoso.status_code == 200, virtuoso.text
    assert virtuoso.headers["content-type"] == embedded.headers["content-type"]
    expected, got = _lines(embedded), _lines(virtuoso)
    if "GROUP_CONCAT" in query:
        # A GROUP_CONCAT's order is not defined (SPARQL 1.1 §18.5.1.7): compare its parts.
        expected, got = _concatenations_sorted(expected), _concatenations_sorted(got)
    assert expected
    # CSV's header first; rows in any order (ORDER BY leaves ties to the engine)
    assert graph or got[0] == expected[0]
    assert sorted(got) == sorted(expected)


def test_a_query_naming_a_graph_reads_that_graph(servers: dict[str, LiveServer]) -> None:
    """Graph IRIs in the query (FROM NAMED, GRAPH by a prefixed name) and in the answer are the
    served ones, whatever the store calls them."""
    query = (
        "PREFIX g: <https://w3id.org/scicoop/graph/data/>\n"
        "SELECT ?g (COUNT(*) AS ?n) FROM NAMED <https://w3id.org/scicoop/graph/data/sources> "
        "FROM NAMED <https://w3id.org/scicoop/graph/inferred> "
        "WHERE { GRAPH ?g { ?s ?p ?o } GRAPH g:sources { ?s ?q ?r } } GROUP BY ?g ORDER BY ?g"
    )
    embedded, virtuoso = _both(
        servers, "/sparql", params={"query": query}, headers={"Accept": "text/csv"}
    )
    assert virtuoso.status_code == 200, virtuoso.text
    assert _lines(virtuoso) == _lines(embedded)
    assert "https://w3id.org/scicoop/graph/data/sources" in virtuoso.text


@pytest.mark.parametrize("slug", SLUGS)
def test_dereferencing_answers_alike(slug: str, servers: dict[str, LiveServer]) -> None:
    see_other = _both(servers, f"/id/{slug}", follow_redirects=False)
    assert [r.status_code for r in see_other] == [303, 303]
    assert see_other[1].headers["location"] == see_other[0].headers["location"]
    for extension in ("nt", "ttl", "jsonld", "html"):
        embedded, virtuoso = _both(servers, f"/doc/{slug}.{extension}")
        assert embedded.status_code == virtuoso.status_code == 200, (extension, virtuoso.text)
        assert virtuoso.headers["etag"]
        if extension == "nt":
            assert sorted(_lines(virtuoso)) == sorted(_lines(embedded))
    missing = _both(servers, "/doc/no-such-thing.ttl")
    assert [r.status_code for r in missing] == [404, 404]


TYPED = [
    "/api/actors",
    "/api/actors?kind=Academy",
    "/api/actors/chinese-academy-of-sciences",
    "/api/partnerships",
    "/api/programmes",
    "/api/outcomes",
    "/api/claims",
    "/api/search?q=academy",
]


@pytest.mark.parametrize("path", TYPED)
def test_typed_routes_answer_alike(path: str, servers: dict[str, LiveServer]) -> None:
    embedded, virtuoso = _both(servers, path)
    assert embedded.status_code == 200, embedded.text
    assert virtuoso.status_code == 200, virtuoso.text
    # the same page, each with links to its own server
    here = servers["virtuoso"].url, servers["embedded"].url
    assert virtuoso.text.replace(*here) == embedded.text


@pytest.mark.parametrize(
    "path", ["/", "/ontology", "/graph/data/sources", "/.well-known/void", "/sparql"]
)
def test_pages_and_documents_answer_alike(path: str, servers: dict[str, LiveServer]) -> None:
    accept = "application/n-triples" if path.startswith("/graph/") else "text/turtle"
    embedded, virtuoso = _both(servers, path, headers={"Accept": accept})
    assert embedded.status_code == virtuoso.status_code == 200, virtuoso.text
    if path.startswith("/graph/"):
        assert sorted(_lines(virtuoso)) == sorted(_lines(embedded))


@pytest.mark.parametrize("case", ["partnership_one_party.ttl", "dangling_reference.ttl"])
def test_validation_reports_alike(case: str, servers: dict[str, LiveServer]) -> None:
    body = (VALIDATION / case).read_bytes()
    embedded, virtuoso = _both(
        servers, "/validate", method="POST", content=body, headers={"Content-Type": "text/turtle"}
    )
    assert embedded.status_code == virtuoso.status_code == 200
    assert virtuoso.json() == embedded.json()
    assert virtuoso.json()["conforms"] is False


def test_a_dump_past_the_row_cap_is_never_served_short(servers: dict[str, LiveServer]) -> None:
    """The graph holds more quads than Virtuoso's cap: the dump fails loudly (the stream breaks
    off, the log says why) instead of ending as if it were whole."""
    whole = httpx.get(servers["embedded"].url + "/dump.nq", timeout=60)
    assert whole.status_code == 200 and whole.text.count("\n") > 1000
    try:
        cut = httpx.get(servers["virtuoso"].url + "/dump.nq", timeout=60)
    except httpx.HTTPError:
        pass  # the stream broke off
    else:
        assert cut.status_code != 200 or cut.text.count("\n") == whole.text.count("\n")
    assert "may be incomplete" in servers["virtuoso"].log()


def test_the_gate_and_the_deadline_hold_over_virtuoso(servers: dict[str, LiveServer]) -> None:
    """Refused before anything is sent, as over the embedded store; a query Virtuoso stops at
    its own deadline (5 s, below ours) is a 503 with the deadline message."""
    url = servers["virtuoso"].url + "/sparql"
    for query, message in [
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", "SERVICE"),
        ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "read-only"),
    ]:
        embedded, virtuoso = _both(servers, "/sparql", params={"query": query})
        assert virtuoso.status_code == embedded.status_code
        assert virtuoso.status_code in (400, 403) and message in virtuoso.text
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"
    stopped = httpx.get(url, params={"query": slow}, timeout=120)
    assert stopped.status_code == 503
    assert "the query was stopped after 5 s, the deadline of this endpoint" in stopped.text


def test_etags_and_304_over_virtuoso(servers: dict[str, LiveServer]) -> None:
    url = servers["virtuoso"].url + "/doc/chinese-academy-of-sciences.ttl"
    first = httpx.get(url, timeout=30)
    again = httpx.get(url, headers={"If-None-Match": first.headers["etag"]}, timeout=30)
    assert first.status_code == 200 and again.status_code == 304
