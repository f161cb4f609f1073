"""HTML for people: the home page and a page per ontology term (rendering: :mod:`api.html`)."""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pyoxigraph import NamedNode
from starlette.concurrency import run_in_threadpool

from api.deps import GraphDep, SettingsDep
from api.html import Value, curie, link_for, map_json, network_json, render, term_context
from api.routing import get_and_head
from kg.describe.network import PICTURE_NODES, cooperation_picture, country_marks
from kg.describe.resources import select
from kg.describe.terms import ontology_terms
from kg.errors import NotFound

__all__ = ["router", "home", "term_page"]

#: Instances shown per page of a class page.
PAGE_SIZE = 50
#: The entry points of the home page: (class local name, heading).
ENTRY_POINTS = (
    ("Organisation", "Organisations"),
    ("Partnership", "Partnerships"),
    ("Programme", "Programmes"),
    ("Outcome", "Outcomes"),
    ("QuantitativeClaim", "Claims"),
    ("CountryOrRegion", "Countries and regions"),
    ("Source", "Sources"),
)

router = APIRouter(tags=["pages"])


@get_and_head(router, "/", name="home", include_in_schema=False)
async def home(request: Request, graph: GraphDep, settings: SettingsDep) -> Response:
    """What the graph is, a picture of the cooperation and a map, instances per class, and where
    to start."""
    base = settings.base_iri
    rows = await run_in_threadpool(select, graph.store, "class_counts", base=base)
    counts = []
    for row in rows:
        iri = row["class"].value
        if iri.startswith(settings.ontology_iri):
            name = row["label"].value if "label" in row else iri[len(settings.ontology_iri) :]
            counts.append((Value(name, link_for(iri, settings=settings)), int(row["count"].value)))
    entries = [(Value(heading, "/ontology/" + local)) for local, heading in ENTRY_POINTS]
    network = await graph.derive(
        ("cooperation picture", base), partial(cooperation_picture, graph.store, base=base)
    )
    marks = await graph.derive(
        ("country marks", base), partial(country_marks, graph.store, base=base)
    )
    context = {
        "counts": counts,
        "entries": entries,
        "version": graph.version,
        "network": network_json(network, settings=settings),
        "picture_limit": PICTURE_NODES,
        "countries": map_json(marks, settings=settings),
    }
    return render(request, "home.html", context, headers={"Vary": "Accept-Language"})


@get_and_head(router, "/ontology/{local}", name="term", include_in_schema=False)
async def term_page(
    request: Request,
    local: str,
    graph: GraphDep,
    settings: SettingsDep,
    page: int = Query(1, ge=1, le=10_000),
) -> Response:
    """One class or property: definition, super- and sub-terms, instances (paged) or usage."""
    terms = await run_in_threadpool(ontology_terms, graph.store, graph.named_graphs, settings)
    iri = settings.ontology_iri + local
    if iri not in terms:
        suggestions = sorted(
            (t for t in terms.values() if t.local.lower().startswith(local.lower()[:3])),
            key=lambda t: t.local,
        )[:5]
        raise NotFound(
            f"the ontology has no term {iri[:300]}",
            iri=iri,
            suggestions=[(t.iri, t.label()) for t in suggestions],
            search=local[:100],
        )
    term = terms[iri]
    context = term_context(term, terms, settings)
    instances: list[Value] = []
    total, usage = 0, None
    if term.kind == "class":
        rows = await run_in_threadpool(select, graph.store, "instances", **{"class": iri})
        total = len(rows)
        start = (page - 1) * PAGE_SIZE
        for row in rows[start : start + PAGE_SIZE]:
            found = row["instance"]
            if isinstance(found, NamedNode):
                text = row["label"].value if "label" in row else curie(found.value, settings)
                instances.append(Value(text, link_for(found.value, settings=settings)))
    elif "property" in term.kind:
        rows = await run_in_threadpool(select, graph.store, "property_usage", property=iri)
        usage = int(rows[0]["count"].value) if rows else 0
    pages = max(1, -(-total // PAGE_SIZE))
    context.update(
        term=term, instances=instances, total=total, usage=usage, page=page, pages=pages,
    )  # fmt: skip
    return render(request, "term.html", context)
