"""Render a validation report for a person (text), a program (JSON) or a CI annotation (GitHub).

One table maps each format name to its renderer: JUnit or SARIF is one function and one row.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Literal

from kg.errors import UnusableInputError
from kg.validation import Finding, ValidationReport

__all__ = ["Format", "RENDERERS", "render"]

Format = Literal["text", "json", "github"]


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
        f"{_plural(len(report.files), 'file')} checked: "
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


#: Format name -> renderer. Later formats (junit, sarif) are one more row.
RENDERERS: dict[str, Callable[[ValidationReport], str]] = {
    "text": _text,
    "json": _json,
    "github": _github,
}
