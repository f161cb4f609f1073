"""The query page's examples: ``*.rq`` files opening with ``# title:`` and ``# description:``."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Example", "load_examples"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Example:
    """One example query: its file name (stem), title, description and full text."""

    name: str
    title: str
    description: str
    text: str


def _header(text: str, key: str) -> str | None:
    prefix = f"# {key}:"
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            break  # the header is the leading comment block
        if stripped.lower().startswith(prefix):
            return stripped[len(prefix) :].strip()
    return None


def load_examples(folder: Path) -> list[Example]:
    """Every ``*.rq`` in ``folder``, sorted by file name; a missing folder gives no examples.

    A file without ``# title:`` is listed under its file name, and logged so a curator sees it.

    >>> load_examples(Path("/nonexistent"))
    []
    """
    if not folder.is_dir():
        return []
    examples = []
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        title = _header(text, "title")
        if title is None:
            log.warning("%s:1: example query has no '# title:' line", path)
        examples.append(
            Example(path.stem, title or path.stem, _header(text, "description") or "", text)
        )
    return examples
