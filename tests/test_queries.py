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


def _claims(rows: list[Row]) -> None:
    by_value = {Decimal(r["value"]): r for r in rows}
    values = ("10", "27.3", "48", "60", "64", "67", "138", "160", "200", "18000000000")
    assert set(by_value) == {Decimal(v) for v in values}
    over = by_value[Decimal(160)]
    assert (over["qualifierLabel"], over["unitLabel"]) == ("More than", "Count")
    assert "with over 160 countries and regions" in over["quote"]
    share = by_value[Decimal("27.3")]
    assert (share["qualifierLabel"], share["unitLabel"]) == ("Exactly", "Percent")
    assert (share["periodStart"], share["periodEnd"], share["rank"]) == ("2011", "2021", "2")
    assert share["rankScope"] == "in the world"
    assert by_value[Decimal(138)]["qualifierLabel"] == "Exactly"
    assert by_value[Decimal(18_000_000_000)]["qualifierLabel"] == "More than"
    assert len(rows) == 10


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
    assert len(texts) == 10


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
    assert len({o for o, _a, _p in found}) == 9


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
            "",
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
    found = {(r["name"], r.get("memberName")) for r in rows}
    assert found == {
        (alliance, f"Member organisations of the {alliance}"),
        (CAS, None),
        ("Communist Party of China", None),
        ("International Research Centre of Big Data for Sustainable Development Goals", None),
        ("United Nations General Assembly", None),
    }
    assert {r["sourceTitle"] for r in rows} == {
        "Striving to Create a New Horizon of International Science and Technology Exchanges "
        "and Cooperation"
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
