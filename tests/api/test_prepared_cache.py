"""Each graph version remembers the queries it vetted (never a refusal) and what it derived."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from api.deps import CACHED_QUERY_CHARS, PREPARED_QUERIES, Graph, Recent
from kg.query.errors import QueryRefused
from kg.query.limits import Limits
from kg.query.runner import open_runner
from kg.settings import Settings
from kg.store import build_store


@pytest.fixture
def graph(settings: Settings) -> Iterator[Graph]:
    store = build_store(settings, on_disk=False)
    runner = open_runner(store, Limits.from_settings(settings))
    yield Graph(store=store, executor=runner)
    runner.close()
    store.close()


def test_a_query_asked_again_is_not_vetted_again(graph: Graph) -> None:
    query = "SELECT ?s WHERE { ?s a ?type } LIMIT 3"
    first = graph.prepare(query)
    assert graph.prepare(query) is first
    assert graph.prepare(query + " ") is not first


def test_the_least_recently_asked_query_leaves_first(graph: Graph) -> None:
    # With an escape a text has no shape (kg.query.shape): only the texts themselves are kept.
    queries = [f'ASK {{ ?s ?p "\\u0041-{n}" }}' for n in range(PREPARED_QUERIES + 1)]
    first = graph.prepare(queries[0])
    for query in queries[1:-1]:
        graph.prepare(query)
    assert graph.cached(queries[0]) is first  # asked again: now the most recent
    graph.prepare(queries[-1])
    assert graph.cached(queries[0]) is first
    assert graph.cached(queries[1]) is None
    assert graph.cached(queries[-1]) is not None


def test_a_refusal_is_raised_every_time(graph: Graph) -> None:
    update = "INSERT DATA { <urn:a> <urn:b> <urn:c> }"
    for _ in range(2):
        with pytest.raises(QueryRefused):
            graph.prepare(update)
    assert graph.cached(update) is None


def test_long_queries_are_vetted_but_not_kept(graph: Graph) -> None:
    query = "SELECT * WHERE { ?s ?p ?o } LIMIT 1 #" + "x" * CACHED_QUERY_CHARS
    assert graph.prepare(query) == graph.prepare(query)
    assert graph.prepare(query) is not graph.prepare(query)


def test_what_is_derived_from_a_version_is_computed_once_even_when_none(graph: Graph) -> None:
    calls: list[str] = []

    def compute(value: str | None) -> str | None:
        calls.append(str(value))
        return value

    for _ in range(3):
        assert asyncio.run(graph.derive("a", lambda: compute("A"))) == "A"
        assert asyncio.run(graph.derive("none", lambda: compute(None))) is None
    assert calls == ["A", "None"]


def test_the_least_recently_used_entry_leaves_first() -> None:
    recent: Recent[str, int] = Recent(2)
    recent.put("a", 1)
    recent.put("b", 2)
    assert recent.get("a") == 1  # now the most recent
    recent.put("c", 3)
    assert (recent.get("a"), recent.get("b"), recent.get("c")) == (1, None, 3)


def test_a_new_text_of_a_vetted_shape_is_not_parsed_again(
    graph: Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    lookup = "SELECT ?p ?o WHERE {{ <https://w3id.org/scicoop/id/{}> ?p ?o }}"
    first = graph.prepare(lookup.format("china"))
    # The gate is not asked for the second text: its shape answers.
    monkeypatch.setattr("api.deps.prepare", lambda *a, **k: pytest.fail("parsed again"))
    second = graph.prepare(lookup.format("kenya"))
    assert second.text == lookup.format("kenya")
    assert (second.form, second.cost) == (first.form, first.cost)


def test_a_refused_text_leaves_no_shape_behind(graph: Graph) -> None:
    foreign = "SELECT * FROM <http://elsewhere.example/g> { ?s ?p ?o }"
    with pytest.raises(QueryRefused):
        graph.prepare(foreign)
    assert graph.cached(foreign) is None
    with pytest.raises(QueryRefused):
        graph.prepare(foreign.replace("elsewhere", "further"))
