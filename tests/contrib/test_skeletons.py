"""``kg new``: skeletons parse, carry every property the shapes require, and pass once filled in."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SH

from kg.cli import main
from kg.contrib.skeletons import KINDS, skeleton
from kg.contrib.validation import validate
from kg.errors import UnusableInputError
from kg.graph.loading import parse_text
from kg.settings import Settings

SC = "https://w3id.org/scicoop/ontology#"
BASE = "https://w3id.org/scicoop/"
#: What a contributor writes over each placeholder (nodes of the shipped data, source sentences).
FILLED = {
    "id:todo-first-party": "id:chinese-academy-of-sciences",
    "id:todo-second-party": "id:hou-jianguo",
    "id:todo-launched-by": "id:chinese-academy-of-sciences",
    "id:todo-produced-by": "id:chinese-academy-of-sciences",
    "id:todo-claim-subject": "id:chinese-academy-of-sciences",
    "TODO: what the programme is for, in the source's words": "Test aim",
    "TODO: what is counted, e.g. countries and regions with ...": "test things counted",
    "TODO: copy the sentence that supports this, exactly as the source prints it": (
        "Chinese Academy of Sciences"
    ),
}
LABELS = {
    "actor": "Test skeleton academy",
    "partnership": "Test skeleton partnership",
    "programme": "Test skeleton programme",
    "outcome": "Test skeleton outcome",
    "claim": "Test skeleton claim",
}


def fill(text: str) -> str:
    for placeholder, value in FILLED.items():
        text = text.replace(placeholder, value)
    return text


@pytest.mark.parametrize("kind", list(KINDS))
def test_filled_skeleton_validates_clean_against_the_whole_graph(
    kind: str, settings: Settings, tmp_path: Path
) -> None:
    text = skeleton(kind, label=LABELS[kind], base_iri=BASE)
    contribution = tmp_path / f"{kind}.ttl"
    contribution.write_text(fill(text), encoding="utf-8")

    report = validate([contribution], settings=settings)

    assert report.exit_code == 0, [f.message for f in report.findings]
    assert report.counts["Violation"] == 0
    # Only the prefixes kept for the optional (commented) lines may be reported as unused.
    assert {f.check for f in report.findings} <= {"prefix"}, [f.message for f in report.findings]
    assert report.nodes == 1


@pytest.mark.parametrize("kind", list(KINDS))
def test_unfilled_skeleton_is_valid_turtle_that_validation_rejects(
    kind: str, settings: Settings, tmp_path: Path
) -> None:
    text = skeleton(kind, base_iri=BASE)
    parsed = parse_text(text, path=f"{kind}.ttl")  # raises on a syntax error
    assert URIRef(f"{BASE}id/todo-new-{kind}") in set(parsed.graph.subjects())
    contribution = tmp_path / f"{kind}.ttl"
    contribution.write_text(text, encoding="utf-8")

    report = validate([contribution], settings=settings)

    assert report.exit_code == 1
    assert any(
        f.check == "quote" and f.message.startswith("sc:quote does not occur")
        for f in report.findings
    )


def _required_paths(shapes: Graph, ontology: Graph, cls: URIRef) -> set[URIRef]:
    """Paths with a minimum count in the shapes that apply to instances of ``cls``."""
    classes = set(ontology.transitive_objects(cls, RDFS.subClassOf))
    node_shapes = {s for c in classes for s in shapes.subjects(SH.targetClass, c)}
    # scs:CuratedNode selects every curated node by SPARQL; it applies to all these kinds.
    node_shapes.add(URIRef(BASE + "shapes#CuratedNode"))
    paths = set()
    for node_shape in node_shapes:
        for prop in shapes.objects(node_shape, SH.property):
            if shapes.value(prop, SH.minCount) or shapes.value(prop, SH.qualifiedMinCount):
                path = shapes.value(prop, SH.path)
                if isinstance(path, URIRef):
                    paths.add(path)
    return paths


@pytest.mark.parametrize("kind", list(KINDS))
def test_skeleton_has_every_property_the_shapes_require(kind: str, settings: Settings) -> None:
    shapes = Graph().parse(settings.shapes_dir / "scicoop.ttl")
    ontology = Graph().parse(settings.ontology_dir / "scicoop.ttl")
    graph = parse_text(skeleton(kind, slug="test-node", base_iri=BASE), path="s.ttl").graph
    node = URIRef(BASE + "id/test-node")
    cls = graph.value(node, RDF.type)
    assert isinstance(cls, URIRef)

    required = _required_paths(shapes, ontology, cls)

    assert URIRef(SC + "quote") in required  # the shapes were read
    assert required <= set(graph.predicates(node)), required - set(graph.predicates(node))


def test_slug_is_checked_and_derived_from_the_label() -> None:
    with pytest.raises(UnusableInputError, match=r"^--slug Bad_Slug: use lower-case ASCII"):
        skeleton("actor", slug="Bad_Slug", base_iri=BASE)
    assert "\nid:russian-academy-of-sciences a sc:Organisation ;" in skeleton(
        "actor", label="Russian Academy of Sciences", base_iri=BASE
    )


def test_cli_prints_writes_and_never_overwrites(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["new", "claim", "--slug", "test-claim"]) == 0
    printed = capsys.readouterr().out
    assert "\nid:test-claim a sc:QuantitativeClaim ;" in printed

    output = tmp_path / "claim.ttl"
    assert main(["new", "claim", "--slug", "test-claim", "--output", str(output)]) == 0
    assert output.read_text(encoding="utf-8") == printed
    assert capsys.readouterr().out == (
        f"{output}: written; replace every TODO, then run: kg validate {output}\n"
    )
    assert main(["new", "claim", "--output", str(output)]) == 2
    assert capsys.readouterr().err == (f"kg: {output}: already exists; choose another --output\n")
    assert main(["new", "actor", "--slug", "Not A Slug"]) == 2


def test_skeleton_follows_the_configured_base() -> None:
    text = skeleton("outcome", slug="x", base_iri="https://example.org/kg/")
    assert "@prefix id: <https://example.org/kg/id/> ." in text
    assert "@prefix sc: <https://example.org/kg/ontology#> ." in text
