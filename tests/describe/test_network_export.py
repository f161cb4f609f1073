"""``kg export``: the cooperation network read back by networkx has one node per actor in a
partnership or membership and one edge per pair of parties and per membership, counted here by
SPARQL on the same files, independently of the exporter."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import networkx as nx
import pytest

from kg.cli import main
from kg.describe.network import cooperation_picture
from kg.settings import Settings
from kg.store import build_store

PREFIXES = "PREFIX sc: <https://w3id.org/scicoop/ontology#>\n"
ID = "https://w3id.org/scicoop/id/"


def _expected(settings: Settings) -> tuple[int, int]:
    """(actors, edges) of the network as the docs define it, counted with SPARQL."""
    store = build_store(settings, on_disk=False)
    try:
        actors = store.query(PREFIXES + "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { "
            "{ ?p a sc:Partnership ; sc:party ?a } UNION { ?a sc:memberOf ?b } "
            "UNION { ?b sc:memberOf ?a } }")  # fmt: skip
        nodes = int(next(iter(actors))["n"].value)  # type: ignore[index,arg-type]
        parties = store.query(PREFIXES + "SELECT ?p (COUNT(DISTINCT ?a) AS ?k) WHERE { "
            "?p a sc:Partnership ; sc:party ?a } GROUP BY ?p")  # fmt: skip
        pairs = sum(int(row["k"].value) * (int(row["k"].value) - 1) // 2 for row in parties)  # type: ignore[union-attr,index]
        members = store.query(PREFIXES + "SELECT (COUNT(*) AS ?n) WHERE { "
            "SELECT DISTINCT ?a ?b WHERE { ?a sc:memberOf ?b } }")  # fmt: skip
        memberships = int(next(iter(members))["n"].value)  # type: ignore[index,arg-type]
    finally:
        store.close()
    return nodes, pairs + memberships


def _cli(settings: Settings, *arguments: str) -> int:
    return main([
        "--ontology-dir", str(settings.ontology_dir), "--data-dir", str(settings.data_dir),
        "export", *arguments,
    ])  # fmt: skip


def test_graphml_reads_back_with_the_partnerships_counts(
    settings: Settings, tmp_path: Path
) -> None:
    output = tmp_path / "network.graphml"
    assert _cli(settings, "graphml", "--output", str(output)) == 0
    network = nx.read_graphml(output, force_multigraph=True)
    nodes, edges = _expected(settings)
    assert (network.number_of_nodes(), network.number_of_edges()) == (nodes, edges)
    assert nodes > 5 and edges > 5  # the shipped data has a network worth drawing
    # The figure that sizes a partnership travels on its edge: "over 160 countries and regions".
    china = network[ID + "china"][
        ID + "countries-and-regions-with-science-and-technology-partnerships-with-china"
    ]
    (tie,) = china.values()
    assert tie["relation"] == "partnership"
    assert tie["kind"] == "Science and technology partnership"
    assert tie["size"] == 160.0 and tie["figures"].startswith("more than 160 countries")
    assert tie["sources"] == ID + "striving-to-create-a-new-horizon"
    assert network.nodes[ID + "chinese-academy-of-sciences"]["kind"] == "Academy"


def test_gexf_and_csv_carry_the_same_network(settings: Settings, tmp_path: Path) -> None:
    nodes, edges = _expected(settings)
    assert _cli(settings, "gexf", "--output", str(tmp_path / "network.gexf")) == 0
    gephi = nx.read_gexf(tmp_path / "network.gexf")
    assert (gephi.number_of_nodes(), gephi.number_of_edges()) == (nodes, edges)
    assert _cli(settings, "csv", "--output", str(tmp_path / "csv")) == 0
    with (tmp_path / "csv" / "nodes.csv").open(encoding="utf-8") as file:
        node_rows = list(csv.DictReader(file))
    with (tmp_path / "csv" / "edges.csv").open(encoding="utf-8") as file:
        edge_rows = list(csv.DictReader(file))
    assert (len(node_rows), len(edge_rows)) == (nodes, edges)
    assert {row["relation"] for row in edge_rows} <= {"partnership", "membership"}
    ids = {row["id"] for row in node_rows}
    assert all(row["source"] in ids and row["target"] in ids for row in edge_rows)


def test_csv_needs_a_folder(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(settings, "csv") == 2
    assert "give a folder with --output" in capsys.readouterr().err


def test_a_partnership_of_three_parties_is_three_edges(
    copy_settings: Settings, project_copy: Path, tmp_path: Path
) -> None:
    (project_copy / "data" / "trilateral.ttl").write_text(
        """@prefix id: <https://w3id.org/scicoop/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix sc: <https://w3id.org/scicoop/ontology#> .
id:trilateral-test-partnership a sc:Partnership ;
    rdfs:label "A partnership of three countries"@en ;
    sc:party id:france, id:kenya, id:brazil ;
    sc:partnershipKind sc:JointResearch .
""",
        encoding="utf-8",
    )
    output = tmp_path / "network.graphml"
    assert _cli(copy_settings, "graphml", "--output", str(output)) == 0
    network = nx.read_graphml(output, force_multigraph=True)
    assert (network.number_of_nodes(), network.number_of_edges()) == _expected(copy_settings)
    trilateral = [
        (one, other) for one, other, data in network.edges(data=True)
        if data["partnership"] == ID + "trilateral-test-partnership"
    ]  # fmt: skip
    brazil, france, kenya = ID + "brazil", ID + "france", ID + "kenya"
    assert sorted(tuple(sorted(pair)) for pair in trilateral) == [
        (brazil, france), (brazil, kenya), (france, kenya),
    ]  # fmt: skip


def test_the_home_picture_keeps_the_best_connected(settings: Settings) -> None:
    store = build_store(settings, on_disk=False)
    try:
        everything = cooperation_picture(store, base=settings.base_iri)
        five = cooperation_picture(store, base=settings.base_iri, most=5)
    finally:
        store.close()
    degree = Counter(e[end] for e in everything["edges"] for end in ("source", "target"))
    fifth = sorted(degree.values(), reverse=True)[4]
    assert len(five["nodes"]) == 5
    assert all(degree[node["id"]] >= fifth for node in five["nodes"])
    assert {ID + "china", ID + "chinese-academy-of-sciences"} <= {n["id"] for n in five["nodes"]}
    kept = {n["id"] for n in five["nodes"]}
    assert all(e["source"] in kept and e["target"] in kept for e in five["edges"])
