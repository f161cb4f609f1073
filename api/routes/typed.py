"""Typed JSON routes under ``/api/`` for people who don't write SPARQL.

Each route is one query from ``kg/queries/api_*.rq`` over the same graph as ``/sparql``, with the
request's filters bound through ``substitutions=``; rows (one per multi-valued field value) are
folded into items here. Lists are paged: ``limit`` 1..500 (default 50), ``offset``, and the answer
says the ``total`` and the ``next`` page's URL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from pyoxigraph import Literal, NamedNode
from starlette.concurrency import run_in_threadpool

from api.deps import Graph, GraphDep, SettingsDep
from api.models import (
    Actor,
    ActorDetail,
    Claim,
    Outcome,
    Page,
    Partnership,
    Programme,
    Ref,
    SearchHit,
)
from kg.describe.resources import Term, exists, select
from kg.errors import NotFound
from kg.settings import Settings

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["typed API"])

T = TypeVar("T", bound=Ref)
Row = dict[str, Term]

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
Limit = Annotated[int, Query(ge=1, le=500, description="Items per page (1 to 500).")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Index of the first item.")]
Slug = Annotated[
    str | None,
    Query(max_length=200, pattern=SLUG_PATTERN, description="A slug: the last part of an id: IRI."),
]


async def _rows(graph: Graph, name: str, **values: Term | str) -> list[Row]:
    return await run_in_threadpool(lambda: select(graph.store, name, base=graph.base, **values))


def _ref(iri: Term | None, label: Term | None) -> Ref | None:
    if not isinstance(iri, NamedNode):
        return None
    return Ref(iri=iri.value, label=label.value if label is not None else iri.value)


def _text(term: Term | None) -> str | None:
    return term.value if term is not None else None


def _local(term: Term | None, settings: Settings) -> str | None:
    if term is None:
        return None
    return term.value.removeprefix(settings.ontology_iri)


def _fold(rows: list[Row], key: str) -> dict[str, list[Row]]:
    """Rows grouped by the item in column ``key``, ordered by label then IRI.

    Ordered here, not by the query's ORDER BY alone: engines order language-tagged and
    non-ASCII strings differently (SPARQL leaves it open), and a page must be the same page
    whatever the store.
    """
    grouped: dict[str, list[Row]] = {}
    for row in rows:
        grouped.setdefault(row[key].value, []).append(row)

    def order(item: tuple[str, list[Row]]) -> tuple[str, str]:
        label = next((row["label"].value for row in item[1] if "label" in row), "")
        return (label.casefold(), item[0])

    return dict(sorted(grouped.items(), key=order))


def _refs(rows: list[Row], iri: str, label: str) -> list[Ref]:
    found: dict[str, Ref] = {}
    for row in rows:
        ref = _ref(row.get(iri), row.get(label))
        if ref is not None:
            found.setdefault(ref.iri, ref)
    return sorted(found.values(), key=lambda r: (r.label.lower(), r.iri))


def _first(rows: list[Row], column: str) -> Term | None:
    return next((row[column] for row in rows if column in row), None)


def _page(request: Request, items: list[T], *, limit: int, offset: int) -> Page[T]:
    more = offset + limit < len(items)
    next_url = str(request.url.include_query_params(offset=offset + limit)) if more else None
    return Page[T](
        total=len(items),
        limit=limit,
        offset=offset,
        next=next_url,
        items=items[offset : offset + limit],
    )


def _unknown(parameter: str, value: str, allowed: list[str]) -> RequestValidationError:
    message = f"unknown {parameter} {value!r}; use one of: {', '.join(allowed)}"
    return RequestValidationError(
        [{"type": "enum", "loc": ("query", parameter), "msg": message, "input": value}]
    )


async def _vocabulary(graph: Graph, settings: Settings, name: str, column: str) -> list[str]:
    rows = await _rows(graph, name)
    return [row[column].value.removeprefix(settings.ontology_iri) for row in rows]


def _actor(rows: list[Row], settings: Settings) -> Actor:
    ref = _ref(rows[0]["actor"], _first(rows, "label"))
    assert ref is not None
    kinds = sorted({_local(row.get("type"), settings) or "" for row in rows} - {""})
    countries = sorted(_refs(rows, "actorCountry", "countryLabel"), key=lambda c: c.iri)
    first = countries[0] if countries else None
    return Actor(iri=ref.iri, label=ref.label, kinds=kinds, country=first, countries=countries)


@router.get("/actors", response_model=Page[Actor], summary="Actors, by kind and country")
async def actors(
    request: Request,
    graph: GraphDep,
    settings: SettingsDep,
    kind: Annotated[
        str | None,
        Query(
            max_length=100,
            description="An sc: class local name (Academy, Organisation, ...); subclasses count.",
            examples=["Organisation"],
        ),
    ] = None,
    country: Slug = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[Actor]:
    """Every actor (countries, organisations, people, groups), in label order."""
    values: dict[str, Term | str] = {}
    if kind is not None:
        allowed = await _vocabulary(graph, settings, "actor_kinds", "class")
        if kind not in allowed:
            raise _unknown("kind", kind, allowed)
        values["kind"] = settings.ontology_iri + kind
    if country is not None:
        values["country"] = settings.id_base + country
    grouped = _fold(await _rows(graph, "api_actors", **values), "actor")
    items = [_actor(rows, settings) for rows in grouped.values()]
    return _page(request, items, limit=limit, offset=offset)


@router.get(
    "/actors/{slug}",
    response_model=ActorDetail,
    summary="One actor with its partnerships, programmes, outcomes and claims",
    responses={404: {"description": "No actor has this slug."}},
)
async def actor(
    graph: GraphDep,
    settings: SettingsDep,
    slug: Annotated[str, Path(max_length=200, pattern=SLUG_PATTERN, examples=["china"])],
) -> ActorDetail:
    """The actor ``id:{slug}``."""
    iri = settings.id_base + slug
    rows = await _rows(graph, "api_actors", actor=iri)
    if not rows:
        known = await run_in_threadpool(exists, graph.store, iri)
        detail = f"{iri} is not an actor" if known else f"no actor {iri}"
        raise NotFound(detail, iri=iri)
    links = await _rows(graph, "api_actor_links", actor=iri)
    by_relation: dict[str, list[Row]] = {}
    for row in links:
        by_relation.setdefault(row["relation"].value, []).append(row)

    def related(relation: str) -> list[Ref]:
        return _refs(by_relation.get(relation, []), "item", "itemLabel")

    base = _actor(rows, settings)
    return ActorDetail(
        **base.model_dump(exclude={"country"}),
        country=base.country,
        partnerships=related("partnerships"),
        programmes=related("programmes"),
        outcomes=related("outcomes"),
        claims=related("claims"),
    )


def _partnership(rows: list[Row], settings: Settings) -> Partnership:
    ref = _ref(rows[0]["partnership"], _first(rows, "label"))
    assert ref is not None
    return Partnership(
        iri=ref.iri,
        label=ref.label,
        kind=_local(_first(rows, "partnershipKind"), settings),
        parties=_refs(rows, "member", "memberLabel"),
        programmes=_refs(rows, "programme", "programmeLabel"),
        start_date=_text(_first(rows, "startDate")),
        end_date=_text(_first(rows, "endDate")),
    )


@router.get("/partnerships", response_model=Page[Partnership], summary="Partnerships")
async def partnerships(
    request: Request,
    graph: GraphDep,
    settings: SettingsDep,
    party: Slug = None,
    kind: Annotated[
        str | None,
        Query(
            max_length=100, description="A sc:PartnershipKind local name.", examples=["Membership"]
        ),
    ] = None,
    from_year: Annotated[
        int | None, Query(ge=1, le=9999, description="Active in or after this year (by its dates).")
    ] = None,
    to_year: Annotated[
        int | None,
        Query(ge=1, le=9999, description="Active in or before this year (by its dates)."),
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[Partnership]:
    """Partnerships, filtered by a party, a kind, and a range of years. A partnership whose
    source gives no dates matches no year bound."""
    values: dict[str, Term | str] = {}
    if party is not None:
        values["party"] = settings.id_base + party
    if kind is not None:
        allowed = await _vocabulary(graph, settings, "partnership_kinds", "kind")
        if kind not in allowed:
            raise _unknown("kind", kind, allowed)
        values["kind"] = settings.ontology_iri + kind
    if from_year is not None and to_year is not None and from_year > to_year:
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("query", "to_year"), "input": to_year,
              "msg": f"to_year {to_year} is before from_year {from_year}"}]
        )  # fmt: skip
    integer = NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    if from_year is not None:
        values["fromYear"] = Literal(str(from_year), datatype=integer)
    if to_year is not None:
        values["toYear"] = Literal(str(to_year), datatype=integer)
    grouped = _fold(await _rows(graph, "api_partnerships", **values), "partnership")
    items = [_partnership(rows, settings) for rows in grouped.values()]
    return _page(request, items, limit=limit, offset=offset)


async def _listing(
    request: Request, graph: GraphDep, name: str, key: str, build: Callable[[list[Row]], T],
    *, limit: int, offset: int,
) -> Page[T]:  # fmt: skip
    grouped = _fold(await _rows(graph, name), key)
    return _page(request, [build(rows) for rows in grouped.values()], limit=limit, offset=offset)


@router.get("/programmes", response_model=Page[Programme], summary="Programmes")
async def programmes(
    request: Request, graph: GraphDep, settings: SettingsDep, limit: Limit = 50, offset: Offset = 0
) -> Page[Programme]:
    """Action plans, initiatives, programmes and projects, with who launched and joined them."""

    def build(rows: list[Row]) -> Programme:
        ref = _ref(rows[0]["programme"], _first(rows, "label"))
        assert ref is not None
        return Programme(
            iri=ref.iri,
            label=ref.label,
            kinds=sorted({_local(r.get("type"), settings) or "" for r in rows} - {""}),
            aim=_text(_first(rows, "aim")),
            launched_by=_refs(rows, "launcher", "launcherLabel"),
            participants=_refs(rows, "participant", "participantLabel"),
        )

    return await _listing(
        request, graph, "api_programmes", "programme", build, limit=limit, offset=offset
    )


@router.get("/outcomes", response_model=Page[Outcome], summary="Outcomes")
async def outcomes(
    request: Request, graph: GraphDep, limit: Limit = 50, offset: Offset = 0
) -> Page[Outcome]:
    """What came of the work, with who produced it and the programme it belongs to."""

    def build(rows: list[Row]) -> Outcome:
        ref = _ref(rows[0]["outcome"], _first(rows, "label"))
        assert ref is not None
        return Outcome(
            iri=ref.iri,
            label=ref.label,
            produced_by=_refs(rows, "producer", "producerLabel"),
            programmes=_refs(rows, "programme", "programmeLabel"),
        )

    return await _listing(
        request, graph, "api_outcomes", "outcome", build, limit=limit, offset=offset
    )


@router.get("/claims", response_model=Page[Claim], summary="Quantitative claims with their quotes")
async def claims(
    request: Request, graph: GraphDep, settings: SettingsDep, limit: Limit = 50, offset: Offset = 0
) -> Page[Claim]:
    """Every figure the sources state: value, qualifier, unit, period, rank, and the quote."""

    def build(rows: list[Row]) -> Claim:
        ref = _ref(rows[0]["claim"], _first(rows, "label"))
        assert ref is not None
        value, rank = _first(rows, "value"), _first(rows, "rank")
        return Claim(
            iri=ref.iri,
            label=ref.label,
            subject=_ref(_first(rows, "subject"), _first(rows, "subjectLabel")),
            concerns=_refs(rows, "concerns", "concernsLabel"),
            on_measure=_ref(_first(rows, "onMeasure"), _first(rows, "onMeasureLabel")),
            measure=_text(_first(rows, "measure")),
            value=float(value.value) if value is not None else None,
            qualifier=_local(_first(rows, "qualifier"), settings),
            unit=_local(_first(rows, "unit"), settings),
            point_in_time=_text(_first(rows, "pointInTime")),
            period_start=_text(_first(rows, "periodStart")),
            period_end=_text(_first(rows, "periodEnd")),
            rank=int(rank.value) if rank is not None else None,
            rank_scope=_text(_first(rows, "rankScope")),
            quotes=sorted({row["quote"].value for row in rows if "quote" in row}),
            source=_ref(_first(rows, "source"), _first(rows, "sourceTitle")),
        )

    return await _listing(request, graph, "api_claims", "claim", build, limit=limit, offset=offset)


@router.get("/search", response_model=Page[SearchHit], summary="Search the labels")
async def search(
    request: Request,
    graph: GraphDep,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            description="Text any label or alternative label contains, in any language, "
            "ignoring case.",
            examples=["academy"],
        ),
    ],
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[SearchHit]:
    """Things whose label or alternative label contains ``q``."""
    grouped = _fold(await _rows(graph, "api_search", q=Literal(q)), "resource")
    items = []
    for rows in grouped.values():
        ref = _ref(rows[0]["resource"], _first(rows, "label"))
        assert ref is not None
        matched = sorted({row["matched"].value for row in rows})
        items.append(SearchHit(iri=ref.iri, label=ref.label, matched=matched))
    return _page(request, items, limit=limit, offset=offset)
