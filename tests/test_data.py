"""The curated data says what its sources say: every figure a claim, every quote verbatim.

These are the checks a reader makes with the source text open beside the graph. The figures are
found in the text by a regular expression, so a figure the curators missed (or a claim that no
figure supports) fails here, naming it. Web pages are cited, never quoted: facts from them carry
a locator. A curator's reading (the essay's "we" read as the CAS) is an interpretation that marks
the triple it reads into the data.
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
CAS = URIRef(ID + "chinese-academy-of-sciences")
ANSO = URIRef(ID + "alliance-of-international-science-organisations-in-the-belt-and-road-region")
SOURCE_TEXT = PROJECT_ROOT / "data" / "sources" / "000_9062d226fb903724.txt"

#: Curated classes; countries are generated from pycountry and carry dcterms:source instead.
CURATED = (
    SC.Actor,
    SC.Partnership,
    SC.Programme,
    SC.Outcome,
    SC.QuantitativeClaim,
    SC.Event,
    SC.Activity,
    SC.Interpretation,
)

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
    for name in (
        "sources",
        "actors",
        "programmes",
        "partnerships",
        "outcomes",
        "claims",
        "events",
        "measures",
        "interpretations",
        "partners",
    ):
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
    claims = {
        claim
        for claim in dataset.subjects(RDF.type, SC.QuantitativeClaim)
        if (claim, PROV.wasDerivedFrom, SOURCE) in dataset
    }
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


def _web_pages(dataset: Graph) -> set[Node]:
    return set(dataset.subjects(RDF.type, SC.WebPage))


def test_every_curated_node_has_source_quote_and_one_english_label(dataset: Graph) -> None:
    curated = _curated(dataset)
    assert len(curated) > 100
    pages = _web_pages(dataset)
    for node in sorted(curated):
        sources = set(dataset.objects(node, PROV.wasDerivedFrom))
        assert sources and sources <= pages | {SOURCE}, node
        # A node from the essay quotes it; a node from web pages only quotes nothing.
        assert bool(list(dataset.objects(node, SC.quote))) == (SOURCE in sources), node
        english = [x for x in dataset.objects(node, RDFS.label) if x.language == "en"]
        assert len(english) == 1, node


def test_facts_from_web_pages_carry_a_short_locator(dataset: Graph) -> None:
    pages = _web_pages(dataset)
    located = 0
    for node, page in dataset.subject_objects(PROV.wasDerivedFrom):
        if page not in pages:
            continue
        locators = [
            str(dataset.value(d, SC.locator))
            for d in dataset.objects(node, PROV.qualifiedDerivation)
            if dataset.value(d, PROV.entity) == page
        ]
        assert len(locators) == 1, (node, page)
        # A locator points into the page in a few words; it is not a sentence copied from it.
        assert 0 < len(locators[0]) <= 80 and not locators[0].endswith("."), (node, locators)
        located += 1
    assert located > 50


def test_web_pages_name_address_publisher_and_day_read(dataset: Graph) -> None:
    pages = _web_pages(dataset)
    assert len(pages) >= 5
    for page in pages:
        assert str(dataset.value(page, SC.url)).startswith(("http://", "https://")), page
        assert dataset.value(page, DCTERMS.publisher) is not None, page
        assert dataset.value(page, DCTERMS.title) is not None, page
        assert str(dataset.value(page, SC.dateRead)) == "2026-12-06", page
        assert dataset.value(page, SC.sourceText) is None, page
    issued = {str(p)[len(ID) :]: str(dataset.value(p, DCTERMS.issued)) for p in pages}
    assert issued["page-hungarian-academy-anso-governing-board"] == "2020-11-25"
    assert issued["page-cas-has-built-10-overseas-centres"] == "2019-04-16"
    # Every page supports something.
    assert all((None, PROV.wasDerivedFrom, page) in dataset for page in pages)


def test_named_partners_have_country_kind_and_source(dataset: Graph) -> None:
    """Organisations the web pages name as ANSO members or CAS partners, each with its source."""
    partners: set[Node] = set()
    for partnership in dataset.subjects(SC.party, ANSO):
        partners |= set(dataset.objects(partnership, SC.party))
    for partnership in dataset.subjects(SC.party, CAS):
        if dataset.value(partnership, SC.partnershipKind) == SC.CooperationAgreement:
            partners |= set(dataset.objects(partnership, SC.party))
    named = {
        p
        for p in partners - {ANSO, CAS}
        if (p, RDF.type, SC.Organisation) in dataset
        and _web_pages(dataset) & set(dataset.objects(p, PROV.wasDerivedFrom))
    }
    assert len(named) >= 15, sorted(named)
    countries = {p: dataset.value(p, SC.country) for p in named}
    assert countries[URIRef(ID + "jomo-kenyatta-university-of-agriculture-and-technology")] == (
        URIRef(ID + "kenya")
    )
    assert countries[URIRef(ID + "hungarian-academy-of-sciences")] == URIRef(ID + "hungary")
    # International organisations have no country; every other partner has one, generated.
    for partner, country in countries.items():
        international = (partner, RDF.type, SC.InternationalOrganisation) in dataset
        assert (country is None) == international, partner
        if country is not None:
            assert (country, RDF.type, SC.CountryOrRegion) in dataset, partner
            assert (country, SC.m49Region, None) in dataset, partner


def test_membership_is_modelled_one_way(dataset: Graph) -> None:
    assert (None, SC.memberOf, None) not in dataset
    assert (None, SC.hasMember, None) not in dataset
    memberships = set(dataset.subjects(SC.partnershipKind, SC.Membership))
    of_anso = {m for m in memberships if (m, SC.party, ANSO) in dataset}
    assert len(of_anso) >= 15
    for membership in of_anso:
        assert len(set(dataset.objects(membership, SC.party))) == 2, membership


def test_claims_on_one_measure_stand_side_by_side(dataset: Graph) -> None:
    measure = URIRef(ID + "measure-countries-of-anso-member-organisations")
    claims = set(dataset.subjects(SC.onMeasure, measure))
    found = {
        (
            str(dataset.value(c, SC.value)),
            str(dataset.value(c, PROV.wasDerivedFrom))[len(ID) :],
            str(dataset.value(c, SC.pointInTime, default="")),
        )
        for c in claims
    }
    assert found == {
        ("48", "striving-to-create-a-new-horizon", ""),
        ("37", "page-hungarian-academy-anso-governing-board", "2020-11-25"),
        ("50", "page-tubitak-selected-board-anso", ""),
    }
    # Every claim is on one measure and concerns a named actor or partnership.
    for claim in dataset.subjects(RDF.type, SC.QuantitativeClaim):
        assert len(list(dataset.objects(claim, SC.onMeasure))) == 1, claim
        for target in dataset.objects(claim, SC.concerns):
            types = set(dataset.objects(target, RDF.type))
            assert SC.Actor in types or SC.Partnership in types, (claim, target)
    about_cas = {str(c)[len(ID) :] for c in dataset.subjects(SC.concerns, CAS)}
    assert about_cas == {
        "claim-cas-cooperation-agreements-institutions",
        "claim-cas-cooperation-agreements-countries-and-regions",
        "claim-cas-overseas-centres",
        "claim-cas-overseas-centres-2019",
        "claim-cas-shared-genomic-data",
    }


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


#: The triples that read the essay's "we" as the CAS (and its author as the CAS's head).
READINGS = {
    ("alliance-of-international-science-organisations-in-the-belt-and-road-region", SC.foundedBy),
    ("overseas-centres-for-science-and-education-cooperation", SC.producedBy),
    ("claim-cas-overseas-centres", SC.concerns),
    ("cas-project-to-expand-cooperation-in-science-and-education", SC.launchedBy),
    ("cas-action-plan-for-cooperation-along-the-belt-and-road", SC.launchedBy),
    ("help-with-cash-crop-cultivation", SC.producedBy),
    ("help-with-ecological-diversity-conservation", SC.producedBy),
    ("help-with-drinking-water-safety", SC.producedBy),
    ("cas-help-for-related-countries", SC.party),
    ("hou-jianguo", SC.headOf),
}


def test_we_read_as_the_cas_is_marked_as_an_interpretation(dataset: Graph) -> None:
    marked = {}
    for reading in dataset.subjects(RDF.type, SC.Interpretation):
        s, p, o = (dataset.value(reading, x) for x in (RDF.subject, RDF.predicate, RDF.object))
        assert (s, p, o) in dataset, f"{reading} marks a triple the data does not assert"
        assert dataset.value(reading, SKOS.editorialNote) is not None, reading
        assert SOURCE in set(dataset.objects(reading, PROV.wasDerivedFrom)), reading
        marked[(str(s)[len(ID) :], p)] = reading
        assert o == CAS
    assert set(marked) == READINGS
    # Readings of "we" quote the sentence that says "We"; two are borne out by a web page.
    supported = {
        key
        for key, reading in marked.items()
        if _web_pages(dataset) & set(dataset.objects(reading, PROV.wasDerivedFrom))
    }
    assert supported == {
        (
            "alliance-of-international-science-organisations-in-the-belt-and-road-region",
            SC.foundedBy,
        ),
        ("overseas-centres-for-science-and-education-cooperation", SC.producedBy),
        ("claim-cas-overseas-centres", SC.concerns),
        ("hou-jianguo", SC.headOf),
    }
    for (slug, _p), reading in marked.items():
        if slug != "hou-jianguo":
            assert str(dataset.value(reading, SC.quote)).startswith("We have"), slug
    # No note claims a role for the author that the essay does not state.
    notes = " ".join(str(n) for n in dataset.objects(None, SKOS.editorialNote))
    assert "writes as head of the CAS" not in notes
    # The CAS plan is not merged into the national Belt and Road plan the source also names.
    national = URIRef(ID + "belt-and-road-science-and-technology-innovation-action-plan")
    assert (national, SC.launchedBy, None) not in dataset


def test_quotes_sit_on_the_nodes_their_sentence_is_about(dataset: Graph) -> None:
    """The sentence on the CAS's exchanges names neither CAS programme: it is not their quote."""
    exchanges = "The CAS has given full play to its advantages by strengthening exchanges"
    holders = {
        str(node)[len(ID) :]
        for node, quote in dataset.subject_objects(SC.quote)
        if str(quote).startswith(exchanges)
    }
    assert holders == {
        "relevant-countries-and-regions-in-cas-exchanges",
        "cas-exchanges-and-cooperation-with-relevant-countries-and-regions",
    }


def test_the_audit_findings_are_in_the_graph(dataset: Graph) -> None:
    congress18 = URIRef(ID + "18th-national-congress-of-the-communist-party-of-china")
    congress20 = URIRef(ID + "20th-national-congress-of-the-communist-party-of-china")
    pledge = URIRef(ID + "commitment-to-expand-st-exchanges-and-cooperation")
    assert dataset.value(pledge, SC.atEvent) == congress20
    assert str(dataset.value(pledge, SC.pledge)).startswith("will expand science and technology")
    since_18th = {str(n)[len(ID) :] for n in dataset.subjects(SC.since, congress18)}
    assert since_18th == {
        "belt-and-road-science-and-technology-innovation-action-plan",
        "international-cooperation-programme-for-carbon-neutrality",
        "international-anti-pandemic-cooperation-action",
        "participation-of-china-in-global-governance-of-st-innovation",
    }
    assert (
        None,
        SKOS.editorialNote,
        Literal(
            "The 18th and 20th National Congresses of the CPC are named in the source as points of "
            "reference, not modelled as dates or claims.",
            lang="en",
        ),
    ) not in dataset
    # Weakened findings, now queryable.
    fields = {str(f) for f in dataset.objects(None, SC.cooperationField)}
    assert fields == {"platform building", "programme organisation", "talent training"}
    assert dataset.value(CAS, SC.standing) == Literal("national-level institution", lang="en")
    establishment = URIRef(
        ID + "establishment-of-the-international-research-centre-of-big-data-for-sdgs"
    )
    centre = URIRef(
        ID + "international-research-centre-of-big-data-for-sustainable-development-goals"
    )
    commitment = URIRef(ID + "commitment-of-xi-jinping-at-the-united-nations-general-assembly")
    assert dataset.value(establishment, SC.establishes) == centre
    assert dataset.value(establishment, SC.fulfils) == commitment
    assert dataset.value(establishment, SC.producedBy) == CAS
    assert dataset.value(commitment, SC.agent) == URIRef(ID + "xi-jinping")
    help_ = URIRef(ID + "cas-help-for-related-countries")
    assert dataset.value(help_, SC.partnershipKind) == SC.CapacityBuilding
