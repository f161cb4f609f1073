"""HTML for people, rendered on the server: the templates, links, labels by language, and the
pages of resources, named graphs, the ontology and not-found answers, shared by every router.

Every value comes from contributed data, so templates autoescape (Jinja2Templates does for
``.html``) and every page reads without JavaScript; the pictures (a network, a map) are drawn by
the bundled script from JSON the page carries. Links point at this server's own paths, so browsing
works on localhost as on the canonical host. A resource page shows the asserted data; what
inference added is listed apart and marked as inferred.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from kg.describe.network import Figure
from kg.describe.terms import OntologyTerm, prefixes_for
from kg.errors import NotFound
from kg.settings import Settings

__all__ = [
    "templates",
    "render",
    "Value",
    "curie",
    "link_for",
    "languages",
    "pick",
    "term_context",
    "render_resource",
    "network_json",
    "map_json",
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
_ISO_NUMERIC_LOCAL = "isoNumeric"
_PARTY_LOCAL = "party"
_COUNTRY_LOCAL = "CountryOrRegion"
#: Neighbours drawn around a resource at most; the tables below the picture list them all.
MAX_NEIGHBOURS = 80


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
    """One value on a page: its text, where it links, a note (language or datatype), and the
    language of the text when it has one (rendered as the element's ``lang``)."""

    text: str
    href: str | None = None
    note: str | None = None
    lang: str | None = None


@dataclass
class Row:
    """A predicate and its values."""

    predicate: Value
    values: list[Value] = field(default_factory=list)


@dataclass(frozen=True)
class FigureView:
    """A figure on a page: the phrase, its parts, what it is about and the supporting quote."""

    text: str
    qualifier: str
    value: str
    unit: str
    about: Value
    claim: Value
    quote: Value


@dataclass
class ResourceView:
    """What the resource page shows; ``inferred_*`` hold what only inference states."""

    iri: str
    label: str
    label_lang: str | None
    other_labels: list[Value]
    types: list[Value]
    properties: list[Row]
    incoming: list[Row]
    quotes: list[Value]
    sources: list[Value]
    formats: list[Value]
    inferred_types: list[Value] = field(default_factory=list)
    inferred_properties: list[Row] = field(default_factory=list)
    inferred_incoming: list[Row] = field(default_factory=list)
    figures: list[FigureView] = field(default_factory=list)
    network: dict[str, list[dict[str, str | None]]] = field(default_factory=dict)
    country: list[dict[str, str | None]] = field(default_factory=list)
    partnerships: list[Value] = field(default_factory=list)


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
                return Value(term.value, note=term.language, lang=term.language)
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


def _types(triples: Iterable[Triple], labels: _Labels) -> list[Value]:
    return sorted(
        {labels.value(t.object) for t in triples if t.predicate.value == _RDF_TYPE},
        key=lambda v: v.text.lower(),
    )


def _outgoing(triples: Iterable[Triple], iri: str, skip: set[str]) -> list[tuple[str, object]]:
    return [
        (t.predicate.value, t.object)
        for t in triples
        if isinstance(t.subject, NamedNode) and t.subject.value == iri
        and t.predicate.value not in skip
    ]  # fmt: skip


def _incoming(triples: Iterable[Triple], iri: str) -> list[tuple[str, object]]:
    return [
        (t.predicate.value, t.subject)
        for t in triples
        if isinstance(t.object, NamedNode) and t.object.value == iri
    ]


def _neighbourhood(
    own: list[Triple], incoming: list[Triple], *, iri: str, label: str, labels: _Labels
) -> dict[str, list[dict[str, str | None]]]:
    """The resource and its IRI neighbours, each edge named by its predicate, as
    ``{"nodes": [{id, label, href, group}], "edges": [{source, target, label}]}``."""
    nodes: dict[str, dict[str, str | None]] = {
        iri: {"id": iri, "label": label, "href": None, "group": "this"}
    }
    edges: list[dict[str, str | None]] = []
    links = [(t.predicate.value, t.object, False) for t in own if t.predicate.value != _RDF_TYPE]
    links += [(t.predicate.value, t.subject, True) for t in incoming]
    for predicate, other, backwards in links:
        if not isinstance(other, NamedNode) or other.value == iri:
            continue
        name = labels.name(predicate)
        if other.value not in nodes:
            if len(nodes) > MAX_NEIGHBOURS:
                continue
            shown = labels.value(other)
            group = f"{name}: this" if backwards else name  # "party: this", as the neighbour says
            nodes[other.value] = {"id": other.value, "label": shown.text, "href": shown.href,
                                  "group": group}  # fmt: skip
        ends = (other.value, iri) if backwards else (iri, other.value)
        edges.append({"source": ends[0], "target": ends[1], "label": name})
    return {"nodes": list(nodes.values()), "edges": edges}


def _figure_view(figure: Figure, labels: _Labels) -> FigureView:
    return FigureView(
        text=figure.text,
        qualifier=figure.qualifier,
        value=figure.value,
        unit=figure.unit,
        about=labels.value(NamedNode(figure.subject)),
        claim=Value(labels.name(figure.claim), link_for(figure.claim, settings=labels.settings)),
        quote=Value(figure.quote, lang=figure.quote_lang or None),
    )


def _figure_views(
    figures: Iterable[Figure], labels: _Labels, *, shown: set[str]
) -> list[FigureView]:
    """The figures, each supporting quote given once: not again under a second figure it also
    supports, nor when the page already quotes it."""
    views = []
    for figure in figures:
        view = _figure_view(figure, labels)
        if figure.quote in shown:
            view = replace(view, quote=Value(""))
        shown.add(figure.quote)
        views.append(view)
    return views


def resource_view(
    triples: list[Triple],
    *,
    iri: str,
    settings: Settings,
    wanted: list[str],
    doc_path: str,
    inferred: Iterable[Triple] = (),
    figures: Iterable[Figure] = (),
) -> ResourceView:
    """The resource page's content, from the description's triples; those in ``inferred`` (what
    only the inferred graph holds) are kept apart from the asserted ones."""
    labels = _Labels(triples, settings, wanted)
    quote = settings.ontology_iri + _QUOTE_LOCAL
    apart = set(inferred)
    about = [t for t in triples if t not in apart]
    own = [t for t in about if isinstance(t.subject, NamedNode) and t.subject.value == iri]
    pointing = [t for t in about if isinstance(t.object, NamedNode) and t.object.value == iri]
    inferred_own = [t for t in apart if t.subject == NamedNode(iri)]
    skip = {_RDF_TYPE, _LABEL, quote}
    properties = _rows(_outgoing(own, iri, skip), labels)
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
    label_lang = next((tag for tag, text in own_labels.items() if text == label and tag), None)
    formats = [Value(name, f"{doc_path}.{ext}") for name, ext in _DOWNLOADS]
    types = _types(own, labels)
    own_quotes = [
        t.object for t in own if t.predicate.value == quote and isinstance(t.object, Literal)
    ]
    party = settings.ontology_iri + _PARTY_LOCAL
    country: list[dict[str, str | None]] = []
    if NamedNode(settings.ontology_iri + _COUNTRY_LOCAL) in {
        t.object for t in own if t.predicate.value == _RDF_TYPE
    }:
        numeric = settings.ontology_iri + _ISO_NUMERIC_LOCAL
        codes = [t.object.value for t in own
                 if t.predicate.value == numeric and isinstance(t.object, Literal)]  # fmt: skip
        country = [{"code": code, "label": label, "href": None} for code in codes[:1]]
    return ResourceView(
        iri=iri,
        label=label,
        label_lang=label_lang,
        other_labels=[
            Value(text, note=lang, lang=lang or None)
            for lang, text in sorted(own_labels.items())
            if text != label
        ],
        types=types,
        properties=properties,
        incoming=_rows(_incoming(pointing, iri), labels),
        quotes=sorted(
            {Value(q.value, lang=q.language) for q in own_quotes}, key=lambda v: v.text
        ),
        sources=sources,
        formats=formats,
        inferred_types=[t for t in _types(inferred_own, labels) if t not in types],
        inferred_properties=_rows(_outgoing(inferred_own, iri, {_RDF_TYPE}), labels),
        inferred_incoming=_rows(_incoming(apart, iri), labels),
        figures=_figure_views(figures, labels, shown={q.value for q in own_quotes}),
        network=_neighbourhood(own, pointing, iri=iri, label=label, labels=labels),
        country=country,
        partnerships=sorted(
            {labels.value(t.subject) for t in pointing if t.predicate.value == party},
            key=lambda v: v.text.lower(),
        ),
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
    inferred: Iterable[Triple] = (),
    figures: Iterable[Figure] = (),
) -> Response:
    """The resource page of ``iri`` from its description; ``inferred`` triples shown apart,
    ``figures`` (the claims that size it) with their quotes."""
    wanted = languages(request.headers.get("accept-language"))
    view = resource_view(
        triples, iri=iri, settings=settings, wanted=wanted, doc_path=doc_path,
        inferred=inferred, figures=figures,
    )  # fmt: skip
    lang = next((tag for tag in wanted if tag in ("en", "zh")), "en")
    return render(request, "resource.html", {"view": view, "lang": lang}, headers=headers)


def network_json(
    picture: Mapping[str, list[dict[str, str]]], *, settings: Settings
) -> dict[str, list[dict[str, str | None]]]:
    """A network of IRIs (``{"nodes": [{id, label, group}], "edges": [...]}``) with each node's
    link on this server, as the page's script draws it."""
    nodes = [{**node, "href": link_for(node["id"], settings=settings)} for node in picture["nodes"]]
    return {"nodes": nodes, "edges": [dict(edge) for edge in picture["edges"]]}


def map_json(
    marks: Iterable[Mapping[str, str | int]], *, settings: Settings
) -> list[dict[str, str | int | None]]:
    """Countries as map marks (``{code, label, value, href}``), each linking to its page."""
    return [
        {"code": mark["code"], "label": mark["label"], "value": mark["value"],
         "href": link_for(str(mark["iri"]), settings=settings)}
        for mark in marks
    ]  # fmt: skip


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
