"""The README's example: its query, run as the README says, gives the answer the README shows."""

from __future__ import annotations

import re

import pytest

from kg.cli import main
from kg.settings import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def _block(language: str) -> str:
    found = re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)
    assert len(found) == 1, f"the README should hold exactly one {language} block"
    return found[0]


def test_readme_query_gives_the_readme_answer(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", _block("sparql"), "--format", "csv"]) == 0
    shown = _block("csv").splitlines()
    assert capsys.readouterr().out.splitlines() == shown
    assert shown[1].startswith("More than,160,")


def test_readme_gives_the_two_make_commands() -> None:
    assert "make serve" in README and "make test" in README
    assert "make test" in (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")
