"""`kg validate`: broken contributions are reported at their file and line, the shipped data passes.

Each file in tests/cases/validation/ is a contribution whose first comment lines state what must be
reported: ``# expect: LINE[:COLUMN] SEVERITY "message fragment"``, or ``# expect: no violation``.
It is validated together with the shipped ontology and data (read only), as a pull request would
be, through ``kg validate --format json``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.cli import main
from kg.contrib.reporting import RENDERERS, render
from kg.contrib.validation import validate
from kg.settings import PROJECT_ROOT, Settings
from tests.contrib.expectations import CASES, assert_reported


@pytest.fixture
def in_project(monkeypatch: pytest.MonkeyPatch) -> None:
    """Report paths are relative to the working folder, as in CI: run from the checkout."""
    monkeypatch.chdir(PROJECT_ROOT)


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
@pytest.mark.usefixtures("in_project")
def test_broken_contribution_is_reported_at_its_line(
    case: Path, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {p: p.read_bytes() for p in sorted(settings.data_dir.rglob("*.ttl"))}
    file = case.relative_to(PROJECT_ROOT).as_posix()
    # As a contributor runs it: `kg validate --format json FILE`.
    exit_code = main(["validate", "--format", "json", file])
    report = json.loads(capsys.readouterr().out)

    assert_reported(case, report, file=file)
    assert exit_code == report["exit_code"]
    # Validation only reads the shipped data.
    assert {p: p.read_bytes() for p in sorted(settings.data_dir.rglob("*.ttl"))} == before


@pytest.mark.usefixtures("in_project")
def test_shipped_data_has_no_violation(settings: Settings) -> None:
    data_files = sorted(settings.data_dir.rglob("*.ttl"))
    assert data_files, f"{settings.data_dir}: no data files to validate"
    report = validate(settings=settings)
    assert [f for f in report.findings if f.severity == "Violation"] == [], render(
        report, fmt="text"
    )
    assert (report.exit_code, report.errors) == (0, [])
    assert len(report.files) == len(data_files)


@pytest.mark.usefixtures("in_project")
def test_every_file_with_a_syntax_error_is_reported(settings: Settings) -> None:
    cases = Path("tests/cases/validation")
    report = validate(
        [cases / "syntax_error.ttl", cases / "partnership_one_party.ttl"], settings=settings
    )
    located = {(f.file, f.line, f.column) for f in report.findings}
    assert ("tests/cases/validation/syntax_error.ttl", 11, 5) in located
    assert ("tests/cases/validation/partnership_one_party.ttl", 8, None) in located
    assert report.exit_code == 1


def test_missing_path_is_unusable_input_naming_it(settings: Settings, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-contribution.ttl"
    report = validate([missing], settings=settings)
    assert report.exit_code == 2
    assert report.errors == [f"{missing}: no such file or folder"]
    assert not report.conforms
    assert f"kg validate: {missing}: no such file or folder" in render(report, fmt="text")


def test_unknown_file_type_is_unusable_input(settings: Settings, tmp_path: Path) -> None:
    wrong = tmp_path / "contribution.xml"
    wrong.write_text("<rdf/>", encoding="utf-8")
    report = validate([wrong], settings=settings)
    assert report.exit_code == 2
    assert report.errors == [f"{wrong}: unknown RDF syntax; use one of .ttl, .nt"]


def test_folder_without_rdf_is_unusable_input(settings: Settings, tmp_path: Path) -> None:
    report = validate([tmp_path], settings=settings)
    assert report.exit_code == 2
    assert report.errors == [f"{tmp_path}: no RDF files (.ttl, .nt) to validate"]


@pytest.mark.usefixtures("in_project")
def test_json_report_of_one_fixture(settings: Settings) -> None:
    report = validate([Path("tests/cases/validation/partnership_one_party.ttl")], settings=settings)
    assert json.loads(render(report, fmt="json")) == {
        "conforms": False,
        "exit_code": 1,
        "files": ["tests/cases/validation/partnership_one_party.ttl"],
        "nodes": 1,
        "counts": {"Violation": 1, "Warning": 0, "Info": 0},
        "errors": [],
        "findings": [
            {
                "file": "tests/cases/validation/partnership_one_party.ttl",
                "line": 8,
                "column": None,
                "severity": "Violation",
                "node": "id:test-lonely-partnership",
                "path": "sc:party",
                "value": None,
                "message": "a partnership needs at least two parties (sc:party); add every party "
                "the source names, or an sc:ActorGroup for partners it describes only in aggregate",
                "shape": "scs:PartnershipParties",
                "check": "shacl",
            }
        ],
    }


@pytest.mark.usefixtures("in_project")
def test_text_report_of_one_fixture(settings: Settings) -> None:
    report = validate([Path("tests/cases/validation/two_english_labels.ttl")], settings=settings)
    assert render(report, fmt="text").splitlines() == [
        "tests/cases/validation/two_english_labels.ttl:8: Violation: more than one rdfs:label in "
        "the same language; keep one and move the others to skos:altLabel "
        "(node id:test-two-labels, path rdfs:label)",
        "",
        "1 file, 1 node checked: 1 violation, 0 warnings",
    ]


@pytest.mark.usefixtures("in_project")
def test_github_annotations_of_one_fixture(settings: Settings) -> None:
    report = validate([Path("tests/cases/validation/dangling_reference.ttl")], settings=settings)
    assert render(report, fmt="github").splitlines() == [
        "::error file=tests/cases/validation/dangling_reference.ttl,line=8,"
        "title=kg validate%3A reference::"
        "id:chinese-academy-of-science is referenced but not defined anywhere; define it or fix "
        "the IRI (node id:test-dangling-partnership, path sc:party, "
        "value id:chinese-academy-of-science)",
        "1 file, 1 node checked: 1 violation, 0 warnings",
    ]


@pytest.mark.usefixtures("in_project")
def test_github_escapes_syntax_error_position(settings: Settings) -> None:
    report = validate([Path("tests/cases/validation/syntax_error.ttl")], settings=settings)
    first = render(report, fmt="github").splitlines()[0]
    assert first.startswith(
        "::error file=tests/cases/validation/syntax_error.ttl,line=11,col=5,"
        "title=kg validate%3A syntax::syntax error: "
    )


def test_unknown_format_names_the_formats_on_offer() -> None:
    from kg.contrib.validation import ValidationReport
    from kg.errors import UnusableInputError

    with pytest.raises(UnusableInputError, match="use one of text, json, github, junit, sarif"):
        render(ValidationReport(), fmt="yaml")  # type: ignore[arg-type]
    assert list(RENDERERS) == ["text", "json", "github", "junit", "sarif"]


def _tiny_project(root: Path, *, base: str) -> Settings:
    """An ontology, one data file with a problem of its own, under another base IRI."""
    prefixes = (
        f"@prefix sc: <{base}ontology#> .\n@prefix id: <{base}id/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix prov: <http://www.w3.org/ns/prov#> .\n"
    )
    for folder in ("ontology", "data"):
        (root / folder).mkdir()
    (root / "ontology" / "o.ttl").write_text(
        prefixes + 'sc:Academy rdfs:subClassOf sc:Actor .\nsc:Source rdfs:label "Source"@en .\n'
        'sc:party rdfs:label "party"@en .\nsc:quote rdfs:label "quote"@en .\n'
        'sc:Partnership rdfs:label "Partnership"@en .\n',
        encoding="utf-8",
    )
    (root / "data" / "d.ttl").write_text(
        prefixes + 'id:src a sc:Source ; rdfs:label "S"@en .\n'
        'id:cas a sc:Academy ; rdfs:label "CAS"@en ; prov:wasDerivedFrom id:src ;\n'
        '    sc:quote "CAS"@en .\n'
        'id:unsourced a sc:Academy ; rdfs:label "U"@en .\n',
        encoding="utf-8",
    )
    (root / "c.ttl").write_text(
        # Full IRIs as subjects: kg.graph.loading reads "id:p" with the canonical prefixes.
        prefixes
        + f'\n<{base}id/p> a sc:Partnership ; rdfs:label "P"@en ; sc:party id:cas, id:src ;\n'
        '    prov:wasDerivedFrom id:src ; sc:quote "P"@en .\n'
        "<https://w3id.org/scicoop/id/elsewhere> a sc:Academy .\n",
        encoding="utf-8",
    )
    return Settings(base_iri=base, ontology_dir=root / "ontology", data_dir=root / "data")


def test_contribution_is_checked_against_the_graph_under_the_configured_base(
    tmp_path: Path,
) -> None:
    settings = _tiny_project(tmp_path, base="https://example.org/kg/")
    report = validate([tmp_path / "c.ttl"], settings=settings)
    party = [(f.line, f.node, f.value) for f in report.findings if f.path == "sc:party"]
    # id:cas is defined in data/, so the contribution may name it; id:src is no actor.
    assert party == [(6, "id:p", "id:src")]
    # The expected prefix follows KG_BASE_IRI; shapes are written against the canonical base.
    outside = [f for f in report.findings if f.line == 8 and "outside" in f.message]
    assert len(outside) == 1
    assert "name it https://example.org/kg/id/<slug>" in outside[0].message
    # The problems of data/d.ttl (id:unsourced has no source) belong to another file.
    assert {f.file for f in report.findings} == {str(tmp_path / "c.ttl")}
    assert all(f.node != "id:unsourced" for f in report.findings)


# -- curator checks beyond SHACL ----------------------------------------------------------------


def _line_of(path: Path, start: str) -> int:
    """The line of ``path`` that starts with ``start`` (where a block opens)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if line.startswith(start))


@pytest.mark.usefixtures("in_project")
def test_probable_duplicate_names_both_nodes_and_where_the_other_is(settings: Settings) -> None:
    report = validate([Path("tests/cases/validation/probable_duplicate.ttl")], settings=settings)
    cas_line = _line_of(settings.data_dir / "actors.ttl", "id:chinese-academy-of-sciences ")
    duplicates = [f for f in report.findings if f.check == "duplicate"]
    assert [(f.file, f.line, f.severity, f.message) for f in duplicates] == [
        (
            "tests/cases/validation/probable_duplicate.ttl",
            8,
            "Warning",
            f"probable duplicate of id:chinese-academy-of-sciences (data/actors.ttl:{cas_line}): "
            'same rdfs:label "Chinese  academy of SCIENCES" and kind sc:Academy; use '
            "id:chinese-academy-of-sciences instead, or give each a label that tells them apart",
        )
    ]
    assert report.exit_code == 0  # a warning: the curator decides


def test_duplicates_within_the_given_files_are_reported_once_on_the_later(
    settings: Settings, tmp_path: Path
) -> None:
    contribution = tmp_path / "two.ttl"
    contribution.write_text(
        "@prefix id: <https://w3id.org/scicoop/id/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix sc: <https://w3id.org/scicoop/ontology#> .\n\n"
        'id:test-centre a sc:Centre ;\n    rdfs:label "Test centre"@en .\n\n'
        'id:test-centre-again a sc:Centre ;\n    rdfs:label "TEST  centre"@en .\n\n'
        # Same label, other kind: not a duplicate.
        'id:test-centre-outcome a sc:Outcome ;\n    rdfs:label "Test centre"@en .\n',
        encoding="utf-8",
    )
    report = validate([contribution], settings=settings)
    duplicates = [(f.line, f.node, f.value) for f in report.findings if f.check == "duplicate"]
    assert duplicates == [(8, "id:test-centre-again", "id:test-centre")]
    message = next(f.message for f in report.findings if f.check == "duplicate")
    assert f"probable duplicate of id:test-centre ({contribution}:5)" in message


def test_slug_rule_accepts_abbreviations_and_rejects_copied_slugs() -> None:
    from kg.contrib.checks import slug_fits

    label = ["Chinese Academy of Sciences"]
    assert slug_fits("chinese-academy-of-sciences", label)
    assert slug_fits("cas", label)  # initials
    assert slug_fits("academy-chinese", label)  # order is free
    assert slug_fits("partnership-cas", ["CAS partnership"])
    assert not slug_fits("russian-academy-of-sciences", label)
    assert not slug_fits("chinese-academy-of-sciences-2", label)


def test_unused_prefix_ignores_strings_iris_and_comments() -> None:
    from kg.contrib.checks import unused_prefixes

    text = (
        "@prefix a: <http://a#> .\n"
        "PREFIX b: <http://b#>\n"
        "@prefix c: <http://c#> .\n"
        "@prefix : <http://d#> .\n"
        "# c:x is only mentioned in this comment\n"
        '<http://a#s> a:p """b:y\nc:z""" ; a:q <http://c#w>, :local .\n'
    )
    assert unused_prefixes(text) == [("b", 2), ("c", 3)]


# -- report formats for CI ----------------------------------------------------------------------


@pytest.fixture
def mixed_report(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> object:
    """Two fixtures: one with two violations, one with a warning only."""
    monkeypatch.chdir(PROJECT_ROOT)
    cases = Path("tests/cases/validation")
    return validate(
        [cases / "misspelt_property.ttl", cases / "unused_prefix.ttl"], settings=settings
    )


def test_summary_line_counts_files_nodes_violations_warnings(mixed_report: object) -> None:
    text = render(mixed_report, fmt="text")  # type: ignore[arg-type]
    assert text.splitlines()[-1] == "2 files, 2 nodes checked: 2 violations, 1 warning"


def test_junit_has_one_testcase_per_file_and_one_failure_per_violation(
    mixed_report: object,
) -> None:
    from xml.etree import ElementTree

    root = ElementTree.fromstring(render(mixed_report, fmt="junit"))  # type: ignore[arg-type]
    assert root.tag == "testsuites"
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("2", "2", "0")
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    assert list(cases) == [
        "tests/cases/validation/misspelt_property.ttl",
        "tests/cases/validation/unused_prefix.ttl",
    ]
    failures = cases["tests/cases/validation/misspelt_property.ttl"].findall("failure")
    assert [(f.get("type"), f.get("line")) for f in failures] == [
        ("scs:PartnershipParties", "9"),
        ("kg/term", "9"),
    ]
    assert (
        failures[1]
        .get("message", "")
        .startswith("sc:partys is not a term of the ontology; did you mean sc:party?")
    )
    assert (failures[1].text or "").startswith("tests/cases/validation/misspelt_property.ttl:9: ")
    clean = cases["tests/cases/validation/unused_prefix.ttl"]
    assert clean.findall("failure") == []
    assert clean.findtext("system-out") == (
        "tests/cases/validation/unused_prefix.ttl:7: Warning: prefix skos: is declared but "
        "never used; remove this @prefix line"
    )


def test_junit_reports_unusable_input_as_an_error(settings: Settings, tmp_path: Path) -> None:
    from xml.etree import ElementTree

    report = validate([tmp_path / "missing.ttl"], settings=settings)
    suite = ElementTree.fromstring(render(report, fmt="junit")).find("testsuite")
    assert suite is not None and suite.get("errors") == "1"
    error = suite.find("testcase/error")
    assert error is not None
    assert error.get("message") == f"{tmp_path / 'missing.ttl'}: no such file or folder"


def test_sarif_is_a_2_1_0_log_with_rules_and_located_results(mixed_report: object) -> None:
    # No SARIF schema package is installed offline: the keys the 2.1.0 schema requires, and the
    # ones GitHub code scanning reads, are asserted instead.
    log = json.loads(render(mixed_report, fmt="sarif"))  # type: ignore[arg-type]
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "kg validate"
    rules = [rule["id"] for rule in driver["rules"]]
    assert rules == ["scs:PartnershipParties", "kg/term", "kg/prefix"]
    assert all(rule["shortDescription"]["text"] for rule in driver["rules"])
    assert run["invocations"][0]["executionSuccessful"] is True
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == PROJECT_ROOT.as_uri() + "/"
    located = [
        (
            r["ruleId"],
            rules[r["ruleIndex"]],
            r["level"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in run["results"]
    ]
    bad, warned = (
        "tests/cases/validation/misspelt_property.ttl",
        "tests/cases/validation/unused_prefix.ttl",
    )
    assert located == [
        ("scs:PartnershipParties", "scs:PartnershipParties", "error", bad, "%SRCROOT%", 9),
        ("kg/term", "kg/term", "error", bad, "%SRCROOT%", 9),
        ("kg/prefix", "kg/prefix", "warning", warned, "%SRCROOT%", 7),
    ]
    assert run["results"][1]["message"]["text"].startswith("sc:partys is not a term")


def test_sarif_uris_are_relative_to_the_repository_root_from_anywhere(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    case = PROJECT_ROOT / "tests/cases/validation/partnership_one_party.ttl"
    log = json.loads(render(validate([case], settings=settings), fmt="sarif"))
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == (
        "tests/cases/validation/partnership_one_party.ttl"
    )
    assert location["region"] == {"startLine": 8}
