"""The SPARQL 1.1 Protocol against a live server, with real clients and independent parsers.

Every answer is read by a parser other than the one that wrote it (Oxigraph writes; Python's json,
csv and xml.etree, rdflib, SPARQLWrapper and rdflib's SPARQLStore read).
"""

from __future__ import annotations

import csv
import io
import json
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import httpx
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

pytestmark = pytest.mark.integration

BASE = "https://w3id.org/scicoop/"
ID = Namespace(BASE + "id/")
SC = Namespace(BASE + "ontology#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
CAS = ID["chinese-academy-of-sciences"]
CAS_LABEL = "Chinese Academy of Sciences"
SPARQL_RESULTS = "{http://www.w3.org/2005/sparql-results#}"

LABEL_QUERY = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX sc: <https://w3id.org/scicoop/ontology#>
SELECT ?academy ?label WHERE { ?academy a sc:Academy ; rdfs:label ?label }"""
ASK_QUERY = "ASK { <https://w3id.org/scicoop/id/chinese-academy-of-sciences> ?p ?o }"
CONSTRUCT_QUERY = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
CONSTRUCT { ?s rdfs:label ?l } WHERE {
  VALUES ?s { <https://w3id.org/scicoop/id/chinese-academy-of-sciences> } ?s rdfs:label ?l }"""
DESCRIBE_QUERY = "DESCRIBE <https://w3id.org/scicoop/id/chinese-academy-of-sciences>"

RESULT_TYPES = [
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
]
GRAPH_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}


def _rows(media_type: str, body: bytes) -> list[dict[str, str]]:
    """Parse a SELECT answer with the standard library, into rows of lexical values."""
    text = body.decode("utf-8")
    if media_type == "application/sparql-results+json":
        data = json.loads(text)
        return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]
    if media_type == "application/sparql-results+xml":
        root = ET.fromstring(body)
        rows = []
        for result in root.iter(SPARQL_RESULTS + "result"):
            row = {}
            for binding in result.findall(SPARQL_RESULTS + "binding"):
                row[binding.get("name")] = next(iter(binding)).text or ""
            rows.append(row)
        return rows
    if media_type == "text/csv":
        return list(csv.DictReader(io.StringIO(text, newline="")))
    lines = text.splitlines()
    names = [name.lstrip("?") for name in lines[0].split("\t")]
    rows = [dict(zip(names, line.split("\t"), strict=True)) for line in lines[1:]]
    # TSV writes terms in SPARQL syntax: <iri> and "literal"@lang.
    return [{k: v.strip("<>").split('"@')[0].strip('"') for k, v in r.items()} for r in rows]


@pytest.mark.parametrize("media_type", RESULT_TYPES)
def test_select_answers_in_every_result_format(base_url: str, media_type: str) -> None:
    response = httpx.get(
        base_url + "/sparql", params={"query": LABEL_QUERY}, headers={"Accept": media_type}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == f"{media_type}; charset=utf-8"
    assert _rows(media_type, response.content) == [{"academy": str(CAS), "label": CAS_LABEL}]


@pytest.mark.parametrize("media_type", RESULT_TYPES[:2])
def test_ask_answers_true_in_json_and_xml(base_url: str, media_type: str) -> None:
    response = httpx.get(
        base_url + "/sparql", params={"query": ASK_QUERY}, headers={"Accept": media_type}
    )
    assert response.status_code == 200, response.text
    if media_type.endswith("json"):
        assert json.loads(response.text)["boolean"] is True
    else:
        assert ET.fromstring(response.content).find(SPARQL_RESULTS + "boolean").text == "true"


@pytest.mark.parametrize(("media_type", "rdflib_format"), GRAPH_TYPES.items())
@pytest.mark.parametrize("query", [CONSTRUCT_QUERY, DESCRIBE_QUERY], ids=["construct", "describe"])
def test_graph_answers_in_every_rdf_format(
    base_url: str, query: str, media_type: str, rdflib_format: str
) -> None:
    response = httpx.get(
        base_url + "/sparql", params={"query": query}, headers={"Accept": media_type}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == f"{media_type}; charset=utf-8"
    graph = Graph().parse(data=response.content, format=rdflib_format)
    assert (CAS, RDFS.label, Literal(CAS_LABEL, lang="en")) in graph


def test_post_form_and_post_direct_give_the_same_rows(base_url: str) -> None:
    accept = {"Accept": "application/sparql-results+json"}
    by_get = httpx.get(base_url + "/sparql", params={"query": LABEL_QUERY}, headers=accept)
    by_form = httpx.post(base_url + "/sparql", data={"query": LABEL_QUERY}, headers=accept)
    by_body = httpx.post(
        base_url + "/sparql",
        content=LABEL_QUERY.encode(),
        headers={**accept, "Content-Type": "application/sparql-query"},
    )
    expected = [{"academy": str(CAS), "label": CAS_LABEL}]
    for response in (by_get, by_form, by_body):
        assert response.status_code == 200, response.text
        assert _rows("application/sparql-results+json", response.content) == expected


def test_post_of_another_content_type_is_415_naming_the_accepted_ones(base_url: str) -> None:
    response = httpx.post(
        base_url + "/sparql", content=LABEL_QUERY, headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 415
    assert "text/plain" in response.text
    assert "application/sparql-query" in response.text
    assert "application/x-www-form-urlencoded" in response.text


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        # SPARQLWrapper's JSON Accept header.
        (
            "application/sparql-results+json,application/json,text/javascript,application/javascript",
            "application/sparql-results+json",
        ),
        ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
        ("application/sparql-results+json;q=0, text/*;q=0.8", "text/csv"),
        ("*/*", "application/sparql-results+json"),
    ],
)
def test_accept_with_q_values_chooses_the_result_format(
    base_url: str, accept: str, expected: str
) -> None:
    response = httpx.get(
        base_url + "/sparql", params={"query": LABEL_QUERY}, headers={"Accept": accept}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == expected
    assert "Accept" in response.headers["vary"]


def test_no_accept_header_gets_sparql_json(base_url: str) -> None:
    response = httpx.get(
        base_url + "/sparql", params={"query": LABEL_QUERY}, headers={"Accept": ""}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/sparql-results+json")


def test_format_parameter_overrides_accept_for_download_links(base_url: str) -> None:
    response = httpx.get(
        base_url + "/sparql",
        params={"query": LABEL_QUERY, "format": "csv"},
        headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert list(csv.DictReader(io.StringIO(response.text))) == [
        {"academy": str(CAS), "label": CAS_LABEL}
    ]


def test_format_parameter_for_the_wrong_query_form_names_the_parameter(base_url: str) -> None:
    response = httpx.get(base_url + "/sparql", params={"query": CONSTRUCT_QUERY, "format": "csv"})
    assert response.status_code == 400
    assert "format=csv" in response.text


def test_unacceptable_accept_is_406_listing_the_offered_types(base_url: str) -> None:
    response = httpx.get(
        base_url + "/sparql", params={"query": LABEL_QUERY}, headers={"Accept": "image/png"}
    )
    assert response.status_code == 406
    for media_type in RESULT_TYPES:
        assert media_type in response.text
    graph = httpx.get(
        base_url + "/sparql", params={"query": CONSTRUCT_QUERY}, headers={"Accept": "text/csv"}
    )
    assert graph.status_code == 406
    for media_type in GRAPH_TYPES:
        assert media_type in graph.text


def test_malformed_query_is_400_with_the_parsers_line_and_column(base_url: str) -> None:
    query = "SELECT ?s\nWHERE { ?s ?p ?o ) }"
    response = httpx.get(base_url + "/sparql", params={"query": query})
    assert response.status_code == 400
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text.startswith("line 2, column "), response.text
    as_json = httpx.get(
        base_url + "/sparql", params={"query": query}, headers={"Accept": "application/json"}
    )
    assert as_json.status_code == 400
    error = as_json.json()
    assert error["line"] == 2
    assert isinstance(error["column"], int)
    assert "syntax error" in error["message"]


def test_missing_query_on_post_is_400_naming_the_parameter(base_url: str) -> None:
    response = httpx.post(base_url + "/sparql", data={"query": ""})
    assert response.status_code == 400
    assert "query=" in response.text


def test_service_description_in_turtle_lists_formats_and_named_graphs(base_url: str) -> None:
    response = httpx.get(base_url + "/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/turtle; charset=utf-8"
    # The same state gives the same bytes, as the ETag promises.
    assert (
        httpx.get(base_url + "/sparql", headers={"Accept": "text/turtle"}).content
        == response.content
    )
    graph = Graph().parse(data=response.text, format="turtle")
    service = graph.value(predicate=RDF.type, object=SD.Service)
    assert service is not None
    assert graph.value(service, SD.endpoint) == URIRef(base_url + "/sparql")
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    formats = {str(o) for o in graph.objects(service, SD.resultFormat)}
    assert formats >= {
        "http://www.w3.org/ns/formats/" + name
        for name in (
            "SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
            "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML",
        )
    }  # fmt: skip
    dataset = graph.value(service, SD.defaultDataset)
    names = {str(graph.value(g, SD.name)) for g in graph.objects(dataset, SD.namedGraph)}
    assert names == {
        BASE + "graph/data/actors",
        BASE + "graph/inferred",
        BASE + "graph/ontology/scicoop",
    }


@pytest.mark.parametrize(("media_type", "rdflib_format"), list(GRAPH_TYPES.items())[1:])
def test_service_description_in_other_rdf_formats(
    base_url: str, media_type: str, rdflib_format: str
) -> None:
    response = httpx.get(base_url + "/sparql", headers={"Accept": media_type})
    assert response.status_code == 200, response.text
    graph = Graph().parse(data=response.content, format=rdflib_format)
    assert graph.value(predicate=RDF.type, object=SD.Service) is not None


def test_browser_at_sparql_without_a_query_gets_the_query_page(base_url: str) -> None:
    browser_accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = httpx.get(base_url + "/sparql", headers={"Accept": browser_accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<textarea id="query"' in response.text


def test_etag_304_and_cache_headers(base_url: str) -> None:
    params = {"query": LABEL_QUERY}
    accept = {"Accept": "application/sparql-results+json"}
    first = httpx.get(base_url + "/sparql", params=params, headers=accept)
    etag = first.headers["etag"]
    assert first.headers["cache-control"].startswith("public, max-age=")
    assert "Accept" in first.headers["vary"]
    again = httpx.get(
        base_url + "/sparql", params=params, headers={**accept, "If-None-Match": etag}
    )
    assert again.status_code == 304
    assert again.headers["etag"] == etag
    assert again.content == b""
    as_csv = httpx.get(base_url + "/sparql", params=params, headers={"Accept": "text/csv"})
    other_query = httpx.get(base_url + "/sparql", params={"query": ASK_QUERY}, headers=accept)
    graphs = httpx.get(
        base_url + "/sparql",
        params={**params, "default-graph-uri": BASE + "graph/data/actors"},
        headers=accept,
    )
    assert (
        len({etag, as_csv.headers["etag"], other_query.headers["etag"], graphs.headers["etag"]})
        == 4
    )


def test_default_graph_uri_selects_among_the_named_graphs(base_url: str) -> None:
    query = "SELECT ?academy WHERE { ?academy a <https://w3id.org/scicoop/ontology#Academy> }"
    accept = {"Accept": "application/sparql-results+json"}
    only_data = httpx.get(
        base_url + "/sparql",
        params={"query": query, "default-graph-uri": BASE + "graph/data/actors"},
        headers=accept,
    )
    assert _rows(accept["Accept"], only_data.content) == [{"academy": str(CAS)}]
    only_ontology = httpx.get(
        base_url + "/sparql",
        params={"query": query, "default-graph-uri": BASE + "graph/ontology/scicoop"},
        headers=accept,
    )
    assert _rows(accept["Accept"], only_ontology.content) == []


def test_named_graph_uri_limits_graph_patterns(base_url: str) -> None:
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = httpx.post(
        base_url + "/sparql",
        data={
            "query": query,
            "named-graph-uri": [BASE + "graph/inferred", BASE + "graph/data/actors"],
        },
        headers={"Accept": "text/csv"},
    )
    assert response.status_code == 200, response.text
    graphs = {row["g"] for row in csv.DictReader(io.StringIO(response.text))}
    assert graphs == {BASE + "graph/inferred", BASE + "graph/data/actors"}


def test_unknown_dataset_graph_is_400_naming_the_parameter(base_url: str) -> None:
    response = httpx.get(
        base_url + "/sparql",
        params={"query": LABEL_QUERY, "named-graph-uri": "http://example.org/elsewhere"},
    )
    assert response.status_code == 400
    assert "named-graph-uri=http://example.org/elsewhere" in response.text


def test_cors_allows_any_origin_without_credentials(base_url: str) -> None:
    preflight = httpx.options(
        base_url + "/sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in preflight.headers
    simple = httpx.get(
        base_url + "/sparql", params={"query": ASK_QUERY}, headers={"Origin": "https://example.org"}
    )
    assert simple.headers["access-control-allow-origin"] == "*"


def test_body_over_the_cap_is_413_naming_the_limit(base_url: str) -> None:
    response = httpx.post(
        base_url + "/sparql",
        content=b"#" * 1_000_001,
        headers={"Content-Type": "application/sparql-query"},
    )
    assert response.status_code == 413
    assert "1000000 bytes" in response.text


def test_query_over_the_length_cap_is_413_naming_the_limit(base_url: str) -> None:
    query = "ASK {}\n" + "#" * 100_000
    response = httpx.post(
        base_url + "/sparql", content=query, headers={"Content-Type": "application/sparql-query"}
    )
    assert response.status_code == 413
    assert "100000 characters" in response.text


def test_sparqlwrapper_reads_every_result_format(base_url: str) -> None:
    client = SPARQLWrapper(base_url + "/sparql")
    client.setOnlyConneg(True)
    client.setQuery(LABEL_QUERY)
    client.setReturnFormat(JSON)
    bindings = client.queryAndConvert()["results"]["bindings"]
    assert [b["label"]["value"] for b in bindings] == [CAS_LABEL]
    client.setReturnFormat(XML)
    document = client.queryAndConvert()  # xml.dom.minidom
    assert [n.firstChild.data for n in document.getElementsByTagName("literal")] == [CAS_LABEL]
    for fmt, separator in ((CSV, ","), (TSV, "\t")):
        client.setReturnFormat(fmt)
        text = client.queryAndConvert().decode("utf-8")
        assert text.splitlines()[0].lstrip("?").split(separator)[0].lstrip("?") == "academy"
        assert CAS_LABEL in text


@pytest.mark.parametrize("fmt", [TURTLE, RDFXML, JSONLD])
def test_sparqlwrapper_reads_graph_answers(base_url: str, fmt: str) -> None:
    client = SPARQLWrapper(base_url + "/sparql")
    client.setOnlyConneg(True)
    client.setQuery(CONSTRUCT_QUERY)
    client.setReturnFormat(fmt)
    result = client.query()
    body = result.response.read()
    graph = Graph().parse(
        data=body, format={TURTLE: "turtle", RDFXML: "xml", JSONLD: "json-ld"}[fmt]
    )
    assert set(graph) == {(CAS, RDFS.label, Literal(CAS_LABEL, lang="en"))}


def test_sparqlwrapper_default_mode_with_its_format_parameters(base_url: str) -> None:
    client = SPARQLWrapper(base_url + "/sparql")  # sends format=json&output=json&results=json
    client.setQuery(LABEL_QUERY)
    client.setReturnFormat(JSON)
    assert client.queryAndConvert()["results"]["bindings"][0]["label"]["value"] == CAS_LABEL


def test_rdflib_sparqlstore_selects_asks_and_constructs(base_url: str) -> None:
    store = SPARQLStore(query_endpoint=base_url + "/sparql", returnFormat="xml")
    graph = Graph(store=store)
    rows = list(graph.query(LABEL_QUERY))
    assert [(row.academy, row.label) for row in rows] == [(CAS, Literal(CAS_LABEL, lang="en"))]
    assert graph.query(ASK_QUERY).askAnswer is True
    constructed = graph.query(CONSTRUCT_QUERY).graph
    assert set(constructed) == {(CAS, RDFS.label, Literal(CAS_LABEL, lang="en"))}
    json_store = Graph(store=SPARQLStore(query_endpoint=base_url + "/sparql", returnFormat="json"))
    assert len(list(json_store.query(LABEL_QUERY))) == 1
    store.close()


def test_health_ready_and_metrics(server: object, base_url: str) -> None:
    assert httpx.get(base_url + "/health").json() == {"status": "alive"}
    ready = httpx.get(base_url + "/ready").json()
    assert ready["status"] == "ready"
    assert ready["named_graphs"] == 3
    httpx.get(base_url + "/sparql", params={"query": ASK_QUERY})
    httpx.get(base_url + "/sparql", params={"query": "SELECT nonsense"})
    metrics = httpx.get(base_url + "/metrics")
    assert metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert 'kg_query_duration_seconds_count{form="ASK",outcome="ok"}' in text
    assert 'kg_queries_rejected_total{reason="QuerySyntaxError"}' in text
    assert 'kg_http_requests_total{method="GET",route="/sparql",status="200"}' in text
    assert "kg_query_timeouts_total" in text


def test_every_query_leaves_an_access_log_line(server: object, base_url: str) -> None:
    httpx.get(base_url + "/sparql", params={"query": ASK_QUERY + " # log-marker"})
    log = server.log()  # type: ignore[attr-defined]
    lines = [line for line in log.splitlines() if "api.access" in line and "form=ASK" in line]
    assert lines, log
    assert "outcome=ok" in lines[-1]
    assert "duration_ms=" in lines[-1]


def test_a_graph_that_fails_to_load_keeps_ready_503_with_the_file_and_line(
    tmp_path: Path, start_server: Any
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "broken.ttl").write_text(
        "@prefix id: <https://w3id.org/scicoop/id/> .\nid:a id:b id:c ;\n", encoding="utf-8"
    )
    with start_server(tmp_path, wait_for="/health", KG_DATA_DIR=str(data)) as running:
        deadline = time.monotonic() + 30
        while True:
            ready = httpx.get(running.url + "/ready")
            if "broken.ttl" in ready.text or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert ready.status_code == 503
        assert ready.headers["retry-after"].isdigit()
        assert f"{data / 'broken.ttl'}:3" in ready.json()["reason"]
        query = httpx.get(running.url + "/sparql", params={"query": ASK_QUERY})
        assert query.status_code == 503
        assert "broken.ttl:3" in query.text
        assert query.headers["retry-after"].isdigit()


def test_head_gives_the_get_headers_without_a_body(base_url: str) -> None:
    params = {"query": LABEL_QUERY}
    accept = {"Accept": "text/csv"}
    got = httpx.get(base_url + "/sparql", params=params, headers=accept)
    head = httpx.head(base_url + "/sparql", params=params, headers=accept)
    assert head.status_code == 200
    assert head.content == b""
    for name in ("content-type", "etag", "cache-control"):
        assert head.headers[name] == got.headers[name]
