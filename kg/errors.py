"""Typed, located errors: every failure names the file, line and column, or the parameter."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "KGError",
    "RdfSyntaxError",
    "UnusableInputError",
    "SettingsError",
    "ReasonerUnavailableError",
]


class KGError(Exception):
    """Base of every error the library raises on purpose."""


@dataclass
class RdfSyntaxError(KGError):
    """A data, ontology or shapes file that does not parse."""

    path: Path | str
    line: int | None
    column: int | None
    message: str

    def __str__(self) -> str:
        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: syntax error: {self.message}"


class UnusableInputError(KGError):
    """Input that cannot be validated at all: a missing file, an unknown format, no paths."""


class SettingsError(KGError):
    """A configuration value that is out of range; the message names the ``KG_*`` key."""


class ReasonerUnavailableError(KGError):
    """The OWL reasoner cannot run here (HermiT needs a Java runtime on PATH)."""
