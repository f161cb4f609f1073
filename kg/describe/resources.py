"""Descriptions of resources, graphs and the dataset, read from the store with ``kg/queries/*.rq``.

Every lookup is SPARQL with values bound through ``substitutions=`` (never spliced into the text),
so the same questions can later go to a remote SPARQL store. The functions block: routes call them
through ``run_in_threadpool``.

A description (``/doc/{slug}``) is read over the union of every graph, asserted and inferred, so
it always holds what ``DESCRIBE`` on ``/sparql`` gives, and shows the inferred types a consumer
would otherwise have to compute.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import cast

import pyoxigraph
from pyoxigraph import Literal, NamedNode, Quad, Triple, Variable

from kg.query.formats import CannotWrite, Format
from kg.namespaces import PREFIXES
from kg.queries import load_query
from kg.settings import Settings
from kg.store import Store
from kg.query.answers import write_graph

__all__ = [
    "SLUG",
    "Term",
    "select",
    "construct",
    "exists",
    "describe",
    "similar",
    "licence",
    "graph_content",
    "ontology_graphs",
    "ontology_triples",
    "all_quads",
    "jsonld_context",
    "OntologyTerm",
    "ontology_terms",
    "label_is_english",
    "serialize",
    "prefixes_for",
]

#: A slug as the vocabulary contract defines it; anything else is not one of our IRIs.
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SLUG = 200

#: What a solution's values are.
Term = NamedNode | Literal | pyoxigraph.BlankNode

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_OWL = "http://www.w3.org/2002/07/owl#"
_XSD = "http://www.w3.org/2001/XMLSchema#"


def _bindings(values: dict[str, Term | str]) -> dict[Variable, Term]:
    return {
        Variable(name): NamedNode(value) if isinstance(value, str) else value
        for name, value in values.items()
    }


def select(store: Store, name: str, **values: Term | str) -> list[dict[str, Term]]:
    """The rows of the SELECT query ``kg/queries/{name}.rq``; str values are bound as IRIs."""
    solutions = cast(
        pyoxigraph.QuerySolutions,
        store.query(load_query(name), substitutions=_bindings(values)),
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


def similar(store: Store, wanted: str, *, under: str, limit: int = 5) -> list[tuple[str, str]]:
    """Up to ``limit`` (iri, English label) under ``under`` whose slug or a label is most like
    ``wanted`` (difflib ratio, at least 0.6).

    A 404 is the cheapest request to send, so this must stay cheap to answer: the names are read
    once per graph version, and difflib's upper bounds skip most of them before the full ratio.
    """
    wanted = wanted.lower().replace("-", " ")[:MAX_SLUG]
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(wanted)  # difflib caches details of the second sequence: the fixed one
    scores: dict[str, float] = {}
    names = _names(_Version(store), under)
    for iri, (candidates, _) in names.items():
        for candidate in candidates:
            matcher.set_seq1(candidate)
            if matcher.real_quick_ratio() < SIMILAR or matcher.quick_ratio() < SIMILAR:
                continue  # cheap upper bounds of ratio() already too low
            score = matcher.ratio()
            if score >= max(SIMILAR, scores.get(iri, 0.0)):
                scores[iri] = score
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return [(iri, names[iri][1]) for iri, _ in ranked[:limit]]


#: The least difflib ratio for a name to count as similar.
SIMILAR = 0.6


class _Version:
    """A store as a cache key: equal when it holds the same data version."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def __hash__(self) -> int:
        return hash(self.store.version)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Version) and other.store.version == self.store.version


@lru_cache(maxsize=4)
def _names(key: _Version, under: str) -> dict[str, tuple[tuple[str, ...], str]]:
    """iri -> (lower-cased slug and labels, English label or else any) of each thing ``under``."""
    candidates: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for row in select(key.store, "labelled_things"):
        iri, label = row["resource"].value, row["label"]
        if not iri.startswith(under):
            continue
        if iri not in candidates:
            candidates[iri] = [iri[len(under) :].replace("-", " ")]
        candidates[iri].append(label.value.lower())
        if iri not in names or label_is_english(label):
            names[iri] = label.value
    return {iri: (tuple(candidates[iri]), names[iri]) for iri in candidates}


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


@dataclass(frozen=True)
class _ContextTerm:
    key: str
    iri: str
    coercion: str | None = None
    container: str | None = None

    def entry(self, curie: str) -> str | dict[str, str]:
        if self.coercion is None and self.container is None:
            return curie
        entry = {"@id": curie}
        if self.coercion:
            entry["@type"] = self.coercion
        if self.container:
            entry["@container"] = self.container
        return entry


#: Terms of other vocabularies the data uses often, with short keys.
_EXTERNAL = (
    _ContextTerm("label", _RDFS + "label", container="@language"),
    _ContextTerm("comment", _RDFS + "comment", container="@language"),
    _ContextTerm("altLabel", PREFIXES["skos"] + "altLabel", container="@language"),
    _ContextTerm("prefLabel", PREFIXES["skos"] + "prefLabel", container="@language"),
    _ContextTerm("definition", PREFIXES["skos"] + "definition", container="@language"),
    _ContextTerm("editorialNote", PREFIXES["skos"] + "editorialNote", container="@language"),
    _ContextTerm("wasDerivedFrom", PREFIXES["prov"] + "wasDerivedFrom", coercion="@id"),
    _ContextTerm("title", PREFIXES["dcterms"] + "title", container="@language"),
    _ContextTerm("creator", PREFIXES["dcterms"] + "creator", coercion="@id"),
    _ContextTerm("license", PREFIXES["dcterms"] + "license", coercion="@id"),
    _ContextTerm("subClassOf", _RDFS + "subClassOf", coercion="@id"),
    _ContextTerm("subPropertyOf", _RDFS + "subPropertyOf", coercion="@id"),
    _ContextTerm("isDefinedBy", _RDFS + "isDefinedBy", coercion="@id"),
)


def prefixes_for(settings: Settings) -> dict[str, str]:
    """The project's prefixes, ``id:`` and ``sc:`` following the configured base."""
    found = dict(PREFIXES)
    found["id"] = settings.id_base
    found["sc"] = settings.ontology_iri
    found["dcat"] = "http://www.w3.org/ns/dcat#"
    return found


def _curie(iri: str, prefixes: dict[str, str]) -> str:
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


def jsonld_context(
    store: Store, named_graphs: Iterable[str], settings: Settings
) -> dict[str, object]:
    """The JSON-LD context published at ``/context.jsonld``, generated from the ontology.

    Prefixes; one short key per ``sc:`` class and property (its local name); ``"@type": "@id"``
    on object properties; the datatype of datatype properties with one; ``"@container":
    "@language"`` on language-tagged text (labels, quotes), so values read ``{"en": "..."}``.
    """
    prefixes = prefixes_for(settings)
    items: list[_ContextTerm] = list(_EXTERNAL)
    for iri, term in sorted(ontology_terms(store, named_graphs, settings).items()):
        ranges = term.relations.get(_RDFS + "range", [])
        if term.kind == "object property":
            items.append(_ContextTerm(term.local, iri, coercion="@id"))
        elif term.kind == "datatype property" and len(ranges) == 1:
            datatype = ranges[0]
            if datatype == _RDF + "langString":
                items.append(_ContextTerm(term.local, iri, container="@language"))
            elif datatype.startswith(_XSD) and datatype != _XSD + "string":
                items.append(_ContextTerm(term.local, iri, coercion=_curie(datatype, prefixes)))
            else:
                items.append(_ContextTerm(term.local, iri))
        elif term.kind != "individual":
            items.append(_ContextTerm(term.local, iri))
    context: dict[str, object] = dict(prefixes)
    for item in items:
        context[item.key] = item.entry(_curie(item.iri, prefixes))
    return context


def serialize(
    triples: list[Triple],
    fmt: Format,
    *,
    settings: Settings,
    context: dict[str, object] | None = None,
    context_url: str | None = None,
) -> bytes:
    """``triples`` in the RDF format ``fmt``; JSON-LD compacted with ``context``, which is
    then replaced by ``context_url`` so consumers fetch nothing but our published context.

    Raises CannotWrite (a 406) when ``fmt`` cannot carry ``triples`` (see ``write_graph``).
    """
    if fmt.name != "jsonld":
        return write_graph(triples, fmt, prefixes=prefixes_for(settings))
    assert context is not None and context_url is not None
    nodes = _JsonLdWriter(context, fmt).nodes(triples)
    document: dict[str, object] = {"@context": context_url}
    if len(nodes) == 1:
        document.update(nodes[0])
    else:
        document["@graph"] = nodes
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


_RDF_TYPE = _RDF + "type"
#: Characters after which a term is a prefix in JSON-LD 1.1 (§4.1.5, the prefix flag).
_GEN_DELIMS = (":", "/", "?", "#", "[", "]", "@")


class _JsonLdWriter:
    """Compact JSON-LD under our context, every value as written (no native numbers, no
    normalised lexical forms), a term used only where its coercion fits the value.

    rdflib's compaction was used before: it wrote ``NaN`` (not JSON), read ``"+5"^^xsd:integer``
    as 5, and dropped the triples of blank nodes under ``"@type": "@id"`` terms; pyld drops
    properties whose IRI holds a character Python counts as a space (U+00A0 ...).
    """

    def __init__(self, context: dict[str, object], fmt: Format) -> None:
        self.fmt = fmt
        self.prefixes = {
            key: value
            for key, value in context.items()
            if isinstance(value, str) and value.endswith(_GEN_DELIMS)
        }
        #: Longest namespace first, so the compact IRI is the shortest.
        self.namespaces = sorted(self.prefixes.items(), key=lambda item: -len(item[1]))
        self.plain_terms: dict[str, str] = {}
        self.coerced: dict[str, list[tuple[str, str | None, str | None]]] = {}
        for key, value in context.items():
            if key.startswith("@"):
                continue
            if isinstance(value, str):
                self.plain_terms.setdefault(self._expand(value), key)
            elif isinstance(value, dict):
                iri = self._expand(str(value["@id"]))
                coercion = value.get("@type")
                self.coerced.setdefault(iri, []).append(
                    (key, None if coercion is None else str(coercion), value.get("@container"))
                )
        self.plain_strings = "@language" not in context

    def _expand(self, value: str) -> str:
        prefix, colon, local = value.partition(":")
        if colon and prefix in self.prefixes and not local.startswith("//"):
            return self.prefixes[prefix] + local
        return value

    def iri(self, iri: str, *, vocab: bool) -> str:
        """``iri`` as a term (where ``vocab``), a compact IRI or itself, whichever reads back."""
        if vocab and iri in self.plain_terms:
            return self.plain_terms[iri]
        for prefix, namespace in self.namespaces:
            local = iri[len(namespace) :]
            if iri.startswith(namespace) and local and not local.startswith("//"):
                return f"{prefix}:{local}"
        scheme, _, rest = iri.partition(":")
        if scheme in self.prefixes and not rest.startswith("//"):
            raise CannotWrite(
                self.fmt,
                f"<{iri}> would be read as a compact IRI: {scheme}: is a prefix of our context",
            )
        return iri

    def node_id(self, term: Term | Triple) -> str:
        if isinstance(term, pyoxigraph.BlankNode):
            return "_:" + term.value
        if isinstance(term, NamedNode):
            return self.iri(term.value, vocab=False)
        raise CannotWrite(self.fmt, f"JSON-LD 1.1 has no quoted triples: {term}")

    def value(self, term: Term | Triple) -> object:
        """``term`` in expanded form, which no term definition changes."""
        if not isinstance(term, Literal):
            return {"@id": self.node_id(term)}
        if term.language:
            return {"@value": term.value, "@language": term.language}
        if term.datatype.value == _XSD + "string":
            return term.value if self.plain_strings else {"@value": term.value}
        return {"@value": term.value, "@type": self.iri(term.datatype.value, vocab=True)}

    def entry(self, predicate: str, term: Term | Triple) -> tuple[str, object, str | None]:
        """(key, value, language-map key) for one value of ``predicate``."""
        for key, coercion, container in self.coerced.get(predicate, ()):
            if container == "@language" and isinstance(term, Literal) and term.language:
                return key, term.value, term.language
            if container is not None:
                continue
            if coercion == "@id" and isinstance(term, NamedNode | pyoxigraph.BlankNode):
                return key, self.node_id(term), None
            if (
                coercion not in (None, "@id")
                and isinstance(term, Literal)
                and not term.language
                and self._expand(str(coercion)) == term.datatype.value
            ):
                return key, term.value, None
        if predicate in self.plain_terms:
            return self.plain_terms[predicate], self.value(term), None
        return self.iri(predicate, vocab=False), self.value(term), None

    def nodes(self, triples: Iterable[Triple]) -> list[dict[str, object]]:
        """One node object per subject, in the order subjects first appear."""
        found: dict[str, dict[str, object]] = {}
        for triple in triples:
            subject = self.node_id(triple.subject)
            node = found.setdefault(subject, {"@id": subject})
            if triple.predicate.value == _RDF_TYPE and not isinstance(triple.object, Literal):
                types = cast(list[str], node.setdefault("@type", []))
                types.append(
                    self.iri(triple.object.value, vocab=True)
                    if isinstance(triple.object, NamedNode)
                    else self.node_id(triple.object)
                )
                continue
            key, value, language = self.entry(triple.predicate.value, triple.object)
            if language is None:
                cast(list[object], node.setdefault(key, [])).append(value)
            else:
                by_language = cast(dict[str, list[object]], node.setdefault(key, {}))
                by_language.setdefault(language, []).append(value)
        return [_single_values(node) for node in found.values()]


def _single_values(node: dict[str, object]) -> dict[str, object]:
    """One value written alone, not in a list (JSON-LD compacts arrays of one the same way)."""

    def alone(values: object) -> object:
        if isinstance(values, list):
            return values[0] if len(values) == 1 else values
        if isinstance(values, dict):
            return {key: alone(inner) for key, inner in values.items()}
        return values

    return {key: alone(values) for key, values in node.items()}
