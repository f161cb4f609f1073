"""Vet a SPARQL query before any engine runs it: its form, its dataset, and what it may not do.

The endpoint is read-only and must never reach outside the graph on a client's behalf, so a query
is refused when it is an update, calls ``SERVICE`` anywhere, or names in ``FROM``/``FROM NAMED`` a
graph that is not one of ours (the IRI is never fetched). The gate reads the *parsed* query, not
its text: ``\\u0053ERVICE`` is ``SERVICE`` once the escapes are expanded, which no regular
expression over the text sees.

Two parsers read each query. rdflib's (which expands ``\\u`` escapes, as SPARQL 1.1 §19.2 says)
gives the tree the gate inspects; pyoxigraph's, the engine that will run it, must accept it too.
pyoxigraph has no parse-only call, and its ``Store.query`` starts evaluating (``SERVICE``
included) as soon as parsing succeeds, so it is given the query followed by a line that can never
parse (a backquote is no SPARQL token): parsing always fails, and only *where* it fails is read.

Where the two parsers read escapes differently (pyoxigraph expands them only inside strings and
IRIs), a ``\\u`` escape of a quote, backslash, angle bracket or control character could end a
string for one and not for the other, hiding a ``SERVICE`` from the gate; such escapes are refused.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from enum import StrEnum

import pyoxigraph
from pyparsing import ParseException, ParseResults
from rdflib.plugins.sparql.parser import expandUnicodeEscapes, parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

from kg.query.cost import LIGHT, Cost, classify
from kg.query.errors import QueryNotSupported, QueryRefused, QuerySyntaxError
from kg.store.base import PARSER_LOCK

__all__ = ["QueryForm", "PreparedQuery", "prepare"]


class QueryForm(StrEnum):
    """The four SPARQL query forms; SELECT and ASK answer results, the others a graph."""

    SELECT = "SELECT"
    ASK = "ASK"
    CONSTRUCT = "CONSTRUCT"
    DESCRIBE = "DESCRIBE"

    @property
    def answers_graph(self) -> bool:
        """True when the answer is RDF triples (CONSTRUCT, DESCRIBE)."""
        return self in (QueryForm.CONSTRUCT, QueryForm.DESCRIBE)


@dataclass(frozen=True)
class PreparedQuery:
    """A query that passed the gate: its text, form, the graphs its FROM clauses name, its cost."""

    text: str
    form: QueryForm
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    #: The lane it takes (:mod:`kg.query.cost`); built by hand, a query counts as light.
    cost: Cost = field(default=LIGHT, compare=False)

    @property
    def heavy(self) -> bool:
        """True when the query takes the heavy lane of the executor."""
        return self.cost.heavy


_FORMS = {
    "SelectQuery": QueryForm.SELECT,
    "AskQuery": QueryForm.ASK,
    "ConstructQuery": QueryForm.CONSTRUCT,
    "DescribeQuery": QueryForm.DESCRIBE,
}
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_UNSAFE_ESCAPED = frozenset("\"'\\<>")
_UPDATE_KEYWORD = re.compile(
    r"\s*;?\s*(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", re.IGNORECASE
)
_OXIGRAPH_ERROR = re.compile(r"^error at (\d+):(\d+): (.*)$", re.DOTALL)
#: Appended so pyoxigraph's parser always fails (see the module docstring).
_NEVER_PARSES = "\n`"
#: The only function IRIs the engine evaluates are the XSD casts: it has no extension functions.
_XSD = "http://www.w3.org/2001/XMLSchema#"


def prepare(query: str, *, named_graphs: Collection[str]) -> PreparedQuery:
    """Parse and vet ``query`` against a graph holding ``named_graphs``.

    >>> prepare("SELECT * WHERE { ?s ?p ?o }", named_graphs=[]).form
    <QueryForm.SELECT: 'SELECT'>

    Raises QuerySyntaxError (with line and column) for a malformed query, and QueryRefused for
    an update, a SERVICE call, a FROM or FROM NAMED naming a graph not in ``named_graphs``, or
    an escape the two parsers could read differently. The result's ``cost`` says whether the
    executor runs it in the heavy lane (:func:`kg.query.cost.classify`).
    """
    _refuse_unsafe_escapes(query)
    try:
        return _vet(query, named_graphs)
    except RecursionError:
        # rdflib's parser and our walks recurse once per level of nesting (and per pattern
        # of a long group): past Python's limit the query is beyond what the gate can read.
        raise QueryNotSupported(
            "the query nests too deeply or chains too many patterns for this endpoint to "
            "read; split it into smaller queries or flatten its nested groups and expressions"
        ) from None


def _vet(query: str, named_graphs: Collection[str]) -> PreparedQuery:
    try:
        with PARSER_LOCK:
            tree = parseQuery(query)
    except ParseException as error:
        _refuse_update(query, error)
        raise _oxigraph_syntax_error(query) or _rdflib_syntax_error(error) from None
    body = tree[1]
    if any(node.name == "ServiceGraphPattern" for node in _nodes(tree)):
        raise QueryRefused(
            "service",
            "SERVICE is not allowed here: this endpoint answers from its own graph only "
            "and makes no requests to other endpoints",
        )
    functions = {str(node.iri) for node in _nodes(tree) if node.name == "Function"}
    unknown = sorted(iri for iri in functions if not iri.startswith(_XSD))
    if unknown:
        raise QueryNotSupported(
            "this endpoint has no extension functions: "
            + ", ".join(f"<{iri}>" for iri in unknown)
            + " cannot be called; use SPARQL 1.1's built-in functions and XSD casts "
            "(xsd:integer(?x), xsd:dateTime(?x), ...)"
        )
    defaults, named = _dataset(body)
    foreign = sorted({iri for iri in (*defaults, *named) if iri not in named_graphs})
    if foreign:
        raise QueryRefused(
            "dataset",
            "FROM and FROM NAMED may only name graphs of this endpoint (listed in its service "
            "description); nothing is fetched from elsewhere. Unknown: " + ", ".join(foreign),
        )
    oxigraph_error = _oxigraph_syntax_error(query)
    if oxigraph_error is not None:
        raise oxigraph_error
    with PARSER_LOCK:
        cost = classify(tree)
    return PreparedQuery(query, _FORMS[body.name], defaults, named, cost)


def _refuse_unsafe_escapes(query: str) -> None:
    for match in _ESCAPE.finditer(query):
        code = int(match.group(1) or match.group(2), 16)
        if code > 0x10FFFF:
            line, column = _position(query, match.start())
            raise QuerySyntaxError(f"{match.group(0)} is not a Unicode code point", line, column)
        if chr(code) in _UNSAFE_ESCAPED or code < 0x20 or code == 0x7F:
            line, column = _position(query, match.start())
            raise QueryRefused(
                "escape",
                f"the escape {match.group(0)} at line {line}, column {column} stands for a "
                "quote, backslash, angle bracket or control character, which this endpoint "
                'does not accept; write a string escape (\\" \\\\ \\n) or the character itself',
            )


def _refuse_update(query: str, error: ParseException) -> None:
    """Refuse a text that is an update, or a query followed by one (``…} ; INSERT DATA {…}``)."""
    try:
        with PARSER_LOCK:
            parseUpdate(query)
    except ParseException:
        if not _UPDATE_KEYWORD.match(expandUnicodeEscapes(query), error.loc):
            return
    raise QueryRefused(
        "update",
        "this endpoint is read-only: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, CREATE, DROP, "
        "COPY, MOVE, ADD) is not accepted",
    )


def _oxigraph_syntax_error(query: str) -> QuerySyntaxError | None:
    """pyoxigraph's complaint about ``query``, or None when it fails only on the appended line.

    pyoxigraph reports the furthest position its parser reached, which for some malformed
    queries is the appended line: those pass here and fail again, with the same message, in the
    worker, before any evaluation.
    """
    try:
        pyoxigraph.Store().query(query + _NEVER_PARSES)
    except SyntaxError as error:
        found = _OXIGRAPH_ERROR.match(str(error))
        if found is None:
            return QuerySyntaxError(str(error))
        line, column, message = int(found[1]), int(found[2]), found[3]
        if line > query.count("\n") + 1:
            return None
        return QuerySyntaxError(message, line, column)
    raise AssertionError("a query ending in a backquote line parsed")  # pragma: no cover


def _rdflib_syntax_error(error: ParseException) -> QuerySyntaxError:
    # rdflib names the whole query rule ("Expected SelectQuery") when a pattern inside fails.
    found = getattr(error, "found", "")
    if error.msg.startswith(("Expected SelectQuery", "Expected {SelectQuery")):
        message = f"unexpected {found}" if found else "the query does not parse here"
    else:
        message = f"{error.msg}, found {found}" if found else error.msg
    return QuerySyntaxError(message, error.lineno, error.col)


def _nodes(tree: object) -> Iterator[CompValue]:
    """Every CompValue of a parse tree: patterns, nested in subqueries, filters and expressions."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            yield node
            stack.extend(node.values())
        elif isinstance(node, ParseResults | list | tuple):
            stack.extend(node)


def _dataset(body: CompValue) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The IRIs of the query's FROM and FROM NAMED clauses, in order."""
    defaults: list[str] = []
    named: list[str] = []
    # CompValue attributes are None when absent (its ``get`` would return the key itself).
    for clause in body.datasetClause or ():
        if clause.default is not None:
            defaults.append(str(clause.default))
        if clause.named is not None:
            named.append(str(clause.named))
    return tuple(defaults), tuple(named)


def _position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset`` in ``text``."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1
