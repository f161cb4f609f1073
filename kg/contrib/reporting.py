"""Render a validation report for a person (text), a program (JSON), CI (GitHub annotations,
JUnit XML for test dashboards) or code scanning (SARIF 2.1.0).

One table maps each format name to its renderer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal
from xml.etree import ElementTree

from kg.contrib.checks import CHECKS
from kg.contrib.findings import Finding, ValidationReport
from kg.errors import UnusableInputError

__all__ = ["Format", "RENDERERS", "render"]

Format = Literal["text", "json", "github", "junit", "sarif"]


def render(report: ValidationReport, *, fmt: Format) -> str:
    """The report in format ``fmt``; raises UnusableInputError naming the formats on offer."""
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        offered = ", ".join(RENDERERS)
        raise UnusableInputError(
            f"--format {fmt}: unknown report format; use one of {offered}"
        ) from None
    return renderer(report)


# -- text ---------------------------------------------------------------------------------------


def _text(report: ValidationReport) -> str:
    """``file:line: Severity: message (node …, path …, value …)``, a blank line between files."""
    lines = [f"kg validate: {error}" for error in report.errors]
    previous_file: str | None = None
    for finding in report.findings:
        if lines and finding.file != previous_file:
            lines.append("")
        previous_file = finding.file
        lines.append(f"{_where(finding)}: {finding.severity}: {finding.message}{_context(finding)}")
    if lines:
        lines.append("")
    lines.append(_summary(report))
    return "\n".join(lines)


def _where(finding: Finding) -> str:
    where = finding.file or "<unknown file>"
    if finding.line is not None:
        where += f":{finding.line}"
        if finding.column is not None:
            where += f":{finding.column}"
    return where


def _context(finding: Finding) -> str:
    parts = [
        f"{name} {value}"
        for name, value in (
            ("node", finding.node),
            ("path", finding.path),
            ("value", finding.value),
        )
        if value is not None
    ]
    return f" ({', '.join(parts)})" if parts else ""


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _summary(report: ValidationReport) -> str:
    if report.errors:
        return f"unusable input: {_plural(len(report.errors), 'error')}, nothing was validated"
    counts = report.counts
    summary = (
        f"{_plural(len(report.files), 'file')}, {_plural(report.nodes, 'node')} checked: "
        f"{_plural(counts['Violation'], 'violation')}, {_plural(counts['Warning'], 'warning')}"
    )
    if counts["Info"]:
        summary += f", {counts['Info']} info"
    return summary


# -- JSON ---------------------------------------------------------------------------------------

#: The keys of each finding, in the order they are written; a stable schema for other programs.
FINDING_KEYS = (
    "file",
    "line",
    "column",
    "severity",
    "node",
    "path",
    "value",
    "message",
    "shape",
    "check",
)


def _json(report: ValidationReport) -> str:
    document = {
        "conforms": report.conforms,
        "exit_code": report.exit_code,
        "files": report.files,
        "nodes": report.nodes,
        "counts": report.counts,
        "errors": report.errors,
        "findings": [{key: getattr(f, key) for key in FINDING_KEYS} for f in report.findings],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


# -- GitHub Actions workflow commands -----------------------------------------------------------

_COMMANDS = {"Violation": "error", "Warning": "warning", "Info": "notice"}


def _escape_data(text: str) -> str:
    """Escape a command's message, as the Actions toolkit does (``escapeData``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    """Escape a command's property value (``escapeProperty``): also ``:`` and ``,``.

    >>> _escape_property("data/a,b.ttl: 100%")
    'data/a%2Cb.ttl%3A 100%25'
    """
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _github(report: ValidationReport) -> str:
    """One ``::error``/``::warning`` annotation per finding, then the summary as a log line."""
    lines = [f"::error title=kg validate::{_escape_data(error)}" for error in report.errors]
    for finding in report.findings:
        properties = {
            "file": finding.file,
            "line": finding.line,
            "col": finding.column,
            "title": f"kg validate: {finding.shape or finding.check}",
        }
        rendered = ",".join(
            f"{key}={_escape_property(str(value))}"
            for key, value in properties.items()
            if value is not None
        )
        message = _escape_data(finding.message + _context(finding))
        lines.append(f"::{_COMMANDS[finding.severity]} {rendered}::{message}")
    lines.append(_summary(report))
    return "\n".join(lines)


# -- JUnit XML ----------------------------------------------------------------------------------


def _junit(report: ValidationReport) -> str:
    """One ``testcase`` per file, one ``failure`` per violation; warnings go to ``system-out``.

    Unusable input is one ``error`` testcase, since nothing was validated.
    """
    suites = ElementTree.Element("testsuites", name="kg validate")
    suite = ElementTree.SubElement(suites, "testsuite", name="kg validate")
    failures = errors = 0
    for error in report.errors:
        case = ElementTree.SubElement(suite, "testcase", classname="kg validate", name="input")
        ElementTree.SubElement(case, "error", message=error, type="unusable-input").text = error
        errors += 1
    for file in report.files:
        case = ElementTree.SubElement(
            suite, "testcase", classname="kg validate", name=file, file=file
        )
        others: list[str] = []
        for finding in (f for f in report.findings if f.file == file):
            line = f"{_where(finding)}: {finding.severity}: {finding.message}{_context(finding)}"
            if finding.severity != "Violation":
                others.append(line)
                continue
            failure = ElementTree.SubElement(
                case, "failure", message=finding.message, type=_rule_id(finding)
            )
            if finding.line is not None:
                failure.set("line", str(finding.line))
            failure.text = line
            failures += 1
        if others:
            ElementTree.SubElement(case, "system-out").text = "\n".join(others)
    for element in (suites, suite):
        element.set("tests", str(len(report.files) + len(report.errors)))
        element.set("failures", str(failures))
        element.set("errors", str(errors))
    ElementTree.indent(suites)
    return ElementTree.tostring(suites, encoding="unicode", xml_declaration=True)


# -- SARIF 2.1.0 --------------------------------------------------------------------------------

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {"Violation": "error", "Warning": "warning", "Info": "note"}


def _rule_id(finding: Finding) -> str:
    """A SHACL finding's rule is its shape (``scs:PartnershipParties``); others ``kg/<check>``."""
    if finding.check == "shacl" and finding.shape:
        return finding.shape
    return f"kg/{finding.check}"


def _relative_uri(file: str, root: Path | None) -> str:
    """``file`` relative to the repository root, as code scanning locates it."""
    path = Path(file)
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def _sarif(report: ValidationReport) -> str:
    """A SARIF 2.1.0 log: one run, the rules that fired, one result per finding."""
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for finding in report.findings:
        rule = _rule_id(finding)
        if rule not in rules:
            description = (
                f"SHACL shape {rule} (shapes/)"
                if finding.check == "shacl"
                else CHECKS[finding.check]
            )
            rules[rule] = {
                "id": rule,
                "name": rule.replace("kg/", "").replace("scs:", ""),
                "shortDescription": {"text": description},
                "defaultConfiguration": {"level": _LEVELS[finding.severity]},
            }
        location: dict[str, Any] = {
            "artifactLocation": {
                "uri": _relative_uri(finding.file or "", report.root),
                "uriBaseId": "%SRCROOT%",
            }
        }
        if finding.line is not None:
            location["region"] = {"startLine": finding.line}
            if finding.column is not None:
                location["region"]["startColumn"] = finding.column
        results.append(
            {
                "ruleId": rule,
                "ruleIndex": list(rules).index(rule),
                "level": _LEVELS[finding.severity],
                "message": {"text": finding.message + _context(finding)},
                "locations": [{"physicalLocation": location}],
            }
        )
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "kg validate",
                "informationUri": "https://w3id.org/scicoop/",
                "rules": list(rules.values()),
            }
        },
        "invocations": [
            {
                "executionSuccessful": not report.errors,
                "toolExecutionNotifications": [
                    {"level": "error", "message": {"text": error}} for error in report.errors
                ],
            }
        ],
        "results": results,
    }
    if report.root is not None:
        run["originalUriBaseIds"] = {"%SRCROOT%": {"uri": report.root.resolve().as_uri() + "/"}}
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False)


#: Format name -> renderer.
RENDERERS: dict[str, Callable[[ValidationReport], str]] = {
    "text": _text,
    "json": _json,
    "github": _github,
    "junit": _junit,
    "sarif": _sarif,
}
