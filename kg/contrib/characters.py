"""The ``characters`` check: no invisible or bidirectional-control character in a label or quote.

A zero-width space makes two labels that look the same compare different (a copy of an actor
passed the duplicate check that way); a right-to-left override makes a label display otherwise
than it reads. Neither belongs in a name or in a sentence copied from a source.
"""

from __future__ import annotations

import unicodedata

from rdflib import Literal, URIRef
from rdflib.namespace import RDFS, SKOS

from kg.contrib.checks import hidden_characters
from kg.contrib.findings import Finding
from kg.contrib.lines import triple_line
from kg.contrib.workspace import Workspace

__all__ = ["check_characters"]

_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def check_characters(ws: Workspace) -> list[Finding]:
    """Each label, alternative label or quote that holds a hidden character, naming the first."""
    texts = (RDFS.label, SKOS.altLabel, URIRef(ws.settings.ontology_iri + "quote"))
    findings: list[Finding] = []
    for parsed in ws.given:
        for s, p, o in parsed.graph.triples((None, None, None)):
            if p not in texts or not isinstance(o, Literal):
                continue
            hidden = hidden_characters(str(o))
            if not hidden:
                continue
            position, char = hidden[0]
            kind = (
                "a bidirectional control character" if char in _BIDI else "an invisible character"
            )
            more = f" (and {len(hidden) - 1} more)" if len(hidden) > 1 else ""
            name = unicodedata.name(char, "unnamed")
            findings.append(
                ws.finding(
                    parsed,
                    s,
                    message=f"{ws.show(p)} holds {kind}, U+{ord(char):04X} {name}, at character "
                    f"{position}{more}; delete it: text must read as it displays",
                    path=p,  # not the value: an override would scramble the report itself
                    check="characters",
                    line=triple_line(parsed, s, p, o),
                )
            )
    return findings
