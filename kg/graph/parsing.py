"""Bounded, offline parsing of RDF from people we do not know: contributions and request bodies.

Oxigraph's parsers are the base: they stream, they do not recurse on nesting, and their JSON-LD
parser has no document loader, so a remote ``@context`` is never fetched. What they leave open is
closed here, before any other library sees the text:

- RDF/XML with a ``<!DOCTYPE``: refused, since its entities can read local files (XXE) or expand
  a kilobyte into gigabytes ("billion laughs"; Oxigraph allocates until the process dies).
- Nesting deeper than :data:`MAX_NESTING` (Turtle ``[ ]`` and ``( )``, JSON-LD objects and arrays):
  refused with its position, because rdflib's Turtle parser, which builds the graph the validator
  works on, recurses and fails with ``RecursionError`` at about 150 levels.
- A term longer than Oxigraph's 16 MiB token buffer: a located :class:`RdfSyntaxError`, not a
  bare ``MemoryError``.
- A remote JSON-LD ``@context``: refused with its IRI, and where it is in the document.
"""

from __future__ import annotations

import json
import re
import xml.parsers.expat
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph

from kg.errors import RdfSyntaxError

__all__ = [
    "MAX_NESTING",
    "MAX_TERM_BYTES",
    "parse_quads",
    "check_syntax",
    "check_nesting",
    "located",
    "term_too_long",
]

#: Deepest nesting of blank nodes, collections, JSON objects or arrays accepted. No curated file
#: nests more than four levels; rdflib's recursive Turtle parser breaks at about 150.
MAX_NESTING = 64
#: Oxigraph's parsers refuse a single token (literal, IRI) longer than this.
MAX_TERM_BYTES = 16 * 1024 * 1024

_G = pyoxigraph.RdfFormat
#: Syntaxes that nest, and the pattern of their tokens: things to skip (strings, IRIs,
#: comments, escapes), then an opening and a closing bracket.
_NESTING_TOKENS = {
    _G.TURTLE: re.compile(
        r'"""(?:[^"\\]|\\.|"(?!""))*"""'
        r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
        r'|"(?:[^"\\\n]|\\.)*"'
        r"|'(?:[^'\\\n]|\\.)*'"
        r"|<[^<>\"{}|^`\\\s]*>"
        r"|#[^\n]*"
        r"|\\."
        r"|(?P<open>[\[(])|(?P<close>[\])])",
        re.DOTALL,
    ),
    _G.JSON_LD: re.compile(r'"(?:[^"\\]|\\.)*"|(?P<open>[\[{])|(?P<close>[\]}])', re.DOTALL),
}
_NESTING_TOKENS[_G.TRIG] = _NESTING_TOKENS[_G.TURTLE]


def parse_quads(
    data: bytes | str,
    *,
    syntax: pyoxigraph.RdfFormat,
    path: Path | str,
    base_iri: str | None = None,
) -> list[pyoxigraph.Quad]:
    """The quads of ``data`` in ``syntax``, which claims to come from ``path`` (for messages).

    Nothing is fetched and nothing is expanded. Raises RdfSyntaxError (path, line, column) for
    text that does not parse or that one of the checks in this module's docstring refuses.

    >>> parse_quads('{"@context": "https://example.org/c", "@id": "urn:x"}',
    ...             syntax=pyoxigraph.RdfFormat.JSON_LD, path="c.jsonld")
    Traceback (most recent call last):
    kg.errors.RdfSyntaxError: c.jsonld:1:14: syntax error: remote @context \
<https://example.org/c> is not fetched; put the context inline in the document
    """
    return list(_quads(data, syntax=syntax, path=path, base_iri=base_iri))


def check_syntax(
    data: bytes | str,
    *,
    syntax: pyoxigraph.RdfFormat,
    path: Path | str,
    base_iri: str | None = None,
) -> None:
    """Raise what :func:`parse_quads` raises, without keeping the quads (a file may be large)."""
    for _ in _quads(data, syntax=syntax, path=path, base_iri=base_iri):
        pass


def _quads(
    data: bytes | str, *, syntax: pyoxigraph.RdfFormat, path: Path | str, base_iri: str | None
) -> Iterator[pyoxigraph.Quad]:
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    if syntax == _G.RDF_XML:
        _refuse_doctype(data.encode("utf-8") if isinstance(data, str) else data, path=path)
    check_nesting(text, syntax=syntax, path=path)
    try:
        yield from pyoxigraph.parse(data, format=syntax, base_iri=base_iri)
    except SyntaxError as error:
        if "LoadDocumentCallback" in error.msg:
            raise _remote_context_error(text, path=path) from None
        raise located(error, path=path) from None
    except MemoryError:
        raise term_too_long(path=path, lines=text.split("\n")) from None


def term_too_long(*, path: Path | str, lines: Iterable[str | bytes]) -> RdfSyntaxError:
    """The error for Oxigraph's ``MemoryError`` on a term over :data:`MAX_TERM_BYTES`.

    Oxigraph does not say where; the first line that long is where the term is (unless it is a
    long string spread over many lines, and then no line is given).
    """
    found = None
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_TERM_BYTES // 4:
            size = len(line) if isinstance(line, bytes) else len(line.encode("utf-8"))
            if size > MAX_TERM_BYTES:
                found = number
                break
    return RdfSyntaxError(
        path,
        found,
        None,
        f"a literal or IRI is longer than {MAX_TERM_BYTES // (1024 * 1024)} MiB; "
        "link to large content instead of including it",
    )


def located(error: SyntaxError, *, path: Path | str) -> RdfSyntaxError:
    """Oxigraph's ``SyntaxError`` as ours, keeping its line and column."""
    return RdfSyntaxError(path, error.lineno, error.offset, error.msg)


def check_nesting(text: str, *, syntax: pyoxigraph.RdfFormat, path: Path | str) -> None:
    """Raise RdfSyntaxError at the first bracket that opens level ``MAX_NESTING + 1``.

    Only syntaxes that nest are checked; brackets inside strings, IRIs and comments do not count.
    """
    pattern = _NESTING_TOKENS.get(syntax)
    if pattern is None or _brackets(text) <= MAX_NESTING:
        return
    depth = 0
    for token in pattern.finditer(text):
        if token.lastgroup == "open":
            depth += 1
            if depth > MAX_NESTING:
                line, column = _position(text, token.start())
                raise RdfSyntaxError(
                    path,
                    line,
                    column,
                    f"nested more than {MAX_NESTING} levels deep; give inner nodes their own "
                    "IRI or blank node label (_:b1) instead of nesting them",
                )
        elif token.lastgroup == "close":
            depth -= 1


def _brackets(text: str) -> int:
    return text.count("[") + text.count("(") + text.count("{")


def _position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset`` in ``text``."""
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


class _PrologEnd(Exception):
    """The root element started: no DOCTYPE can follow, the rest is Oxigraph's to read."""


class _Doctype(Exception):
    def __init__(self, line: int, column: int) -> None:
        super().__init__(line, column)
        self.line, self.column = line, column


def _refuse_doctype(data: bytes, *, path: Path | str) -> None:
    """Read the XML prolog only (expat, no entity resolution) and refuse a document type.

    A DOCTYPE must come before the root element, so reading stops at the root's start tag.
    """
    parser = xml.parsers.expat.ParserCreate()

    def on_doctype(*_: object) -> None:
        # Expat reports the event after the name; the user wants the declaration's start.
        start = data.rfind(b"<!DOCTYPE", 0, parser.CurrentByteIndex + 1)
        line_start = data.rfind(b"\n", 0, start) + 1
        raise _Doctype(data.count(b"\n", 0, start) + 1, len(data[line_start:start].decode()) + 1)

    def on_element(*_: object) -> None:
        raise _PrologEnd

    parser.StartDoctypeDeclHandler = on_doctype
    parser.StartElementHandler = on_element
    try:
        parser.Parse(data, True)
    except _PrologEnd:
        return
    except _Doctype as found:
        raise RdfSyntaxError(
            path,
            found.line,
            found.column,
            "<!DOCTYPE> is not accepted in RDF/XML: its entities can read local files or expand "
            "to gigabytes; write the text out instead of declaring entities",
        ) from None
    except xml.parsers.expat.ExpatError as error:
        message = xml.parsers.expat.ErrorString(error.code)
        raise RdfSyntaxError(path, error.lineno, error.offset + 1, message) from None


def _remote_context_error(text: str, *, path: Path | str) -> RdfSyntaxError:
    """The refusal of a remote ``@context``, naming the first one and where it is."""
    iri = next(_remote_contexts(text), None)
    if iri is None:
        return RdfSyntaxError(
            path,
            None,
            None,
            "a remote @context is not fetched; put the context inline in the document",
        )
    offset = text.find(json.dumps(iri))
    line, column = _position(text, offset) if offset >= 0 else (None, None)
    return RdfSyntaxError(
        path,
        line,
        column,
        f"remote @context <{iri}> is not fetched; put the context inline in the document",
    )


def _remote_contexts(text: str) -> Iterator[str]:
    """Every ``@context`` (or context ``@import``) given by IRI in a JSON-LD document, in order.

    Runs after :func:`check_nesting`, so ``json`` does not recurse deeper than ``MAX_NESTING``.
    """
    try:
        stack = [json.loads(text)]
    except ValueError:
        return
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            context = value.get("@context")
            for item in context if isinstance(context, list) else [context]:
                if isinstance(item, str):
                    yield item
            if isinstance(value.get("@import"), str):  # JSON-LD 1.1: a context that imports one
                yield value["@import"]
            stack.extend(reversed(list(value.values())))
        elif isinstance(value, list):
            stack.extend(reversed(value))
