"""The ontology's terms as the pages and the JSON-LD context see them; the project's prefixes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pyoxigraph import Literal, NamedNode

from kg.describe.resources import ontology_graphs, select
from kg.namespaces import PREFIXES
from kg.settings import Settings
from kg.store import Store

__all__ = ["OntologyTerm", "ontology_terms", "prefixes_for", "curie"]

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_OWL = "http://www.w3.org/2002/07/owl#"


def prefixes_for(settings: Settings) -> dict[str, str]:
    """The project's prefixes, ``id:`` and ``sc:`` following the configured base."""
    found = dict(PREFIXES)
    found["id"] = settings.id_base
    found["sc"] = settings.ontology_iri
    found["dcat"] = "http://www.w3.org/ns/dcat#"
    return found


def curie(iri: str, prefixes: dict[str, str]) -> str:
    for prefix, namespace in prefixes.items():
        if iri.startswith(namespace) and iri != namespace:
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


@dataclass
class OntologyTerm:
    """What the ontology states about one of its terms: types, labels, definition, relations."""

    iri: str
    local: str
    types: set[str] = field(default_factory=set)
    labels: dict[str, str] = field(default_factory=dict)
    definition: str | None = None
    relations: dict[str, list[str]] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """class, object property, datatype property, annotation property or individual."""
        for iri, name in _KINDS:
            if iri in self.types:
                return name
        return "individual"

    def label(self) -> str:
        return self.labels.get("en") or next(iter(self.labels.values()), self.local)


_KINDS = (
    (_OWL + "Class", "class"),
    (_OWL + "ObjectProperty", "object property"),
    (_OWL + "DatatypeProperty", "datatype property"),
    (_OWL + "AnnotationProperty", "annotation property"),
)


def ontology_terms(
    store: Store, named_graphs: Iterable[str], settings: Settings
) -> dict[str, OntologyTerm]:
    """The terms the ontology defines (``rdfs:isDefinedBy`` an owl:Ontology), by IRI."""
    terms: dict[str, OntologyTerm] = {}
    for graph in ontology_graphs(named_graphs, settings):
        for row in select(store, "ontology_terms", graph=graph):
            iri = row["term"].value
            if not iri.startswith(settings.ontology_iri):
                continue
            term = terms.setdefault(iri, OntologyTerm(iri, iri[len(settings.ontology_iri) :]))
            p, o = row["p"].value, row["o"]
            if p == _RDF + "type":
                term.types.add(o.value)
            elif p == _RDFS + "label" and isinstance(o, Literal):
                term.labels.setdefault(o.language or "", o.value)
            elif p == PREFIXES["skos"] + "definition":
                term.definition = o.value
            elif isinstance(o, NamedNode):
                term.relations.setdefault(p, []).append(o.value)
    return terms
