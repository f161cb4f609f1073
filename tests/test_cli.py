"""The ``kg`` command as a user runs it: exit codes, output, and errors that name what to fix."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from kg.cli import main

PREFIXES = (
    "@prefix sc: <https://w3id.org/scicoop/ontology#> .\n"
    "@prefix id: <https://w3id.org/scicoop/id/> .\n"
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
)


@pytest.fixture
def tiny(tmp_path: Path) -> list[str]:
    """Flags pointing the command at a two-file project."""
    (tmp_path / "ontology").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "ontology" / "o.ttl").write_text(
        PREFIXES + "sc:Academy rdfs:subClassOf sc:Actor .\n"
    )
    (tmp_path / "data" / "d.ttl").write_text(
        PREFIXES + 'id:cas a sc:Academy ;\n    rdfs:label "Chinese Academy of Sciences"@en .\n'
    )
    return ["--ontology-dir", str(tmp_path / "ontology"), "--data-dir", str(tmp_path / "data")]


def test_query_prints_a_table(tiny: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    query = "PREFIX sc: <https://w3id.org/scicoop/ontology#> SELECT ?x WHERE { ?x a sc:Actor }"
    assert main([*tiny, "query", query]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].strip() == "x"
    assert out[2] == "<https://w3id.org/scicoop/id/cas>"
    assert out[-1] == "(1 row)"


def test_query_reads_a_file_and_writes_standard_formats(
    tiny: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rq = tmp_path / "labels.rq"
    rq.write_text("SELECT ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }")
    assert main([*tiny, "query", str(rq), "--format", "json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["results"]["bindings"][0]["label"] == {
        "type": "literal",
        "value": "Chinese Academy of Sciences",
        "xml:lang": "en",
    }
    assert main([*tiny, "query", str(rq), "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows == [["label"], ["Chinese Academy of Sciences"]]


def test_construct_answers_in_turtle(tiny: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    from rdflib import Graph

    assert main([*tiny, "query", "CONSTRUCT WHERE { ?s a ?c }", "--format", "ttl"]) == 0
    graph = Graph().parse(data=capsys.readouterr().out, format="turtle")
    assert len(graph) == 2  # the asserted type and the inferred sc:Actor


def test_malformed_query_exits_2_with_position(
    tiny: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*tiny, "query", "SELEC ?x WHERE {}"]) == 2
    assert "1:1" in capsys.readouterr().err


def test_stats_counts_classes_graphs(tiny: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*tiny, "stats"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^<https://w3id.org/scicoop/ontology#Actor> +1$", out, re.M)
    assert "<https://w3id.org/scicoop/graph/data/d>" in out


def test_bad_setting_names_its_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--base-iri", "ftp://nowhere", "stats"]) == 2
    assert "KG_BASE_IRI" in capsys.readouterr().err


def test_missing_query_file_is_unusable_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "no-such-file.rq"]) == 2
    assert "no-such-file.rq" in capsys.readouterr().err


CASE = Path(__file__).parent / "cases" / "validation" / "partnership_one_party.ttl"


@pytest.mark.parametrize("fmt", ["junit", "sarif"])
def test_validate_writes_ci_formats_with_the_same_exit_code(
    fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", "--format", fmt, str(CASE)]) == 1
    out = capsys.readouterr().out
    if fmt == "sarif":
        (result,) = json.loads(out)["runs"][0]["results"]
        assert (result["ruleId"], result["level"]) == ("scs:PartnershipParties", "error")
    else:
        from xml.etree import ElementTree

        failure = ElementTree.fromstring(out).find("testsuite/testcase/failure")
        assert failure is not None and failure.get("line") == "8"


def test_validate_refuses_an_unknown_format(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["validate", "--format", "yaml", str(CASE)])
    assert exit_.value.code == 2
    assert "invalid choice: 'yaml'" in capsys.readouterr().err


def test_validate_text_ends_with_the_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(CASE)]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == (
        "1 file, 1 node checked: 1 violation, 0 warnings"
    )
