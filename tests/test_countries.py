"""The generated countries file: one node per ISO 3166-1 entry and per UN M49 region, stable,
current and valid."""

from __future__ import annotations

import gettext
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pycountry
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS

from kg.contrib.validation import validate
from kg.errors import KGError
from kg.graph.countries import M49_DATASET, PYCOUNTRY, _slugs, countries_graph, write_countries
from kg.settings import PROJECT_ROOT, Settings

BASE = Settings.model_fields["base_iri"].default
SC = BASE + "ontology#"
ID = BASE + "id/"
COMMITTED = PROJECT_ROOT / "data" / "countries.ttl"
KG = Path(sys.executable).with_name("kg")


@pytest.fixture(scope="module")
def graph() -> Graph:
    return countries_graph(base_iri=BASE)


def _translated(text: str, locale: str = "zh_CN") -> str:
    catalogue = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[locale])
    return catalogue.gettext(text)


def _chinese(text: str) -> str:
    return _translated(text, "zh_CN")


def test_one_node_per_pycountry_entry_and_per_m49_region(graph: Graph) -> None:
    nodes = set(graph.subjects(RDF.type, URIRef(SC + "CountryOrRegion")))
    regions = set(graph.subjects(RDF.type, URIRef(SC + "WorldRegion")))
    assert len(nodes) == len(pycountry.countries)
    # M49: 5 regions, 17 sub-regions and 8 intermediate regions hold the ISO 3166-1 entries.
    assert len(regions) == 30
    assert set(graph.subjects()) == nodes | regions


@pytest.mark.parametrize(
    ("country", "region", "sub_region", "intermediate"),
    [
        ("china", ("asia", "142"), ("eastern-asia", "030"), None),
        ("kenya", ("africa", "002"), ("sub-saharan-africa", "202"), ("eastern-africa", "014")),
        (
            "brazil",
            ("americas", "019"),
            ("latin-america-and-the-caribbean", "419"),
            ("south-america", "005"),
        ),
        ("hungary", ("europe", "150"), ("eastern-europe", "151"), None),
    ],
)
def test_countries_lie_in_their_m49_regions(
    graph: Graph,
    country: str,
    region: tuple[str, str],
    sub_region: tuple[str, str],
    intermediate: tuple[str, str] | None,
) -> None:
    node = URIRef(ID + country)
    levels = [("m49Region", region), ("m49SubRegion", sub_region)]
    if intermediate:
        levels.append(("m49IntermediateRegion", intermediate))
    for prop, (slug, code) in levels:
        assert list(graph.objects(node, URIRef(SC + prop))) == [URIRef(ID + slug)], prop
        assert list(graph.objects(URIRef(ID + slug), URIRef(SC + "m49Code"))) == [Literal(code)]
    if intermediate is None:
        assert (node, URIRef(SC + "m49IntermediateRegion"), None) not in graph
    # The hierarchy: a sub-region is part of its region, an intermediate region of its sub-region.
    parts = [slug for _prop, (slug, _code) in levels]
    for narrower, broader in zip(parts[1:], parts, strict=False):
        assert (URIRef(ID + narrower), URIRef(SC + "partOfRegion"), URIRef(ID + broader)) in graph
    assert (URIRef(ID + region[0]), URIRef(SC + "partOfRegion"), None) not in graph
    assert set(graph.objects(node, DCTERMS.source)) == {PYCOUNTRY, M49_DATASET}


def test_an_entry_m49_does_not_place_has_no_region(graph: Graph) -> None:
    antarctica = URIRef(ID + "antarctica")
    assert (antarctica, URIRef(SC + "m49Region"), None) not in graph
    assert list(graph.objects(antarctica, DCTERMS.source)) == [PYCOUNTRY]


def test_regions_have_an_english_name_and_three_digit_code(graph: Graph) -> None:
    for region in graph.subjects(RDF.type, URIRef(SC + "WorldRegion")):
        labels = list(graph.objects(region, RDFS.label))
        assert [label.language for label in labels] == ["en"], region
        [code] = graph.objects(region, URIRef(SC + "m49Code"))
        assert len(str(code)) == 3 and str(code).isdigit(), region
        assert list(graph.objects(region, DCTERMS.source)) == [M49_DATASET]


@pytest.mark.parametrize(
    ("slug", "alpha2", "alpha3", "numeric"),
    [
        ("china", "CN", "CHN", "156"),
        ("germany", "DE", "DEU", "276"),
        ("afghanistan", "AF", "AFG", "004"),
    ],
)
def test_well_known_codes(graph: Graph, slug: str, alpha2: str, alpha3: str, numeric: str) -> None:
    node = URIRef(ID + slug)
    assert list(graph.objects(node, URIRef(SC + "isoAlpha2"))) == [Literal(alpha2)]
    assert list(graph.objects(node, URIRef(SC + "isoAlpha3"))) == [Literal(alpha3)]
    assert list(graph.objects(node, URIRef(SC + "isoNumeric"))) == [Literal(numeric)]


def test_china_labels_come_from_pycountry(graph: Graph) -> None:
    china = URIRef(ID + "china")
    assert set(graph.objects(china, RDFS.label)) == {
        Literal("China", lang="en"),
        Literal(_chinese("China"), lang="zh"),
        Literal(_translated("China", "ar"), lang="ar"),
        Literal("Chine", lang="fr"),
        Literal(_translated("China", "es"), lang="es"),
        Literal(_translated("China", "ru"), lang="ru"),
    }
    official = pycountry.countries.get(alpha_2="CN").official_name
    assert list(graph.objects(china, SKOS.altLabel)) == [Literal(official, lang="en")]
    assert PYCOUNTRY in set(graph.objects(china, DCTERMS.source))


def test_a_name_that_reads_as_in_english_still_gets_its_label(graph: Graph) -> None:
    """French writes Kenya as English does: the fr catalogue has the entry, so it is a label."""
    assert Literal("Kenya", lang="fr") in set(graph.objects(URIRef(ID + "kenya"), RDFS.label))


def test_labels_in_the_six_un_languages_one_per_language(graph: Graph) -> None:
    for node in graph.subjects(RDF.type, URIRef(SC + "CountryOrRegion")):
        languages = [label.language for label in graph.objects(node, RDFS.label)]
        assert len(languages) == len(set(languages)), node
        assert set(languages) <= {"en", "zh", "ar", "es", "fr", "ru"}, node
    # Every catalogue names most entries: the languages are really there, not only allowed.
    for language in ("zh", "ar", "es", "fr", "ru"):
        named = {s for s, label in graph.subject_objects(RDFS.label) if label.language == language}
        assert len(named) > 200, language


def test_names_are_pycountrys_own(graph: Graph) -> None:
    """Taiwan, Hong Kong, Macao appear as pycountry names them: label and official name alike."""
    for code in ("TW", "HK", "MO", "KR"):
        entry = pycountry.countries.get(alpha_2=code)
        [node] = graph.subjects(URIRef(SC + "isoAlpha2"), Literal(code))
        english = getattr(entry, "common_name", None) or entry.name
        assert node == URIRef(ID + english.lower().replace(" ", "-"))
        assert [str(x) for x in graph.objects(node, RDFS.label) if x.language == "en"] == [english]
        official = getattr(entry, "official_name", None)
        expected = [] if official in (None, english) else [Literal(official, lang="en")]
        assert list(graph.objects(node, SKOS.altLabel)) == expected


def test_chinese_label_only_where_the_catalogue_translates(graph: Graph) -> None:
    for node in graph.subjects(RDF.type, URIRef(SC + "CountryOrRegion")):
        labels = {label.language: str(label) for label in graph.objects(node, RDFS.label)}
        translated = _chinese(labels["en"])
        if translated == labels["en"]:
            assert "zh" not in labels, node
        else:
            assert labels["zh"] == translated, node


def test_countries_carry_no_essay_provenance(graph: Graph) -> None:
    assert not list(graph.triples((None, PROV.wasDerivedFrom, None)))
    assert not list(graph.triples((None, URIRef(SC + "quote"), None)))


def test_slug_clash_is_an_error_naming_both_entries() -> None:
    with pytest.raises(KGError, match=r"CI and XC both give the slug 'cote-d-ivoire'"):
        _slugs([("CI", "Côte d'Ivoire"), ("XC", "Cote d Ivoire")])


def test_rerun_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "countries.ttl"
    assert write_countries(path, base_iri=BASE) is True
    before = path.read_bytes()
    past = path.stat().st_mtime_ns - 10_000_000_000
    os.utime(path, ns=(past, past))
    assert write_countries(path, base_iri=BASE) is False
    assert path.read_bytes() == before
    assert path.stat().st_mtime_ns == past


def test_written_file_is_the_graph_and_names_its_origin(tmp_path: Path, graph: Graph) -> None:
    path = tmp_path / "countries.ttl"
    path.write_text("stale\n", encoding="utf-8")
    assert write_countries(path, base_iri=BASE) is True
    text = path.read_text(encoding="utf-8")
    header = text.split("\n\n")[0]
    assert header.startswith(
        f"# ISO 3166-1 countries and regions, generated from pycountry {version('pycountry')}\n"
    )
    assert "regenerate with `kg countries`" in header
    assert f"from hdx-python-country {version('hdx-python-country')}\n" in header
    assert "\nid:china a sc:CountryOrRegion ;\n" in text
    assert '\nid:eastern-asia a sc:WorldRegion ;\n    rdfs:label "Eastern Asia"@en ;\n' in text
    assert '    sc:isoNumeric "004" ;\n' in text
    assert Graph().parse(path, format="turtle").isomorphic(graph)


def test_cli_reproduces_the_committed_file(tmp_path: Path) -> None:
    """A stale data/countries.ttl (pycountry upgraded, or code changed) fails here."""
    output = tmp_path / "countries.ttl"
    done = subprocess.run(
        [str(KG), "--base-iri", BASE, "countries", "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{output}: written\n"
    assert output.read_bytes() == COMMITTED.read_bytes(), (
        "stale data/countries.ttl: run `kg countries`"
    )


def test_cli_names_an_unwritable_output(tmp_path: Path) -> None:
    output = tmp_path / "missing" / "countries.ttl"
    done = subprocess.run(
        [str(KG), "countries", "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr == f"kg: {output}: cannot write (No such file or directory)\n"


def test_committed_file_passes_validation(settings: Settings) -> None:
    report = validate([COMMITTED], settings=settings)
    assert report.errors == []
    mine = [f for f in report.findings if f.file and Path(f.file).resolve() == COMMITTED.resolve()]
    assert mine == []


def test_validation_sees_a_broken_country(copy_settings: Settings) -> None:
    """The shapes do apply to countries: a dropped numeric code is reported at China's block."""
    path = copy_settings.data_dir / "countries.ttl"
    text = path.read_text(encoding="utf-8")
    line = text.splitlines().index("id:china a sc:CountryOrRegion ;") + 1
    path.write_text(text.replace('    sc:isoNumeric "156" ;\n', ""), encoding="utf-8")
    report = validate([path], settings=copy_settings)
    [finding] = [f for f in report.findings if f.node == "id:china"]
    assert (finding.line, finding.severity, finding.path) == (line, "Violation", "sc:isoNumeric")
    assert finding.message.startswith("needs exactly one sc:isoNumeric")
