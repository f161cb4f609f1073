"""Typed, located errors: every failure names the file, line and column, or the parameter.

Each class carries the HTTP status it is answered with (``status``, looked up along the class
hierarchy as Starlette looks up exception handlers) and whether asking again later may succeed
(``retry``: a 503 with ``Retry-After``). The web layer maps them in one place, ``api/errors.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

__all__ = [
    "KGError",
    "RdfSyntaxError",
    "UnusableInputError",
    "SettingsError",
    "ReasonerUnavailableError",
    "NotFound",
]


class KGError(Exception):
    """Base of every error the library raises on purpose."""

    #: The HTTP status this error is answered with.
    status: ClassVar[int] = 500
    #: Whether the same request may succeed later (answered with ``Retry-After``).
    retry: ClassVar[bool] = False

    def client_message(self) -> str:
        """What the client is told (without the position, which is given apart)."""
        return str(self)


@dataclass
class RdfSyntaxError(KGError):
    """A data, ontology or shapes file that does not parse."""

    status: ClassVar[int] = 400

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

    def client_message(self) -> str:
        return f"syntax error: {self.message}"


class UnusableInputError(KGError):
    """Input that cannot be validated at all: a missing file, an unknown format, no paths."""

    status: ClassVar[int] = 400


class SettingsError(KGError):
    """A configuration value that is out of range; the message names the ``KG_*`` key."""


class ReasonerUnavailableError(KGError):
    """The OWL reasoner cannot run here (HermiT needs a Java runtime on PATH)."""

    status: ClassVar[int] = 503


class NotFound(KGError):
    """Nothing in the graph by that name; ``suggestions`` are (IRI, label) pairs of similar ones."""

    status: ClassVar[int] = 404

    def __init__(
        self,
        message: str,
        *,
        iri: str | None = None,
        suggestions: Sequence[tuple[str, str]] = (),
        search: str | None = None,
    ) -> None:
        super().__init__(message)
        self.iri = iri
        self.suggestions = list(suggestions)
        #: Words to search the labels for (a link on the HTML page, a hint in text).
        self.search = search
