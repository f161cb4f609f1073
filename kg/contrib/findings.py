"""What a validation run reports: located findings, and the report that gathers them.

Kept apart from :mod:`kg.contrib.validation`, which runs the checks, so that every check module
can build findings without importing the module that imports it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

__all__ = ["Check", "Finding", "Severity", "SEVERITIES", "ValidationReport", "display"]

Severity = Literal["Violation", "Warning", "Info"]
SEVERITIES: tuple[Severity, ...] = ("Violation", "Warning", "Info")

#: What found a problem: the parser, a SHACL shape, or one of the checks written in Python
#: (see kg.contrib.checks.CHECKS for what each one means).
Check = Literal[
    "syntax",
    "shacl",
    "namespace",
    "contents",
    "provenance",
    "characters",
    "reference",
    "term",
    "quote",
    "duplicate",
    "slug",
    "prefix",
]


@dataclass(frozen=True)
class Finding:
    """One problem, located at the block (file and line) of the node it is about."""

    file: str | None
    line: int | None
    column: int | None
    severity: Severity
    message: str
    node: str | None = None
    path: str | None = None
    value: str | None = None
    shape: str | None = None
    check: Check = "shacl"

    def sort_key(self) -> tuple[str, int, int, int, str, str]:
        return (
            self.file or "",
            self.line or 0,
            self.column or 0,
            SEVERITIES.index(self.severity),
            self.node or "",
            self.message,
        )


@dataclass
class ValidationReport:
    """Findings sorted by file and line, the files reported on, and unusable-input errors."""

    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: Named nodes (subject IRIs) that the reported files define, for the summary line.
    nodes: int = 0
    #: The repository root that SARIF locations are written relative to.
    root: Path | None = None

    @property
    def counts(self) -> dict[Severity, int]:
        counts: dict[Severity, int] = dict.fromkeys(SEVERITIES, 0)
        for finding in self.findings:
            counts[finding.severity] += 1
        return counts

    @property
    def conforms(self) -> bool:
        """True when the files may be merged: usable, and no violation (warnings are allowed)."""
        return not self.errors and self.counts["Violation"] == 0

    @property
    def exit_code(self) -> int:
        if self.errors:
            return 2
        return 0 if self.conforms else 1


def display(path: Path) -> str:
    """A path as the user should see it: relative to the working folder when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)
