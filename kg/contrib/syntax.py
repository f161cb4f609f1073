"""The ``syntax`` check: every file parses; a file that does not is reported at line and column.

Every file is parsed even after one fails, so that all of them are reported at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from kg.contrib.findings import Finding, display
from kg.errors import RdfSyntaxError, UnusableInputError
from kg.graph.loading import ParsedFile, parse_file

__all__ = ["parse_each", "byte_order_marks"]


def parse_each(
    paths: Sequence[Path], *, advance: Callable[[int], None] | None = None
) -> tuple[list[ParsedFile], list[Finding | str]]:
    """The files that parse, and for each other one a located finding (or, unreadable, a string
    for the report's errors). ``advance`` is told the size of each file once it is done."""
    parsed: list[ParsedFile] = []
    problems: list[Finding | str] = []
    for path in paths:
        try:
            parsed.append(parse_file(path))
        except RdfSyntaxError as error:
            problems.append(
                Finding(
                    file=display(path),
                    line=error.line,
                    column=error.column,
                    severity="Violation",
                    message=f"syntax error: {error.message}; fix the Turtle here (the rest of "
                    "this file was not checked)",
                    check="syntax",
                )
            )
        except UnusableInputError as error:
            problems.append(str(error))
        if advance is not None:
            advance(path.stat().st_size)
    return parsed, problems


def byte_order_marks(parsed: list[ParsedFile]) -> list[Finding]:
    """A note for each file that starts with a byte order mark: read here, but better without."""
    return [
        Finding(
            file=display(p.path),
            line=1,
            column=1,
            severity="Warning",
            message="the file starts with a byte order mark (U+FEFF), ignored here; save it as "
            "UTF-8 without one, as some RDF tools refuse it",
            check="syntax",
        )
        for p in parsed
        if p.had_bom
    ]
