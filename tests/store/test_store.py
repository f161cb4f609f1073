"""Store backends: chosen by name, reopened on unchanged data, serving any RDF, same answers."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import signal
import time
from pathlib import Path

import pyoxigraph
import pytest
from pydantic import ValidationError

from kg.cli import main
from kg.errors import RdfSyntaxError
from kg.query.errors import QueryTimeout, ResultTooLarge
from kg.query.formats import by_name
from kg.query.gate import prepare
from kg.query.limits import Limits
from kg.query.runner import open_runner
from kg.settings import Settings
from kg.store import MemoryStore, ResidentStore, build_store, load_any
from kg.store.remote import bind_values
from kg.store.resident import MARKER, Resident

ID = "https://w3id.org/scicoop/id/"
GRAPH = "https://w3id.org/scicoop/graph/"
CAS = pyoxigraph.NamedNode(ID + "chinese-academy-of-sciences")


def test_unknown_store_names_the_allowed_values() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(store="fuseki")
    message = str(caught.value)
    assert "KG_STORE must be one of oxigraph, memory, or sparql+http(s)://" in message
    assert "'fuseki'" in message


def test_unknown_store_from_the_environment_is_a_clear_command_line_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KG_STORE", "sparql+ftp://example.org/")
    assert main(["stats"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kg: bad setting KG_STORE: ")
    assert "sparql+http(s)://host:port/path" in err


def test_a_remote_store_needs_a_host() -> None:
    with pytest.raises(ValidationError, match="KG_STORE must be one of"):
        Settings(store="sparql+http:///query")
    assert Settings(store="sparql+https://db.example.org/ds/query").store_kind == "remote"


def _marker(folder: Path) -> dict[str, object]:
    """The marker the resident writes (from a child, after serving has begun) once it is there."""
    for _ in range(500):
        if (folder / MARKER).exists():
            return json.loads((folder / MARKER).read_text())  # type: ignore[no-any-return]
        time.sleep(0.02)
    raise AssertionError(f"no snapshot marker in {folder}")


def _stop(resident: Resident) -> None:
    """Stop a resident as a restart of the server would (its clients have gone)."""
    os.kill(resident.pid, signal.SIGTERM)
    os.waitpid(resident.pid, 0)  # this process started it


def test_reopen_on_unchanged_data_does_not_parse_again(
    copy_settings: Settings, tmp_path: Path
) -> None:
    settings = copy_settings.model_copy(update={"store_path": tmp_path / "store"})
    first = build_store(settings)
    assert isinstance(first, ResidentStore) and not first.reopened
    assert _marker(tmp_path / "store" / first.version)["version"] == first.version
    first.close()
    _stop(first.resident)  # a restart: the next resident loads the snapshot, not the files

    again = build_store(settings)
    assert isinstance(again, ResidentStore) and again.reopened
    assert again.resident.pid != first.resident.pid
    assert again.version == first.version
    assert again.named_graphs == first.named_graphs
    assert bool(again.query("ASK { ?a a <https://w3id.org/scicoop/ontology#Actor> }"))
    # A second worker of the same server joins the running resident: nothing is loaded twice.
    joined = build_store(settings)
    assert joined.reopened and joined.resident.pid == again.resident.pid
    joined.close()
    again.close()

    data = settings.data_dir / "sources.ttl"
    data.write_text(data.read_text() + "\n# an edit\n")
    rebuilt = build_store(settings)
    assert isinstance(rebuilt, ResidentStore) and not rebuilt.reopened
    assert rebuilt.version != first.version
    assert _marker(tmp_path / "store" / rebuilt.version)["version"] == rebuilt.version
    # The version nobody holds open any more was removed when the new one was built.
    assert sorted(p.name for p in (tmp_path / "store").iterdir() if p.is_dir()) == [rebuilt.version]
    rebuilt.close()


def test_a_reload_builds_beside_the_version_still_being_served(
    copy_settings: Settings, tmp_path: Path
) -> None:
    settings = copy_settings.model_copy(update={"store_path": tmp_path / "store"})
    serving = build_store(settings)
    data = settings.data_dir / "sources.ttl"
    data.write_text(data.read_text() + "\n# an edit\n")
    reloaded = build_store(settings)
    assert reloaded.version != serving.version
    # The old version is still open (another worker serves it): it stays, and still answers.
    assert _marker(tmp_path / "store" / serving.version)["version"] == serving.version
    assert bool(serving.query("ASK { ?a a <https://w3id.org/scicoop/ontology#Actor> }"))
    serving.close()
    again = build_store(settings)  # any later open removes what nobody holds any more
    assert again.reopened
    assert sorted(p.name for p in (tmp_path / "store").iterdir() if p.is_dir()) == [again.version]
    reloaded.close()
    again.close()


def test_a_store_that_failed_to_build_is_not_reopened(
    copy_settings: Settings, tmp_path: Path
) -> None:
    settings = copy_settings.model_copy(update={"store_path": tmp_path / "store"})
    broken = settings.data_dir / "actors.ttl"
    broken.write_text(broken.read_text() + "\nid:oops a .\n")
    with pytest.raises(RdfSyntaxError) as caught:
        build_store(settings)
    assert str(caught.value).startswith(f"{broken}:")
    assert caught.value.line == len(broken.read_text().splitlines())
    assert not list((tmp_path / "store").glob(f"*/{MARKER}"))


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_serving_any_rdf_keeps_dataset_graphs_and_gives_triples_files_a_graph(
    settings: Settings, tmp_path: Path
) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    _write(
        folder / "extra.trig",
        "@prefix sc: <https://w3id.org/scicoop/ontology#> .\n"
        "<http://example.org/x> a sc:Academy .\n"
        "<http://example.org/g1> { <http://example.org/y> a sc:University . }\n",
    )
    _write(
        folder / "more.nq",
        "<http://example.org/z> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        "<https://w3id.org/scicoop/ontology#Centre> <http://example.org/g2> .\n",
    )
    _write(
        folder / "plain.nt",
        "<http://example.org/w> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        "<https://w3id.org/scicoop/ontology#Enterprise> .\n",
    )
    mine = settings.model_copy(update={"data_paths": (folder,)})
    store = build_store(mine, on_disk=False)
    external = GRAPH + "external/"
    assert set(store.named_graphs) == {
        "http://example.org/g1",
        "http://example.org/g2",
        external + "extra",  # its default-graph triples; more.nq has none
        external + "plain",
        GRAPH + "inferred",
        GRAPH + "ontology/scicoop",
    }
    # the ontology is loaded, so inference makes every one of them an actor
    actors = store.query(
        "SELECT ?a WHERE { ?a a <https://w3id.org/scicoop/ontology#Actor> } ORDER BY ?a"
    )
    assert [row["a"].value for row in actors] == [  # type: ignore[union-attr,index]
        "http://example.org/w",
        "http://example.org/x",
        "http://example.org/y",
        "http://example.org/z",
    ]
    # the curated data is not served with --data
    assert not bool(store.query("ASK { ?s ?p ?o }", substitutions={pyoxigraph.Variable("s"): CAS}))
    dataset = load_any([folder], mine)
    assert {str(g.identifier) for g in dataset.graphs()} >= {
        "http://example.org/g1",
        external + "plain",
    }


def test_a_quads_file_with_an_error_names_its_line(settings: Settings, tmp_path: Path) -> None:
    bad = _write(
        tmp_path / "bad.nq",
        "<http://example.org/a> <http://example.org/p> <http://example.org/b> .\n"
        "<http://example.org/a> <http://example.org/p> .\n",
    )
    with pytest.raises(RdfSyntaxError) as caught:
        build_store(settings.model_copy(update={"data_paths": (bad,)}), on_disk=False)
    assert (caught.value.path, caught.value.line) == (bad, 2)


@pytest.fixture(scope="module")
def memory() -> MemoryStore:
    store = build_store(Settings(store="memory"))
    assert isinstance(store, MemoryStore)
    return store


def test_memory_backend_answers_with_pyoxigraph_objects_and_bound_values(
    memory: MemoryStore,
) -> None:
    rows = memory.query(
        "SELECT ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label "
        'FILTER(LANG(?label) = "en") }',
        substitutions={pyoxigraph.Variable("s"): CAS},
    )
    assert isinstance(rows, pyoxigraph.QuerySolutions)
    assert [row["label"] for row in rows] == [
        pyoxigraph.Literal("Chinese Academy of Sciences", language="en")
    ]
    triples = list(
        memory.query("CONSTRUCT WHERE { ?s a ?t }", substitutions={pyoxigraph.Variable("s"): CAS})
    )  # type: ignore[call-overload]
    assert all(isinstance(t, pyoxigraph.Triple) and t.subject == CAS for t in triples)
    assert pyoxigraph.NamedNode("https://w3id.org/scicoop/ontology#Actor") in {
        t.object for t in triples
    }


def test_the_resident_store_answers_as_the_store_in_this_process(settings: Settings) -> None:
    """The server's own lookups read the same pyoxigraph objects from a reader of the resident."""
    here = build_store(settings, on_disk=False)
    resident = build_store(settings)
    assert isinstance(resident, ResidentStore) and resident.named_graphs == here.named_graphs
    bound = {pyoxigraph.Variable("s"): CAS}
    for query in (
        "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?p ?o",
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "ASK { ?s a <https://w3id.org/scicoop/ontology#Actor> }",
    ):
        mine, theirs = (
            here.query(query, substitutions=bound),
            resident.query(query, substitutions=bound),
        )
        if isinstance(mine, pyoxigraph.QueryBoolean):
            assert isinstance(theirs, pyoxigraph.QueryBoolean) and bool(theirs) and bool(mine)
            continue
        if isinstance(mine, pyoxigraph.QuerySolutions):
            assert isinstance(theirs, pyoxigraph.QuerySolutions)
            assert [list(row) for row in theirs] == [list(row) for row in mine]
            continue
        triples = list(theirs)  # type: ignore[arg-type]
        assert all(isinstance(t, pyoxigraph.Triple) for t in triples)
        assert set(triples) == set(mine) and len(triples) > 10  # type: ignore[arg-type]
    with pytest.raises(SyntaxError):
        resident.query("SELECT WHERE")
    resident.close()


def test_memory_backend_reads_from_only_from_its_own_graphs(memory: MemoryStore) -> None:
    for kind, expected in (("Person", "1"), ("Actor", "0")):
        query = (
            f"SELECT (COUNT(*) AS ?n) FROM <{GRAPH}data/sources> "
            f"WHERE {{ ?s a <https://w3id.org/scicoop/ontology#{kind}> }}"
        )
        rows = list(memory.query(query))  # type: ignore[call-overload]
        # the author is a Person there; that a Person is an Actor is in the inferred graph
        assert rows[0]["n"].value == expected, kind


def test_in_process_runner_enforces_the_limit_and_the_deadline(memory: MemoryStore) -> None:
    # pyoxigraph results must be freed by the thread that made them: collect this thread's
    # garbage here, not in a query thread
    gc.collect()
    settings = Settings(store="memory", result_limit=3, query_timeout=0.1, query_workers=1)
    runner = open_runner(memory, Limits.from_settings(settings))
    listing = prepare("SELECT ?s WHERE { ?s a ?t }", named_graphs=memory.named_graphs)
    # 250 x 250 countries: over a second in rdflib, yet short enough not to outlive the test
    country = "<https://w3id.org/scicoop/ontology#CountryOrRegion>"
    slow = prepare(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a a {country} . ?b a {country} }}",
        named_graphs=memory.named_graphs,
    )

    async def scenario() -> None:
        with pytest.raises(ResultTooLarge, match="more than 3 rows"):
            await runner.run(listing, result_format=by_name("json"))
        with pytest.raises(QueryTimeout, match="stopped after 0.1 s"):
            await runner.run(slow, result_format=by_name("json"))

    try:
        asyncio.run(scenario())
    finally:
        runner.close()


def test_values_are_bound_at_the_head_of_the_where_pattern() -> None:
    iri = pyoxigraph.NamedNode("http://example.org/a")
    query = 'CONSTRUCT { ?s ?p ?o } # {not a brace}\nWHERE { ?s ?p ?o FILTER(?o != "}") }'
    bound = bind_values(query, {pyoxigraph.Variable("s"): iri})
    assert bound.endswith(
        'WHERE { VALUES (?s) { (<http://example.org/a>) } ?s ?p ?o FILTER(?o != "}") }'
    )
    with pytest.raises(TypeError, match="only IRIs and literals"):
        bind_values(query, {pyoxigraph.Variable("s"): pyoxigraph.BlankNode()})
