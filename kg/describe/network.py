"""The cooperation network: actors as nodes, partnerships and memberships as edges, for people who
analyse networks (Gephi, VOSviewer, R, pandas), and the pictures of the home page.

A partnership with more than two parties becomes an edge between each pair of its parties (a
clique), so every tool reads it as an ordinary actor-to-actor network; each edge keeps the
partnership's IRI, so the cliques can be told apart and folded back. Two actors joined by two
partnerships have two edges (a multigraph). A membership (``sc:memberOf``) is an edge from the
member to the body. Edges carry the kind of tie, the sources, and the figures that size it: the
claims whose ``sc:claimSubject`` is the partnership or one of its parties (such as "more than 160
countries and regions" for the group China has partnerships with).

Built with networkx and written by its GraphML and GEXF writers; CSV node and edge lists by the
standard library.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

import networkx as nx  # type: ignore[import-untyped]
from pyoxigraph import Literal

from kg.describe.resources import Term, select
from kg.namespaces import BASE
from kg.store import Store

__all__ = [
    "Figure",
    "figures",
    "sizing_figures",
    "actor_network",
    "network_bytes",
    "EXPORT_FORMATS",
    "cooperation_picture",
    "country_marks",
]

#: What ``kg export`` and ``/export/network.{ext}`` write: name -> (extension, media type).
EXPORT_FORMATS = {
    "graphml": ("graphml", "application/graphml+xml"),
    "gexf": ("gexf", "application/gexf+xml"),
    "csv": ("zip", "application/zip"),
}

_NODE_COLUMNS = ("id", "label", "kind", "figures", "size")
_EDGE_COLUMNS = (
    "source", "target", "relation", "partnership", "label", "kind", "sources", "figures", "size",
)  # fmt: skip


@dataclass(frozen=True)
class Figure:
    """A quantitative claim as a reader sees it: qualifier, value, unit and what is counted."""

    claim: str
    subject: str
    value: str
    measure: str = ""
    qualifier: str = ""
    unit: str = ""
    period: str = ""
    quote: str = ""
    quote_lang: str = ""

    @property
    def text(self) -> str:
        """The claim as a phrase.

        >>> Figure("c", "s", "160", "countries", "More than", "Count").text
        'more than 160 countries'
        >>> Figure("c", "s", "27.3", "of the papers", "Exactly", "Percent", "2011 to 2021").text
        '27.3% of the papers (2011 to 2021)'
        """
        bound = "" if self.qualifier.lower() in ("", "exactly") else self.qualifier.lower() + " "
        number = self.value + ("%" if self.unit.lower() == "percent" else "")
        period = f" ({self.period})" if self.period else ""
        return f"{bound}{number} {self.measure}".strip() + period

    @property
    def size(self) -> float | None:
        """The value when it counts something, else None."""
        return float(self.value) if self.unit.lower() == "count" else None


def _text(row: dict[str, Term], name: str) -> str:
    return row[name].value if name in row else ""


def _figure(row: dict[str, Term]) -> Figure:
    start, end = _text(row, "periodStart"), _text(row, "periodEnd")
    return Figure(
        claim=row["claim"].value,
        subject=row["subject"].value,
        value=row["value"].value,
        measure=_text(row, "measure"),
        qualifier=_text(row, "qualifierLabel"),
        unit=_text(row, "unitLabel"),
        period=f"{start} to {end}" if start and end else start or end,
        quote=_text(row, "quote"),
        quote_lang=getattr(row.get("quote"), "language", None) or "",
    )


def figures(store: Store, *, base: str = BASE) -> list[Figure]:
    """Every claim with its value, by subject and claim."""
    return [_figure(row) for row in select(store, "figures", base=base)]


def sizing_figures(store: Store, iri: str, *, base: str = BASE) -> list[Figure]:
    """The figures that size ``iri``: the claims about it and, for a partnership, the claims
    about each actor group that is a party to it."""
    return [_figure(row) for row in select(store, "node_figures", base=base, node=iri)]


def _figure_attributes(found: Iterable[Figure]) -> dict[str, str | float]:
    found = list(found)
    sizes = [f.size for f in found if f.size is not None]
    attributes: dict[str, str | float] = {"figures": " | ".join(f.text for f in found)}
    if sizes:
        attributes["size"] = max(sizes)
    return attributes


def actor_network(store: Store, *, base: str = BASE) -> nx.MultiGraph:
    """The actors that are parties or members, and an edge per pair of parties of each
    partnership and per membership; node and edge attributes as the module says."""
    by_subject: dict[str, list[Figure]] = defaultdict(list)
    for figure in figures(store, base=base):
        by_subject[figure.subject].append(figure)
    actors = {row["actor"].value: row for row in select(store, "network_actors", base=base)}
    partnerships: dict[str, dict[str, object]] = {}
    for row in select(store, "network_parties", base=base):
        iri = row["partnership"].value
        found = partnerships.setdefault(
            iri,
            {"label": _text(row, "label"), "kind": _text(row, "kindLabel"), "parties": [],
             "sources": []},
        )  # fmt: skip
        for key, name in (("parties", "party"), ("sources", "source")):
            values = found[key]
            assert isinstance(values, list)
            if name in row and row[name].value not in values:
                values.append(row[name].value)
    graph = nx.MultiGraph(name="SciCoop KG cooperation network")

    def add_actor(iri: str) -> None:
        if iri in graph:
            return
        row = actors.get(iri, {})
        label = row["label"].value if "label" in row else iri.rsplit("/", 1)[-1]
        attributes: dict[str, str | float] = {"label": label, "kind": _text(row, "kindLabel")}
        attributes.update(_figure_attributes(by_subject.get(iri, [])))
        graph.add_node(iri, **attributes)

    for iri, found in sorted(partnerships.items()):
        parties = sorted(found["parties"])  # type: ignore[call-overload]
        for party in parties:
            add_actor(party)
        about = [*by_subject.get(iri, []), *(f for p in parties for f in by_subject.get(p, []))]
        for one, other in combinations(parties, 2):
            graph.add_edge(
                one, other, key=iri, relation="partnership", partnership=iri,
                label=found["label"], kind=found["kind"],
                sources=" ".join(sorted(found["sources"])),  # type: ignore[call-overload]
                **_figure_attributes(about),
            )  # fmt: skip
    memberships: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in select(store, "network_memberships", base=base):
        pair = (row["member"].value, row["body"].value)
        memberships[pair].update([row["source"].value] if "source" in row else [])
    for (member, body), sources in sorted(memberships.items()):
        add_actor(member)
        add_actor(body)
        graph.add_edge(
            member, body, key=f"{member} memberOf {body}", relation="membership",
            partnership="", label="member of", kind="membership", sources=" ".join(sorted(sources)),
            **_figure_attributes(by_subject.get(body, [])),
        )  # fmt: skip
    return graph


def _csv(rows: Iterable[dict[str, object]], columns: tuple[str, ...]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def network_bytes(graph: nx.MultiGraph, name: str) -> bytes:
    """``graph`` as GraphML (``graphml``), GEXF 1.2 (``gexf``), or a zip of ``nodes.csv`` and
    ``edges.csv`` (``csv``). Raises KeyError for another name."""
    if name == "graphml":
        out = io.BytesIO()
        nx.write_graphml(graph, out, encoding="utf-8")
        return out.getvalue()
    if name == "gexf":
        out = io.BytesIO()
        nx.write_gexf(graph, out, encoding="utf-8", version="1.2draft")
        return out.getvalue()
    if name != "csv":
        raise KeyError(name)
    nodes = _csv(({"id": node, **data} for node, data in graph.nodes(data=True)), _NODE_COLUMNS)
    edges = _csv(
        ({"source": one, "target": other, **data} for one, other, data in graph.edges(data=True)),
        _EDGE_COLUMNS,
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("nodes.csv", nodes)
        archive.writestr("edges.csv", edges)
    return out.getvalue()


#: Nodes the home page draws at most: the best connected, so a large graph stays a picture.
PICTURE_NODES = 300


def cooperation_picture(
    store: Store, *, base: str = BASE, most: int = PICTURE_NODES
) -> dict[str, list[dict[str, str]]]:
    """The home page's network: partnerships, programmes and the actors they tie, as
    ``{"nodes": [{id, label, group}], "edges": [{source, target, label}]}`` (IRIs as ids);
    the ``most`` best connected nodes when there are more."""
    edges = [
        {"source": row["from"].value, "target": row["to"].value, "label": row["link"].value}
        for row in select(store, "cooperation_links", base=base)
    ]
    tied = {edge["source"] for edge in edges} | {edge["target"] for edge in edges}
    nodes: dict[str, dict[str, str]] = {}
    for row in select(store, "cooperation_nodes", base=base):
        iri = row["node"].value
        if iri in tied and iri not in nodes:
            label = row["label"].value if "label" in row else iri.rsplit("/", 1)[-1]
            nodes[iri] = {"id": iri, "label": label, "group": row["kind"].value}
    degree: dict[str, int] = defaultdict(int)
    for edge in edges:
        if edge["source"] in nodes and edge["target"] in nodes:
            degree[edge["source"]] += 1
            degree[edge["target"]] += 1
    drawn = sorted(degree, key=lambda iri: (-degree[iri], iri))[:most]
    shown = {iri: nodes[iri] for iri in sorted(drawn)}
    kept = [edge for edge in edges if edge["source"] in shown and edge["target"] in shown]
    return {"nodes": list(shown.values()), "edges": kept}


def country_marks(store: Store, *, base: str = BASE) -> list[dict[str, str | int]]:
    """Every country or region with its ISO 3166-1 numeric code, English label, IRI and how
    many things in the graph are tied to it."""
    marks: list[dict[str, str | int]] = []
    for row in select(store, "country_marks", base=base):
        label = row.get("label")
        marks.append(
            {
                "iri": row["country"].value,
                "code": row["numeric"].value,
                "label": label.value if isinstance(label, Literal) else row["numeric"].value,
                "value": int(row["ties"].value),
            }
        )
    return marks
