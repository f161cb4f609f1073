"""Seeded synthetic data in the SciCoop ontology, for the benchmark: ``python bench/generate.py``.

Actors, partnerships, programmes, outcomes and quantitative claims come in the proportions the
curated ``data/`` holds (counted from it at run time), shaped like the curated nodes: labels,
quotes, provenance, parties, kinds, dates, countries (the real ISO 3166-1 nodes of
``data/countries.ttl``). The text is synthetic and says so; nothing here is a fact.

    python bench/generate.py --triples 100000 --output bench/data/bench-100k.nt
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph

from kg.queries import load_query
from kg.settings import PROJECT_ROOT

__all__ = ["proportions", "node_counts", "generate", "write"]

SC = "https://w3id.org/scicoop/ontology#"
ID = "https://w3id.org/scicoop/id/bench-"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"
XSD = "http://www.w3.org/2001/XMLSchema#"

#: The node kinds generated, each standing for the curated classes it groups.
GROUPS = {
    "actor": (
        "Academy",
        "ActorGroup",
        "Alliance",
        "Centre",
        "InternationalOrganisation",
        "Person",
        "PoliticalBody",
        "ResearchInstitution",
        "University",
        "Enterprise",
        "GovernmentBody",
    ),
    "partnership": ("Partnership",),
    "programme": ("Programme", "ActionPlan", "Initiative", "Project"),
    "outcome": ("Outcome",),
    "claim": ("QuantitativeClaim",),
}
KINDS = (
    "ScienceAndTechnologyPartnership",
    "CooperationAgreement",
    "Membership",
    "JointResearch",
    "JointEffort",
)
QUALIFIERS = ("Exactly", "AtLeast", "MoreThan", "AtMost", "LessThan", "Approximately")
WORDS = (
    "Joint",
    "Institute",
    "Centre",
    "Network",
    "Laboratory",
    "Alliance",
    "Programme",
    "Ocean",
    "Climate",
    "Energy",
    "Health",
    "Space",
    "Data",
    "Materials",
    "Agriculture",
)


def proportions(data_dir: Path = PROJECT_ROOT / "data") -> dict[str, float]:
    """Share of each group among the curated nodes of ``data_dir`` (countries left out)."""
    store = pyoxigraph.Store()
    for path in sorted(data_dir.glob("*.ttl")):
        if path.name != "countries.ttl":
            store.load(path=path, format=pyoxigraph.RdfFormat.TURTLE)
    counts = {
        row["class"].value.removeprefix(SC): int(row["count"].value)  # type: ignore[index]
        for row in store.query(load_query("count_by_class"))  # type: ignore[union-attr]
    }
    totals = {group: sum(counts.get(c, 0) for c in classes) for group, classes in GROUPS.items()}
    grand = sum(totals.values())
    return {group: count / grand for group, count in totals.items()}


def _countries(data_dir: Path) -> list[str]:
    store = pyoxigraph.Store()
    store.load(path=data_dir / "countries.ttl", format=pyoxigraph.RdfFormat.TURTLE)
    rdf_type, country = pyoxigraph.NamedNode(RDF_TYPE), pyoxigraph.NamedNode(SC + "CountryOrRegion")
    return sorted(q.subject.value for q in store.quads_for_pattern(None, rdf_type, country, None))


def _iri(value: str) -> str:
    return f"<{value}>"


def _text(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"@en'


def _typed(value: str, datatype: str) -> str:
    return f'"{value}"^^<{XSD}{datatype}>'


def node_counts(triples: int, *, data_dir: Path = PROJECT_ROOT / "data") -> dict[str, int]:
    """How many nodes of each group :func:`generate` writes for about ``triples`` triples: the
    actors are ``bench-actor-0`` to ``bench-actor-{n - 1}``."""
    shares = proportions(data_dir)
    return {group: max(int(_nodes(triples) * share), 2) for group, share in shares.items()}


def _nodes(triples: int) -> int:
    per_node = 7.2  # triples per generated node, on average
    return max(int(triples / per_node), 20)


def generate(
    triples: int, *, seed: int = 42, data_dir: Path = PROJECT_ROOT / "data"
) -> Iterator[str]:
    """N-Triples lines, about ``triples`` of them, the same for the same seed."""
    rng = random.Random(seed)
    countries = _countries(data_dir)
    counts = node_counts(triples, data_dir=data_dir)
    sources = [f"{ID}source-{i}" for i in range(max(_nodes(triples) // 1000, 1))]
    actors = [f"{ID}actor-{i}" for i in range(counts["actor"])]
    programmes = [f"{ID}programme-{i}" for i in range(counts["programme"])]
    claimed = actors + programmes  # built once: a copy per claim grew with the size squared

    def common(node: str, cls: str, label: str) -> Iterator[str]:
        yield f"{_iri(node)} <{RDF_TYPE}> <{SC}{cls}> ."
        yield f"{_iri(node)} <{LABEL}> {_text(label)} ."
        yield f"{_iri(node)} <{DERIVED}> {_iri(rng.choice(sources))} ."
        yield f"{_iri(node)} <{SC}quote> {_text('Synthetic benchmark text about ' + label + '.')} ."

    def name() -> str:
        return " ".join(rng.sample(WORDS, 2))

    for i, source in enumerate(sources):
        yield from common(source, "Source", f"Synthetic source {i}")
    for i, actor in enumerate(actors):
        cls = rng.choice(GROUPS["actor"])
        yield from common(actor, cls, f"{name()} {cls} {i}")
        if cls != "Person":
            yield f"{_iri(actor)} <{SC}country> {_iri(rng.choice(countries))} ."
    for i, programme in enumerate(programmes):
        yield from common(programme, rng.choice(GROUPS["programme"]), f"{name()} programme {i}")
        yield f"{_iri(programme)} <{SC}launchedBy> {_iri(rng.choice(actors))} ."
        for actor in rng.sample(actors, 2):
            yield f"{_iri(programme)} <{SC}participant> {_iri(actor)} ."
        yield f"{_iri(programme)} <{SC}aim> {_text('To cooperate on ' + name().lower() + '.')} ."
    for i in range(counts["partnership"]):
        node = f"{ID}partnership-{i}"
        yield from common(node, "Partnership", f"Partnership {i}")
        for actor in rng.sample(actors, rng.choice((2, 2, 3))):
            yield f"{_iri(node)} <{SC}party> {_iri(actor)} ."
        yield f"{_iri(node)} <{SC}partnershipKind> <{SC}{rng.choice(KINDS)}> ."
        day = f"{rng.randint(1990, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        yield f"{_iri(node)} <{SC}startDate> {_typed(day, 'date')} ."
        if rng.random() < 0.5:
            yield f"{_iri(node)} <{SC}partOfProgramme> {_iri(rng.choice(programmes))} ."
    for i in range(counts["outcome"]):
        node = f"{ID}outcome-{i}"
        yield from common(node, "Outcome", f"{name()} outcome {i}")
        yield f"{_iri(node)} <{SC}producedBy> {_iri(rng.choice(actors))} ."
        yield f"{_iri(node)} <{SC}partOfProgramme> {_iri(rng.choice(programmes))} ."
    for i in range(counts["claim"]):
        node = f"{ID}claim-{i}"
        yield from common(node, "QuantitativeClaim", f"Claim {i}")
        yield f"{_iri(node)} <{SC}claimSubject> {_iri(rng.choice(claimed))} ."
        yield f"{_iri(node)} <{SC}measure> {_text('synthetic count of ' + name().lower())} ."
        yield f"{_iri(node)} <{SC}value> {_typed(str(rng.randint(1, 500)), 'decimal')} ."
        yield f"{_iri(node)} <{SC}qualifier> <{SC}{rng.choice(QUALIFIERS)}> ."
        yield f"{_iri(node)} <{SC}unit> <{SC}Count> ."
        yield f"{_iri(node)} <{SC}periodStart> {_typed(str(rng.randint(2000, 2020)), 'gYear')} ."


def write(triples: int, output: Path, *, seed: int = 42) -> int:
    """Write about ``triples`` triples to ``output`` (N-Triples); returns how many were written."""
    output.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with output.open("w", encoding="utf-8") as stream:
        for line in generate(triples, seed=seed):
            stream.write(line + "\n")
            written += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args()
    count = write(args.triples, args.output, seed=args.seed)
    print(f"{args.output}: {count} triples")


if __name__ == "__main__":
    main()
