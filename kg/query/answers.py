"""A query's answer as bytes in the client's format, cut off at the result limit.

Shared by the in-process runners (``memory``, in-memory ``oxigraph``) and the remote one, so every
backend answers the same formats, counts rows the same way and fails with the same errors as the
worker-process executor does.

Every answer reads back, with other parsers, as what was written
(``tests/query/test_roundtrip.py``): pyoxigraph's writers are used as they are except where they
are not read back as written — RDF/XML and SPARQL XML (carriage returns, XML 1.0's missing
characters, element names, node IDs) and CSV (quoting). What a format cannot carry raises
CannotWrite, a 406 naming what can.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, TypeVar, cast
from xml.parsers import expat

import pyoxigraph

from kg.query.errors import NotAcceptable, ResultTooLarge
from kg.query.formats import FORMATS, CannotWrite, Format

if TYPE_CHECKING:  # not imported at run time: query worker processes start without rdflib
    from kg.query.gate import PreparedQuery

__all__ = ["write_answer", "write_graph", "usable_prefixes", "check_format", "dataset_for"]

#: Characters XML 1.0 cannot hold, even as character references (XML 1.0 §2.2, ``Char``).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#: RDF/XML Syntax §7.2.5 (propertyElementURIs): names that cannot be a property element;
#: ``rdf:li`` can, but it is read back as ``rdf:_1``, ``rdf:_2`` ...
_NOT_PROPERTIES = frozenset(
    _RDF + name
    for name in (
        "RDF", "ID", "about", "bagID", "parseType", "resource", "nodeID", "datatype",
        "Description", "aboutEach", "aboutEachPrefix", "li",
    )
)  # fmt: skip


_T = TypeVar(
    "_T", bound=pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal | pyoxigraph.Triple
)


class _TooMany(Exception):
    """More rows than the limit."""


class _RowCounter(io.RawIOBase):
    """Collects TSV output (one line a row, plus the header) and stops past ``limit`` rows."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.max_lines = limit + 1
        self.lines = 0
        self.chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        chunk = bytes(data)
        self.lines += chunk.count(b"\n")
        if self.lines > self.max_lines:
            raise _TooMany
        self.chunks.append(chunk)
        return len(chunk)


def write_answer(
    result: pyoxigraph.QuerySolutions | pyoxigraph.QueryBoolean | Iterable[pyoxigraph.Triple],
    fmt: Format,
    *,
    limit: int,
) -> bytes:
    """``result`` serialised as ``fmt``; raises ResultTooLarge past ``limit`` rows or triples."""
    if isinstance(result, pyoxigraph.QueryBoolean):
        return result.serialize(format=fmt.oxigraph)  # type: ignore[arg-type,return-value]
    if isinstance(result, pyoxigraph.QuerySolutions):
        counter = _RowCounter(limit)
        try:
            result.serialize(counter, format=pyoxigraph.QueryResultsFormat.TSV)  # type: ignore[arg-type]
        except _TooMany:
            # pyoxigraph's results may only be dropped by the thread that made them: hold none in
            # the traceback, which may travel to another thread.
            del result
            raise ResultTooLarge(limit=limit, unit="rows") from None
        tsv = b"".join(counter.chunks)
        if fmt.oxigraph == pyoxigraph.QueryResultsFormat.TSV:
            return tsv
        if fmt.oxigraph == pyoxigraph.QueryResultsFormat.CSV:
            # pyoxigraph writes IRIs unquoted, so <tag:example.org,2026:x> splits in two cells.
            return _csv(tsv)
        parsed = pyoxigraph.parse_query_results(tsv, pyoxigraph.QueryResultsFormat.TSV)
        body: bytes = parsed.serialize(format=fmt.oxigraph)  # type: ignore[union-attr,arg-type,assignment]
        if fmt.oxigraph == pyoxigraph.QueryResultsFormat.XML:
            return _xml_results(body, fmt)
        return body
    kept = []
    for triple in result:
        kept.append(triple)
        if len(kept) > limit:
            raise ResultTooLarge(limit=limit, unit="triples")
    return write_graph(kept, fmt)


def _csv(tsv: bytes) -> bytes:
    """SPARQL 1.1 Query Results CSV (§2): RFC 4180 quoting of every cell; an IRI as itself, a
    literal as its lexical form, a blank node as ``_:label``, an unbound variable empty."""
    solutions = pyoxigraph.parse_query_results(tsv, pyoxigraph.QueryResultsFormat.TSV)
    assert isinstance(solutions, pyoxigraph.QuerySolutions)
    variables = solutions.variables
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([variable.value for variable in variables])
    for solution in solutions:
        writer.writerow([_csv_cell(solution[variable]) for variable in variables])
    return out.getvalue().encode("utf-8")


def _csv_cell(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, pyoxigraph.BlankNode):
        return "_:" + term.value
    assert isinstance(term, pyoxigraph.NamedNode | pyoxigraph.Literal), term
    return term.value


def write_graph(
    triples: Sequence[pyoxigraph.Triple],
    fmt: Format,
    *,
    prefixes: dict[str, str] | None = None,
) -> bytes:
    """``triples`` in the RDF format ``fmt``, read back by other parsers as the same graph.

    pyoxigraph writes every format; RDF/XML is first checked (see :func:`_xml_ready`). Raises
    CannotWrite (a 406) when ``fmt`` cannot carry ``triples``.
    """
    rdf_format = fmt.graph_writer
    if prefixes:
        prefixes = usable_prefixes(triples, prefixes)
    if rdf_format != pyoxigraph.RdfFormat.RDF_XML:
        return pyoxigraph.serialize(triples, format=rdf_format, prefixes=prefixes)  # type: ignore[arg-type,return-value]
    body: bytes = pyoxigraph.serialize(  # type: ignore[assignment]
        _xml_ready(triples, fmt), format=rdf_format, prefixes=prefixes
    )
    # pyoxigraph writes a literal's carriage return as it is; XML parsers read that as a line
    # feed (XML 1.0 §2.11). IRIs and tags hold none, so every raw CR here is in a literal.
    body = body.replace(b"\r", b"&#13;")
    _check_names(body, fmt)
    return body


#: A local name every Turtle parser reads after a prefix (a subset of PN_LOCAL: no escapes, no
#: trailing dot), or none at all.
_PLAIN_LOCAL = re.compile(r"(?:[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?)?")


def usable_prefixes(
    triples: Iterable[pyoxigraph.Triple | pyoxigraph.Quad], prefixes: dict[str, str]
) -> dict[str, str]:
    """``prefixes`` less those under which some IRI of ``triples`` has no plain local name.

    pyoxigraph abbreviates ``<…/id/.>`` as ``id:.``, which no parser reads back (a local name
    may not end in a dot); such an IRI is then written in full.
    """
    unusable = set()
    for triple in triples:
        for term in (triple.subject, triple.predicate, triple.object):
            if not isinstance(term, pyoxigraph.NamedNode):
                continue
            for name, namespace in prefixes.items():
                local = term.value[len(namespace) :]
                if term.value.startswith(namespace) and not _PLAIN_LOCAL.fullmatch(local):
                    unusable.add(name)
    return {name: ns for name, ns in prefixes.items() if name not in unusable}


def _xml_ready(triples: Sequence[pyoxigraph.Triple], fmt: Format) -> list[pyoxigraph.Triple]:
    """``triples`` with blank nodes renamed ``b0``, ``b1`` ... (``rdf:nodeID`` takes an XML name,
    and Oxigraph's own labels may start with a digit); CannotWrite for what RDF/XML cannot say."""
    names: dict[str, pyoxigraph.BlankNode] = {}

    def renamed(term: _T) -> _T:
        if isinstance(term, pyoxigraph.BlankNode):
            return cast(_T, names.setdefault(term.value, pyoxigraph.BlankNode(f"b{len(names)}")))
        return term

    ready = []
    for triple in triples:
        predicate = triple.predicate.value
        if predicate in _NOT_PROPERTIES:
            raise CannotWrite(fmt, f"<{predicate}> is RDF/XML syntax and cannot be a predicate")
        name = _local_name(predicate)
        if not name:
            raise CannotWrite(
                fmt,
                f"the predicate <{predicate}> does not end in an XML name "
                "(RDF/XML writes each predicate as an element name)",
            )
        if not _parsers_read(name):
            raise CannotWrite(
                fmt,
                f"the predicate <{predicate}> ends in {name!r}, an XML name only XML 1.0 "
                "5th edition parsers read (expat, which rdflib uses, refuses it)",
            )
        if isinstance(triple.object, pyoxigraph.Literal):
            found = _NOT_XML.search(triple.object.value)
            if found:
                raise CannotWrite(
                    fmt,
                    f"a literal of <{predicate}> holds U+{ord(found.group()):04X}, "
                    "which XML 1.0 cannot hold",
                )
        ready.append(
            pyoxigraph.Triple(renamed(triple.subject), triple.predicate, renamed(triple.object))
        )
    return ready


def _is_name_start(char: str) -> bool:
    """XML 1.0 (5th edition) §2.3 NameStartChar, without ':' (as Oxigraph splits IRIs)."""
    code = ord(char)
    return (
        char.isascii() and (char.isalpha() or char == "_")
        or 0xC0 <= code <= 0x2FF and code not in (0xD7, 0xF7)
        or 0x370 <= code <= 0x1FFF and code != 0x37E
        or code in (0x200C, 0x200D)
        or 0x2070 <= code <= 0x218F
        or 0x2C00 <= code <= 0x2FEF
        or 0x3001 <= code <= 0xD7FF
        or 0xF900 <= code <= 0xFDCF
        or 0xFDF0 <= code <= 0xFFFD
        or 0x10000 <= code <= 0xEFFFF
    )  # fmt: skip


def _is_name_char(char: str) -> bool:
    """XML 1.0 (5th edition) §2.3 NameChar, without ':'."""
    code = ord(char)
    return (
        _is_name_start(char)
        or char in "-.0123456789\u00b7"
        or 0x300 <= code <= 0x36F
        or code in (0x203F, 0x2040)
    )


def _local_name(iri: str) -> str:
    """The element name Oxigraph's RDF/XML writer gives ``iri``: from the first name-start
    character after the last character that cannot be in a name; "" when there is none."""
    start = len(iri)
    while start > 0 and _is_name_char(iri[start - 1]):
        start -= 1
    tail = iri[start:]
    for index, char in enumerate(tail):
        if _is_name_start(char):
            return tail[index:]
    return ""


@functools.lru_cache(maxsize=1024)
def _parsers_read(name: str) -> bool:
    """Whether expat (XML 1.0 4th edition names, like most deployed parsers) reads ``name``:
    Oxigraph follows the 5th edition, which allows names most parsers still refuse."""
    try:
        expat.ParserCreate().Parse(f"<{name}/>", True)
    except expat.ExpatError:
        return False
    return True


def _check_names(body: bytes, fmt: Format) -> None:
    """CannotWrite when expat cannot read ``body``: the last guard, for a name the checks of
    :func:`_xml_ready` did not foresee (a prefix Oxigraph chose, say)."""
    parser = expat.ParserCreate()
    try:
        parser.Parse(body, True)
    except expat.ExpatError as error:
        line = body.splitlines()[error.lineno - 1].decode("utf-8", "replace").strip()
        raise CannotWrite(
            fmt,
            f"XML parsers cannot read the element {line[:200]!r}: {expat.ErrorString(error.code)}",
        ) from None


def _xml_results(body: bytes, fmt: Format) -> bytes:
    """SPARQL XML results that XML parsers read back as written (see :func:`write_graph`)."""
    found = _NOT_XML.search(body.decode("utf-8"))
    if found:
        raise CannotWrite(
            fmt, f"a value holds U+{ord(found.group()):04X}, which XML 1.0 cannot hold"
        )
    return body.replace(b"\r", b"&#13;")


def check_format(prepared: PreparedQuery, fmt: Format) -> None:
    """Raise NotAcceptable when ``fmt`` cannot carry an answer of ``prepared``'s form."""
    wanted = "graph" if prepared.form.answers_graph else "results"
    if fmt.kind != wanted:
        raise NotAcceptable([f for f in FORMATS if f.kind == wanted])


def dataset_for(
    prepared: PreparedQuery,
    default_graphs: Sequence[str] | None,
    named_graphs: Sequence[str] | None,
) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The dataset per SPARQL 1.1 Protocol §2.1.4: the protocol's parameters, else the query's
    FROM clauses, else None (the union of all named graphs)."""
    protocol = (tuple(default_graphs or ()), tuple(named_graphs or ()))
    if any(protocol):
        return protocol
    query = (prepared.default_graphs, prepared.named_graphs)
    if any(query):
        return query
    return None
