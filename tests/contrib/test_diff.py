"""``kg diff BASE_REF``: a pull request's change to the graph, as Markdown for a PR comment."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from kg.cli import main

PREFIXES = (
    "@prefix id: <https://w3id.org/scicoop/id/> .\n"
    "@prefix prov: <http://www.w3.org/ns/prov#> .\n"
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    "@prefix sc: <https://w3id.org/scicoop/ontology#> .\n"
)
SOURCE = (
    "    prov:wasDerivedFrom id:striving-to-create-a-new-horizon ;\n"
    '    sc:quote "Chinese Academy of Sciences"@en .\n'
)


def claim(value: int) -> str:
    return (
        PREFIXES + "\nid:test-claim-partners a sc:QuantitativeClaim ;\n"
        '    rdfs:label "Test claim partners"@en ;\n'
        "    sc:claimSubject id:chinese-academy-of-sciences ;\n"
        '    sc:measure "test partners"@en ;\n'
        f"    sc:value {value} ;\n"
        "    sc:qualifier sc:MoreThan ;\n"
        "    sc:unit sc:Count ;\n" + SOURCE
    )


def git(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org", *args],
        cwd=cwd,
        capture_output=True,
        check=True,
    )


@pytest.fixture
def changed_repo(project_copy: Path) -> Path:
    """A base commit on main, then a working tree that adds, changes and removes nodes."""
    data = project_copy / "data"
    (data / "claims-test.ttl").write_text(claim(160), encoding="utf-8")
    (data / "extra.ttl").write_text(
        PREFIXES
        + '\nid:test-extra-academy a sc:Academy ;\n    rdfs:label "Test extra academy"@en ;\n'
        + SOURCE,
        encoding="utf-8",
    )
    git("init", "-q", "-b", "main", cwd=project_copy)
    git("add", "-A", cwd=project_copy)
    git("commit", "-q", "-m", "base", cwd=project_copy)
    (data / "claims-test.ttl").write_text(claim(170), encoding="utf-8")
    (data / "extra.ttl").unlink()
    (data / "new.ttl").write_text(
        PREFIXES + "\nid:test-new-partnership a sc:Partnership ;\n"
        '    rdfs:label "Test new partnership"@en ;\n'
        "    sc:party id:chinese-academy-of-sciences ;\n"
        "    sc:partnershipKind sc:JointResearch ;\n" + SOURCE,
        encoding="utf-8",
    )
    return project_copy


def test_diff_names_added_changed_removed_nodes_and_new_findings(
    changed_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flags = [f"--{name}-dir={changed_repo / name}" for name in ("ontology", "shapes", "data")]
    assert main([*flags, "diff", "main"]) == 0
    lines = capsys.readouterr().out.splitlines()

    assert lines[0] == "## Knowledge graph changes since `main`"
    assert lines[2] == (
        "**Nodes:** 1 added, 0 changed, 1 removed · **Claims:** 0 added, 1 changed, 0 removed"
    )
    added = lines.index("### Added")
    assert (
        lines[added + 4] == "| `id:test-new-partnership` | sc:Partnership | Test new partnership |"
    )
    removed = lines.index("### Removed")
    assert lines[removed + 4] == "| `id:test-extra-academy` | sc:Academy | Test extra academy |"
    changed = lines.index("### Changed")
    assert lines[changed + 2 : changed + 4] == [
        "- `id:test-claim-partners` (Test claim partners)",
        "  - `sc:value` `160` → `170`",
    ]
    new = lines.index("**New findings:** 1")
    assert lines[new + 2] == (
        "- `data/new.ttl:6` Violation: a partnership needs at least two parties (sc:party); add "
        "every party the source names, or an sc:ActorGroup for partners it describes only in "
        "aggregate"
    )
    assert "**Fixed findings:** 0" in lines
    # The working tree is what it was: the base was read from git, not checked out.
    assert (changed_repo / "data" / "new.ttl").exists()
    assert not (changed_repo / "data" / "extra.ttl").exists()


def test_diff_of_an_unknown_ref_exits_2(
    changed_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flags = [f"--data-dir={changed_repo / 'data'}"]
    assert main([*flags, "diff", "origin/nowhere"]) == 2
    assert "origin/nowhere: unknown git ref" in capsys.readouterr().err


def test_diff_lists_apart_what_a_file_adds_to_a_node_another_file_defines(
    project_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git("init", "-q", "-b", "main", cwd=project_copy)
    git("add", "-A", cwd=project_copy)
    git("commit", "-q", "-m", "base", cwd=project_copy)
    standing = '"a national-level institution"@en'
    (project_copy / "data" / "more.ttl").write_text(
        PREFIXES + f"\nid:chinese-academy-of-sciences sc:standing {standing} ;\n"
        '    rdfs:label "Academia Sinica Pekinensis"@la .\n\n'
        "[] a <http://www.w3.org/1999/02/22-rdf-syntax-ns#Statement> ;\n"
        "    <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> "
        "id:chinese-academy-of-sciences ;\n"
        "    <http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate> sc:standing ;\n"
        f"    <http://www.w3.org/1999/02/22-rdf-syntax-ns#object> {standing} ;\n" + SOURCE,
        encoding="utf-8",
    )
    flags = [f"--{name}-dir={project_copy / name}" for name in ("ontology", "shapes", "data")]
    main([*flags, "diff", "main"])
    lines = capsys.readouterr().out.splitlines()

    section = lines.index("### Added to existing nodes by other files")
    assert lines[section + 2 : section + 4] == [
        "- `id:chinese-academy-of-sciences` (defined in `data/actors.ttl`): `rdfs:label` "
        '`"Academia Sinica Pekinensis"@la`, added by `data/more.ttl`; **no source**',
        "- `id:chinese-academy-of-sciences` (defined in `data/actors.ttl`): `sc:standing` "
        f"`{standing}`, added by `data/more.ttl`; backed by a statement of provenance",
    ]
    new = lines.index("**New findings:** 1")
    assert lines[new + 2].startswith(
        "- `data/more.ttl:7` Violation: id:chinese-academy-of-sciences is defined in "
        'data/actors.ttl:18; this file adds rdfs:label "Academia Sinica Pekinensis"@la to it '
        "without a source."
    )
