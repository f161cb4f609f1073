"""The CI integrations: the pre-commit hooks, run for real, and the GitHub Actions workflow.

The hook this repository offers to others runs through ``pre-commit try-repo`` (pre-commit builds
its own environment and installs ``kg`` from PyPI packages); the local hook of this repository's
own config through ``pre-commit run``. Each runs in a temporary git repository with a bad file,
sees the hook fail naming the file and line, then passes once the file is fixed.

The workflow cannot run offline (it needs GitHub's runners and actions): its test is structural,
the YAML parses and has the steps, triggers and commands the contribution process relies on.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from kg.settings import PROJECT_ROOT

BAD = PROJECT_ROOT / "tests" / "cases" / "validation" / "partnership_one_party.ttl"
VIOLATION = (
    "data/contribution.ttl:8: Violation: a partnership needs at least two parties (sc:party)"
)


def git(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def pre_commit(*args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never")
    # The `kg` of this environment, for the local (language: system) hook.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _fixed(bad: str) -> str:
    """The bad contribution with its second party added."""
    return bad.replace(
        "sc:party id:chinese-academy-of-sciences ;",
        "sc:party id:chinese-academy-of-sciences, id:hou-jianguo ;",
    )


@pytest.fixture
def consumer(tmp_path: Path) -> Path:
    """A data repository laid out like this one, with a contribution that breaks a shape."""
    root = tmp_path / "consumer"
    for folder in ("ontology", "shapes", "data"):
        shutil.copytree(PROJECT_ROOT / folder, root / folder)
    shutil.copy(BAD, root / "data" / "contribution.ttl")
    git("init", "-q", cwd=root)
    git("add", "-A", cwd=root)
    return root


@pytest.fixture
def hook_repository(tmp_path: Path) -> Path:
    """This repository as pre-commit clones it: what a tagged release would hold."""
    root = tmp_path / "kg-hooks"
    root.mkdir()
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy(PROJECT_ROOT / name, root / name)
    for package in ("kg", "api"):
        shutil.copytree(
            PROJECT_ROOT / package, root / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    git("init", "-q", cwd=root)
    git("add", "-A", cwd=root)
    git("commit", "-q", "-m", "release", cwd=root)
    return root


def test_hook_manifest_declares_kg_validate() -> None:
    (hook,) = yaml.safe_load((PROJECT_ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "kg-validate"
    assert hook["entry"].split()[0] == "kg" and hook["entry"].split()[-1] == "validate"
    assert (hook["language"], hook["files"], hook["pass_filenames"]) == (
        "python",
        r"\.(ttl|nt)$",
        True,
    )


@pytest.mark.integration
def test_try_repo_fails_on_a_bad_file_and_passes_once_fixed(
    hook_repository: Path, consumer: Path, tmp_path: Path
) -> None:
    home = tmp_path / "pre-commit-home"
    args = ("try-repo", str(hook_repository), "kg-validate", "--files", "data/contribution.ttl")

    failed = pre_commit(*args, cwd=consumer, home=home)

    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "kg validate" in failed.stdout and "Failed" in failed.stdout
    assert VIOLATION in failed.stdout

    contribution = consumer / "data" / "contribution.ttl"
    contribution.write_text(_fixed(contribution.read_text(encoding="utf-8")), encoding="utf-8")
    passed = pre_commit(*args, cwd=consumer, home=home)

    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout


@pytest.mark.integration
def test_this_repositorys_config_runs_kg_validate_on_data(consumer: Path, tmp_path: Path) -> None:
    config = yaml.safe_load((PROJECT_ROOT / ".pre-commit-config.yaml").read_text())
    hooks = [hook["id"] for repo in config["repos"] for hook in repo["hooks"]]
    assert hooks == ["kg-validate", "ruff-format", "ruff-check"]
    shutil.copy(PROJECT_ROOT / ".pre-commit-config.yaml", consumer / ".pre-commit-config.yaml")
    home = tmp_path / "pre-commit-home"
    args = ("run", "kg-validate", "--files", "data/contribution.ttl")

    failed = pre_commit(*args, cwd=consumer, home=home)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert VIOLATION in failed.stdout

    contribution = consumer / "data" / "contribution.ttl"
    contribution.write_text(_fixed(contribution.read_text(encoding="utf-8")), encoding="utf-8")
    passed = pre_commit(*args, cwd=consumer, home=home)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    # Fixtures that are broken on purpose are not data: the hook leaves them alone.
    shutil.copy(BAD, consumer / "bad-fixture.ttl")
    skipped = pre_commit(
        "run", "kg-validate", "--files", "bad-fixture.ttl", cwd=consumer, home=home
    )
    assert skipped.returncode == 0
    assert "(no files to check)Skipped" in skipped.stdout


def test_workflow_runs_tests_validation_sarif_and_diff_on_pull_requests() -> None:
    workflow = yaml.safe_load((PROJECT_ROOT / ".github" / "workflows" / "ci.yml").read_text())
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert {"push", "pull_request"} <= set(triggers)
    (job,) = workflow["jobs"].values()
    steps = job["steps"]
    uses = {step.get("uses", "").split("@")[0]: step for step in steps if "uses" in step}
    assert uses["actions/checkout"]["with"]["fetch-depth"] == 0
    assert uses["actions/setup-python"]["with"]["python-version"] == "3.11"
    assert uses["github/codeql-action/upload-sarif"]["with"]["sarif_file"] == "kg-validate.sarif"
    assert uses["marocchino/sticky-pull-request-comment"]["with"]["path"] == "kg-diff.md"
    runs = [step["run"] for step in steps if "run" in step]
    # The base branch reaches the scripts as an environment variable, never spliced into them.
    assert job["env"]["BASE_REF"] == "${{ github.base_ref }}"
    assert not any("${{" in r for r in runs)
    base = '"origin/$BASE_REF"'
    assert "make test" in runs
    assert "make lint" in runs
    assert any(f"kg validate --changed-since {base} --format github" in r for r in runs)
    assert any(f"kg validate --changed-since {base} --format sarif" in r for r in runs)
    assert any(f"kg diff {base} > kg-diff.md" in r for r in runs)
    # The steps only meaningful on a pull request are guarded, and run even after a failure.
    for step in steps[4:]:
        assert "github.event_name == 'pull_request'" in step["if"], step["name"]
    assert job["permissions"]["security-events"] == "write"
    assert job["permissions"]["pull-requests"] == "write"
