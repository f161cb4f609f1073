"""Descriptions of resources, graphs and the dataset, read from the store with ``kg/queries/*.rq``.

Every lookup is SPARQL with values bound through ``substitutions=`` (never spliced into the text),
so the same questions can later go to a remote SPARQL store. The functions block: routes call them
through ``run_in_threadpool``.

A description (``/doc/{slug}``) is read over the union of every graph, asserted and inferred, so
it always holds what ``DESCRIBE`` on ``/sparql`` gives, and shows the inferred types a consumer
would otherwise have to compute.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import cast

import pyoxigraph
from pyoxigraph import Literal, NamedNode, Quad, Triple, Variable

from kg.namespaces import BASE
from kg.queries import load_query
from kg.settings import Settings
from kg.store import Store

__all__ = [
    "SLUG",
    "MAX_SLUG",
    "Term",
    "select",
    "construct",
    "exists",
    "describe",
    "licence",
    "label_is_english",
    "graph_content",
    "ontology_graphs",
    "ontology_triples",
    "all_quads",
]

#: A slug as the vocabulary contract defines it; anything else is not one of our IRIs.
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SLUG = 200

#: What a solution's values are.
Term = NamedNode | Literal | pyoxigraph.BlankNode

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"


def _bindings(values: dict[str, Term | str]) -> dict[Variable, Term]:
    return {
        Variable(name): NamedNode(value) if isinstance(value, str) else value
        for name, value in values.items()
    }


def select(
    store: Store, name: str, *, base: str = BASE, **values: Term | str
) -> list[dict[str, Term]]:
    """The rows of the SELECT query ``kg/queries/{name}.rq`` (``sc:`` and ``id:`` under
    ``base``); str values are bound as IRIs."""
    solutions = cast(
        pyoxigraph.QuerySolutions,
        store.query(load_query(name, base=base), substitutions=_bindings(values)),
    )
    variables = [v.value for v in solutions.variables]
    return [{var: row[var] for var in variables if row[var] is not None} for row in solutions]


def construct(store: Store, name: str, **values: Term | str) -> list[Triple]:
    """The triples of the CONSTRUCT query ``kg/queries/{name}.rq``."""
    answer = store.query(load_query(name), substitutions=_bindings(values))
    return list(cast(Iterable[Triple], answer))


def exists(store: Store, iri: str) -> bool:
    """Whether ``iri`` occurs in the graph as a subject or an object."""
    answer = store.query(load_query("resource_exists"), substitutions=_bindings({"resource": iri}))
    return bool(answer)


def describe(store: Store, iri: str) -> list[Triple]:
    """The description of ``iri`` (see ``kg/queries/describe_resource.rq``); empty when unknown."""
    triples = construct(store, "describe_resource", resource=iri)
    # The resource's own triples first, then the rest by subject: a readable Turtle document.
    return sorted(triples, key=lambda t: (t.subject != NamedNode(iri), str(t.subject), str(t)))


def label_is_english(term: Term) -> bool:
    return isinstance(term, Literal) and (term.language or "").lower().startswith("en")


def licence(store: Store) -> str | None:
    """The licence IRI the ontology states (``dcterms:license``), if any."""
    rows = select(store, "dataset_licence")
    return rows[0]["licence"].value if rows else None


def graph_content(store: Store, graph: str) -> list[Triple]:
    """The triples of the named graph ``graph``."""
    return construct(store, "graph_content", graph=graph)


def ontology_graphs(named_graphs: Iterable[str], settings: Settings) -> list[str]:
    """The named graphs loaded from the ontology folder."""
    prefix = settings.graph_base + "ontology/"
    return [graph for graph in named_graphs if graph.startswith(prefix)]


def ontology_triples(store: Store, named_graphs: Iterable[str], settings: Settings) -> list[Triple]:
    """The ontology document: the triples of every ontology graph."""
    return [t for g in ontology_graphs(named_graphs, settings) for t in graph_content(store, g)]


def all_quads(store: Store) -> Iterator[Quad]:
    """Every quad of every named graph, lazily (for the dumps)."""
    solutions = cast(pyoxigraph.QuerySolutions, store.query(load_query("all_quads")))
    for row in solutions:
        yield Quad(row["s"], row["p"], row["o"], row["graph"])
