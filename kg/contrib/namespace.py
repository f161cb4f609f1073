"""The ``namespace`` check: things are named under ``{base}id/``, exactly.

Every named subject of a data file must be under ``{base}id/`` as :func:`kg.contrib.iris.under_base`
decides, by string comparison (a pattern with the host's dots unescaped let
``https://w3id-org/scicoop/id/x`` in). An IRI anywhere in the file that only looks like one of the
project's (another scheme, a look-alike host, a dot segment) is refused too, since a reference
to it would silently point nowhere. Subjects in the ontology's namespace are the
:mod:`~kg.contrib.contents` check's to refuse.
"""

from __future__ import annotations

from rdflib import URIRef
from rdflib.term import Node

from kg.contrib.findings import Finding
from kg.contrib.iris import looks_like_base, under_base
from kg.contrib.lines import triple_line
from kg.contrib.workspace import Workspace

__all__ = ["check_namespace"]


def check_namespace(ws: Workspace) -> list[Finding]:
    """Subjects outside ``{base}id/``, and IRIs that imitate the project's."""
    settings = ws.settings
    base, things = settings.base_iri, settings.id_base
    findings: dict[tuple[str, Node], Finding] = {}
    for parsed in ws.given:
        for s, p, o in parsed.graph:
            for term in (s, o):
                key = (str(parsed.path), term)
                if not isinstance(term, URIRef) or key in findings or under_base(term, things):
                    continue
                if term.startswith(settings.ontology_iri) or term == base + "ontology":
                    continue
                # Under the base but neither a thing nor a term, or only looking like it.
                imitates = under_base(term, base) or looks_like_base(term, base)
                if term != s and not imitates:
                    continue  # an external value (a web page, another dataset): allowed
                message = (
                    f"IRI outside the project namespace; name it {things}<slug> (id:<slug> in "
                    "Turtle)"
                )
                if under_base(term, base):
                    message = f"<{term}> is under the project's base but names no thing: {message}"
                elif imitates:
                    message = (
                        f"<{term}> only looks like an IRI of the project: {message}, and compare "
                        "it with that prefix character by character (scheme, host, path; no "
                        "'.' or '..' segments)"
                    )
                findings[key] = ws.finding(
                    parsed,
                    s,
                    message=message,
                    path=p if term != s else None,
                    value=term if term != s else None,
                    check="namespace",
                    line=triple_line(parsed, s, p, o) if term != s else None,
                )
    return list(findings.values())
