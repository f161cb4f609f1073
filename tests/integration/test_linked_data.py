"""Dereferencing IRIs on a live server over the repository's real graph, as consumers' tools do.

Each RDF answer is read back by a second parser (rdflib and pyoxigraph), compared triple for
triple, and checked against what the SPARQL endpoint says about the same resource.
"""

from __future__ import annotations

from email.utils import format_datetime, parsedate_to_datetime

import httpx
import pyoxigraph
import pytest
import rdflib
from rdflib import RDF, RDFS, Literal, URIRef

from kg.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration

BASE = "https://w3id.org/scicoop/"
SC = rdflib.Namespace(BASE + "ontology#")
ID = rdflib.Namespace(BASE + "id/")
CAS = ID["chinese-academy-of-sciences"]
ALLIANCE = ID["alliance-of-international-science-organisations-in-the-belt-and-road-region"]
SOURCE = ID["striving-to-create-a-new-horizon"]
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
DCTERMS = rdflib.Namespace("http://purl.org/dc/terms/")
CC_BY = "https://creativecommons.org/licenses/by/4.0/"
DOC = "/doc/chinese-academy-of-sciences"
#: format extension -> (media type, rdflib parser name, pyoxigraph format)
FORMATS = {
    "ttl": ("text/turtle", "turtle", pyoxigraph.RdfFormat.TURTLE),
    "nt": ("application/n-triples", "nt", pyoxigraph.RdfFormat.N_TRIPLES),
    "rdf": ("application/rdf+xml", "xml", pyoxigraph.RdfFormat.RDF_XML),
    "jsonld": ("application/ld+json", "json-ld", None),
}


def _nt_set(graph: rdflib.Graph) -> set[str]:
    """The triples as N-Triples lines (the descriptions hold no blank nodes)."""
    return {line for line in graph.serialize(format="nt").splitlines() if line.strip()}


def _ox_set(body: bytes, fmt: pyoxigraph.RdfFormat, base_iri: str) -> set[str]:
    triples = pyoxigraph.parse(body, format=fmt, base_iri=base_iri)
    return {str(t) + " ." for t in triples}


def _sparql_nt(url: str, query: str) -> set[str]:
    answer = httpx.get(
        url + "/sparql", params={"query": query}, headers={"Accept": "application/n-triples"}
    )
    assert answer.status_code == 200, answer.text
    return {line for line in answer.text.splitlines() if line.strip()}


def test_rdflib_follows_the_303_from_the_iri_and_gets_the_triples(real_url: str) -> None:
    graph = rdflib.Graph().parse(real_url + "/id/chinese-academy-of-sciences")
    # The document is fetched from localhost, but the data keeps its canonical IRIs.
    assert (CAS, RDF.type, SC.Academy) in graph
    assert (CAS, RDFS.label, Literal("Chinese Academy of Sciences", lang="en")) in graph
    assert (CAS, RDFS.label, Literal("中国科学院", lang="zh")) in graph
    assert (CAS, PROV.wasDerivedFrom, SOURCE) in graph


def test_the_iri_answers_303_to_its_document_without_the_query_string(real_url: str) -> None:
    answer = httpx.get(real_url + "/id/chinese-academy-of-sciences?utm=x")
    assert answer.status_code == 303
    assert answer.headers["location"] == DOC
    assert f'<{DOC}>; rel="describedby"' in answer.headers["link"]


@pytest.mark.parametrize("extension", sorted(FORMATS))
def test_every_format_reads_the_same_in_a_second_parser(real_url: str, extension: str) -> None:
    media_type, rdflib_name, ox_format = FORMATS[extension]
    turtle = httpx.get(real_url + DOC + ".ttl")
    reference = _ox_set(turtle.content, pyoxigraph.RdfFormat.TURTLE, real_url + DOC)
    answer = httpx.get(real_url + DOC + "." + extension)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == f"{media_type}; charset=utf-8"
    # rdflib fetches the published context of the JSON-LD answer from this server.
    read_by_rdflib = _nt_set(
        rdflib.Graph().parse(data=answer.content, format=rdflib_name, publicID=real_url + DOC)
    )
    assert read_by_rdflib == reference
    if ox_format is not None:
        assert _ox_set(answer.content, ox_format, real_url + DOC) == reference
    assert len(reference) > 50


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("text/turtle;q=0.5, application/rdf+xml", "application/rdf+xml"),
        ("application/ld+json", "application/ld+json"),
        ("application/n-triples, text/turtle;q=0.9", "application/n-triples"),
        # Chromium's Accept header: the page, not RDF/XML through application/xml;q=0.9.
        (
            "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
            "text/html",
        ),
        # rdflib's own Accept header for Graph.parse(url).
        (
            "application/rdf+xml, text/rdf+xml, text/xml;q=0.9, "
            "application/xhtml+xml;q=0.5, */*;q=0.1",
            "application/rdf+xml",
        ),
        ("*/*", "text/turtle"),
        ("text/turtle;q=0, */*", "application/ld+json"),
    ],
)
def test_the_document_negotiates_by_accept_with_q_values(
    real_url: str, accept: str, expected: str
) -> None:
    answer = httpx.get(real_url + DOC, headers={"Accept": accept})
    assert answer.status_code == 200
    assert answer.headers["content-type"].split(";")[0] == expected
    assert "Accept" in answer.headers["vary"]


def test_nothing_acceptable_is_406_listing_the_offered_types(real_url: str) -> None:
    answer = httpx.get(real_url + DOC, headers={"Accept": "image/png"})
    assert answer.status_code == 406
    for media_type in ("text/turtle", "application/ld+json", "application/rdf+xml", "text/html"):
        assert media_type in answer.text


def test_an_extension_forces_the_format_whatever_accept_says(real_url: str) -> None:
    answer = httpx.get(real_url + DOC + ".nt", headers={"Accept": "text/html"})
    assert answer.headers["content-type"] == "application/n-triples; charset=utf-8"
    page = httpx.get(real_url + DOC + ".html", headers={"Accept": "text/turtle"})
    assert page.headers["content-type"] == "text/html; charset=utf-8"


def test_headers_link_the_alternates_licence_and_allow_caching(real_url: str) -> None:
    answer = httpx.get(real_url + DOC)
    link = answer.headers["link"]
    for extension, (media_type, _, _) in FORMATS.items():
        assert f'<{DOC}.{extension}>; rel="alternate"; type="{media_type}"' in link
    assert f'<{DOC}.html>; rel="alternate"; type="text/html"' in link
    assert f'<{CC_BY}>; rel="license"' in link
    assert 'rel="describedby"' in link
    assert answer.headers["cache-control"] == "public, max-age=300"
    assert answer.headers["etag"].startswith('"')
    parsedate_to_datetime(answer.headers["last-modified"])


def test_revalidation_answers_304(real_url: str) -> None:
    first = httpx.get(real_url + DOC + ".ttl")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    again = httpx.get(real_url + DOC + ".ttl", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert (
        httpx.get(real_url + DOC + ".ttl", headers={"If-Modified-Since": modified}).status_code
        == 304
    )
    older = format_datetime(parsedate_to_datetime(modified).replace(year=2000), usegmt=True)
    assert (
        httpx.get(real_url + DOC + ".ttl", headers={"If-Modified-Since": older}).status_code == 200
    )
    # Another format is another representation: another ETag.
    other = httpx.get(real_url + DOC + ".nt", headers={"If-None-Match": etag})
    assert other.status_code == 200
    assert other.headers["etag"] != etag


def test_the_description_holds_describe_incoming_links_labels_and_provenance(
    real_url: str,
) -> None:
    described = _sparql_nt(real_url, f"DESCRIBE <{CAS}>")
    assert described
    answer = httpx.get(real_url + DOC + ".nt")
    document = {line for line in answer.text.splitlines() if line.strip()}
    missing = described - document
    assert not missing, f"DESCRIBE gives triples the document lacks: {sorted(missing)[:5]}"
    graph = rdflib.Graph().parse(data=answer.text, format="nt")
    partnership = ID["cas-cooperation-agreements"]
    assert (partnership, SC.party, CAS) in graph  # pointing at it
    assert (ID.china, RDFS.label, Literal("China", lang="en")) in graph  # a neighbour's label
    assert (partnership, RDF.type, SC.Partnership) in graph  # a neighbour's type
    title = (
        "Striving to Create a New Horizon of International Science and Technology "
        "Exchanges and Cooperation"
    )
    assert (SOURCE, DCTERMS.title, Literal(title, lang="en")) in graph  # the source's title
    quotes = list(graph.objects(CAS, SC.quote))
    assert any("138 research institutions" in str(q) for q in quotes)
    # Inferred types are included (from the inferred graph): CAS is an Organisation.
    assert (CAS, RDF.type, SC.Organisation) in graph


def test_json_ld_embeds_the_published_context(real_url: str) -> None:
    answer = httpx.get(real_url + DOC + ".jsonld")
    document = answer.json()
    # Embedded, so it reads offline; the same context is published at /context.jsonld.
    assert document["@context"] == httpx.get(real_url + "/context.jsonld").json()["@context"]
    nodes = document.get("@graph", [document])
    cas = next(node for node in nodes if node["@id"] == "id:chinese-academy-of-sciences")
    assert cas["label"] == {"en": "Chinese Academy of Sciences", "zh": "中国科学院"}
    assert cas["country"] == "id:china"
    assert "Academy" in cas["@type"]
    # One context, embedded: a consumer fetches nothing.
    assert answer.text.count('"@context"') == 1


def test_the_context_is_generated_from_the_ontology(real_url: str) -> None:
    answer = httpx.get(real_url + "/context.jsonld")
    assert answer.headers["content-type"].startswith("application/ld+json")
    context = answer.json()["@context"]
    assert context["sc"] == BASE + "ontology#"
    assert context["party"] == {"@id": "sc:party", "@type": "@id"}
    assert context["label"] == {"@id": "rdfs:label", "@container": "@language"}
    assert context["quote"] == {"@id": "sc:quote", "@container": "@language"}
    assert context["value"] == {"@id": "sc:value", "@type": "xsd:decimal"}
    ontology = rdflib.Graph().parse(PROJECT_ROOT / "ontology" / "scicoop.ttl")
    for cls in ontology.subjects(RDF.type, rdflib.OWL.Class):
        if str(cls).startswith(str(SC)):
            assert context[str(cls)[len(str(SC)) :]] == "sc:" + str(cls)[len(str(SC)) :]


def _ontology_terms() -> set[URIRef]:
    ontology = rdflib.Graph().parse(PROJECT_ROOT / "ontology" / "scicoop.ttl")
    return {s for s in ontology.subjects() if isinstance(s, URIRef) and str(s).startswith(str(SC))}


@pytest.mark.parametrize("extension", ["ttl", "rdf", "nt", "jsonld"])
def test_the_ontology_document_parses_and_holds_every_term(real_url: str, extension: str) -> None:
    media_type, rdflib_name, _ = FORMATS[extension]
    answer = httpx.get(real_url + "/ontology", headers={"Accept": media_type})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == f"{media_type}; charset=utf-8"
    graph = rdflib.Graph().parse(data=answer.content, format=rdflib_name)
    file_graph = rdflib.Graph().parse(PROJECT_ROOT / "ontology" / "scicoop.ttl")
    terms = _ontology_terms()
    assert len(terms) > 40
    assert terms <= set(graph.subjects())
    assert len(graph) == len(file_graph)
    assert (URIRef(BASE + "ontology"), RDF.type, rdflib.OWL.Ontology) in graph


def test_the_ontology_page_has_an_anchor_per_term(real_url: str) -> None:
    answer = httpx.get(real_url + "/ontology", headers={"Accept": "text/html"})
    assert answer.status_code == 200
    for term in _ontology_terms():
        assert f'id="{str(term)[len(str(SC)) :]}"' in answer.text


def test_a_named_graph_serves_its_file(real_url: str) -> None:
    answer = httpx.get(real_url + "/graph/data/actors", headers={"Accept": "text/turtle"})
    assert answer.status_code == 200
    served = rdflib.Graph().parse(data=answer.text, format="turtle")
    in_file = rdflib.Graph().parse(PROJECT_ROOT / "data" / "actors.ttl")
    assert _nt_set(served) == _nt_set(in_file)
    inferred = httpx.get(real_url + "/graph/inferred.nt")
    assert inferred.status_code == 200
    assert f"<{CAS}> <{RDF.type}> <{SC.Organisation}>" in inferred.text


def test_void_describes_the_dataset(real_url: str) -> None:
    answer = httpx.get(real_url + "/.well-known/void", headers={"Accept": "text/turtle"})
    assert answer.status_code == 200
    graph = rdflib.Graph().parse(data=answer.text, format="turtle")
    void = rdflib.Namespace("http://rdfs.org/ns/void#")
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    (dataset,) = graph.subjects(RDF.type, void.Dataset)
    assert (dataset, RDF.type, dcat.Dataset) in graph
    counted = httpx.get(
        real_url + "/sparql",
        params={"query": "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }"},
    ).json()["results"]["bindings"][0]["n"]["value"]
    assert graph.value(dataset, void.triples).toPython() == int(counted)
    assert (dataset, void.sparqlEndpoint, URIRef(real_url + "/sparql")) in graph
    dumps = set(graph.objects(dataset, void.dataDump))
    assert {URIRef(real_url + "/dump.ttl"), URIRef(real_url + "/dump.nq")} <= dumps
    assert (dataset, DCTERMS.license, URIRef(CC_BY)) in graph
    assert (dataset, void.uriSpace, Literal(BASE + "id/")) in graph
    examples = set(graph.objects(dataset, void.exampleResource))
    # One instance of each of five classes; each resolves here.
    assert ALLIANCE in examples and len(examples) == 5
    for example in examples:
        assert example.startswith(BASE + "id/")
    assert graph.value(dataset, void.entities).toPython() > 300
    json_ld = httpx.get(real_url + "/.well-known/void", headers={"Accept": "application/ld+json"})
    published = httpx.get(real_url + "/context.jsonld").json()["@context"]
    assert json_ld.json()["@context"] == published


def test_the_dumps_hold_every_graph(real_url: str) -> None:
    counts = httpx.get(
        real_url + "/sparql",
        params={"query": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"},
    ).json()["results"]["bindings"]
    expected = {row["g"]["value"]: int(row["n"]["value"]) for row in counts}
    assert BASE + "graph/inferred" in expected
    for name, fmt in (("nq", pyoxigraph.RdfFormat.N_QUADS), ("trig", pyoxigraph.RdfFormat.TRIG)):
        answer = httpx.get(real_url + f"/dump.{name}")
        assert answer.status_code == 200
        found: dict[str, int] = {}
        for quad in pyoxigraph.parse(answer.content, format=fmt):
            found[quad.graph_name.value] = found.get(quad.graph_name.value, 0) + 1
        assert found == expected, name
    union = rdflib.Graph().parse(data=httpx.get(real_url + "/dump.ttl").text, format="turtle")
    assert (CAS, RDF.type, SC.Academy) in union
    assert (CAS, RDF.type, SC.Organisation) in union


def test_an_unknown_iri_is_a_404_that_helps(real_url: str) -> None:
    page = httpx.get(real_url + "/id/chinese-academy-of-science", headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert 'href="/id/chinese-academy-of-sciences"' in page.text
    assert "Chinese Academy of Sciences" in page.text
    assert "/api/search?q=chinese%20academy%20of%20science" in page.text
    # An IRI cut short, as when copied from a line that wrapped.
    text = httpx.get(
        real_url + "/doc/alliance-of-international-science-organisations-in-the-belt-and-road"
    )
    assert text.status_code == 404
    assert str(ALLIANCE)[len(BASE) - 1 :].removeprefix("/") in text.text
    assert "/api/search?q=" in text.text


@pytest.mark.parametrize(
    "path",
    [
        "/doc/..%2f..%2fetc%2fpasswd",
        "/id/..%2f..%2fetc%2fpasswd",
        "/doc/%2e%2e/%2e%2e/etc/passwd",
        "/doc/" + "a" * 20_000,
        "/id/" + "a-" * 5_000 + "a",
        "/doc/chinese-academy-of-sciences.exe",
        "/doc/chinese-academy-of-sciences.ttl.ttl",
        "/doc/Chinese-Academy-Of-Sciences",
        "/doc/%00",
        "/ontology.exe",
        "/ontology/%3Cscript%3E",
        "/graph/..%2f..%2fetc%2fpasswd",
        "/graph/data/actors.exe",
    ],
)
def test_hostile_paths_are_404_not_500(real_url: str, path: str) -> None:
    answer = httpx.get(real_url + path, headers={"Accept": "text/html"})
    assert answer.status_code in (400, 404), (path, answer.status_code)
    assert "<script>" not in answer.text


@pytest.mark.parametrize(
    ("path", "status"),
    [("/id/chinese-academy-of-sciences", 303), (DOC, 200), ("/ontology", 200),
     ("/.well-known/void", 200), ("/dump.nq", 200), ("/id/no-such-thing", 404)],
)  # fmt: skip
def test_head_answers_like_get_without_a_body(real_url: str, path: str, status: int) -> None:
    head = httpx.head(real_url + path)
    assert head.status_code == status
    assert head.content == b""
    if status == 200:
        get = httpx.get(real_url + path)
        assert head.headers["content-type"] == get.headers["content-type"]
        assert head.headers.get("etag") == get.headers.get("etag")
