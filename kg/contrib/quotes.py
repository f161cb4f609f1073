"""The ``quote`` check: every ``sc:quote`` occurs verbatim (white space aside) in the text of
its source (``sc:sourceText``, a file under ``data/sources/``)."""

from __future__ import annotations

from rdflib import URIRef
from rdflib.namespace import PROV
from rdflib.term import Node

from kg.contrib.checks import hidden_characters
from kg.contrib.findings import Finding
from kg.contrib.workspace import Workspace

__all__ = ["check_quotes", "normalise_space"]


def check_quotes(ws: Workspace) -> list[Finding]:
    """Quotes that do not occur verbatim (white space aside) in their source's text file."""
    quote = URIRef(ws.settings.ontology_iri + "quote")
    texts: dict[Node, str | None] = {}
    findings: list[Finding] = []
    for parsed in ws.given:
        for node, text in parsed.graph.subject_objects(quote):
            sources = [
                _source_text(ws, source, texts)
                for source in ws.data.objects(node, PROV.wasDerivedFrom)
            ]
            if not sources or None in sources:
                continue  # no source, or one without a readable text: SHACL says which
            if any(normalise_space(str(text)) in t for t in sources if t is not None):
                continue
            findings.append(
                ws.finding(
                    parsed,
                    node,
                    message="sc:quote does not occur in the text of its source; copy the "
                    "sentence exactly as the source prints it",
                    path=quote,
                    value=text,
                    check="quote",
                )
            )
    return findings


def _source_text(ws: Workspace, source: Node, texts: dict[Node, str | None]) -> str | None:
    """The white-space-normalised text behind ``source``'s ``sc:sourceText``, if it reads."""
    if source not in texts:
        relative = ws.data.value(source, URIRef(ws.settings.ontology_iri + "sourceText"))
        text = None
        if relative is not None:
            path = ws.settings.data_dir.resolve().parent / str(relative)
            try:
                text = normalise_space(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):
                text = None
        texts[source] = text
    return texts[source]


def normalise_space(text: str) -> str:
    """Collapse every run of white space to one space and drop hidden characters (the
    ``characters`` check reports those), as quotes are compared.

    >>> normalise_space(" a\\n  b\\u200b ")
    'a b'
    """
    hidden = {char for _, char in hidden_characters(text)}
    return " ".join("".join(c for c in text if c not in hidden).split())
