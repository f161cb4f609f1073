"""The generated countries file: one node per ISO 3166-1 entry, stable, current and valid."""

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
from kg.graph.countries import PYCOUNTRY, _slugs, countries_graph, write_countries
from kg.settings import PROJECT_ROOT, Settings

BASE = Settings.model_fields["base_iri"].default
SC = BASE + "ontology#"
ID = BASE + "id/"
COMMITTED = PROJECT_ROOT / "data" / "countries.ttl"
KG = Path(sys.executable).with_name("kg")


@pytest.fixture(scope="module")
def graph() -> Graph:
    return countries_graph(base_iri=BASE)


def _chinese(text: str) -> str:
    catalogue = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"])
    return catalogue.gettext(text)


def test_one_node_per_pycountry_entry(graph: Graph) -> None:
    nodes = set(graph.subjects(RDF.type, URIRef(SC + "CountryOrRegion")))
    assert len(nodes) == len(pycountry.countries)
    assert set(graph.subjects()) == nodes


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
    }
    official = pycountry.countries.get(alpha_2="CN").official_name
    assert list(graph.objects(china, SKOS.altLabel)) == [Literal(official, lang="en")]
    assert list(graph.objects(china, DCTERMS.source)) == [PYCOUNTRY]


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
    assert "\nid:china a sc:CountryOrRegion ;\n" in text
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
