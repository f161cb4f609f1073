"""Generated triples served by a real server read back, in every format it offers, as written.

Hypothesis draws a few dozen small graphs (arbitrary text and control characters, mixed-case
language tags, IRIs with non-ASCII, percent-escapes, queries and fragments, blank nodes); each
becomes one N-Triples file, so one named graph, of a temporary data folder served by uvicorn.
Then for each graph: ``CONSTRUCT`` on ``/sparql`` in every RDF format, the ``/doc`` page of a
resource in it in every format, and the ``/dump.nq`` and ``/dump.trig`` dumps, each parsed back
by rdflib (or, for our JSON-LD, pyoxigraph) and compared with the triples written.

Only what the loader keeps as written is drawn: it reads data with rdflib, which normalises
typed literals ("01"^^xsd:integer becomes "1"), and Oxigraph stores numbers by value; and no
IRI holds a character rdflib's N-Triples parser takes for a space (``tests/query/test_roundtrip.py``
covers both).
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass

import httpx
import pyoxigraph
import pytest
import rdflib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyoxigraph import BlankNode, Literal, NamedNode, Triple
from rdflib.compare import isomorphic

from kg.query.answers import write_graph
from kg.query.formats import CannotWrite, by_name

pytestmark = pytest.mark.integration

ID = "https://w3id.org/scicoop/id/"
EX = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"
EXAMPLES = 24
#: media type → rdflib parser, for the formats /sparql answers CONSTRUCT in.
GRAPH_FORMATS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}

# --- what is served ------------------------------------------------------------------------------

TEXT = st.text(
    st.characters(exclude_categories=("Cs",)) | st.sampled_from('"\\\n\r\t\x00<>&'), max_size=12
)
TAGS = st.from_regex(
    r"[a-zA-Z]{2,3}(-[a-zA-Z]{4})?(-[a-zA-Z]{2})?(-x-[a-zA-Z0-9]{1,8})?", fullmatch=True
)
#: Path pieces: ASCII a Turtle local name must escape, percent-escapes, non-ASCII letters.
PIECES = st.sampled_from(
    list(string.ascii_letters + string.digits + "-._~!$&'()*+,;=:@")
    + ["%20", "%C3%A9", "é", "漢", "\U00010400", "/", "?q=1", "#f"]
)


def _valid(iri: str) -> bool:
    """An IRI to pyoxigraph, and no character rdflib's N-Triples parser reads as a space."""
    try:
        NamedNode(iri)
    except ValueError:
        return False
    return not any(char.isspace() for char in iri)


IRIS = st.builds(
    str.__add__,
    st.sampled_from([EX, EX + "ns#", ID + "x/", "urn:x-test:", "http://例え.テスト/"]),
    st.lists(PIECES, max_size=6).map("".join),
).filter(_valid)
LITERALS = st.one_of(
    TEXT.map(Literal),
    st.builds(lambda text, tag: Literal(text, language=tag), TEXT, TAGS),
    st.builds(lambda text, iri: Literal(text, datatype=NamedNode(iri)), TEXT, IRIS),
    st.integers().map(lambda n: Literal(str(n), datatype=NamedNode(XSD + "integer"))),
    st.sampled_from(["true", "false"]).map(
        lambda b: Literal(b, datatype=NamedNode(XSD + "boolean"))
    ),
)
NODES = IRIS.map(NamedNode) | st.sampled_from(["b0", "b1"]).map(BlankNode)
#: One resource per graph with its own slug, so its /doc page can be fetched.
GRAPHS = st.lists(
    st.tuples(st.booleans(), NODES, IRIS.map(NamedNode), NODES | LITERALS), min_size=1, max_size=5
)


@dataclass
class Served:
    """One example: its triples, the resource whose /doc page shows them, its file's stem."""

    stem: str
    resource: str
    triples: list[Triple]


def _drawn() -> list[Served]:
    """``EXAMPLES`` graphs drawn once (derandomized, so a failure reproduces)."""
    found: list[Served] = []

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(rows=GRAPHS)
    def draw(rows: list[tuple[bool, object, NamedNode, object]]) -> None:
        index = len(found)
        resource = NamedNode(f"{ID}roundtrip-{index}")
        triples = []
        for about_resource, subject, predicate, value in rows:
            triples.append(Triple(resource if about_resource else subject, predicate, value))  # type: ignore[arg-type]
        triples.append(Triple(resource, NamedNode(EX + "index"), Literal(str(index))))
        found.append(Served(f"roundtrip-{index:02d}", resource.value, triples))

    draw()
    return found


# --- reading back --------------------------------------------------------------------------------


def rdflib_graph(triples: list[Triple]) -> rdflib.Graph:
    """pyoxigraph triples as an rdflib graph, lexical forms as written."""
    graph = rdflib.Graph()
    for triple in triples:
        graph.add(tuple(_term(t) for t in (triple.subject, triple.predicate, triple.object)))  # type: ignore[arg-type]
    return graph


def _term(term: object) -> rdflib.term.Node:
    if isinstance(term, NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, BlankNode):
        return rdflib.BNode(term.value)
    assert isinstance(term, Literal)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language, normalize=False)
    datatype = None if term.datatype.value == XSD + "string" else rdflib.URIRef(term.datatype.value)
    return rdflib.Literal(term.value, datatype=datatype, normalize=False)


def assert_same(parsed: rdflib.Graph, expected: rdflib.Graph, what: str, body: bytes) -> None:
    if isomorphic(parsed, expected):
        return
    missing = sorted(" ".join(t.n3() for t in triple) for triple in set(expected) - set(parsed))
    extra = sorted(" ".join(t.n3() for t in triple) for triple in set(parsed) - set(expected))
    pytest.fail(f"{what}: read back differs\nmissing: {missing}\nextra: {extra}\n{body!r}")


@dataclass
class Live:
    url: str
    examples: list[Served]
    graphs: dict[str, str]  # file stem → named graph IRI
    context: dict[str, object]


@pytest.fixture(scope="module")
def live(
    start_server: Callable[..., AbstractContextManager[object]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Live]:
    """A server over the drawn graphs (and the test ontology)."""
    before = rdflib.NORMALIZE_LITERALS
    rdflib.NORMALIZE_LITERALS = False  # compare lexical forms as served
    examples = _drawn()
    folder = tmp_path_factory.mktemp("roundtrip")
    data = folder / "data"
    data.mkdir()
    for example in examples:
        body = pyoxigraph.serialize(example.triples, format=pyoxigraph.RdfFormat.N_TRIPLES)
        (data / f"{example.stem}.nt").write_bytes(body)
    # A literal XML 1.0 cannot hold, for the 406s.
    (data / "nul.nt").write_text(f'<{ID}nul> <{EX}note> "a\\u0000b" .\n', encoding="utf-8")
    with start_server(folder, KG_DATA_DIR=str(data)) as server:
        url = server.url  # type: ignore[attr-defined]
        rows = httpx.get(
            url + "/sparql",
            params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"},
            headers={"Accept": "application/sparql-results+json"},
        ).json()["results"]["bindings"]
        graphs = {row["g"]["value"].rsplit("/", 1)[-1]: row["g"]["value"] for row in rows}
        context = httpx.get(url + "/context.jsonld").json()["@context"]
        yield Live(url, examples, graphs, context)
    rdflib.NORMALIZE_LITERALS = before


def _construct(live: Live, example: Served, media_type: str) -> httpx.Response:
    query = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"
    return httpx.get(
        live.url + "/sparql",
        params={"query": query, "named-graph-uri": live.graphs[example.stem]},
        headers={"Accept": media_type},
    )


def _writable_as_xml(triples: list[Triple]) -> bool:
    """Whether our RDF/XML writer takes ``triples`` (else the server must answer 406)."""
    try:
        write_graph(triples, by_name("rdf"))
    except CannotWrite:
        return False
    return True


def test_every_graph_was_loaded(live: Live) -> None:
    assert len(live.examples) == EXAMPLES
    assert {example.stem for example in live.examples} <= set(live.graphs)


@pytest.mark.parametrize("media_type", GRAPH_FORMATS)
def test_construct_answers_read_back(live: Live, media_type: str) -> None:
    for example in live.examples:
        if media_type == "application/rdf+xml" and not _writable_as_xml(example.triples):
            continue  # see test_construct_refuses_rdf_xml_it_cannot_write
        answer = _construct(live, example, media_type)
        assert answer.status_code == 200, answer.text
        parsed = rdflib.Graph().parse(data=answer.content, format=GRAPH_FORMATS[media_type])
        expected = rdflib_graph(example.triples)
        assert_same(parsed, expected, f"{example.stem} as {media_type}", answer.content)


@pytest.mark.parametrize(("path", "parser"), [("/dump.nq", "nquads"), ("/dump.trig", "trig")])
def test_dumps_hold_every_graph_as_written(live: Live, path: str, parser: str) -> None:
    answer = httpx.get(live.url + path)
    assert answer.status_code == 200
    dataset = rdflib.Dataset().parse(data=answer.content, format=parser)
    for example in live.examples:
        parsed = rdflib.Graph()
        for triple in dataset.graph(rdflib.URIRef(live.graphs[example.stem])):
            parsed.add(triple)
        assert_same(parsed, rdflib_graph(example.triples), f"{example.stem} in {path}", b"")


def description(example: Served) -> list[Triple]:
    """What ``kg/queries/describe_resource.rq`` gives for the resource: its triples and those of
    the blank nodes they lead to, two levels deep (the drawn IRIs have no labels, types or
    links to the resource, the other parts of that query)."""
    about = [t for t in example.triples if t.subject == NamedNode(example.resource)]
    level = {t.object for t in about if isinstance(t.object, BlankNode)}
    for _ in range(2):
        below = [t for t in example.triples if t.subject in level]
        about += [t for t in below if t not in about]
        level = {t.object for t in below if isinstance(t.object, BlankNode)}
    return about


@pytest.mark.parametrize("extension", ["ttl", "nt", "rdf", "jsonld"])
def test_doc_pages_read_back(live: Live, extension: str) -> None:
    for example in live.examples:
        slug = example.resource[len(ID) :]
        answer = httpx.get(f"{live.url}/doc/{slug}.{extension}")
        expected = description(example)
        if extension == "rdf" and not _writable_as_xml(expected):
            assert answer.status_code == 406, answer.text
            assert answer.text.startswith("application/rdf+xml cannot carry this answer: ")
            continue
        assert answer.status_code == 200, answer.text
        if extension == "jsonld":
            # The context is embedded: pyoxigraph, which loads no remote one, reads it as is.
            parsed = rdflib_graph(
                list(pyoxigraph.parse(answer.content, format=pyoxigraph.RdfFormat.JSON_LD))
            )
        else:
            parser = {"ttl": "turtle", "nt": "nt", "rdf": "xml"}[extension]
            parsed = rdflib.Graph().parse(data=answer.content, format=parser)
        assert_same(parsed, rdflib_graph(expected), f"/doc/{slug}.{extension}", answer.content)


def test_doc_refuses_rdf_xml_for_a_literal_xml_cannot_hold(live: Live) -> None:
    page = httpx.get(live.url + "/doc/nul", headers={"Accept": "application/rdf+xml"})
    assert page.status_code == 406
    assert page.text == (
        f"application/rdf+xml cannot carry this answer: a literal of <{EX}note> holds U+0000, "
        "which XML 1.0 cannot hold; ask for text/turtle, application/n-triples, "
        "application/ld+json, application/n-quads, application/trig\n"
    )
    turtle = httpx.get(live.url + "/doc/nul", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200
    parsed = rdflib.Graph().parse(data=turtle.content, format="turtle")
    assert rdflib.Literal("a\x00b") in set(parsed.objects())


def test_construct_refuses_rdf_xml_it_cannot_write(live: Live) -> None:
    example = next(e for e in live.examples if not _writable_as_xml(e.triples))
    answer = _construct(live, example, "application/rdf+xml")
    assert answer.status_code == 406, answer.text
    assert answer.text.startswith("application/rdf+xml cannot carry this answer: ")


def test_select_refuses_xml_for_a_literal_xml_cannot_hold(live: Live) -> None:
    answer = httpx.get(
        live.url + "/sparql",
        params={"query": f"SELECT ?o WHERE {{ <{ID}nul> ?p ?o }}"},
        headers={"Accept": "application/sparql-results+xml"},
    )
    assert answer.status_code == 406, answer.text
    assert "a value holds U+0000, which XML 1.0 cannot hold" in answer.text
