"""The curated data says what its source says: every figure a claim, every quote verbatim.

These are the checks a reader makes with the source text open beside the graph. The figures are
found in the text by a regular expression, so a figure the curators missed (or a claim that no
figure supports) fails here, naming it.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS
from rdflib.term import Node

from kg.contrib.reporting import render
from kg.contrib.validation import validate
from kg.graph.loading import load_dataset
from kg.namespaces import SC
from kg.settings import PROJECT_ROOT, Settings

ID = "https://w3id.org/scicoop/id/"
SOURCE = URIRef(ID + "striving-to-create-a-new-horizon")
SOURCE_TEXT = PROJECT_ROOT / "data" / "sources" / "000_9062d226fb903724.txt"

#: Curated classes; countries are generated from pycountry and carry dcterms:source instead.
CURATED = (SC.Actor, SC.Partnership, SC.Programme, SC.Outcome, SC.QuantitativeClaim)

# A figure: an optional bound ("over", "more than"), a number in digits or the word "ten", an
# optional scale, and what follows it: "%" for a share, "th" for an ordinal (a name, no claim).
_FIGURE = re.compile(
    r"(?P<bound>\bover |\bmore than )?(?<![\w-])(?P<number>\d+(?:\.\d+)?|ten)"
    r"(?P<scale> billion)?(?P<suffix>%|th)?(?![\w-])"
)
_WORDS = {"ten": Decimal(10)}

#: Actor groups the source gives no number for: the only notes (sh:Info) the shipped data raises.
UNQUANTIFIED_GROUPS = {
    "id:relevant-countries-and-regions-in-cas-exchanges",
    "id:developing-countries-in-cas-science-and-education-cooperation-project",
    "id:related-countries-helped-by-cas-programmes",
    "id:scientists-around-the-world",
}


def _normalise(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def dataset() -> Graph:
    """Ontology, data and inferred triples in one graph, as queries see them."""
    graph = Graph()
    for s, p, o, _graph in load_dataset(Settings()).quads():
        graph.add((s, p, o))
    return graph


@pytest.fixture(scope="module")
def source_text() -> str:
    return _normalise(SOURCE_TEXT.read_text(encoding="utf-8"))


def _curated(dataset: Graph) -> set[Node]:
    nodes = {s for cls in CURATED for s in dataset.subjects(RDF.type, cls)}
    return nodes - set(dataset.subjects(RDF.type, SC.CountryOrRegion))


def test_shipped_data_validates_with_only_the_known_notes(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(PROJECT_ROOT)
    report = validate(None, settings=settings)
    shown = render(report, fmt="text")
    assert report.exit_code == 0, shown
    assert [f for f in report.findings if f.severity == "Violation"] == [], shown
    for name in ("sources", "actors", "programmes", "partnerships", "outcomes", "claims"):
        assert f"data/{name}.ttl" in report.files
    assert [f for f in report.findings if f.severity == "Warning"] == [], shown
    notes = {(f.node, f.file) for f in report.findings if f.severity == "Info"}
    assert notes == {(node, "data/actors.ttl") for node in UNQUANTIFIED_GROUPS}, shown
    assert all("no claim gives this actor group's size" in f.message for f in report.findings)


def _figures(text: str) -> list[tuple[str, Decimal, URIRef, URIRef]]:
    """(fragment, value, qualifier, unit) for every figure of the text that is a quantity."""
    found = []
    for match in _FIGURE.finditer(text):
        number, suffix = match["number"], match["suffix"]
        if suffix == "th":
            continue  # "the 18th National Congress": a name
        value = _WORDS.get(number) or Decimal(number)
        if 1900 < value < 2100 and not suffix:
            continue  # a year: checked as the period of its claim
        if match["scale"]:
            value *= Decimal(1_000_000_000)
        qualifier = SC.MoreThan if match["bound"] else SC.Exactly
        unit = SC.Percent if suffix == "%" else SC.Count
        found.append((match[0].strip(), value, qualifier, unit))
    return found


def test_the_figure_finder_sees_the_figures_a_reader_sees(source_text: str) -> None:
    assert [(f, str(v)) for f, v, _q, _u in _figures(source_text)] == [
        ("27.3%", "27.3"),
        ("over 160", "160"),
        ("more than 200", "200"),
        ("more than 60", "60"),
        ("138", "138"),
        ("64", "64"),
        ("ten", "10"),
        ("67", "67"),
        ("48", "48"),
        ("more than 18 billion", "18000000000"),
    ]


def test_every_figure_of_the_source_is_one_claim(dataset: Graph, source_text: str) -> None:
    claims = set(dataset.subjects(RDF.type, SC.QuantitativeClaim))
    matched: set[Node] = set()
    for fragment, value, qualifier, unit in _figures(source_text):
        candidates = [
            claim
            for claim in claims
            if Decimal(str(dataset.value(claim, SC.value))) == value
            and dataset.value(claim, SC.qualifier) == qualifier
            and dataset.value(claim, SC.unit) == unit
            and any(fragment in str(q) for q in dataset.objects(claim, SC.quote))
            and (claim, SC.claimSubject, None) in dataset
            and (claim, SC.measure, None) in dataset
        ]
        assert len(candidates) == 1, f"{fragment!r}: expected one claim, found {candidates}"
        matched.add(candidates[0])
    assert claims == matched, f"claims no figure supports: {sorted(claims - matched)}"


def test_share_of_highly_cited_papers_has_its_period_and_rank(dataset: Graph) -> None:
    claim = URIRef(ID + "claim-china-highly-cited-papers-global-share")
    assert dataset.value(claim, SC.value) == Literal(Decimal("27.3"))
    assert str(dataset.value(claim, SC.periodStart)) == "2011"
    assert str(dataset.value(claim, SC.periodEnd)) == "2021"
    assert dataset.value(claim, SC.rank).toPython() == 2
    assert dataset.value(claim, SC.rankScope) == Literal("in the world", lang="en")
    assert dataset.value(claim, SC.claimSubject) == URIRef(ID + "highly-cited-papers-of-china")


def test_claims_about_groups_quantify_the_group_the_source_names(dataset: Graph) -> None:
    subject = {
        str(claim)[len(ID) :]: str(dataset.value(claim, SC.claimSubject))[len(ID) :]
        for claim in dataset.subjects(RDF.type, SC.QuantitativeClaim)
    }
    assert subject["claim-china-partnerships-countries-and-regions"] == (
        "countries-and-regions-with-science-and-technology-partnerships-with-china"
    )
    assert subject["claim-cas-cooperation-agreements-institutions"] == (
        "organisations-with-cas-cooperation-agreements"
    )
    assert subject["claim-cas-cooperation-agreements-countries-and-regions"] == (
        "organisations-with-cas-cooperation-agreements"
    )
    assert subject["claim-alliance-member-organisations"] == "member-organisations-of-the-alliance"
    assert subject["claim-cas-shared-genomic-data"] == "sharing-of-genomic-data"


def test_every_quote_is_verbatim_in_the_source(dataset: Graph, source_text: str) -> None:
    quotes = list(dataset.subject_objects(SC.quote))
    assert len(quotes) > 40
    missing = [(s, str(q)) for s, q in quotes if _normalise(str(q)) not in source_text]
    assert missing == []
    assert {q.language for _s, q in quotes} == {"en"}


def test_every_curated_node_has_source_quote_and_one_english_label(dataset: Graph) -> None:
    curated = _curated(dataset)
    assert len(curated) > 40
    for node in sorted(curated):
        assert set(dataset.objects(node, PROV.wasDerivedFrom)) == {SOURCE}, node
        assert list(dataset.objects(node, SC.quote)), node
        english = [x for x in dataset.objects(node, RDFS.label) if x.language == "en"]
        assert len(english) == 1, node


def test_the_source_names_its_title_author_and_text(dataset: Graph) -> None:
    title = SOURCE_TEXT.read_text(encoding="utf-8").splitlines()[0]
    assert str(dataset.value(SOURCE, DCTERMS.title)) == title
    assert dataset.value(SOURCE, DCTERMS.creator) == URIRef(ID + "hou-jianguo")
    relative = dataset.value(SOURCE, SC.sourceText)
    assert (PROJECT_ROOT / str(relative)) == SOURCE_TEXT
    assert Path(str(relative)).as_posix() == "data/sources/000_9062d226fb903724.txt"


def test_chinese_labels_only_where_well_established(dataset: Graph) -> None:
    chinese = {
        str(node)[len(ID) :]: str(label)
        for node in _curated(dataset)
        for label in dataset.objects(node, RDFS.label)
        if label.language == "zh"
    }
    assert chinese == {
        "chinese-academy-of-sciences": "中国科学院",
        "communist-party-of-china": "中国共产党",
        "xi-jinping": "习近平",
        "alliance-of-international-science-organisations-in-the-belt-and-road-region": (
            "“一带一路”国际科学组织联盟"
        ),
        "hou-jianguo": "侯建国",
    }
    cas = URIRef(ID + "chinese-academy-of-sciences")
    assert dataset.value(cas, SKOS.altLabel) == Literal("CAS", lang="en")


def test_we_read_as_the_cas_is_attributed_and_noted(dataset: Graph) -> None:
    cas = URIRef(ID + "chinese-academy-of-sciences")
    for slug, link in [
        ("cas-project-to-expand-cooperation-in-science-and-education", SC.launchedBy),
        ("cas-action-plan-for-cooperation-along-the-belt-and-road", SC.launchedBy),
        ("overseas-centres-for-science-and-education-cooperation", SC.producedBy),
        (
            "alliance-of-international-science-organisations-in-the-belt-and-road-region",
            SC.foundedBy,
        ),
    ]:
        node = URIRef(ID + slug)
        assert dataset.value(node, link) == cas, slug
        assert "head of the CAS" in str(dataset.value(node, SKOS.editorialNote)), slug
    # The CAS plan is not merged into the national Belt and Road plan the source also names.
    national = URIRef(ID + "belt-and-road-science-and-technology-innovation-action-plan")
    assert (national, SC.launchedBy, None) not in dataset
