"""The ontology: HermiT finds it consistent, integrity queries find nothing, RDFS types flow up.

Reasoner cases are files in tests/cases/ontology/ checked together with the shipped ontology; their
first comment lines state the verdict: ``# expect: consistent``, ``# expect: inconsistent``,
``# expect: unsatisfiable IRI`` or ``# expect: syntax error at line N``.

Integrity checks are the queries in tests/cases/ontology/integrity/: each must return no rows, and
a failure prints every row. They run over two named graphs: the ontology, and the triples that
VOCAB.md promises, built here from the list below (keep it in step with /tmp/spec/VOCAB.md).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import FOAF, OWL, PROV, RDF, RDFS, SKOS, NamespaceManager

from kg.cli import main
from kg.errors import RdfSyntaxError, ReasonerUnavailableError, UnusableInputError
from kg.graph.inference import materialise
from kg.graph.loading import parse_file
from kg.graph.reasoning import ReasonerReport, check_ontology, render_report
from kg.namespaces import ORG, SC, SDO, bind_prefixes
from kg.settings import PROJECT_ROOT

ONTOLOGY = PROJECT_ROOT / "ontology" / "scicoop.ttl"
CASES_DIR = Path(__file__).parent / "cases" / "ontology"
CASES = sorted(CASES_DIR.glob("*.ttl"))
QUERIES = sorted((CASES_DIR / "integrity").glob("*.rq"))
ONTOLOGY_GRAPH = URIRef("urn:scicoop-test:ontology")
EXPECTED_GRAPH = URIRef("urn:scicoop-test:expected")

# --- The vocabulary contract (VOCAB.md), term by term ---------------------------------------

#: class -> its superclasses
CLASSES: dict[str, list[str]] = {
    "sc:Actor": ["prov:Agent", "foaf:Agent"],
    "sc:CountryOrRegion": ["sc:Actor", "schema:AdministrativeArea"],
    "sc:Organisation": ["sc:Actor", "org:Organization", "foaf:Organization", "schema:Organization"],
    "sc:ResearchInstitution": ["sc:Organisation", "schema:ResearchOrganization"],
    "sc:Academy": ["sc:ResearchInstitution"],
    "sc:University": ["sc:Organisation", "schema:CollegeOrUniversity"],
    "sc:Enterprise": ["sc:Organisation", "schema:Corporation"],
    "sc:GovernmentBody": ["sc:Organisation", "schema:GovernmentOrganization"],
    "sc:PoliticalBody": ["sc:Organisation"],
    "sc:InternationalOrganisation": ["sc:Organisation"],
    "sc:Alliance": ["sc:Organisation", "org:OrganizationalCollaboration"],
    "sc:Centre": ["sc:Organisation"],
    "sc:Person": ["sc:Actor", "foaf:Person", "schema:Person"],
    "sc:ActorGroup": ["sc:Actor", "foaf:Group"],
    "sc:Partnership": ["prov:Activity"],
    "sc:Programme": ["prov:Plan"],
    "sc:ActionPlan": ["sc:Programme"],
    "sc:Initiative": ["sc:Programme"],
    "sc:Project": ["sc:Programme"],
    "sc:Outcome": ["prov:Entity"],
    "sc:Event": ["prov:Activity", "schema:Event"],
    "sc:Congress": ["sc:Event"],
    "sc:GeneralAssembly": ["sc:Event"],
    "sc:Founding": ["sc:Event"],
    "sc:Commitment": ["sc:Event"],
    "sc:Activity": ["prov:Activity"],
    "sc:QuantitativeClaim": ["prov:Entity"],
    "sc:Measure": ["schema:StatisticalVariable"],
    "sc:Interpretation": ["prov:Entity"],
    "sc:Source": ["prov:Entity", "schema:CreativeWork"],
    "sc:ShippedText": ["sc:Source"],
    "sc:WebPage": ["sc:Source", "schema:WebPage"],
    "sc:WorldRegion": ["schema:Place"],
    "sc:PartnershipKind": ["skos:Concept"],
    "sc:Qualifier": ["skos:Concept"],
    "sc:Unit": ["skos:Concept"],
}

#: object property -> (domain, range, super-properties, inverse); None where VOCAB.md gives none.
OBJECT_PROPERTIES: dict[str, tuple[str | None, str | None, list[str], str | None]] = {
    "sc:party": ("sc:Partnership", "sc:Actor", ["prov:wasAssociatedWith"], "sc:partyTo"),
    "sc:partyTo": ("sc:Actor", "sc:Partnership", [], None),
    "sc:partnershipKind": ("sc:Partnership", "sc:PartnershipKind", [], None),
    "sc:partOfProgramme": (None, "sc:Programme", [], "sc:includes"),
    "sc:includes": ("sc:Programme", None, [], None),
    "sc:launchedBy": ("sc:Programme", "sc:Actor", ["prov:wasAttributedTo"], "sc:launched"),
    "sc:launched": ("sc:Actor", "sc:Programme", [], None),
    "sc:participant": ("sc:Programme", "sc:Actor", [], "sc:participatesIn"),
    "sc:participatesIn": ("sc:Actor", "sc:Programme", [], None),
    "sc:foundedBy": ("sc:Organisation", "sc:Actor", ["schema:founder"], "sc:founded"),
    "sc:founded": ("sc:Actor", "sc:Organisation", [], None),
    "sc:memberOf": ("sc:Actor", "sc:Organisation", ["org:memberOf"], "sc:hasMember"),
    "sc:hasMember": ("sc:Organisation", "sc:Actor", ["org:hasMember"], None),
    "sc:country": (None, "sc:CountryOrRegion", [], None),
    "sc:m49Region": ("sc:CountryOrRegion", "sc:WorldRegion", ["schema:containedInPlace"], None),
    "sc:m49SubRegion": ("sc:CountryOrRegion", "sc:WorldRegion", ["schema:containedInPlace"], None),
    "sc:m49IntermediateRegion": (
        "sc:CountryOrRegion",
        "sc:WorldRegion",
        ["schema:containedInPlace"],
        None,
    ),
    "sc:partOfRegion": ("sc:WorldRegion", "sc:WorldRegion", ["schema:containedInPlace"], None),
    "sc:headOf": ("sc:Person", "sc:Organisation", ["org:headOf"], None),
    "sc:agent": (None, "sc:Actor", ["prov:wasAssociatedWith"], None),
    "sc:atEvent": (None, "sc:Event", [], None),
    "sc:since": (None, "sc:Event", [], None),
    "sc:fulfils": (None, "sc:Commitment", [], None),
    "sc:establishes": (None, "sc:Organisation", [], None),
    "sc:producedBy": ("sc:Outcome", "sc:Actor", ["prov:wasAttributedTo"], "sc:produced"),
    "sc:produced": ("sc:Actor", "sc:Outcome", [], None),
    "sc:claimSubject": (None, None, [], "sc:hasClaim"),
    "sc:hasClaim": (None, None, [], None),
    "sc:concerns": (None, None, [], None),
    "sc:onMeasure": ("sc:QuantitativeClaim", "sc:Measure", ["schema:variableMeasured"], None),
    "sc:qualifier": ("sc:QuantitativeClaim", "sc:Qualifier", [], None),
    "sc:unit": ("sc:QuantitativeClaim", "sc:Unit", [], None),
}

#: datatype property -> (domain, range, super-properties). sc:startDate, sc:endDate and
#: sc:pointInTime range over the union of xsd:date and xsd:gYear (a blank node, tested below).
DATATYPE_PROPERTIES: dict[str, tuple[str | None, str | None, list[str]]] = {
    "sc:quote": (None, "rdf:langString", []),
    "sc:measure": ("sc:QuantitativeClaim", "rdf:langString", []),
    "sc:value": ("sc:QuantitativeClaim", "xsd:decimal", []),
    "sc:periodStart": ("sc:QuantitativeClaim", "xsd:gYear", []),
    "sc:periodEnd": ("sc:QuantitativeClaim", "xsd:gYear", []),
    "sc:pointInTime": ("sc:QuantitativeClaim", None, ["schema:observationDate"]),
    "sc:rank": ("sc:QuantitativeClaim", "xsd:positiveInteger", []),
    "sc:rankScope": ("sc:QuantitativeClaim", "rdf:langString", []),
    "sc:aim": ("sc:Programme", "rdf:langString", ["schema:description"]),
    "sc:pledge": ("sc:Commitment", "rdf:langString", ["schema:description"]),
    "sc:cooperationField": (None, "rdf:langString", []),
    "sc:standing": ("sc:Actor", "rdf:langString", ["schema:description"]),
    "sc:startDate": (None, None, ["schema:startDate"]),
    "sc:endDate": (None, None, ["schema:endDate"]),
    "sc:isoAlpha2": ("sc:CountryOrRegion", "xsd:string", ["skos:notation"]),
    "sc:isoAlpha3": ("sc:CountryOrRegion", "xsd:string", ["skos:notation"]),
    "sc:isoNumeric": ("sc:CountryOrRegion", "xsd:string", ["skos:notation"]),
    "sc:m49Code": ("sc:WorldRegion", "xsd:string", ["skos:notation"]),
    "sc:sourceText": ("sc:Source", "xsd:string", []),
    "sc:url": ("sc:WebPage", "xsd:anyURI", ["schema:url"]),
    "sc:dateRead": ("sc:WebPage", "xsd:date", []),
    "sc:locator": ("prov:Derivation", "xsd:string", []),
}

#: concept scheme -> (class of its concepts, its concepts)
SCHEMES: dict[str, tuple[str, list[str]]] = {
    "sc:PartnershipKinds": (
        "sc:PartnershipKind",
        [
            "sc:ScienceAndTechnologyPartnership",
            "sc:CooperationAgreement",
            "sc:Membership",
            "sc:JointResearch",
            "sc:JointEffort",
            "sc:CapacityBuilding",
        ],
    ),
    "sc:Qualifiers": (
        "sc:Qualifier",
        ["sc:Exactly", "sc:AtLeast", "sc:MoreThan", "sc:AtMost", "sc:LessThan", "sc:Approximately"],
    ),
    "sc:Units": ("sc:Unit", ["sc:Count", "sc:Percent"]),
}


def _expected_triples() -> Graph:
    """The triples VOCAB.md promises, from the tables above."""
    manager = NamespaceManager(Graph())
    bind_prefixes(manager)

    def iri(curie: str) -> URIRef:
        return manager.expand_curie(curie)

    graph = Graph()
    for cls, parents in CLASSES.items():
        graph.add((iri(cls), RDF.type, OWL.Class))
        for parent in parents:
            graph.add((iri(cls), RDFS.subClassOf, iri(parent)))
    properties = [(p, OWL.ObjectProperty, d, r, s) for p, (d, r, s, _) in OBJECT_PROPERTIES.items()]
    properties += [(p, OWL.DatatypeProperty, *spec) for p, spec in DATATYPE_PROPERTIES.items()]
    for prop, kind, domain, range_, supers in properties:
        graph.add((iri(prop), RDF.type, kind))
        if domain:
            graph.add((iri(prop), RDFS.domain, iri(domain)))
        if range_:
            graph.add((iri(prop), RDFS.range, iri(range_)))
        for parent in supers:
            graph.add((iri(prop), RDFS.subPropertyOf, iri(parent)))
    for prop, (*_, inverse) in OBJECT_PROPERTIES.items():
        if inverse:
            graph.add((iri(prop), OWL.inverseOf, iri(inverse)))
    for scheme, (cls, concepts) in SCHEMES.items():
        graph.add((iri(scheme), RDF.type, SKOS.ConceptScheme))
        for concept in concepts:
            for type_ in (iri(cls), SKOS.Concept):
                graph.add((iri(concept), RDF.type, type_))
            graph.add((iri(concept), SKOS.inScheme, iri(scheme)))
            graph.add((iri(concept), SKOS.topConceptOf, iri(scheme)))
    return graph


@pytest.fixture(scope="module")
def integrity_dataset() -> Dataset:
    """The shipped ontology and the expected triples, each in its own named graph."""
    dataset = Dataset()
    bind_prefixes(dataset.namespace_manager)
    ontology = dataset.graph(ONTOLOGY_GRAPH)
    for triple in parse_file(ONTOLOGY).graph:
        ontology.add(triple)
    expected = dataset.graph(EXPECTED_GRAPH)
    for triple in _expected_triples():
        expected.add(triple)
    return dataset


# --- Integrity: queries that must return no rows ---------------------------------------------


@pytest.mark.parametrize("query", QUERIES, ids=[q.stem for q in QUERIES])
def test_integrity_query_finds_nothing(query: Path, integrity_dataset: Dataset) -> None:
    rows = list(integrity_dataset.query(query.read_text(encoding="utf-8")))
    manager = integrity_dataset.namespace_manager
    offending = "\n".join("  " + "  ".join(value.n3(manager) for value in row) for row in rows)
    assert not rows, f"{query.name}: {len(rows)} offending row(s):\n{offending}"


def test_integrity_queries_catch_a_broken_ontology(integrity_dataset: Dataset) -> None:
    """The queries can fail: break one term of each kind and every query reports it by name."""
    broken = Dataset()
    ontology = broken.graph(ONTOLOGY_GRAPH)
    for triple in integrity_dataset.graph(ONTOLOGY_GRAPH):
        ontology.add(triple)
    for triple in integrity_dataset.graph(EXPECTED_GRAPH):
        broken.graph(EXPECTED_GRAPH).add(triple)
    ontology.remove((SC.Academy, SKOS.definition, None))  # labels_and_definitions
    ontology.add((SC.launched, OWL.inverseOf, SC.participant))  # inverses
    ontology.remove((SC.Alliance, RDFS.subClassOf, None))  # expected_triples
    ontology.add((SC.country, RDFS.domain, SC.Organisation))  # unexpected_triples
    ontology.add((URIRef("https://w3id.org/scicoop/ontology"), OWL.imports, SC.x))  # metadata
    expected_culprits = {
        "labels_and_definitions": SC.Academy,
        "inverses": SC.launched,
        "expected_triples": SC.Alliance,
        "unexpected_triples": SC.country,
        "metadata": OWL.imports,
    }
    assert sorted(expected_culprits) == sorted(q.stem for q in QUERIES)
    for query in QUERIES:
        rows = list(broken.query(query.read_text(encoding="utf-8")))
        assert expected_culprits[query.stem] in {row[0] for row in rows}, query.name


def test_dates_range_over_date_or_year() -> None:
    graph = parse_file(ONTOLOGY).graph
    for prop in (SC.startDate, SC.endDate, SC.pointInTime):
        (range_,) = graph.objects(prop, RDFS.range)
        members = list(graph.items(graph.value(range_, OWL.unionOf)))
        assert graph.value(range_, RDF.type) == RDFS.Datatype
        assert [m.n3(graph.namespace_manager) for m in members] == ["xsd:date", "xsd:gYear"]


def test_ontology_blocks_start_at_column_zero() -> None:
    """The loader locates a term by its block's first line; every sc: term must be findable."""
    parsed = parse_file(ONTOLOGY)
    terms = {s for s in parsed.graph.subjects(RDF.type) if str(s).startswith(str(SC))}
    unlocated = sorted(str(t) for t in terms if parsed.line_of(t) is None)
    assert not unlocated
    text = ONTOLOGY.read_text(encoding="utf-8").splitlines()
    assert text[parsed.line_of(SC.Academy) - 1] == "sc:Academy a owl:Class ;"


# --- RDFS closure over the ontology ----------------------------------------------------------


def test_rdfs_closure_types_an_academy_as_every_kind_of_agent() -> None:
    academy = URIRef("https://w3id.org/scicoop/id/test-academy")
    graph = parse_file(ONTOLOGY).graph
    graph.add((academy, RDF.type, SC.Academy))
    types = {o for s, p, o in materialise(graph) if s == academy and p == RDF.type}
    assert {
        SC.ResearchInstitution,
        SC.Organisation,
        SC.Actor,
        ORG.Organization,
        FOAF.Agent,
        PROV.Agent,
        SDO.ResearchOrganization,
    } <= types


def test_rdfs_closure_follows_inverses_into_w3c_org() -> None:
    """sc:memberOf one way entails sc:hasMember and org:hasMember the other way."""
    member = URIRef("https://w3id.org/scicoop/id/test-member")
    alliance = URIRef("https://w3id.org/scicoop/id/test-alliance")
    graph = parse_file(ONTOLOGY).graph
    graph.add((member, SC.memberOf, alliance))
    entailed = set(materialise(graph))
    assert (alliance, SC.hasMember, member) in entailed
    assert (alliance, ORG.hasMember, member) in entailed
    assert (member, ORG.memberOf, alliance) in entailed


# --- HermiT ----------------------------------------------------------------------------------


def test_shipped_ontology_is_consistent_with_no_unsatisfiable_class() -> None:
    report = check_ontology([ONTOLOGY.parent])
    assert report.consistent
    assert report.unsatisfiable == []
    assert report.ok
    assert report.classes >= len(CLASSES)
    assert report.properties >= len(OBJECT_PROPERTIES) + len(DATATYPE_PROPERTIES)
    assert render_report(report).startswith("HermiT: consistent (")


_EXPECT = re.compile(r"^# expect: (.+)$")


def _expectation(case: Path) -> str:
    for line in case.read_text(encoding="utf-8").splitlines():
        if match := _EXPECT.match(line):
            return match.group(1)
    raise AssertionError(f"{case.name}: no '# expect:' line at the top")


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_reasoner_case(case: Path) -> None:
    expectation = _expectation(case)
    if syntax := re.fullmatch(r"syntax error at line (\d+)", expectation):
        with pytest.raises(RdfSyntaxError) as caught:
            check_ontology([ONTOLOGY, case])
        assert caught.value.path == case
        assert caught.value.line == int(syntax.group(1))
        return
    report = check_ontology([ONTOLOGY, case])
    if expectation == "consistent":
        assert report.ok, render_report(report)
    elif expectation == "inconsistent":
        assert not report.consistent
        assert not report.ok
        assert "INCONSISTENT" in render_report(report)
    elif unsatisfiable := re.fullmatch(r"unsatisfiable (\S+)", expectation):
        iri = unsatisfiable.group(1)
        assert report.consistent
        assert report.unsatisfiable == [iri]
        assert f"unsatisfiable class: <{iri}>" in render_report(report)
    else:
        raise AssertionError(f"{case.name}: unknown expectation {expectation!r}")


def test_imports_are_dropped_not_fetched() -> None:
    """The fixture imports an unreachable IRI; the check still passes, so nothing was fetched."""
    case = CASES_DIR / "imports_never_fetched.ttl"
    assert "https://example.invalid/never-fetched.owl" in case.read_text(encoding="utf-8")
    assert check_ontology([ONTOLOGY, case]).ok


def test_missing_java_names_the_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ReasonerUnavailableError, match="apt-get install default-jre-headless"):
        check_ontology([ONTOLOGY])


def test_folder_without_ontology_is_unusable(tmp_path: Path) -> None:
    with pytest.raises(UnusableInputError, match="no ontology file"):
        check_ontology([tmp_path])


def test_render_report_of_an_inconsistent_ontology() -> None:
    text = render_report(ReasonerReport(consistent=False, classes=2, properties=1))
    assert text.splitlines()[0] == "HermiT: INCONSISTENT; 2 classes, 1 properties"


# --- kg check-ontology -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "code", "stream", "fragment"),
    [
        (None, 0, "out", "HermiT: consistent"),
        ("unsatisfiable.ttl", 1, "out", "unsatisfiable class: <https://w3id.org/scicoop/ontology#"),
        ("inconsistent.ttl", 1, "out", "HermiT: INCONSISTENT"),
        ("syntax_error.ttl", 2, "err", "syntax_error.ttl:8:1: syntax error"),
    ],
)
def test_cli_exit_codes(
    case: str | None, code: int, stream: str, fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["check-ontology", str(ONTOLOGY)] + ([str(CASES_DIR / case)] if case else [])
    assert main(argv) == code
    captured = capsys.readouterr()
    assert fragment in (captured.out if stream == "out" else captured.err)
