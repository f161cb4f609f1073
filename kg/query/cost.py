"""Tell heavy queries from light ones before they run, and remember the ones that surprised us.

The executor keeps a worker free for light queries (:mod:`kg.query.processes`): a heavy query may
only use the heavy lane, so two runaway queries cannot make a one-triple lookup wait for their
deadline. That needs a guess at the cost of a query before it runs. The guess reads rdflib's SPARQL
algebra and is deliberately coarse; a query is *heavy* when it

- joins two parts that share no variable and are not pinned to a constant (a cartesian product);
- follows a ``*`` or ``+`` property path between two unpinned variables (a transitive closure);
- skips more than :data:`MAX_LIGHT_OFFSET` solutions (the engine computes every skipped one);
- reads a pattern pinned to no constant (a scan of the whole graph) without a LIMIT of at most
  :data:`MAX_LIGHT_LIMIT`, or with an operator that needs every solution before the first
  answer: ORDER BY, GROUP BY or an aggregate, DISTINCT/REDUCED, MINUS, a text filter (REGEX,
  CONTAINS, STRSTARTS...), EXISTS.

A pattern is *pinned* when its subject or object is an IRI or literal, or a variable that another
pinned pattern or VALUES binds: a lookup from a known subject (``<iri> ?p ?o``), a listing of one
class (``?x a :Country``) and whatever hangs off them are light. A constant predicate alone pins
nothing (``?s rdfs:label ?o`` reads every label).

Guesses miss; :class:`SlowQueries` remembers (by normalised text, a bounded LRU) the queries that
ran past the light budget despite looking light, so their next run takes the heavy lane.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

from rdflib.paths import MulPath, Path
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import BNode, Identifier, Variable

from kg.query.errors import Overloaded

__all__ = [
    "Cost",
    "LIGHT",
    "classify",
    "SlowQueries",
    "TooManyHeavyQueries",
    "MAX_LIGHT_LIMIT",
    "MAX_LIGHT_OFFSET",
]

#: A LIMIT up to this many solutions keeps a streaming scan light (the engine stops early).
MAX_LIGHT_LIMIT = 1000
#: Skipping more solutions than this is heavy: each one is computed and dropped.
MAX_LIGHT_OFFSET = 10_000

#: Algebra operators that must see every solution before they answer the first.
_BLOCKING = {
    "OrderBy": "ORDER BY",
    "Group": "GROUP BY",
    "AggregateJoin": "an aggregate",
    "Distinct": "DISTINCT",
    "Reduced": "REDUCED",
    "Minus": "MINUS",
    "Builtin_EXISTS": "EXISTS",
    "Builtin_NOTEXISTS": "NOT EXISTS",
}
#: Filters that read every string of a scan.
_TEXT_SCANS = {
    f"Builtin_{name}": name
    for name in ("REGEX", "CONTAINS", "STRSTARTS", "STRENDS", "REPLACE", "STRBEFORE", "STRAFTER")
}

_Triple = tuple[Identifier, object, Identifier]


@dataclass(frozen=True)
class Cost:
    """The lane a query takes, and why it is heavy (empty for a light query)."""

    heavy: bool
    reasons: tuple[str, ...] = ()

    def __str__(self) -> str:
        return "heavy: " + "; ".join(self.reasons) if self.heavy else "light"


#: The cost of a query nothing marks as heavy.
LIGHT = Cost(heavy=False)


def classify(tree: object) -> Cost:
    """The cost class of a query parsed by rdflib's ``parseQuery`` (see the module docstring).

    >>> from rdflib.plugins.sparql.parser import parseQuery
    >>> classify(parseQuery("SELECT ?o WHERE { <urn:x> ?p ?o }")).heavy
    False
    >>> str(classify(parseQuery("ASK { ?a ?b ?c . ?d ?e ?f }")))
    'heavy: a cartesian product (patterns that share no variable)'
    """
    try:
        algebra = translateQuery(tree).algebra  # type: ignore[arg-type]
    # rdflib's translator raises bare Exception for shapes it does not handle, RecursionError
    # for deep nesting: the query is still valid (pyoxigraph accepted it), only not analysed.
    except Exception as error:  # noqa: BLE001
        return Cost(heavy=True, reasons=(f"not analysed ({type(error).__name__})",))
    nodes = list(_walk(algebra))
    triples = [t for node in nodes if node.name == "BGP" for t in node.triples or ()]
    pinned = _pinned_variables(triples, nodes)
    reasons: list[str] = []
    if _has_cartesian_product(nodes, pinned):
        reasons.append("a cartesian product (patterns that share no variable)")
    if any(_is_closure(triple) and not _is_pinned(triple, pinned) for triple in triples):
        reasons.append("a * or + property path between two unbound variables")
    offsets = [node.start for node in nodes if node.name == "Slice" and node.start]
    if any(offset > MAX_LIGHT_OFFSET for offset in offsets):
        reasons.append(f"an OFFSET over {MAX_LIGHT_OFFSET}")
    if any(not _is_pinned(triple, pinned) for triple in triples):
        limit = 1 if algebra.name == "AskQuery" else _top_limit(algebra)
        blocking = sorted({_BLOCKING[n.name] for n in nodes if n.name in _BLOCKING})
        blocking += sorted({_TEXT_SCANS[n.name] for n in nodes if n.name in _TEXT_SCANS})
        if blocking:
            reasons.append("a scan of the whole graph under " + ", ".join(blocking))
        elif limit is None or limit > MAX_LIGHT_LIMIT:
            reasons.append(f"a scan of the whole graph without LIMIT {MAX_LIGHT_LIMIT} or less")
    return Cost(heavy=True, reasons=tuple(reasons)) if reasons else LIGHT


def _walk(node: object) -> Iterator[CompValue]:
    """Every algebra operator and expression node under ``node``."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, CompValue):
            yield current
            stack.extend(v for k, v in current.items() if k != "_vars")
        elif isinstance(current, list | tuple):
            stack.extend(current)


def _is_variable(term: object) -> bool:
    return isinstance(term, Variable | BNode)


def _variables(triple: _Triple) -> set[Identifier]:
    return {term for term in triple if isinstance(term, Variable | BNode)}


def _pinned_variables(triples: list[_Triple], nodes: list[CompValue]) -> set[Identifier]:
    """Variables bound by VALUES or reachable from a constant subject or object."""
    pinned: set[Identifier] = set()
    for node in nodes:
        if node.name == "values":
            pinned.update(var for row in node.res or () for var in row)
    changed = True
    while changed:
        changed = False
        for triple in triples:
            if _is_pinned(triple, pinned) and not _variables(triple) <= pinned:
                pinned |= _variables(triple)
                changed = True
    return pinned


def _is_pinned(triple: _Triple, pinned: set[Identifier]) -> bool:
    subject, _, obj = triple
    return any(not _is_variable(end) or end in pinned for end in (subject, obj))


def _is_closure(triple: _Triple) -> bool:
    predicate = triple[1]
    return isinstance(predicate, Path) and any(
        isinstance(part, MulPath) and part.mod in ("*", "+") for part in _path_parts(predicate)
    )


def _path_parts(path: Path) -> Iterator[Path]:
    stack: list[object] = [path]
    while stack:
        part = stack.pop()
        if isinstance(part, Path):
            yield part
            for attribute in ("path", "arg", "args"):
                inner = getattr(part, attribute, None)
                if isinstance(inner, list):
                    stack.extend(inner)
                elif inner is not None:
                    stack.append(inner)


def _has_cartesian_product(nodes: list[CompValue], pinned: set[Identifier]) -> bool:
    """A BGP or a join whose unpinned parts fall apart into groups sharing no variable."""
    for node in nodes:
        if node.name == "BGP":
            loose = [_variables(t) for t in node.triples or () if not _is_pinned(t, pinned)]
            if len(_components(loose)) > 1:
                return True
        elif node.name == "Join":
            sides = [_loose_variables(node.p1, pinned), _loose_variables(node.p2, pinned)]
            if all(sides) and not sides[0] & sides[1]:
                return True
    return False


def _loose_variables(node: object, pinned: set[Identifier]) -> set[Identifier]:
    return {
        var
        for inner in _walk(node)
        if inner.name == "BGP"
        for triple in inner.triples or ()
        if not _is_pinned(triple, pinned)
        for var in _variables(triple)
    }


def _components(groups: list[set[Identifier]]) -> list[set[Identifier]]:
    """Merge variable sets that overlap, transitively."""
    merged: list[set[Identifier]] = []
    for group in groups:
        touching = [m for m in merged if m & group]
        for m in touching:
            merged.remove(m)
            group = group | m
        merged.append(group)
    return merged


def _top_limit(algebra: CompValue) -> int | None:
    """The LIMIT of the outermost query (rdflib puts its Slice at the top), or None."""
    top = algebra.p
    if isinstance(top, CompValue) and top.name == "Slice":
        return top.length  # type: ignore[no-any-return]
    return None


class SlowQueries:
    """A bounded LRU of normalised query texts that ran past the light budget."""

    def __init__(self, *, capacity: int = 1024) -> None:
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._capacity = capacity

    @staticmethod
    def key(text: str) -> str:
        """``text`` with runs of whitespace collapsed: reformatting does not hide a query."""
        return " ".join(text.split())

    def remember(self, text: str) -> None:
        key = self.key(text)
        self._seen[key] = None
        self._seen.move_to_end(key)
        while len(self._seen) > self._capacity:
            self._seen.popitem(last=False)

    def __contains__(self, text: object) -> bool:
        key = self.key(str(text))
        if key in self._seen:
            self._seen.move_to_end(key)
            return True
        return False

    def __len__(self) -> int:
        return len(self._seen)


class TooManyHeavyQueries(Overloaded):
    """The heavy lane is full: ``limit`` heavy queries run and ``waiting`` wait (503)."""

    def __init__(self, *, limit: int, waiting: int, cost: Cost) -> None:
        super().__init__(waiting=waiting)
        self.limit = limit
        self.cost = cost
        why = "; ".join(cost.reasons) or "it ran long before"
        self.args = (
            f"the endpoint is busy: it runs at most {limit} heavy "
            f"{'query' if limit == 1 else 'queries'} at a time, and "
            f"{waiting} more are waiting; this query is heavy ({why}). Retry in a few seconds, "
            "or make it lighter: start from a known IRI, or add LIMIT",
        )
