"""The cost curve: time to the first answer, peak memory and each query's median against the
graph's size, for ours and the fastest peer (``oxigraph serve`` in memory).

    python bench/curve.py                       # 100k, 1M and 10M triples
    python bench/curve.py --sizes 100000        # a quick run
    python bench/curve.py --plot-only           # draw again from bench/curve.json

Each size is measured as bench/run.py measures it (no throughput, no restart), and beside it
pyoxigraph's own peak memory holding the same quads. Writes bench/curve.json (after each size, so
a long run keeps what it measured), the table bench/cost-curve.md and the figure
bench/cost-curve.png: log-log panels against the generated triples, ours solid and oxigraph
dashed. Needs the bench extra (``pip install -c constraints.txt -e '.[bench]'``) for matplotlib.
"""

from __future__ import annotations

import argparse
import math
import os
import shlex
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
# Siblings, not a package: bench/ is a folder of scripts.
from report import (  # noqa: E402
    REFERENCE,
    Measure,
    Result,
    Size,
    measures,
    read_json,
    show,
    write_json,
)
from run import QUERY_NAMES, Options, common_arguments, machine, run_size, workdir  # noqa: E402

SYSTEMS = ("ours", REFERENCE)
#: How each system is drawn: ours solid, the peer dashed.
LINES: dict[str, Any] = {"ours": "-", REFERENCE: "--"}
JSON, TABLE, FIGURE = HERE / "curve.json", HERE / "cost-curve.md", HERE / "cost-curve.png"


def _rows() -> list[Measure]:
    """What the curve follows: the time to the first answer, peak memory, each query's median."""
    kept = {"load": 0, "peak_mb": 1}
    chosen = [m for m in measures(QUERY_NAMES) if m.key in kept or m.key.startswith("median:")]
    return sorted(chosen, key=lambda m: kept.get(m.key, 2))


def _figure(size: Size, system: str, key: str) -> float | None:
    return size.results.get(system, Result()).figures.get(key)


def curve_table(sizes: list[Size], *, about: dict[str, object], figure: str) -> str:
    """Markdown: a row a measure, a column a size; ours beside oxigraph, with the ratio."""
    lines = [
        "# Cost curve",
        "",
        f"Command: `{about.get('command', '?')}` ({about.get('machine', '?')}). Ours is "
        f"`kg serve --workers 2` on the embedded store, the peer `oxigraph serve` in memory; "
        "each cell is ours, the peer, and ours divided by the peer.",
        "",
    ]
    if about.get("note"):
        lines += [f"**{about['note']}**", ""]
    lines += [
        f"![cost curve]({figure})",
        "",
        "| measure | " + " | ".join(f"{s.triples:,} triples" for s in sizes) + " |",
        "|---|" + "---|" * len(sizes),
        "| quads served | " + " | ".join(f"{s.quads:,}" for s in sizes) + " |",
    ]
    for measure in _rows():
        cells = []
        for size in sizes:
            ours, peer = (_figure(size, system, measure.key) for system in SYSTEMS)
            text = [show(v, measure) if v is not None else "—" for v in (ours, peer)]
            ratio = f" ({ours / peer:.2g}x)" if ours and peer else ""
            cells.append(f"{text[0]} / {text[1]}{ratio}")
        lines.append(f"| {measure.label}: ours / oxigraph | " + " | ".join(cells) + " |")
    lines.append(
        "| pyoxigraph alone holding the quads | "
        + " | ".join(f"{s.alone_mb:.1f} MB" if s.alone_mb else "—" for s in sizes)
        + " |"
    )
    return "\n".join(lines) + "\n"


def _short(triples: int) -> str:
    """``100k``, ``1M``, ``10M``: the sizes on the figure's axis."""
    for unit, scale in (("M", 1_000_000), ("k", 1_000)):
        if triples >= scale:
            return f"{triples / scale:g}{unit}"
    return str(triples)


def _minor(value: float, _: object) -> str:
    """A log axis's minor ticks, labelled at 2 and 5 only: the axes read without ``2x10^2``."""
    return f"{value:g}" if round(value / 10 ** math.floor(math.log10(value))) in (2, 5) else ""


def plot(sizes: list[Size], path: Path, *, about: dict[str, object]) -> None:
    """Log-log panels against the triples: time to the first answer, peak memory (with
    pyoxigraph alone), and every query's median; ours solid, oxigraph dashed."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    from matplotlib import pyplot
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FuncFormatter, NullFormatter

    x = [size.triples for size in sizes]

    def ys(system: str, key: str, scale: float = 1.0) -> list[float]:
        return [v * scale if (v := _figure(s, system, key)) else math.nan for s in sizes]

    figure = pyplot.figure(figsize=(11, 9), layout="constrained")
    grid = figure.add_gridspec(2, 2)
    load, memory = figure.add_subplot(grid[0, 0]), figure.add_subplot(grid[0, 1])
    queries = figure.add_subplot(grid[1, :])
    colours = {"ours": "tab:blue", REFERENCE: "tab:orange"}
    for system in SYSTEMS:
        for axes, key in ((load, "load"), (memory, "peak_mb")):
            axes.plot(
                x, ys(system, key), linestyle=LINES[system], marker="o", color=colours[system],
                label=system,
            )  # fmt: skip
    alone = [s.alone_mb or math.nan for s in sizes]
    memory.plot(x, alone, linestyle=":", marker=".", color="grey", label="pyoxigraph alone")
    for index, name in enumerate(QUERY_NAMES):
        for system in SYSTEMS:
            queries.plot(
                x, ys(system, f"median:{name}", 1000), linestyle=LINES[system], marker="o",
                markersize=3, color=f"C{index}",
            )  # fmt: skip
    load.set(title="start to first answer", ylabel="seconds")
    memory.set(title="peak memory (PSS of the process tree)", ylabel="MB")
    queries.set(title="each query's median", ylabel="milliseconds")
    for axes in (load, memory, queries):
        axes.set(xscale="log", yscale="log", xlabel="generated triples")
        axes.set_xticks(x, [_short(n) for n in x], minor=False)
        axes.xaxis.set_minor_formatter(NullFormatter())
        axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        axes.yaxis.set_minor_formatter(FuncFormatter(_minor))
        axes.grid(True, which="both", linewidth=0.3)
    load.legend()
    memory.legend()
    by_query = [Line2D([], [], color=f"C{i}", label=n) for i, n in enumerate(QUERY_NAMES)]
    by_system = [Line2D([], [], color="black", linestyle=LINES[s], label=s) for s in SYSTEMS]
    queries.legend(
        handles=by_query + by_system, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small"
    )
    title = "SciCoop KG: cost against graph size"
    if about.get("note"):
        title += f"\n{about['note']}"
    figure.suptitle(title)
    figure.savefig(path, dpi=100)
    pyplot.close(figure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000], metavar="TRIPLES"
    )
    common_arguments(parser)
    parser.add_argument("--plot-only", action="store_true", help=f"draw again from {JSON.name}")
    parser.add_argument("--json", type=Path, default=JSON)
    parser.add_argument("--table", type=Path, default=TABLE)
    parser.add_argument("--figure", type=Path, default=FIGURE)
    parser.add_argument("--note", help="a line for the table and the figure (a smoke run, say)")
    args = parser.parse_args()
    if args.plot_only:
        sizes, about = read_json(args.json)
        if args.note:
            about["note"] = args.note
    else:
        options = Options(
            repeats=args.repeats, cap=args.cap, load_limit=args.load_limit,
            workers=args.workers, seconds=0, restart=False,
        )  # fmt: skip
        about = {"command": shlex.join(["python", "bench/curve.py", *sys.argv[1:]])}
        about.update(machine=machine(), note=args.note or "")
        sizes = []
        with workdir(args) as work:
            for triples in sorted(args.sizes):
                sizes.append(run_size(triples, systems=list(SYSTEMS), options=options, work=work))
                write_json(sizes, args.json, **about)
    figure = os.path.relpath(args.figure, args.table.parent)
    args.table.write_text(curve_table(sizes, about=about, figure=figure), encoding="utf-8")
    plot(sizes, args.figure, about=about)
    print(args.table.read_text(encoding="utf-8"), flush=True)


if __name__ == "__main__":
    main()
