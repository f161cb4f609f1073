"""Pydantic models of the typed JSON routes under ``/api/``: what each item holds, documented.

Every item carries its ``iri`` (canonical, under the base) and a ``label`` (English, else the
IRI), so a client can always go from JSON to the linked-data document and back.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

__all__ = [
    "Ref",
    "Page",
    "Actor",
    "ActorDetail",
    "Partnership",
    "Programme",
    "Outcome",
    "Claim",
    "SearchHit",
]

Item = TypeVar("Item", bound="Ref")

_CAS = "https://w3id.org/scicoop/id/chinese-academy-of-sciences"


class Ref(BaseModel):
    """A resource: its IRI and English label."""

    iri: str = Field(description="The resource's IRI; GET it for its linked-data document.")
    label: str = Field(description="The English label (the IRI when there is none).")

    model_config = {
        "json_schema_extra": {"examples": [{"iri": _CAS, "label": "Chinese Academy of Sciences"}]}
    }


class Page(BaseModel, Generic[Item]):
    """One page of a list: how many there are in all, where this page starts, the next page."""

    total: int = Field(description="Items matching the request, over all pages.")
    limit: int = Field(description="Items per page, as asked (1 to 500).")
    offset: int = Field(description="Index of this page's first item.")
    next: str | None = Field(description="URL of the next page; null on the last.")
    items: list[Item]


class Actor(Ref):
    """A country or region, organisation, person or group."""

    kinds: list[str] = Field(
        description="Local names of its sc: classes, inferred superclasses included.",
        examples=[["Academy", "Actor", "Organisation", "ResearchInstitution"]],
    )
    country: Ref | None = Field(
        None, description="The country or region it belongs to (the first by IRI when several)."
    )
    countries: list[Ref] = Field(
        default_factory=list, description="Every country or region it belongs to."
    )


class ActorDetail(Actor):
    """An actor with what it takes part in."""

    partnerships: list[Ref] = Field(description="Partnerships it is a party to.")
    programmes: list[Ref] = Field(description="Programmes it launched or takes part in.")
    outcomes: list[Ref] = Field(description="Outcomes it produced.")
    claims: list[Ref] = Field(description="Quantitative claims about it.")


class Partnership(Ref):
    """A cooperation between two or more parties."""

    kind: str | None = Field(None, description="Local name of its sc:PartnershipKind.")
    parties: list[Ref]
    programmes: list[Ref] = Field(description="Programmes it is part of.")
    start_date: str | None = Field(None, description="xsd:date or xsd:gYear, as stated.")
    end_date: str | None = None


class Programme(Ref):
    """An action plan, initiative, programme or project."""

    kinds: list[str] = Field(examples=[["Programme", "Project"]])
    aim: str | None = None
    launched_by: list[Ref]
    participants: list[Ref]


class Outcome(Ref):
    """What came of the work."""

    produced_by: list[Ref]
    programmes: list[Ref]


class Claim(Ref):
    """A quantitative claim, with the quote that supports it."""

    subject: Ref | None = Field(None, description="What the claim is about.")
    concerns: list[Ref] = Field(
        default_factory=list, description="The actors or partnerships the figure quantifies."
    )
    on_measure: Ref | None = Field(
        None, description="The measure it is a value of; claims on one measure stand side by side."
    )
    measure: str | None = Field(None, description="What is counted or measured.")
    value: float | None = Field(None, examples=[160])
    qualifier: str | None = Field(None, description="Exactly, AtLeast, MoreThan, ...")
    unit: str | None = Field(None, description="Count or Percent.")
    point_in_time: str | None = Field(None, description="When it holds, where the source says.")
    period_start: str | None = None
    period_end: str | None = None
    rank: int | None = None
    rank_scope: str | None = None
    quotes: list[str] = Field(
        description="The sentence(s) stating it, for a shipped text; a web page is cited, not "
        "quoted (see ``source``)."
    )
    source: Ref | None = None


class SearchHit(Ref):
    """A resource whose label or alternative label matched the search."""

    matched: list[str] = Field(description="The labels that contain the search text.")
