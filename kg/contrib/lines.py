"""Where in a file a single triple, or a block about a blank node, is written.

:attr:`ParsedFile.subject_lines` gives the line where a named node's block opens; a finding about
one triple of a long block is clearer at the line that states it. Files follow one block per
subject, opened at column 0, with the predicates indented below it (CONTRIBUTING.md), which is
all this relies on; when a triple cannot be found, the block's line is given.
"""

from __future__ import annotations

import re

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from kg.graph.loading import ParsedFile

__all__ = ["triple_line", "orphan_line"]

_DECLARATION = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([\w.-]*):\s*<([^>]*)>", re.IGNORECASE)
# Short strings and comments, blanked before a line is searched for a predicate.
_STRINGS = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|#[^\n]*$')
_BLANK_BLOCK = re.compile(r"^(\[|_:)")


def _opens_block(line: str) -> bool:
    return bool(line) and not line[0].isspace() and not line.startswith(("#", "]", ")", "."))


def _block(parsed: ParsedFile, start: int) -> range:
    """The line numbers of the block that opens at ``start``."""
    end = start + 1
    while end <= len(parsed.lines) and not _opens_block(parsed.lines[end - 1]):
        end += 1
    return range(start, end)


def _names(parsed: ParsedFile, iri: URIRef) -> re.Pattern[str]:
    """How ``iri`` may be written in this file: a prefixed name or ``<IRI>`` (``a`` for
    rdf:type)."""
    spelled = [re.escape(f"<{iri}>")]
    for match in filter(None, map(_DECLARATION.match, parsed.lines)):
        prefix, namespace = match.groups()
        if iri.startswith(namespace) and len(iri) > len(namespace):
            spelled.append(re.escape(f"{prefix}:{iri[len(namespace) :]}") + r"(?![\w.:-])")
    if iri == RDF.type:
        spelled.append(r"(?<![\w:])a(?=\s)")
    return re.compile(r"(?<![\w:<-])(?:" + "|".join(spelled) + ")")


def _written(parsed: ParsedFile, line: str, value: Node | None) -> bool:
    """Whether ``line`` seems to hold ``value`` (always, when there is no value to look for)."""
    if isinstance(value, URIRef):
        return bool(_names(parsed, value).search(_STRINGS.sub(" ", line)))
    if isinstance(value, Literal) and str(value) and "\n" not in str(value):
        return f'"{value}"' in line or f"'{value}'" in line
    return True


def triple_line(
    parsed: ParsedFile, subject: Node, predicate: Node, value: Node | None = None
) -> int | None:
    """The line of ``subject``'s block that names ``predicate`` (and ``value``, where a line
    does); else the block's own line."""
    start = parsed.line_of(subject)
    if start is None or not parsed.lines or not isinstance(predicate, URIRef):
        return start
    names = _names(parsed, predicate)
    found = [
        n for n in _block(parsed, start) if names.search(_STRINGS.sub(" ", parsed.lines[n - 1]))
    ]
    with_value = [n for n in found if _written(parsed, parsed.lines[n - 1], value)]
    if found and not with_value and value is not None:
        # An object list spread over lines: ``sc:party id:a,`` then ``id:b`` below it.
        after = range(found[0] + 1, _block(parsed, start).stop)
        with_value = [n for n in after if _written(parsed, parsed.lines[n - 1], value)]
    return (with_value or found or [start])[0]


def orphan_line(parsed: ParsedFile, node: BNode) -> int | None:
    """The line of the block opened by ``[`` or ``_:`` at column 0 that describes ``node``: the
    one holding one of its literals, else the first such block."""
    starts = [n for n, line in enumerate(parsed.lines, start=1) if _BLANK_BLOCK.match(line)]
    texts = [str(o) for o in parsed.graph.objects(node, None) if isinstance(o, Literal)]
    for start in starts:
        block = "\n".join(parsed.lines[n - 1] for n in _block(parsed, start))
        if any(text and text in block for text in texts):
            return start
    return starts[0] if starts else None
