"""``kg validate --changed-since``: only what a change touched is validated, against the graph.

Each test works in a temporary git repository holding a copy of the project's ontology, shapes and
data, committed once; the test then changes the working tree as a contributor would.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from kg.cli import main
from kg.contrib.changes import changed_files, extract_tree, repository_root
from kg.errors import UnusableInputError

PREFIXES = (
    "@prefix id: <https://w3id.org/scicoop/id/> .\n"
    "@prefix prov: <http://www.w3.org/ns/prov#> .\n"
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    "@prefix sc: <https://w3id.org/scicoop/ontology#> .\n"
)
ACADEMY = (
    PREFIXES + "\nid:test-extra-academy a sc:Academy ;\n"
    '    rdfs:label "Test extra academy"@en ;\n'
    "    prov:wasDerivedFrom id:striving-to-create-a-new-horizon ;\n"
    '    sc:quote "Chinese Academy of Sciences"@en .\n'
)
USES = (
    PREFIXES + "\nid:test-uses-partnership a sc:Partnership ;\n"
    '    rdfs:label "Test uses partnership"@en ;\n'
    "    sc:party id:test-extra-academy, id:chinese-academy-of-sciences ;\n"
    "    sc:partnershipKind sc:JointResearch ;\n"
    "    prov:wasDerivedFrom id:striving-to-create-a-new-horizon ;\n"
    '    sc:quote "Chinese Academy of Sciences"@en .\n'
)


def git(*args: str, cwd: Path) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.fixture
def repo(project_copy: Path) -> Path:
    """The project copy as a git repository with one commit, plus two files of our own."""
    (project_copy / "data" / "extra.ttl").write_text(ACADEMY, encoding="utf-8")
    (project_copy / "data" / "uses.ttl").write_text(USES, encoding="utf-8")
    git("init", "-q", "-b", "main", cwd=project_copy)
    git("add", "-A", cwd=project_copy)
    git("commit", "-q", "-m", "base", cwd=project_copy)
    return project_copy


def flags(root: Path) -> list[str]:
    return [
        "--ontology-dir", str(root / "ontology"),
        "--shapes-dir", str(root / "shapes"),
        "--data-dir", str(root / "data"),
    ]  # fmt: skip


def test_changed_files_lists_added_modified_and_deleted_rdf_files(repo: Path) -> None:
    (repo / "data" / "new.ttl").write_text(PREFIXES, encoding="utf-8")  # untracked
    with (repo / "data" / "uses.ttl").open("a", encoding="utf-8") as uses:
        uses.write("# edited\n")
    (repo / "data" / "extra.ttl").unlink()
    (repo / "data" / "notes.txt").write_text("not RDF", encoding="utf-8")
    (repo / "ontology" / "scicoop.ttl").write_text("# outside the scope\n", encoding="utf-8")

    changes = changed_files("HEAD", paths=[repo / "data"], root=repository_root(repo))

    assert changes.changed == [repo / "data" / "new.ttl", repo / "data" / "uses.ttl"]
    assert changes.deleted == [repo / "data" / "extra.ttl"]


def test_changes_are_counted_from_the_merge_base(repo: Path) -> None:
    git("checkout", "-q", "-b", "contribution", cwd=repo)
    (repo / "data" / "mine.ttl").write_text(PREFIXES, encoding="utf-8")
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "mine", cwd=repo)
    git("checkout", "-q", "main", cwd=repo)
    (repo / "data" / "theirs.ttl").write_text(PREFIXES, encoding="utf-8")
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "theirs", cwd=repo)
    git("checkout", "-q", "contribution", cwd=repo)

    changes = changed_files("main", paths=[repo / "data"], root=repo)

    assert changes.changed == [repo / "data" / "mine.ttl"]  # not main's theirs.ttl
    assert changes.deleted == []


def test_unknown_ref_and_no_repository_are_unusable_input(
    repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with pytest.raises(UnusableInputError, match=r"^no-such-branch: unknown git ref in "):
        changed_files("no-such-branch", paths=[repo / "data"], root=repo)
    with pytest.raises(UnusableInputError, match=r"^--upload-pack=x: not a git ref$"):
        changed_files("--upload-pack=x", paths=[repo / "data"], root=repo)
    outside = tmp_path_factory.mktemp("not-a-repo")
    with pytest.raises(UnusableInputError, match="not inside a git repository"):
        repository_root(outside)


def test_cli_exits_2_naming_an_unknown_ref(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*flags(repo), "validate", "--changed-since", "origin/nowhere"]) == 2
    assert capsys.readouterr().err.startswith("kg: origin/nowhere: unknown git ref in ")


def test_cli_exits_2_outside_a_repository(
    project_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*flags(project_copy), "validate", "--changed-since", "main"]) == 2
    assert "not inside a git repository" in capsys.readouterr().err


def test_extracting_a_ref_leaves_the_working_tree_alone(
    repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    (repo / "data" / "uses.ttl").write_text(USES + "# uncommitted\n", encoding="utf-8")
    status = git("status", "--porcelain", cwd=repo)
    before = {p: p.read_bytes() for p in sorted(repo.rglob("*")) if p.is_file()}

    out = extract_tree("HEAD", root=repo, destination=tmp_path_factory.mktemp("old") / "tree")

    assert (out / "data" / "uses.ttl").read_text(encoding="utf-8") == USES
    assert not (out / ".tree.tar").exists()
    assert {p: p.read_bytes() for p in sorted(repo.rglob("*")) if p.is_file()} == before
    assert git("status", "--porcelain", cwd=repo) == status


def test_only_the_changed_file_is_reported_and_its_references_resolve(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A new partnership naming an academy defined in an unchanged file, and missing a party.
    (repo / "data" / "new.ttl").write_text(
        PREFIXES + "\nid:test-new-partnership a sc:Partnership ;\n"
        '    rdfs:label "Test new partnership"@en ;\n'
        "    sc:party id:test-extra-academy ;\n"
        "    sc:partnershipKind sc:JointResearch ;\n"
        "    prov:wasDerivedFrom id:striving-to-create-a-new-horizon ;\n"
        '    sc:quote "Chinese Academy of Sciences"@en .\n',
        encoding="utf-8",
    )
    code = main([*flags(repo), "validate", "--changed-since", "HEAD", "--format", "json"])
    report = json.loads(capsys.readouterr().out)

    assert code == 1
    assert report["files"] == [str(repo / "data" / "new.ttl")]
    assert [(f["line"], f["path"], f["check"]) for f in report["findings"]] == [
        (6, "sc:party", "shacl")
    ]
    assert report["nodes"] == 1


def test_references_into_a_deleted_file_are_caught(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "data" / "extra.ttl").unlink()
    code = main([*flags(repo), "validate", "--changed-since", "HEAD"])
    out = capsys.readouterr().out.splitlines()

    assert code == 1
    assert f"{repo / 'data' / 'uses.ttl'}:6: Violation: id:test-extra-academy is referenced but " \
        "not defined anywhere; define it or fix the IRI (node id:test-uses-partnership, " \
        "path sc:party, value id:test-extra-academy)" in out  # fmt: skip


def test_nothing_changed_is_a_clean_empty_report(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([*flags(repo), "validate", "--changed-since", "HEAD", "--format", "sarif"])
    captured = capsys.readouterr()

    assert code == 0
    assert captured.err == "kg validate: no RDF file changed since HEAD\n"
    log = json.loads(captured.out)
    assert log["runs"][0]["results"] == []
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is True
