"""The public example queries (queries/*.rq) parse, pass the endpoint's gate, and answer right.

Each query runs on the real store built from the shipped files, and its answer is checked against
what a reader of the source expects: the rows, not only that there are some.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pyoxigraph
import pytest

from kg.query.gate import QueryForm, prepare
from kg.settings import PROJECT_ROOT, Settings
from kg.store import OxigraphStore, build_store

ID = "https://w3id.org/scicoop/id/"
CAS = "Chinese Academy of Sciences"
QUERIES = sorted((PROJECT_ROOT / "queries").glob("*.rq"))

Row = dict[str, str]


@pytest.fixture
def store(settings: Settings) -> Iterator[OxigraphStore]:
    built = build_store(settings, on_disk=False)
    yield built
    built.close()


def _text(name: str) -> str:
    return (PROJECT_ROOT / "queries" / f"{name}.rq").read_text(encoding="utf-8")


def _rows(store: OxigraphStore, name: str) -> list[Row]:
    """The solutions of a SELECT query, each variable bound to its term's lexical value."""
    solutions = store.query(_text(name))
    assert isinstance(solutions, pyoxigraph.QuerySolutions)
    names = [v.value for v in solutions.variables]
    return [
        {n: s[n].value for n in names if s[n] is not None}  # type: ignore[union-attr]
        for s in solutions
    ]


def _id(row: Row, key: str) -> str:
    return row[key].removeprefix(ID)


def test_there_are_at_least_ten_examples() -> None:
    assert len(QUERIES) >= 10, [q.name for q in QUERIES]


@pytest.mark.parametrize("path", QUERIES, ids=[q.stem for q in QUERIES])
def test_example_opens_with_title_and_description(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# title: ") and len(lines[0]) > len("# title: ") + 10, lines[0]
    assert lines[1].startswith("# description: ") and len(lines[1]) > 40, lines[1]
    assert lines[2].startswith("PREFIX "), f"{path.name}:3: prefixes follow the header"


@pytest.mark.parametrize("path", QUERIES, ids=[q.stem for q in QUERIES])
def test_example_passes_the_endpoint_gate(path: Path, store: OxigraphStore) -> None:
    prepared = prepare(path.read_text(encoding="utf-8"), named_graphs=store.named_graphs)
    expected = {
        "cas-has-cooperation-agreements": QueryForm.ASK,
        "schema-org-organisations": QueryForm.CONSTRUCT,
    }.get(path.stem, QueryForm.SELECT)
    assert prepared.form is expected


def _partners_of_china(rows: list[Row]) -> None:
    found = {(_id(r, "partner"), r["kindLabel"], r["qualifierLabel"], r["value"]) for r in rows}
    assert found == {
        (
            "countries-and-regions-with-science-and-technology-partnerships-with-china",
            "Science and technology partnership",
            "More than",
            "160",
        ),
        (
            "international-organisations-and-multilateral-mechanisms-joined-by-china",
            "Membership",
            "More than",
            "200",
        ),
        (
            "partners-of-china-in-inter-governmental-joint-research",
            "Joint research",
            "More than",
            "60",
        ),
    }


ESSAY = (
    "Striving to Create a New Horizon of International Science and Technology Exchanges and "
    "Cooperation"
)
MTA_PAGE = (
    "Hungarian Academy of Sciences to be member of Governing Board of ANSO for two more years"
)


def _claims(rows: list[Row]) -> None:
    essay = {Decimal(r["value"]): r for r in rows if r["sourceTitle"] == ESSAY}
    values = ("10", "27.3", "48", "60", "64", "67", "138", "160", "200", "18000000000")
    assert set(essay) == {Decimal(v) for v in values}
    over = essay[Decimal(160)]
    assert (over["qualifierLabel"], over["unitLabel"]) == ("More than", "Count")
    assert "with over 160 countries and regions" in over["quote"]
    share = essay[Decimal("27.3")]
    assert (share["qualifierLabel"], share["unitLabel"]) == ("Exactly", "Percent")
    assert (share["periodStart"], share["periodEnd"], share["rank"]) == ("2011", "2021", "2")
    assert share["rankScope"] == "in the world"
    assert essay[Decimal(138)]["qualifierLabel"] == "Exactly"
    assert essay[Decimal(18_000_000_000)]["qualifierLabel"] == "More than"
    assert essay[Decimal(18_000_000_000)]["sinceLabel"] == "COVID-19 outbreak"
    # Figures from web pages come with their date and a locator, never a quote.
    web = [r for r in rows if r["sourceTitle"] != ESSAY]
    assert len(web) == 7
    assert all("quote" not in r and r["locator"] for r in web)
    assert {(r["value"], r["pointInTime"]) for r in web if r["sourceTitle"] == MTA_PAGE} == {
        ("37", "2020-11-25"),
        ("9", "2020-11-25"),
    }
    assert len(rows) == 17


def _claims_as_text(rows: list[Row]) -> None:
    texts = {_id(r, "claim"): r["text"] for r in rows}
    assert texts["claim-china-partnerships-countries-and-regions"] == (
        "more than 160 countries and regions with which China has established scientific and "
        "technological partnerships"
    )
    assert texts["claim-china-highly-cited-papers-global-share"] == (
        "27.3% share of the world's highly cited papers that are China's (2011 to 2021)"
    )
    assert texts["claim-cas-cooperation-agreements-institutions"].startswith("138 research ")
    assert texts["claim-cas-shared-genomic-data"].startswith("more than 18000000000 times")
    assert texts["claim-anso-member-countries-2020"] == (
        "37 countries whose scientific organisations are members of ANSO"
    )
    assert len(texts) == 17


def _programmes(rows: list[Row]) -> None:
    found = {
        _id(r, "programme"): (r["kindLabel"], r.get("launcherLabel"), r.get("participants"))
        for r in rows
    }
    assert found == {
        "belt-and-road-science-and-technology-innovation-action-plan": (
            "Action plan",
            None,
            "China",
        ),
        "international-cooperation-programme-for-carbon-neutrality": ("Programme", None, "China"),
        "international-anti-pandemic-cooperation-action": ("Programme", None, "China"),
        "cas-project-to-expand-cooperation-in-science-and-education": (
            "Project",
            CAS,
            "Developing countries in the CAS science and education cooperation project",
        ),
        "cas-action-plan-for-cooperation-along-the-belt-and-road": ("Action plan", CAS, None),
    }
    aims = {r.get("aim") for r in rows if r.get("launcherLabel") == CAS}
    assert aims == {
        "helping related countries to solve scientific and technological problems in cash crop "
        "cultivation, ecological diversity conservation and drinking water safety"
    }


def _outcomes(rows: list[Row]) -> None:
    found = {(_id(r, "outcome"), r.get("actorLabel"), r.get("programmeLabel")) for r in rows}
    plan = "CAS action plan for science and technology cooperation along the Belt and Road"
    project = (
        "CAS project to expand cooperation in science and education among developing countries"
    )
    assert ("highly-cited-papers-of-china", "China", None) in found
    assert ("overseas-centres-for-science-and-education-cooperation", CAS, None) in found
    assert ("sharing-of-genomic-data", CAS, None) in found
    assert ("sharing-of-the-tocilizumab-treatment-regimen", CAS, None) in found
    for help_ in ("cash-crop-cultivation", "ecological-diversity-conservation"):
        assert (f"help-with-{help_}", CAS, plan) in found
        assert (f"help-with-{help_}", CAS, project) in found
    assert ("help-with-drinking-water-safety", CAS, plan) in found
    # The contributions to livelihoods and sustainable development came of both programmes; the
    # source does not say who made them.
    for contribution in (
        "contribution-to-the-improvement-of-local-peoples-livelihood",
        "contribution-to-the-promotion-of-sustainable-development",
    ):
        assert {(o, a, p) for o, a, p in found if o == contribution} == {
            (contribution, None, plan),
            (contribution, None, project),
        }
    assert len({o for o, _a, _p in found}) == 11


def _chinese_labels(rows: list[Row]) -> None:
    found = {(r["english"], r["chinese"], r.get("acronyms", "")) for r in rows}
    assert found == {
        (CAS, "中国科学院", "CAS"),
        ("Communist Party of China", "中国共产党", "CPC"),
        ("Xi Jinping", "习近平", ""),
        ("Hou Jianguo", "侯建国", ""),
        (
            "Alliance of International Science Organisations in the Belt and Road Region",
            "“一带一路”国际科学组织联盟",
            "ANSO",
        ),
    }


def _provenance(rows: list[Row]) -> None:
    assert len(rows) == 1
    (row,) = rows
    assert row["title"] == (
        "Striving to Create a New Horizon of International Science and Technology Exchanges "
        "and Cooperation"
    )
    assert (row["authorLabel"], row["sourceText"]) == (
        "Hou Jianguo",
        "data/sources/000_9062d226fb903724.txt",
    )
    assert "signing cooperation agreements with 138 research institutions" in row["quote"]


def _actor_groups(rows: list[Row]) -> None:
    sizes = {(_id(r, "group"), r.get("qualifierLabel"), r.get("value")) for r in rows}
    assert ("organisations-with-cas-cooperation-agreements", "Exactly", "138") in sizes
    assert ("organisations-with-cas-cooperation-agreements", "Exactly", "64") in sizes
    assert ("member-organisations-of-the-alliance", "Exactly", "67") in sizes
    assert ("member-organisations-of-the-alliance", "Exactly", "48") in sizes
    assert ("scientists-around-the-world", None, None) in sizes
    partners = {(_id(r, "group"), r.get("partnerLabel"), r.get("kindLabel")) for r in rows}
    assert ("scientists-around-the-world", CAS, "Joint effort") in partners
    assert ("organisations-with-cas-cooperation-agreements", CAS, "Cooperation agreement") in (
        partners
    )
    assert len({g for g, _q, _v in sizes}) == 9


def _external_vocabularies(rows: list[Row]) -> None:
    alliance = "Alliance of International Science Organisations in the Belt and Road Region"
    found = {(r["name"], r.get("partnerName")) for r in rows}
    # Members of the Alliance, through the parties of their membership (prov:wasAssociatedWith).
    assert (alliance, "Hungarian Academy of Sciences") in found
    assert ("Hungarian Academy of Sciences", alliance) in found
    assert (alliance, f"Member organisations of the {alliance}") in found
    assert (CAS, "Ministry of Education, Science and Technology") in found
    assert ("United Nations General Assembly", None) in found
    names = {name for name, _partner in found}
    assert {"Communist Party of China", "Sino-Africa Joint Research Centre", "UNESCO"} <= names
    titles = {r["sourceTitle"] for r in rows if r["name"] == alliance}
    assert titles == {
        "Striving to Create a New Horizon of International Science and Technology Exchanges "
        "and Cooperation",
        "Hungarian Academy of Sciences to be member of Governing Board of ANSO for two more years",
    }


def _ranked_claims(rows: list[Row]) -> None:
    assert [
        (
            r["producerLabel"],
            r["value"],
            r["rank"],
            r["rankScope"],
            r["periodStart"],
            r["periodEnd"],
        )
        for r in rows
    ] == [("China", "27.3", "2", "in the world", "2011", "2021")]


def _measure_over_time(rows: list[Row]) -> None:
    """Figures on one measure from several sources and dates, side by side, never merged."""
    by_measure: dict[str, list[tuple[str, str, str, str]]] = {}
    for r in rows:
        by_measure.setdefault(_id(r, "measure"), []).append(
            (r["value"], r.get("date", ""), r["dateKind"], r["sourceTitle"])
        )
    tubitak = "TÜBİTAK Is Selected to the Board of ANSO"
    assert sorted(by_measure["measure-countries-of-anso-member-organisations"]) == sorted(
        [
            ("48", "", "undated", ESSAY),
            ("37", "2020-11-25", "point in time", MTA_PAGE),
            ("50", "", "undated", tubitak),
        ]
    )
    assert by_measure["measure-member-organisations-of-the-anso-governing-board"] == [
        ("9", "2020-11-25", "point in time", MTA_PAGE),
        ("9", "2024-06-03", "point in time", "The 8th Governing Board (GB) Meeting (Special)"),
    ]
    centres = by_measure["measure-overseas-centres-built-by-cas"]
    assert ("10", "2019-04-16", "point in time", "中科院已建設10個海外科教合作中心") in centres
    assert ("10", "", "undated", ESSAY) in centres
    assert set(by_measure) == {
        "measure-countries-of-anso-member-organisations",
        "measure-member-organisations-of-anso",
        "measure-member-organisations-of-the-anso-governing-board",
        "measure-overseas-centres-built-by-cas",
    }
    # Each row says where its figure is: the essay's sentence, or the page's address and locator.
    for r in rows:
        if r["sourceTitle"] == ESSAY:
            assert r["sourceText"] == "data/sources/000_9062d226fb903724.txt"
            assert r["value"] in r["evidence"] or r["value"] == "10"
        else:
            assert r["url"].startswith("http") and len(r["evidence"]) < 80


def _partners_by_region(rows: list[Row]) -> None:
    found = {
        (r.get("regionLabel"), r.get("subRegionLabel")): (int(r["partners"]), r["names"])
        for r in rows
    }
    assert found[("Africa", "Sub-Saharan Africa")][0] == 2
    assert set(found[("Africa", "Sub-Saharan Africa")][1].split("; ")) == {
        "Jomo Kenyatta University of Agriculture and Technology",
        "Ministry of Education, Science and Technology",
    }
    assert set(found[("Europe", "Eastern Europe")][1].split("; ")) == {
        "Hungarian Academy of Sciences",
        "Polish Academy of Sciences",
        "Russian Academy of Sciences",
    }
    assert found[("Asia", "Western Asia")][1] == (
        "Scientific and Technological Research Council of Turkey"
    )
    assert found[("Americas", "Latin America and the Caribbean")][0] == 2
    assert set(found[(None, None)][1].split("; ")) == {"TWAS", "UNESCO"}
    assert sum(count for count, _names in found.values()) == 15
    assert rows[-1].get("regionLabel") is None  # partners without a country come last


def _events_in_order(rows: list[Row]) -> None:
    dated = [(r["start"], _id(r, "event")) for r in rows if "start" in r]
    assert dated == sorted(dated)
    assert [slug for _start, slug in dated] == [
        "first-general-assembly-of-anso",
        "founding-of-anso",
        "commitment-of-xi-jinping-at-the-united-nations-general-assembly",
        "founding-conference-of-cbas",
        "second-general-assembly-of-anso",
        "8th-governing-board-meeting-of-anso",
    ]
    assert rows[0]["end"] == "2018-11-05"
    undated = {_id(r, "event"): r["kindLabel"] for r in rows if "start" not in r}
    assert undated == {
        "18th-national-congress-of-the-communist-party-of-china": "Congress",
        "20th-national-congress-of-the-communist-party-of-china": "Congress",
        "commitment-to-expand-st-exchanges-and-cooperation": "Commitment",
        "75th-session-of-the-united-nations-general-assembly": "General assembly",
        "covid-19-outbreak": "Event",
    }
    assert all("start" not in r for r in rows[len(dated) :])  # undated events come last
    by_slug = {_id(r, "event"): r for r in rows}
    assert by_slug["founding-of-anso"]["establishedLabel"] == (
        "Alliance of International Science Organisations in the Belt and Road Region"
    )
    assert by_slug["commitment-of-xi-jinping-at-the-united-nations-general-assembly"][
        "atEventLabel"
    ] == ("75th session of the United Nations General Assembly")


def _source_supports(rows: list[Row]) -> None:
    found = {_id(r, "node"): (r["kindLabel"], r["evidence"]) for r in rows}
    assert found["hungarian-academy-of-sciences"] == (
        "Academy",
        "title and list of founding institutions",
    )
    assert found["claim-anso-member-countries-2020"][0] == "Quantitative claim"
    assert found["founding-of-anso"] == ("Founding", "opening paragraph: founder")
    memberships = [slug for slug, (kind, _e) in found.items() if kind == "Partnership"]
    assert len(memberships) == 15
    # A web page is evidence by locator only: nothing here is a sentence of the page.
    assert all(len(evidence) < 60 for _kind, evidence in found.values())


def _audit_missing_statements(rows: list[Row]) -> None:
    found: dict[str, set[tuple[str, str]]] = {}
    for r in rows:
        found.setdefault(r["statement"], set()).add((_id(r, "node"), r["detail"]))
    assert found["call to expand exchanges and cooperation"] == {
        (
            "commitment-to-expand-st-exchanges-and-cooperation",
            "will expand science and technology exchanges and cooperation with other countries, "
            "cultivate an internationalised environment for research, and create an open and "
            "globally-competitive innovation ecosystem",
        )
    }
    congress = "18th National Congress of the Communist Party of China"
    assert found["since the 18th National Congress"] == {
        ("belt-and-road-science-and-technology-innovation-action-plan", congress),
        ("international-cooperation-programme-for-carbon-neutrality", congress),
        ("international-anti-pandemic-cooperation-action", congress),
    }
    assert found["participation in global governance"] == {
        ("participation-of-china-in-global-governance-of-st-innovation", congress)
    }
    project = (
        "CAS project to expand cooperation in science and education among developing countries"
    )
    assert {n for n, d in found["contribution to livelihoods and sustainable development"]} == {
        "contribution-to-the-improvement-of-local-peoples-livelihood",
        "contribution-to-the-promotion-of-sustainable-development",
    }
    assert {d for n, d in found["contribution to livelihoods and sustainable development"]} >= {
        project
    }


def _interpretations(rows: list[Row]) -> None:
    found = {
        (_id(r, "subject"), r["predicate"].rsplit("#", 1)[1]): r.get("supportedBy", "")
        for r in rows
    }
    assert set(found) == {
        (
            "alliance-of-international-science-organisations-in-the-belt-and-road-region",
            "foundedBy",
        ),
        ("overseas-centres-for-science-and-education-cooperation", "producedBy"),
        ("claim-cas-overseas-centres", "concerns"),
        ("cas-project-to-expand-cooperation-in-science-and-education", "launchedBy"),
        ("cas-action-plan-for-cooperation-along-the-belt-and-road", "launchedBy"),
        ("help-with-cash-crop-cultivation", "producedBy"),
        ("help-with-ecological-diversity-conservation", "producedBy"),
        ("help-with-drinking-water-safety", "producedBy"),
        ("cas-help-for-related-countries", "party"),
        ("hou-jianguo", "headOf"),
    }
    assert all(r["objectLabel"] == CAS for r in rows)
    assert found[("hou-jianguo", "headOf")] == "The 8th Governing Board (GB) Meeting (Special)"
    assert found[("cas-project-to-expand-cooperation-in-science-and-education", "launchedBy")] == ""


def _figures_concerning_the_cas(rows: list[Row]) -> None:
    found = {
        (_id(r, "claim"), r["value"], r.get("pointInTime", ""), r["interpreted"]) for r in rows
    }
    assert found == {
        ("claim-cas-cooperation-agreements-institutions", "138", "", "false"),
        ("claim-cas-cooperation-agreements-countries-and-regions", "64", "", "false"),
        ("claim-cas-shared-genomic-data", "18000000000", "", "false"),
        ("claim-cas-overseas-centres", "10", "", "true"),
        ("claim-cas-overseas-centres-2019", "10", "2019-04-16", "false"),
    }


def _commitment_fulfilled(rows: list[Row]) -> None:
    by_agent = {r["agentLabel"]: r for r in rows}
    unga = by_agent["Xi Jinping"]
    assert (unga["assemblyLabel"], unga["date"], unga["producerLabel"]) == (
        "United Nations General Assembly",
        "2020-09-22",
        CAS,
    )
    assert unga["establishedLabel"] == (
        "International Research Centre of Big Data for Sustainable Development Goals"
    )
    congress = by_agent["China"]
    assert congress["eventLabel"] == "20th National Congress of the Communist Party of China"
    assert congress["pledge"].startswith("will expand science and technology exchanges")
    assert "outcomeLabel" not in congress


SELECT_EXPECTATIONS: dict[str, Callable[[list[Row]], None]] = {
    "partners-of-china": _partners_of_china,
    "claims": _claims,
    "claims-as-text": _claims_as_text,
    "programmes": _programmes,
    "outcomes": _outcomes,
    "chinese-labels": _chinese_labels,
    "provenance": _provenance,
    "actor-groups": _actor_groups,
    "external-vocabularies": _external_vocabularies,
    "ranked-claims": _ranked_claims,
    "measure-over-time": _measure_over_time,
    "partners-by-region": _partners_by_region,
    "events-in-order": _events_in_order,
    "source-supports": _source_supports,
    "audit-missing-statements": _audit_missing_statements,
    "interpretations": _interpretations,
    "figures-concerning-the-cas": _figures_concerning_the_cas,
    "commitment-fulfilled": _commitment_fulfilled,
}


def test_every_example_has_its_answer_checked() -> None:
    checked = set(SELECT_EXPECTATIONS) | {
        "cas-has-cooperation-agreements",
        "schema-org-organisations",
    }
    assert {q.stem for q in QUERIES} == checked


@pytest.mark.parametrize("name", sorted(SELECT_EXPECTATIONS))
def test_example_answers_what_the_source_says(name: str, store: OxigraphStore) -> None:
    rows = _rows(store, name)
    assert rows, f"queries/{name}.rq answers nothing"
    SELECT_EXPECTATIONS[name](rows)  # asserts the rows the source supports


def test_ask_finds_the_cas_cooperation_agreements(store: OxigraphStore) -> None:
    answer = store.query(_text("cas-has-cooperation-agreements"))
    assert isinstance(answer, pyoxigraph.QueryBoolean)
    assert bool(answer) is True


def test_schema_org_view_uses_schema_org_only(store: OxigraphStore) -> None:
    triples = list(store.query(_text("schema-org-organisations")))  # type: ignore[call-overload]
    predicates = {t.predicate.value for t in triples}
    assert predicates == {
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
        "https://schema.org/name",
        "https://schema.org/alternateName",
        "https://schema.org/founder",
        "https://schema.org/description",
    }
    cas = pyoxigraph.NamedNode(ID + "chinese-academy-of-sciences")
    centre = pyoxigraph.NamedNode(
        ID + "international-research-centre-of-big-data-for-sustainable-development-goals"
    )
    founder = pyoxigraph.NamedNode("https://schema.org/founder")
    assert pyoxigraph.Triple(centre, founder, cas) in triples
    names = {
        t.object.value for t in triples if t.subject == cas and t.predicate.value.endswith("name")
    }
    assert names == {CAS, "中国科学院"}
