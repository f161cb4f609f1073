"""The API in process (httpx over ASGI, through Starlette's TestClient), as consumers see it:
documents that parse offline, the graph served under another base, no 5xx for a client's query.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pyoxigraph
import pytest
from starlette.testclient import TestClient

from api.app import create_app
from kg.settings import Settings

DOC = "/doc/chinese-academy-of-sciences"
#: Extension -> the pyoxigraph parser of what it serves.
RDF = {
    "ttl": pyoxigraph.RdfFormat.TURTLE,
    "nt": pyoxigraph.RdfFormat.N_TRIPLES,
    "rdf": pyoxigraph.RdfFormat.RDF_XML,
    "jsonld": pyoxigraph.RdfFormat.JSON_LD,
}


def _client(**settings: object) -> Iterator[TestClient]:
    app = create_app(Settings(load_before_serving=True, **settings))  # type: ignore[arg-type]
    with TestClient(app, base_url="http://testserver") as client:
        yield client


@pytest.fixture(scope="module")
def elsewhere() -> Iterator[TestClient]:
    """The same graph served under another base, as a mirror would serve it."""
    yield from _client(base_iri="http://mirror.example/kg/")


@pytest.mark.parametrize("extension", sorted(RDF))
def test_every_document_format_parses_offline(client: TestClient, extension: str) -> None:
    answer = client.get(f"{DOC}.{extension}")
    assert answer.status_code == 200
    # pyoxigraph loads no remote context: a JSON-LD document must carry its own.
    quads = list(pyoxigraph.parse(answer.content, format=RDF[extension]))
    subjects = {q.subject.value for q in quads if isinstance(q.subject, pyoxigraph.NamedNode)}
    assert "https://w3id.org/scicoop/id/chinese-academy-of-sciences" in subjects


def test_json_ld_embeds_its_context_and_the_context_is_still_published(client: TestClient) -> None:
    document = client.get(DOC, headers={"Accept": "application/ld+json"}).json()
    assert isinstance(document["@context"], dict)
    published = client.get("/context.jsonld").json()["@context"]
    assert document["@context"] == published


def test_served_under_another_base_every_iri_follows_it(elsewhere: TestClient) -> None:
    thing = elsewhere.get("/id/chinese-academy-of-sciences", follow_redirects=False)
    assert thing.status_code == 303
    turtle = elsewhere.get(DOC + ".ttl").content
    subjects = {q.subject.value for q in pyoxigraph.parse(turtle, format=RDF["ttl"])}
    assert "http://mirror.example/kg/id/chinese-academy-of-sciences" in subjects
    assert not any(s.startswith("https://w3id.org/scicoop/") for s in subjects)
    actors = elsewhere.get("/api/actors", params={"limit": 500}).json()
    iris = [item["iri"] for item in actors["items"]]
    assert "http://mirror.example/kg/id/chinese-academy-of-sciences" in iris
    query = (
        "PREFIX sc: <http://mirror.example/kg/ontology#> "
        "SELECT (COUNT(?p) AS ?n) WHERE { ?p a sc:Partnership }"
    )
    answer = elsewhere.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
    assert answer.status_code == 200
    assert int(answer.text.split()[1]) > 0


@pytest.mark.parametrize(
    ("query", "status", "says"),
    [
        pytest.param(
            "SELECT * WHERE { FILTER(" + "(" * 3000 + "1" + ")" * 3000 + ") }",
            400,
            "split it into smaller queries",
            id="deeply-nested-expression",
        ),
        pytest.param(
            "SELECT * WHERE { " + " ".join(f"?s <p:{i}> ?o{i} ." for i in range(2000)) + " }",
            400,
            "split it into smaller queries",
            id="thousands-of-patterns",
        ),
        pytest.param(
            "SELECT * WHERE { BIND(<http://example.org/f>(1) AS ?x) }",
            400,
            "<http://example.org/f> cannot be called",
            id="unknown-extension-function",
        ),
    ],
)
def test_a_client_query_gets_a_4xx_saying_what_to_change(
    client: TestClient, query: str, status: int, says: str
) -> None:
    answer = client.post("/sparql", data={"query": query}, headers={"Accept": "application/json"})
    assert answer.status_code == status
    assert says in json.loads(answer.text)["message"]
    assert client.get("/health").status_code == 200


def test_a_repeated_query_is_answered_from_the_version_s_memory(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/scicoop/ontology#Academy> }"
    first = client.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
    caplog.clear()
    with caplog.at_level("INFO", logger="api.access"):
        again = client.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
    # The same GET is answered before routing: same status, headers and body, no query run.
    assert (again.status_code, again.text) == (first.status_code, first.text)
    assert {k: v for k, v in again.headers.items() if k != "date"} == {
        k: v for k, v in first.headers.items() if k != "date"
    }
    assert "api.access" not in caplog.text
    # A POST of it reaches the application, which remembers the answer of this data version.
    form = {"query": query}
    posted = client.post("/sparql", data=form, headers={"Accept": "text/csv"})
    caplog.clear()
    with caplog.at_level("INFO", logger="api.access"):
        client.post("/sparql", data=form, headers={"Accept": "text/csv"})
    assert posted.text == first.text
    assert "outcome=cached" in caplog.text
    # A conditional GET is the application's to answer: 304 with the answer's ETag.
    revalidated = client.get(
        "/sparql",
        params={"query": query},
        headers={"Accept": "text/csv", "If-None-Match": first.headers["etag"]},
    )
    assert revalidated.status_code == 304
    # Another format of the same query is another answer.
    other = client.get(
        "/sparql", params={"query": query}, headers={"Accept": "text/tab-separated-values"}
    )
    assert other.text != first.text


def test_a_lookup_of_a_known_shape_answers_as_the_application_would(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fast lane answers another IRI's lookup with the application's headers and body."""
    lookup = "SELECT ?p ?o WHERE {{ <https://w3id.org/scicoop/id/{}> ?p ?o }} ORDER BY ?p ?o"
    json_accept = {"Accept": "application/sparql-results+json"}
    client.get("/sparql", params={"query": lookup.format("china")}, headers=json_accept)
    query = {"query": lookup.format("chinese-academy-of-sciences")}
    # A conditional request (with an ETag no answer has) is always the application's to answer.
    by_application = client.get(
        "/sparql", params=query, headers={**json_accept, "If-None-Match": '"none"'}
    )

    async def routed(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("a vetted lookup of a known shape went through the router")

    monkeypatch.setattr("api.routes.sparql.execute", routed)
    fast = client.get("/sparql", params=query, headers=json_accept)
    monkeypatch.undo()
    assert fast.status_code == by_application.status_code == 200
    assert fast.content == by_application.content
    assert len(fast.json()["results"]["bindings"]) > 5

    def without_date(response: httpx.Response) -> dict[str, str]:
        return {k: v for k, v in response.headers.items() if k != "date"}

    assert without_date(fast) == without_date(by_application)
    # An error is the application's to explain: a lookup of the same shape, with a bad format.
    refused = client.get("/sparql", params=query, headers={"Accept": "image/png"})
    assert refused.status_code == 406
