"""The ``provenance`` check: every triple a contribution adds about a node that another file
defines carries its own source.

A curated node's source and quote (``prov:wasDerivedFrom``, ``sc:quote``) back what its own block
says. A file that adds to a node defined elsewhere (a label, an ``sc:memberOf``, a third party of
a partnership) states each such triple once more as an RDF statement, in the same contribution,
with the source and the sentence that support it::

    id:chinese-academy-of-sciences sc:memberOf id:alliance-of-international-science-organizations .

    [] a rdf:Statement ;
        rdf:subject id:chinese-academy-of-sciences ;
        rdf:predicate sc:memberOf ;
        rdf:object id:alliance-of-international-science-organizations ;
        sc:quote "..."@en ;
        prov:wasDerivedFrom id:striving-to-create-a-new-horizon .

A node is defined by the file that gives its ``rdf:type`` (the file already there, when a
contribution types it again). The quote is checked against the
source's text like any other (:mod:`kg.contrib.quotes`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import PROV, RDF
from rdflib.term import Node

from kg.contrib.findings import Finding, display
from kg.contrib.lines import triple_line
from kg.contrib.workspace import Workspace
from kg.graph.loading import ParsedFile

__all__ = ["STATEMENT", "check_provenance", "changes_to_existing", "statements"]

#: The properties of a statement of provenance (RDF reification), besides rdf:type, in order.
STATEMENT_ORDER = (RDF.subject, RDF.predicate, RDF.object)
STATEMENT = frozenset(STATEMENT_ORDER)
Triple = tuple[Node, Node, Node]


def changes_to_existing(ws: Workspace) -> Iterator[tuple[ParsedFile, Triple, list[ParsedFile]]]:
    """Each triple a given file adds about a node another file defines, with those files.

    A triple already stated by a file that is there (a context file, or the node's own) adds
    nothing and is skipped.
    """
    # The files already there define their nodes; a given file that types one of them again
    # (``id:cas a sc:Person``) changes it like any other triple. Among given files alone (all
    # of data/ validated at once), each file that types a node defines it.
    homes: dict[Node, list[ParsedFile]] = {}
    for parsed in ws.context:
        for node in set(parsed.graph.subjects(RDF.type, None)):
            homes.setdefault(node, []).append(parsed)
    established = set(homes)
    for parsed in ws.given:
        for node in set(parsed.graph.subjects(RDF.type, None)) - established:
            homes.setdefault(node, []).append(parsed)
    for parsed in ws.given:
        for triple in sorted(parsed.graph, key=lambda t: (str(t[0]), str(t[1]), str(t[2]))):
            subject = triple[0]
            here = homes.get(subject, [])
            if not isinstance(subject, URIRef) or not here or parsed in here:
                continue
            # Already stated by a file that is there (not by another file of the same change).
            if any(triple in other.graph for other in ws.context + here):
                continue
            yield parsed, triple, here


def check_provenance(ws: Workspace) -> list[Finding]:
    """Unbacked additions to nodes defined elsewhere, and incomplete or stray statements."""
    backing = statements(ws)
    findings: list[Finding] = []
    for parsed, triple, homes in changes_to_existing(ws):
        subject, predicate, value = triple
        if triple in backing:
            continue
        home = homes[0]
        where = f"{_shown_path(ws, home.path)}:{home.line_of(subject) or 1}"
        findings.append(
            ws.finding(
                parsed,
                subject,
                message=f"{ws.show(subject)} is defined in {where}; this file adds "
                f"{ws.show(predicate)} {_short(ws, value)} to it without a source. State the "
                "triple's provenance in this file ([] a rdf:Statement ; rdf:subject, "
                "rdf:predicate, rdf:object as in the triple ; prov:wasDerivedFrom id:<source> ; "
                'sc:quote "..."@en), or make the change in that file under its own source',
                path=predicate,
                value=value,
                check="provenance",
                line=triple_line(parsed, subject, predicate, value),
            )
        )
    for triple, (parsed, statement) in backing.items():
        findings.extend(_incomplete(ws, parsed, statement, triple))
    return findings


def statements(ws: Workspace) -> dict[Triple, tuple[ParsedFile, Node]]:
    """The statements of provenance of the given files, by the triple each one describes."""
    found: dict[Triple, tuple[ParsedFile, Node]] = {}
    for parsed in ws.given:
        for statement in set(parsed.graph.subjects(RDF.subject, None)):
            parts = [list(parsed.graph.objects(statement, p)) for p in STATEMENT_ORDER]
            if all(len(part) == 1 for part in parts):
                found[(parts[0][0], parts[1][0], parts[2][0])] = (parsed, statement)
    return found


def _incomplete(
    ws: Workspace, parsed: ParsedFile, statement: Node, triple: Triple
) -> list[Finding]:
    """A statement without a source or a quote, or about a triple no given file states.

    That the source is an ``sc:Source`` is the shapes' to say, as for any prov:wasDerivedFrom.
    """
    quote = URIRef(ws.settings.ontology_iri + "quote")
    about = f"the statement of {ws.show(triple[0])} {ws.show(triple[1])} {_short(ws, triple[2])}"
    missing = []
    if (statement, PROV.wasDerivedFrom, None) not in parsed.graph:
        missing.append((PROV.wasDerivedFrom, "prov:wasDerivedFrom id:<source> naming its source"))
    if (statement, quote, None) not in parsed.graph:
        missing.append((quote, 'sc:quote "..."@en with the sentence of the source'))
    if not any(triple in p.graph for p in ws.given):
        missing.append((RDF.subject, "the triple itself, which no file of this change states"))
    return [
        ws.finding(
            parsed,
            statement,
            message=f"{about} lacks {what}; add it",
            path=path,
            check="provenance",
        )
        for path, what in missing
    ]


def _short(ws: Workspace, value: Node) -> str:
    """A value for a message: a literal cut to 60 characters."""
    if isinstance(value, Literal) and len(str(value)) > 60:
        return '"' + str(value)[:57] + '..."'
    return ws.show(value) or ""


def _shown_path(ws: Workspace, path: Path) -> str:
    """A data file as the project names it (``data/actors.ttl``), wherever the server runs."""
    try:
        return path.resolve().relative_to(ws.settings.data_dir.resolve().parent).as_posix()
    except ValueError:
        return display(path)
