"""The ``prefix`` check: every ``@prefix`` a file declares is used in it."""

from __future__ import annotations

from pathlib import Path

from kg.contrib.checks import unused_prefixes
from kg.contrib.findings import Finding, display
from kg.contrib.workspace import Workspace
from kg.graph.loading import BOM, read_rdf_text

__all__ = ["check_prefixes"]


def check_prefixes(ws: Workspace, texts: dict[Path, str | None]) -> list[Finding]:
    """``@prefix`` declarations that nothing in their file uses.

    ``texts`` holds the Turtle of given files that are not on disk (a request body); None there
    means the text is not Turtle as written (converted JSON-LD) and is skipped.
    """
    findings: list[Finding] = []
    for parsed in ws.given:
        if parsed.path in texts:
            text = texts[parsed.path]
        elif parsed.path.suffix == ".ttl":
            text = read_rdf_text(parsed.path)
        else:
            text = None
        for prefix, line in unused_prefixes(text.removeprefix(BOM)) if text else []:
            findings.append(
                Finding(
                    file=display(parsed.path),
                    line=line,
                    column=None,
                    severity="Warning",
                    message=f"prefix {prefix}: is declared but never used; remove this "
                    "@prefix line",
                    check="prefix",
                )
            )
    return findings
