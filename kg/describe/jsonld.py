"""JSON-LD for people and programs: the context generated from the ontology, and documents
compacted with it by hand (short keys, language maps, IRIs coerced), which pyoxigraph and rdflib
read back as the same graph."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

import pyoxigraph
from pyoxigraph import Literal, NamedNode, Triple

from kg.describe.resources import Term
from kg.describe.terms import curie, ontology_terms, prefixes_for
from kg.namespaces import PREFIXES
from kg.query.answers import write_graph
from kg.query.formats import CannotWrite, Format
from kg.settings import Settings
from kg.store import Store

__all__ = ["jsonld_context", "serialize"]

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_XSD = "http://www.w3.org/2001/XMLSchema#"


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
                items.append(_ContextTerm(term.local, iri, coercion=curie(datatype, prefixes)))
            else:
                items.append(_ContextTerm(term.local, iri))
        elif term.kind != "individual":
            items.append(_ContextTerm(term.local, iri))
    context: dict[str, object] = dict(prefixes)
    for item in items:
        context[item.key] = item.entry(curie(item.iri, prefixes))
    return context


def serialize(
    triples: list[Triple],
    fmt: Format,
    *,
    settings: Settings,
    context: dict[str, object] | None = None,
    context_url: str | None = None,
) -> bytes:
    """``triples`` in the RDF format ``fmt``; JSON-LD compacted with ``context``.

    The context is embedded, so any JSON-LD processor reads the document offline (a sandboxed
    one, or pyoxigraph's parser, loads no remote context); with ``context_url`` the document
    references the published context instead. Raises CannotWrite (a 406) when ``fmt`` cannot
    carry ``triples`` (see ``write_graph``).
    """
    if fmt.name != "jsonld":
        return write_graph(triples, fmt, prefixes=prefixes_for(settings))
    assert context is not None
    nodes = _JsonLdWriter(context, fmt).nodes(triples)
    document: dict[str, object] = {"@context": context_url or context}
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
