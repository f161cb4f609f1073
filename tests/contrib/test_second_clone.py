"""``kg`` installed from one checkout works on the repository it is run in: a contributor's second
clone, a subfolder of it, never the checkout it was installed from."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from kg.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration

KG = str(Path(sys.executable).with_name("kg"))
BROKEN = """@prefix id: <https://w3id.org/scicoop/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix sc: <https://w3id.org/scicoop/ontology#> .

id:a-lonely-partnership a sc:Partnership ;
    rdfs:label "A lonely partnership"@en ;
    sc:party id:chinese-academy-of-sciences .
"""


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300)


def git(*args: str, cwd: Path) -> None:
    identity = ("-c", "user.name=Contributor", "-c", "user.email=contributor@example.org")
    subprocess.run(["git", *identity, *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clone of this repository's last commit, with a broken contribution committed."""
    root = tmp_path_factory.mktemp("second") / "scicoop-kg"
    git("clone", "-q", "--no-hardlinks", str(PROJECT_ROOT), str(root), cwd=PROJECT_ROOT)
    (root / "data" / "lonely.ttl").write_text(BROKEN, encoding="utf-8")
    git("add", "data/lonely.ttl", cwd=root)
    git("commit", "-q", "-m", "A contribution", cwd=root)
    return root


@pytest.mark.parametrize("where", [".", "data", "kg/query"])
def test_validate_in_a_clone_finds_its_broken_file_with_its_line(clone: Path, where: str) -> None:
    done = run(KG, "validate", cwd=clone / where)
    assert done.returncode == 1, done.stdout + done.stderr
    found = re.search(r"^(\S+):5: Violation: a partnership needs at least two", done.stdout, re.M)
    assert found is not None, done.stdout
    # Named from where the contributor stands, and it is the clone's file.
    assert (clone / where / found[1]).resolve() == (clone / "data" / "lonely.ttl").resolve()
    assert str(PROJECT_ROOT / "data") not in done.stdout


def test_diff_in_a_clone_reports_the_node_its_commit_adds(clone: Path) -> None:
    done = run(KG, "diff", "HEAD~1", cwd=clone)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "a-lonely-partnership" in done.stdout


def test_project_named_explicitly_wins_over_the_working_directory(
    clone: Path, tmp_path: Path
) -> None:
    done = run(KG, "--project", str(clone), "validate", cwd=tmp_path)
    assert done.returncode == 1
    assert "lonely.ttl:5: Violation" in done.stdout
