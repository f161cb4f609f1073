"""Content negotiation replays the Accept headers real SPARQL clients send."""

from __future__ import annotations

import warnings

import pytest
from rdflib.plugins.stores.sparqlconnector import SPARQLConnector
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from kg.query.errors import NotAcceptable
from kg.query.formats import FORMATS, Format, by_extension, by_name, negotiate

RESULTS = [fmt for fmt in FORMATS if fmt.kind == "results"]
GRAPHS = [fmt for fmt in FORMATS if fmt.kind == "graph"]
GRAPHS_AND_PAGE = [*GRAPHS, by_name("html")]

# apache/jena, jena-arq/src/main/java/org/apache/jena/riot/WebContent.java:
# defaultSparqlResultsHeader (sparqlResults built by ContentHeaderBuilder, joined with ",")
# and defaultGraphAcceptHeader.
JENA_SELECT = (
    "application/sparql-results+json,application/sparql-results+xml;q=0.9,"
    "text/tab-separated-values;q=0.7,text/csv;q=0.5,application/json;q=0.2,"
    "application/xml;q=0.2,*/*;q=0.1"
)
JENA_GRAPH = (
    "text/turtle,application/n-triples;q=0.9,application/ld+json;q=0.8,"
    "application/rdf+xml;q=0.7,*/*;q=0.3"
)
# TriplyDB/Yasgui, packages/yasqe/src/defaults.ts: acceptHeaderSelect and acceptHeaderGraph.
YASGUI_SELECT = "application/sparql-results+json,*/*;q=0.9"
YASGUI_GRAPH = "application/n-triples,*/*;q=0.9"
# Firefox's default for a page load.
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def sparqlwrapper_accept(query: str, return_format: str) -> str:
    """The Accept header SPARQLWrapper 2.0.0 itself builds for ``query`` and ``return_format``."""
    wrapper = SPARQLWrapper("http://example.org/sparql")
    wrapper.setQuery(query)
    wrapper.setReturnFormat(return_format)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return wrapper._getAcceptHeader()


SELECT = "SELECT * WHERE { ?s ?p ?o }"
CONSTRUCT = "CONSTRUCT WHERE { ?s ?p ?o }"


@pytest.mark.parametrize(
    ("return_format", "expected"),
    [(JSON, "json"), (XML, "xml"), (CSV, "csv"), (TSV, "tsv")],
)
def test_sparqlwrapper_select_gets_what_it_asked_for(return_format: str, expected: str) -> None:
    accept = sparqlwrapper_accept(SELECT, return_format)
    assert negotiate(accept, RESULTS).name == expected


@pytest.mark.parametrize(
    ("return_format", "expected"),
    [(TURTLE, "ttl"), (N3, "ttl"), (RDFXML, "rdf"), (XML, "rdf"), (JSONLD, "jsonld")],
)
def test_sparqlwrapper_construct_gets_what_it_asked_for(return_format: str, expected: str) -> None:
    accept = sparqlwrapper_accept(CONSTRUCT, return_format)
    assert negotiate(accept, GRAPHS).name == expected


@pytest.mark.parametrize(
    ("return_format", "offered", "expected"),
    [
        ("xml", RESULTS, "xml"),  # rdflib's SPARQLStore default
        ("xml", GRAPHS, "rdf"),
        ("json", RESULTS, "json"),
        ("csv", RESULTS, "csv"),
        ("tsv", RESULTS, "tsv"),
    ],
)
def test_rdflib_sparqlstore(return_format: str, offered: list[Format], expected: str) -> None:
    connector = SPARQLConnector(
        query_endpoint="http://example.org/sparql", returnFormat=return_format
    )
    assert negotiate(connector.response_mime_types(), offered).name == expected


@pytest.mark.parametrize(
    ("accept", "offered", "expected"),
    [
        (JENA_SELECT, RESULTS, "json"),
        (JENA_GRAPH, GRAPHS, "ttl"),
        (YASGUI_SELECT, RESULTS, "json"),
        (YASGUI_GRAPH, GRAPHS, "nt"),
        ("*/*", RESULTS, "json"),  # curl
        ("*/*", GRAPHS_AND_PAGE, "ttl"),
        (None, GRAPHS_AND_PAGE, "ttl"),
        (BROWSER, GRAPHS_AND_PAGE, "html"),
        (BROWSER, RESULTS, "xml"),  # application/xml;q=0.9 beats */*;q=0.8
        ("application/json", RESULTS, "json"),
        ("application/json", GRAPHS, "jsonld"),
        ("text/plain", GRAPHS, "nt"),
    ],
    ids=[
        "jena-select",
        "jena-graph",
        "yasgui-select",
        "yasgui-graph",
        "curl-select",
        "curl-page",
        "no-header",
        "browser-page",
        "browser-select",
        "json-alias",
        "json-alias-graph",
        "text-plain-ntriples",
    ],
)
def test_real_clients(accept: str | None, offered: list[Format], expected: str) -> None:
    assert negotiate(accept, offered).name == expected


def test_q_zero_refuses_even_under_a_wildcard() -> None:
    assert negotiate("text/*, text/csv;q=0", RESULTS).name == "tsv"
    assert negotiate("*/*;q=0.5, text/turtle;q=0", GRAPHS).name == "nt"


def test_specific_range_beats_wildcard_at_equal_quality() -> None:
    assert negotiate("*/*, application/rdf+xml", GRAPHS).name == "rdf"


def test_tie_goes_to_server_order() -> None:
    assert negotiate("application/ld+json, text/turtle", GRAPHS).name == "ttl"


def test_parameters_and_case_are_ignored() -> None:
    assert negotiate("Text/Turtle; charset=UTF-8", GRAPHS).name == "ttl"
    assert negotiate(
        "text/csv;charset=utf-8;q=0.4, text/tab-separated-values;q=0.3", RESULTS
    ).name == ("csv")


def test_malformed_header_is_read_leniently() -> None:
    assert negotiate("garbage, ;;, text/csv;q=abc", RESULTS).name == "csv"
    assert negotiate(",,,", RESULTS).name == "json"
    assert negotiate("*", GRAPHS).name == "ttl"


def test_nothing_acceptable_names_what_is_offered() -> None:
    with pytest.raises(NotAcceptable) as caught:
        negotiate("image/png", RESULTS)
    message = str(caught.value)
    assert "image/png" in message
    for media_type in (
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    ):
        assert media_type in message
    assert caught.value.offered == RESULTS


def test_everything_refused_is_not_acceptable() -> None:
    with pytest.raises(NotAcceptable):
        negotiate("*/*;q=0", GRAPHS)


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("json", "application/sparql-results+json"),
        ("xml", "application/sparql-results+xml"),
        ("csv", "text/csv"),
        ("tsv", "text/tab-separated-values"),
        ("ttl", "text/turtle"),
        ("turtle", "text/turtle"),
        ("nt", "application/n-triples"),
        ("jsonld", "application/ld+json"),
        ("rdf/xml", "application/rdf+xml"),
        ("rdfxml", "application/rdf+xml"),
        ("nq", "application/n-quads"),
        ("trig", "application/trig"),
        ("html", "text/html"),
        ("application/ld+json", "application/ld+json"),
        ("TTL", "text/turtle"),
    ],
)
def test_by_name(name: str, media_type: str) -> None:
    assert by_name(name).media_type == media_type


def test_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(KeyError, match="unknown format 'yaml'; use one of json, xml"):
        by_name("yaml")


@pytest.mark.parametrize(
    ("extension", "name"),
    [(".ttl", "ttl"), ("nt", "nt"), (".jsonld", "jsonld"), (".rdf", "rdf"), (".html", "html")],
)
def test_by_extension(extension: str, name: str) -> None:
    assert by_extension(extension).name == name


def test_table_is_consistent() -> None:
    names = [fmt.name for fmt in FORMATS]
    assert len(names) == len(set(names))
    for fmt in FORMATS:
        assert (fmt.oxigraph is None) == (fmt.kind == "html"), fmt.name
        if fmt.oxigraph is not None:
            # pyoxigraph names CSV and TSV with "; charset=utf-8"
            assert fmt.oxigraph.media_type.split(";")[0] == fmt.media_type, fmt.name
