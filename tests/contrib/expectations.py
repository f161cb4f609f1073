"""The validation cases of ``tests/cases/validation/`` and what each one announces it must report.

A case's leading comment lines state it: ``# expect: LINE[:COLUMN] SEVERITY "message fragment"``
for each finding, or ``# expect: no violation``. Shared by the command-line run of the cases
(``tests/contrib/test_validation.py``) and the HTTP one (``tests/integration/``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CASES = sorted((Path(__file__).parents[1] / "cases" / "validation").glob("*.ttl"))
_EXPECT = re.compile(r'^# expect: (\d+)(?::(\d+))? (Violation|Warning|Info) "(.+)"$')


@dataclass(frozen=True)
class Expectation:
    line: int
    column: int | None
    severity: str
    fragment: str

    def matches(self, finding: Mapping[str, Any]) -> bool:
        """Whether ``finding`` (a finding of the JSON report) is the one announced."""
        return (
            finding["line"] == self.line
            and (self.column is None or finding["column"] == self.column)
            and finding["severity"] == self.severity
            and self.fragment in finding["message"]
        )


def expectations(case: Path) -> list[Expectation]:
    """What the leading comments of ``case`` announce (none for ``# expect: no violation``)."""
    found = []
    clean = False
    # utf-8-sig: a case may start with a byte order mark (the one about it does).
    for line in case.read_text(encoding="utf-8-sig").splitlines():
        if not line.startswith("#"):
            break
        clean = clean or line == "# expect: no violation"
        if match := _EXPECT.match(line):
            number, column, severity, fragment = match.groups()
            fragment = fragment.replace('\\"', '"')
            found.append(Expectation(int(number), column and int(column), severity, fragment))
    assert found or clean, f"{case.name}: no '# expect:' line at the top"
    return found


def assert_reported(case: Path, report: Mapping[str, Any], *, file: str) -> None:
    """``report`` (the JSON report) holds what ``case`` announces, in ``file``, and no other
    violation; its exit code and ``conforms`` follow."""
    findings: Sequence[Mapping[str, Any]] = report["findings"]
    shown = "\n".join(f"{f['line']}: {f['severity']}: {f['message']}" for f in findings)
    assert report["files"] == [file]
    expected = expectations(case)
    for expectation in expected:
        assert any(expectation.matches(f) for f in findings), f"{expectation}\n{shown}"
    unexpected = [
        f
        for f in findings
        if f["severity"] == "Violation" and not any(e.matches(f) for e in expected)
    ]
    assert not unexpected, shown
    assert all(f["file"] == file for f in findings), shown
    violations = any(e.severity == "Violation" for e in expected)
    assert report["exit_code"] == (1 if violations else 0)
    assert report["conforms"] is not violations
