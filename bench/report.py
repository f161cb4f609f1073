"""What the benchmark found, as Markdown and JSON: every figure beside its ratio to the fastest
peer, and the targets of issue #13 marked pass or miss.

Systems named ``ours`` or ``ours: …`` are our endpoint; every other system is a peer. For each
row the fastest peer is the one with the lowest time or memory, or the highest throughput, and
every cell shows its value divided by that peer's: 2x is twice as slow (or as big), 0.5x half
the throughput.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = [
    "CHECKED_TRIPLES",
    "REFERENCE",
    "Measure",
    "Result",
    "Size",
    "Target",
    "measures",
    "read_json",
    "show",
    "table",
    "is_ours",
    "targets",
    "targets_table",
    "write_json",
]

#: The size at which the targets are checked.
CHECKED_TRIPLES = 1_000_000
#: The peer the targets are set against.
REFERENCE = "oxigraph-memory"
OURS = "ours"


@dataclass
class Result:
    """What one system measured at one size, by measure key (see :func:`measures`).

    A key missing from ``figures`` failed or was not measured; ``notes`` says why, by key, or
    for the whole system under ``"*"`` (skipped, not started).
    """

    figures: dict[str, float] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)

    def why(self, key: str) -> str:
        """What stands in a cell without a figure: the reason, or "failed" when the whole
        system failed (the table says why once, below it)."""
        if key in self.notes:
            return self.notes[key]
        whole = self.notes.get("*", "—")
        return "failed" if whole.startswith("failed") else whole


@dataclass
class Size:
    """One size's run: the generated triples, the quads every system serves, pyoxigraph's own
    peak memory holding them, and each system's result."""

    triples: int
    quads: int
    results: dict[str, Result]
    alone_mb: float | None = None


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    unit: str
    #: What the stored figure is multiplied by for display (seconds to ms).
    scale: float = 1.0
    higher_better: bool = False


BETTER = {"higher_better": True}


def measures(queries: list[str]) -> list[Measure]:
    """The table's rows: each query's median, then throughput, load, restart and memory."""
    return [
        *(Measure(f"median:{q}", f"{q} (median)", "ms", scale=1000) for q in queries),
        Measure("rps:repeated", "light query repeated, wrk 8 connections", "req/s", **BETTER),
        Measure("rps:distinct", "light query, distinct IRIs, wrk 8 connections", "req/s", **BETTER),
        Measure("load", "start to first answer", "s"),
        Measure("restart", "restart to first answer, unchanged data", "s"),
        Measure("peak_mb", "peak memory (PSS of the process tree)", "MB"),
    ]


def is_ours(system: str) -> bool:
    return system == OURS or system.startswith(OURS + ":")


def _number(value: float, unit: str) -> str:
    return f"{value:.1f} {unit}" if value >= 10 else f"{value:.3g} {unit}"


def show(value: float, measure: Measure) -> str:
    """``value``, as stored, in ``measure``'s unit: ``show(0.0021, median)`` is ``2.1 ms``."""
    return _number(value * measure.scale, measure.unit)


def _ratio(value: float, reference: float | None) -> str:
    return f" ({value / reference:.2g}x)" if reference else ""


def _fastest(size: Size, measure: Measure) -> tuple[str, float] | None:
    """The peer with the best figure for ``measure``, and the figure."""
    figures = [
        (figure, name)
        for name, result in size.results.items()
        if not is_ours(name) and (figure := result.figures.get(measure.key)) is not None
    ]
    if not figures:
        return None
    best = max(figures) if measure.higher_better else min(figures)
    return best[1], best[0]


def table(size: Size, queries: list[str]) -> str:
    """A Markdown table of ``size``: a row a measure, a column a system, and the fastest peer.

    >>> size = Size(10, 12, {"ours": Result({"load": 3.0}), "peer": Result({"load": 2.0})})
    >>> print(table(size, []).splitlines()[-3])
    | start to first answer | 3 s (1.5x) | 2 s (1x) | peer |
    """
    names = list(size.results)
    lines = [
        f"### {size.triples:,} generated triples "
        f"({size.quads:,} quads served: ontology, data, inferred)",
        "",
        "| measure | " + " | ".join(names) + " | fastest peer |",
        "|---|" + "---|" * (len(names) + 1),
    ]
    for measure in measures(queries):
        fastest = _fastest(size, measure)
        reference = fastest[1] if fastest else None
        cells = []
        for name in names:
            figure = size.results[name].figures.get(measure.key)
            if figure is None:
                cells.append(size.results[name].why(measure.key))
                continue
            cell = show(figure, measure) + _ratio(figure, reference)
            if note := size.results[name].notes.get(measure.key):
                cell += f" [{note}]"
            cells.append(cell)
        peer = fastest[0] if fastest else "no peer measured"
        lines.append(f"| {measure.label} | " + " | ".join(cells) + f" | {peer} |")
    if size.alone_mb:
        cells = [
            _number(figure, "MB") + _ratio(figure, size.alone_mb)
            if (figure := size.results[name].figures.get("peak_mb")) is not None
            else size.results[name].why("peak_mb")
            for name in names
        ]
        lines.append(
            f"| peak memory vs pyoxigraph alone holding the quads ({size.alone_mb:.1f} MB) | "
            + " | ".join(cells)
            + " | pyoxigraph alone |"
        )
    failures = [
        f"- {name}: {result.notes['*']}"
        for name, result in size.results.items()
        if result.notes.get("*", "").startswith("failed")
    ]
    if failures:
        lines += ["", *failures]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Target:
    """One target of issue #13: ours against ``against`` within ``limit`` (a ratio)."""

    label: str
    ours: float | None
    against: float | None
    limit: float
    unit: str
    scale: float = 1.0
    at_least: bool = False

    @property
    def ratio(self) -> float | None:
        return self.ours / self.against if self.ours and self.against else None

    @property
    def passed(self) -> bool | None:
        if self.ratio is None:
            return None
        return self.ratio >= self.limit if self.at_least else self.ratio <= self.limit


def targets(size: Size, queries: list[str]) -> list[Target]:
    """The targets: every query's median ≤1.5x, light-query throughput under wrk ≥0.3x
    (repeated and distinct), start to first answer ≤1.5x, all against ``oxigraph serve`` in
    memory; peak memory ≤1.5x pyoxigraph alone holding the same quads."""
    ours = size.results.get(OURS, Result()).figures
    peer = size.results.get(REFERENCE, Result()).figures
    found = []
    for measure in measures(queries):
        key = measure.key
        if key.startswith("median:") or key == "load":
            limit = 1.5
        elif key.startswith("rps:"):
            limit = 0.3
        else:
            continue
        found.append(
            Target(measure.label, ours.get(key), peer.get(key), limit, measure.unit,
                   measure.scale, at_least=measure.higher_better)
        )  # fmt: skip
    found.append(
        Target("peak memory vs pyoxigraph alone", ours.get("peak_mb"), size.alone_mb, 1.5, "MB")
    )
    return found


def targets_table(size: Size, queries: list[str]) -> str:
    """The targets as Markdown, headed by whether ``size`` is the size they are checked at.

    >>> size = Size(10, 12, {"ours": Result({"load": 3.0}), REFERENCE: Result({"load": 2.0})})
    >>> print(targets_table(size, []).splitlines()[-2])
    | start to first answer | 3 s | 2 s | 1.5x | ≤ 1.5x | pass |
    """
    checked = size.triples == CHECKED_TRIPLES
    where = "checked here" if checked else f"checked at {CHECKED_TRIPLES:,}; indicative here"
    lines = [
        f"Targets at {size.triples:,} triples ({where}): ours against {REFERENCE}, memory "
        "against pyoxigraph alone.",
        "",
        "| target | ours | against | ratio | limit | |",
        "|---|---|---|---|---|---|",
    ]
    for target in targets(size, queries):
        figures = [
            _number(v * target.scale, target.unit) if v is not None else "—"
            for v in (target.ours, target.against)
        ]
        # Three digits: a ratio of 1.51 against a limit of 1.5 must not read "1.5x, miss".
        ratio = f"{target.ratio:.3g}x" if target.ratio is not None else "—"
        limit = ("≥ " if target.at_least else "≤ ") + f"{target.limit:g}x"
        verdict = {True: "pass", False: "**miss**", None: "not measured"}[target.passed]
        lines.append(f"| {target.label} | {' | '.join(figures)} | {ratio} | {limit} | {verdict} |")
    return "\n".join(lines) + "\n"


def write_json(sizes: list[Size], path: Path, **about: object) -> None:
    """``sizes`` and what they were run with (``about``: the command, a note) as JSON."""
    document = {**about, "sizes": [asdict(size) for size in sizes]}
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def read_json(path: Path) -> tuple[list[Size], dict[str, object]]:
    """What :func:`write_json` wrote: the sizes, and the rest of the document."""
    document = json.loads(path.read_text(encoding="utf-8"))
    sizes = [
        Size(
            triples=item["triples"],
            quads=item["quads"],
            alone_mb=item.get("alone_mb"),
            results={name: Result(**result) for name, result in item["results"].items()},
        )
        for item in document.pop("sizes")
    ]
    return sizes, document
