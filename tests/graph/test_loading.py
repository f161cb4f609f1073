"""Loading: located syntax errors, a named graph per file, the inferred graph, the data version."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, URIRef

from kg.errors import RdfSyntaxError, UnusableInputError
from kg.graph.files import data_version
from kg.graph.loading import graph_iri, load_dataset, parse_text, rdf_files
from kg.namespaces import SC
from kg.settings import Settings

PREFIXES = "@prefix sc: <https://w3id.org/scicoop/ontology#> .\n"
PREFIXES += "@prefix id: <https://w3id.org/scicoop/id/> .\n"
PREFIXES += "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"


def test_syntax_error_names_file_line_and_column() -> None:
    text = PREFIXES + '\nid:a a sc:Academy ;\n    rdfs:label "A"@en\nid:b a sc:Academy .\n'
    with pytest.raises(RdfSyntaxError) as caught:
        parse_text(text, path="data/broken.ttl")
    error = caught.value
    assert (error.line, str(error.path)) == (7, "data/broken.ttl")
    assert error.column is not None
    assert str(error).startswith("data/broken.ttl:7:")


def test_deep_nesting_is_a_located_syntax_error_not_a_crash() -> None:
    text = PREFIXES + "id:a sc:p " + "[ sc:p " * 2000 + "]" * 1999 + " .\n"
    with pytest.raises(RdfSyntaxError) as caught:
        parse_text(text, path="deep.ttl")
    assert caught.value.line == 4


def test_subject_lines_point_at_each_block() -> None:
    text = PREFIXES + '\nid:a a sc:Academy ;\n    rdfs:label "A"@en .\n\nid:b a sc:Centre .\n'
    parsed = parse_text(text, path="x.ttl")
    assert parsed.line_of(URIRef("https://w3id.org/scicoop/id/a")) == 5
    assert parsed.line_of(URIRef("https://w3id.org/scicoop/id/b")) == 8
    assert parsed.line_of(URIRef("https://w3id.org/scicoop/id/missing")) is None


def test_unknown_paths_and_syntaxes_are_unusable(tmp_path: Path) -> None:
    with pytest.raises(UnusableInputError, match="no such file"):
        rdf_files([tmp_path / "nope.ttl"])
    (tmp_path / "data.xml").write_text("<x/>")
    with pytest.raises(UnusableInputError, match=r"data\.xml: unknown RDF syntax"):
        rdf_files([tmp_path / "data.xml"])


def _tiny_project(root: Path) -> Settings:
    (root / "ontology").mkdir()
    (root / "data").mkdir()
    (root / "ontology" / "o.ttl").write_text(
        PREFIXES + "sc:Academy rdfs:subClassOf sc:Actor .\n"
        "sc:party <http://www.w3.org/2002/07/owl#inverseOf> sc:partyTo .\n"
    )
    (root / "data" / "d.ttl").write_text(
        PREFIXES + "id:cas a sc:Academy .\nid:p a sc:Partnership ; sc:party id:cas .\n"
    )
    return Settings(ontology_dir=root / "ontology", data_dir=root / "data")


def test_dataset_has_a_graph_per_file_and_an_inferred_graph(tmp_path: Path) -> None:
    settings = _tiny_project(tmp_path)
    dataset = load_dataset(settings)
    names = {str(g.identifier) for g in dataset.graphs() if len(g)}
    base = "https://w3id.org/scicoop/graph/"
    assert names == {base + "ontology/o", base + "data/d", base + "inferred"}
    cas = URIRef("https://w3id.org/scicoop/id/cas")
    inferred = dataset.graph(URIRef(base + "inferred"))
    assert (cas, RDF.type, SC.Actor) in inferred
    assert (cas, SC.partyTo, URIRef("https://w3id.org/scicoop/id/p")) in inferred
    # asserted data stays separable from what inference adds
    assert (cas, RDF.type, SC.Actor) not in dataset.graph(URIRef(base + "data/d"))
    # the default graph is the union
    assert (cas, RDF.type, SC.Actor) in dataset


def test_graph_iri_follows_the_configured_base(tmp_path: Path) -> None:
    settings = _tiny_project(tmp_path).model_copy(update={"base_iri": "http://localhost:8000/"})
    assert graph_iri(tmp_path / "data" / "d.ttl", settings) == URIRef(
        "http://localhost:8000/graph/data/d"
    )


def test_data_version_changes_exactly_when_the_data_does(tmp_path: Path) -> None:
    settings = _tiny_project(tmp_path)
    paths = [settings.ontology_dir, settings.data_dir]
    first = data_version(paths, settings)
    assert data_version(paths, settings) == first
    (tmp_path / "data" / "d.ttl").write_text(PREFIXES + "id:cas a sc:Centre .\n")
    assert data_version(paths, settings) != first
