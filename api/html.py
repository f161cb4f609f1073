"""HTML for people, rendered on the server: the templates, links, labels by language, and the
pages of resources, named graphs, the ontology and not-found answers, shared by every router.

Every value comes from contributed data, so templates autoescape (Jinja2Templates does for
``.html``) and no page needs JavaScript. Links point at this server's own paths, so browsing works
on localhost as on the canonical host.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from kg.describe.terms import OntologyTerm, prefixes_for
from kg.errors import NotFound
from kg.settings import Settings

__all__ = [
    "templates",
    "render",
    "Value",
    "curie",
    "link_for",
    "path_for",
    "languages",
    "pick",
    "term_context",
    "render_resource",
    "render_ontology",
    "render_graph",
    "not_found_page",
]

templates = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_QUOTE_LOCAL = "quote"
_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"
_TITLE = "http://purl.org/dc/terms/title"
_DOWNLOADS = (("Turtle", "ttl"), ("JSON-LD", "jsonld"), ("N-Triples", "nt"), ("RDF/XML", "rdf"))


def link_for(iri: str, *, settings: Settings) -> str | None:
    """Where an IRI links on this server: terms to their page, things to ``/id/...``.

    >>> link_for("https://w3id.org/scicoop/ontology#Actor", settings=Settings())
    '/ontology/Actor'
    >>> link_for("https://w3id.org/scicoop/id/x", settings=Settings())
    '/id/x'
    """
    base = settings.base_iri
    if iri.startswith(settings.ontology_iri) and len(iri) > len(settings.ontology_iri):
        return "/ontology/" + iri[len(settings.ontology_iri) :]
    if iri.startswith(base):
        return "/" + iri[len(base) :]
    return iri if iri.startswith(("http://", "https://")) else None


def languages(accept_language: str | None) -> list[str]:
    """The visitor's languages by preference (primary tags), then English as the fallback.

    >>> languages("zh-CN,zh;q=0.9,fr;q=0.8")
    ['zh', 'fr', 'en']
    >>> languages("de;q=0, fr")
    ['fr', 'en']
    """
    ranked: list[tuple[float, int, str]] = []
    for index, item in enumerate((accept_language or "").split(",")):
        tag, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.split("-")[0].lower()
        if primary and primary != "*" and quality > 0:
            ranked.append((-quality, index, primary))
    ordered: list[str] = []
    for _, _, tag in sorted(ranked):
        if tag not in ordered:
            ordered.append(tag)
    return [*ordered, "en"] if "en" not in ordered else ordered


def pick(labels: dict[str, str], wanted: list[str]) -> str | None:
    """The label in the first wanted language, else English, else any."""
    for tag in [*wanted, "en"]:
        if tag in labels:
            return labels[tag]
    return next(iter(labels.values()), None)


def curie(iri: str, settings: Settings) -> str:
    for prefix, namespace in prefixes_for(settings).items():
        if iri.startswith(namespace) and iri != namespace:
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


@dataclass(frozen=True)
class Value:
    """One value on a page: its text, where it links, and a note (language or datatype)."""

    text: str
    href: str | None = None
    note: str | None = None


@dataclass
class Row:
    """A predicate and its values."""

    predicate: Value
    values: list[Value] = field(default_factory=list)


@dataclass
class ResourceView:
    """What the resource page shows."""

    iri: str
    label: str
    other_labels: list[Value]
    types: list[Value]
    properties: list[Row]
    incoming: list[Row]
    quotes: list[Value]
    sources: list[Value]
    formats: list[Value]


class _Labels:
    """Labels found in a description, by IRI and language."""

    def __init__(self, triples: Iterable[Triple], settings: Settings, wanted: list[str]):
        self.by_iri: dict[str, dict[str, str]] = {}
        self.settings, self.wanted = settings, wanted
        for triple in triples:
            subject = triple.subject
            if (
                triple.predicate.value == _LABEL
                and isinstance(triple.object, Literal)
                and isinstance(subject, NamedNode)
            ):
                labels = self.by_iri.setdefault(subject.value, {})
                labels.setdefault(triple.object.language or "", triple.object.value)

    def name(self, iri: str) -> str:
        return pick(self.by_iri.get(iri, {}), self.wanted) or curie(iri, self.settings)

    def value(self, term: object) -> Value:
        if isinstance(term, NamedNode):
            return Value(self.name(term.value), link_for(term.value, settings=self.settings))
        if isinstance(term, Literal):
            if term.language:
                return Value(term.value, note=term.language)
            datatype = term.datatype.value
            plain = datatype.endswith("#string")
            return Value(term.value, note=None if plain else curie(datatype, self.settings))
        if isinstance(term, BlankNode):
            return Value("(an unnamed node)")
        return Value(str(term))


def _rows(pairs: Iterable[tuple[str, object]], labels: _Labels) -> list[Row]:
    rows: dict[str, Row] = {}
    for predicate, value in pairs:
        row = rows.setdefault(predicate, Row(labels.value(NamedNode(predicate))))
        shown = labels.value(value)
        if shown not in row.values:
            row.values.append(shown)
    for row in rows.values():
        row.values.sort(key=lambda v: v.text.lower())
    return sorted(rows.values(), key=lambda r: r.predicate.text.lower())


def resource_view(
    triples: list[Triple], *, iri: str, settings: Settings, wanted: list[str], doc_path: str
) -> ResourceView:
    """The resource page's content, from the description's triples."""
    labels = _Labels(triples, settings, wanted)
    quote = settings.ontology_iri + _QUOTE_LOCAL
    own = [t for t in triples if isinstance(t.subject, NamedNode) and t.subject.value == iri]
    types = sorted(
        {labels.value(t.object) for t in own if t.predicate.value == _RDF_TYPE},
        key=lambda v: v.text.lower(),
    )
    skip = {_RDF_TYPE, _LABEL, quote}
    properties = _rows(
        ((t.predicate.value, t.object) for t in own if t.predicate.value not in skip), labels
    )
    incoming = _rows(
        (
            (t.predicate.value, t.subject)
            for t in triples
            if isinstance(t.object, NamedNode) and t.object.value == iri
        ),
        labels,
    )
    titles = {
        t.subject.value: t.object.value
        for t in triples
        if t.predicate.value == _TITLE
        and isinstance(t.subject, NamedNode)
        and isinstance(t.object, Literal)
    }
    sources = [
        Value(titles.get(t.object.value) or labels.name(t.object.value),
              link_for(t.object.value, settings=settings))
        for t in own
        if t.predicate.value == _DERIVED and isinstance(t.object, NamedNode)
    ]  # fmt: skip
    own_labels = labels.by_iri.get(iri, {})
    label = pick(own_labels, wanted) or curie(iri, settings)
    formats = [Value(name, f"{doc_path}.{ext}") for name, ext in _DOWNLOADS]
    return ResourceView(
        iri=iri,
        label=label,
        other_labels=[
            Value(text, note=lang) for lang, text in sorted(own_labels.items()) if text != label
        ],
        types=types,
        properties=properties,
        incoming=incoming,
        quotes=sorted(
            {
                Value(t.object.value)
                for t in own
                if t.predicate.value == quote and isinstance(t.object, Literal)
            },
            key=lambda v: v.text,
        ),
        sources=sources,
        formats=formats,
    )  # fmt: skip


def render(
    request: Request, name: str, context: Mapping[str, object], *, status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:  # fmt: skip
    return templates.TemplateResponse(
        request, name, dict(context), status_code=status, headers=headers or {}
    )


def render_resource(
    request: Request,
    triples: list[Triple],
    *,
    iri: str,
    settings: Settings,
    doc_path: str,
    headers: dict[str, str],
) -> Response:
    """The resource page of ``iri`` from its description."""
    wanted = languages(request.headers.get("accept-language"))
    view = resource_view(triples, iri=iri, settings=settings, wanted=wanted, doc_path=doc_path)
    lang = next((tag for tag in wanted if tag in ("en", "zh")), "en")
    return render(request, "resource.html", {"view": view, "lang": lang}, headers=headers)


def render_graph(
    request: Request,
    triples: list[Triple],
    *,
    iri: str,
    settings: Settings,
    headers: dict[str, str],
) -> Response:
    """A named graph as a table of triples."""
    labels = _Labels(triples, settings, languages(request.headers.get("accept-language")))
    rows = [
        (labels.value(t.subject), labels.value(t.predicate), labels.value(t.object))
        for t in triples
    ]
    return render(request, "graph.html", {"iri": iri, "rows": rows}, headers=headers)


def path_for(iri: str) -> str:
    """The path on this server of an IRI under the base, for plain-text answers (see link_for).

    >>> path_for("https://w3id.org/scicoop/id/china")
    '/id/china'
    """
    _, found, rest = iri.partition("/id/")
    return "/id/" + rest if found else iri


def not_found_page(request: Request, error: NotFound) -> Response:
    """The helpful 404 page: similar names and a search link."""
    settings: Settings = request.app.state.service.settings
    shown = [Value(label, link_for(found, settings=settings)) for found, label in error.suggestions]
    context = {"iri": error.iri or "", "suggestions": shown, "search": error.search or ""}
    return render(request, "not_found.html", context, status=404)


def _term_groups(
    terms: dict[str, OntologyTerm], settings: Settings
) -> list[tuple[str, list[dict[str, object]]]]:
    groups: dict[str, list[dict[str, object]]] = {}
    for term in sorted(terms.values(), key=lambda t: t.local):
        groups.setdefault(term.kind, []).append(term_context(term, terms, settings))
    order = ("class", "object property", "datatype property", "annotation property", "individual")
    return [(kind, groups[kind]) for kind in order if kind in groups]


_RELATIONS = (
    ("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", "type"),
    ("http://www.w3.org/2000/01/rdf-schema#subClassOf", "subclass of"),
    ("http://www.w3.org/2000/01/rdf-schema#subPropertyOf", "subproperty of"),
    ("http://www.w3.org/2000/01/rdf-schema#domain", "domain"),
    ("http://www.w3.org/2000/01/rdf-schema#range", "range"),
    ("http://www.w3.org/2002/07/owl#inverseOf", "inverse of"),
    ("https://schema.org/domainIncludes", "used on"),
    (_SKOS + "inScheme", "in scheme"),
)


def _term_value(iri: str, terms: dict[str, OntologyTerm], settings: Settings) -> Value:
    if iri in terms:
        return Value(terms[iri].label(), "/ontology/" + terms[iri].local, curie(iri, settings))
    return Value(curie(iri, settings), link_for(iri, settings=settings))


def term_context(
    term: OntologyTerm, terms: dict[str, OntologyTerm], settings: Settings
) -> dict[str, object]:
    relations = []
    for predicate, name in _RELATIONS:
        values = sorted(term.types) if predicate == _RDF_TYPE else term.relations.get(predicate, [])
        if values:
            relations.append((name, [_term_value(v, terms, settings) for v in values]))
    subs = sorted(
        (other for other in terms.values()
         if any(term.iri in other.relations.get(p, []) for p in _SUB)),
        key=lambda t: t.local,
    )  # fmt: skip
    return {
        "iri": term.iri,
        "local": term.local,
        "label": term.label(),
        "kind": term.kind,
        "definition": term.definition,
        "relations": relations,
        "subs": [_term_value(sub.iri, terms, settings) for sub in subs],
    }


_SUB = (
    "http://www.w3.org/2000/01/rdf-schema#subClassOf",
    "http://www.w3.org/2000/01/rdf-schema#subPropertyOf",
)


def render_ontology(
    request: Request, terms: dict[str, OntologyTerm], *, settings: Settings, headers: dict[str, str]
) -> Response:
    """The ontology page: every term, with an anchor ``#Local`` so hash IRIs work in a browser."""
    context = {"groups": _term_groups(terms, settings), "ontology": settings.base_iri + "ontology"}
    return render(request, "ontology.html", context, headers=headers)
