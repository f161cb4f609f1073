"""The shape of a query: its text with the constants in term positions blanked out.

Clients send the same query again and again with another IRI or string in it (a lookup per
resource). Such texts differ only inside tokens whose every possible content reads the same way
to both parsers: an IRI of IRI characters, a string, the local part of a prefixed name. So a text
whose shape was vetted before has the same form, the same dataset (the IRIs after ``FROM``,
``FROM NAMED``, ``SERVICE``, ``PREFIX`` and ``BASE`` are kept), calls the same functions (an IRI or
prefixed name before ``(`` is kept) and the same cost class as the one vetted, and the gate need
not parse it again: a lookup costs microseconds instead of milliseconds under the parser's lock.

Texts with ``\\u`` escapes have no shape (an escape can turn a string into syntax), and neither do
texts holding anything the tokens below do not cover; those go through the gate in full. What an
engine rejects in a constant (an IRI that is not a valid IRI) is still rejected when it runs.
"""

from __future__ import annotations

import re

__all__ = ["shape"]

_TOKEN = re.compile(
    r"""(?P<space>(?:\s|\#[^\n]*)+)
    |(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    |(?P<string>\"\"\"(?:[^"\\]|"(?!""))*\"\"\"|'''(?:[^'\\]|'(?!''))*'''
        |"[^"\\\n\r]*"|'[^'\\\n\r]*')
    |(?P<pname>(?:[A-Za-z][\w-]*(?:\.[\w-]+)*)?:(?:[\w:-](?:[\w:.-]*[\w:-])?)?)
    |(?P<word>[?$]?[\w]+)
    |(?P<other>[^\s\w<"'\\\#])
    """,
    re.VERBOSE,
)
#: Keywords after which an IRI or prefixed name is part of the query's meaning, not a constant.
_KEEP_AFTER = frozenset({"from", "named", "service", "prefix", "base"})


def shape(query: str) -> str | None:
    """``query`` with its constants blanked, or None when it has no shape (see the module).

    >>> a = shape('SELECT * WHERE { <http://e/a> ?p "x"@en . id:china ?q ?o }')
    >>> a == shape('SELECT * WHERE { <http://e/b> ?p "y"@en . id:japan ?q ?o }')
    True
    >>> a == shape('SELECT * WHERE { <http://e/a> ?p "x"@en . ex:china ?q ?o }')
    False
    >>> shape("SELECT * FROM <urn:g1> { ?s ?p ?o }") == shape("SELECT * FROM <urn:g2> { ?s ?p ?o }")
    False
    >>> shape('SELECT * { ?s ?p "\\\\u0022" }') is None
    True
    """
    if "\\" in query:
        return None
    tokens: list[tuple[str, str]] = []
    position = 0
    for match in _TOKEN.finditer(query):
        if match.start() != position:
            return None
        position = match.end()
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group()))
    if position != len(query):
        return None
    parts: list[str] = []
    significant = [i for i, (kind, _) in enumerate(tokens) if kind != "space"]
    for place, index in enumerate(significant):
        kind, text = tokens[index]
        before = tokens[significant[place - 1]][1].lower() if place else ""
        earlier = tokens[significant[place - 2]][1].lower() if place > 1 else ""
        after = tokens[significant[place + 1]][1] if place + 1 < len(significant) else ""
        # PREFIX p: <iri> keeps its IRI too: it is what every p:name means.
        kept = before in _KEEP_AFTER or earlier == "prefix" or after == "("
        if kind == "iri" and not kept:
            text = "<>"
        elif kind == "string":
            text = '""'
        elif kind == "pname" and not kept:
            text = text[: text.index(":") + 1] + "_"
        if index and tokens[index - 1][0] == "space":
            parts.append(" ")
        parts.append(text)
    return "".join(parts)
