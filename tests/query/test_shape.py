"""A query's shape stands for every text that differs from it only in constants, and for no text
the gate would judge differently."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.query.gate import prepare
from kg.query.shape import shape
from kg.settings import PROJECT_ROOT

GRAPHS = ["https://w3id.org/scicoop/graph/data/actors"]


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (
            "SELECT ?p WHERE { <https://w3id.org/scicoop/id/china> ?p ?o }",
            "SELECT ?p WHERE { <https://w3id.org/scicoop/id/kenya> ?p ?o }",
        ),
        (
            'PREFIX id: <https://w3id.org/scicoop/id/>\nASK { id:china ?p "x"@en }',
            "PREFIX id: <https://w3id.org/scicoop/id/>\nASK { id:japan ?p 'other'@en }",
        ),
        (
            "SELECT * WHERE { ?s ?p ?o } # one comment\nLIMIT 10",
            "SELECT * WHERE {\n  ?s ?p ?o\n}  LIMIT 10",
        ),
    ],
)
def test_texts_that_differ_only_in_constants_share_a_shape(one: str, other: str) -> None:
    assert shape(one) is not None
    assert shape(one) == shape(other)
    first, second = prepare(one, named_graphs=GRAPHS), prepare(other, named_graphs=GRAPHS)
    assert (first.form, first.cost, first.default_graphs) == (
        second.form,
        second.cost,
        second.default_graphs,
    )


@pytest.mark.parametrize(
    ("one", "other"),
    [
        pytest.param(
            "SELECT * FROM <https://w3id.org/scicoop/graph/data/actors> { ?s ?p ?o }",
            "SELECT * FROM <http://elsewhere.example/graph> { ?s ?p ?o }",
            id="from",
        ),
        pytest.param(
            "SELECT * { SERVICE <http://a.example/sparql> { ?s ?p ?o } }",
            "SELECT * { SERVICE <http://b.example/sparql> { ?s ?p ?o } }",
            id="service",
        ),
        pytest.param(
            "PREFIX f: <http://www.w3.org/2001/XMLSchema#> SELECT (f:integer('1') AS ?x) {}",
            "PREFIX f: <http://example.org/functions#> SELECT (f:integer('1') AS ?x) {}",
            id="prefix",
        ),
        pytest.param(
            "SELECT (<http://www.w3.org/2001/XMLSchema#integer>('1') AS ?x) {}",
            "SELECT (<http://example.org/f>('1') AS ?x) {}",
            id="function",
        ),
        pytest.param(
            "SELECT * { ?s ?p ?o } LIMIT 10", "SELECT * { ?s ?p ?o } LIMIT 100000", id="limit"
        ),
        pytest.param("SELECT * { ?s ?p ?o }", "SELECT * { ?s ?p ?o . }", id="syntax"),
        pytest.param("SELECT * { ?s ?p ?o }", "SEL ECT * { ?s ?p ?o }", id="split-keyword"),
        pytest.param("SELECT * { ?s a id:x }", "SELECT * { ?s a ex:x }", id="another-prefix"),
    ],
)
def test_what_the_gate_reads_is_never_blanked(one: str, other: str) -> None:
    assert shape(one) != shape(other)


@pytest.mark.parametrize(
    "text",
    [
        'SELECT * { ?s ?p "\\u0022" }',  # an escape can turn a string into syntax
        'SELECT * { ?s ?p "an open string }',  # no token covers an unterminated string
    ],
)
def test_texts_the_tokens_do_not_cover_have_no_shape(text: str) -> None:
    assert shape(text) is None


@pytest.mark.parametrize(
    "path", sorted((PROJECT_ROOT / "queries").glob("*.rq")), ids=lambda p: p.stem
)
def test_every_example_query_has_a_shape(path: Path) -> None:
    assert shape(path.read_text(encoding="utf-8")) is not None
