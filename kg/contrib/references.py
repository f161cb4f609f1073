"""The ``reference`` check: every IRI under ``{base}id/`` that the data uses is defined."""

from __future__ import annotations

from rdflib.term import Node

from kg.contrib.findings import Finding
from kg.contrib.workspace import Workspace

__all__ = ["check_references"]


def check_references(ws: Workspace, *, everywhere: bool = False) -> list[Finding]:
    """IRIs under ``{base}id/`` that the given (or, ``everywhere``, all) files use but no file
    defines."""
    findings: dict[tuple[str, Node, Node], Finding] = {}
    for parsed in ws.given + (ws.context if everywhere else []):
        for s, p, o in parsed.graph:
            if not ws.dangling(o) or (str(parsed.path), s, o) in findings:
                continue
            findings[(str(parsed.path), s, o)] = ws.finding(
                parsed,
                s,
                message=f"{ws.show(o)} is referenced but not defined anywhere; "
                "define it or fix the IRI",
                path=p,
                value=o,
                check="reference",
            )
    return list(findings.values())
