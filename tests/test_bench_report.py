"""The benchmark's report (bench/report.py), from fixed results: each figure's ratio to the fastest
peer of its row, failed and skipped systems named, and the targets of issue #13 marked against
``oxigraph serve`` in memory. How fast anything is belongs to bench/, never to a test."""

from __future__ import annotations

import doctest
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from kg.settings import PROJECT_ROOT

QUERIES = ["1-iri-lookup", "5-label-search"]


@pytest.fixture(scope="module")
def report() -> ModuleType:
    """bench/ is a folder of scripts, not a package: import report.py by its path."""
    spec = importlib.util.spec_from_file_location("bench_report", PROJECT_ROOT / "bench/report.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being made
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def size(report: ModuleType) -> object:
    """Ours slower than oxigraph in memory, which is slower than oxigraph on disk (so the
    fastest peer is not the targets' reference); rdflib-endpoint skipped."""
    result = report.Result
    return report.Size(
        triples=1_000_000,
        quads=1_750_000,
        alone_mb=1000.0,
        results={
            "ours": result(
                figures={"median:1-iri-lookup": 0.002, "median:5-label-search": 0.3,
                         "rps:repeated": 600.0, "rps:distinct": 250.0, "load": 30.0,
                         "restart": 1.5, "peak_mb": 1400.0},
                notes={"rps:distinct": "3 non-2xx"},
            ),
            "oxigraph-memory": result(
                figures={"median:1-iri-lookup": 0.001, "median:5-label-search": 0.4,
                         "rps:repeated": 2000.0, "rps:distinct": 1000.0, "load": 10.0,
                         "peak_mb": 1500.0},
            ),
            "oxigraph-disk": result(
                figures={"median:1-iri-lookup": 0.0008, "rps:repeated": 3000.0,
                         "rps:distinct": 500.0, "load": 12.0, "restart": 0.5, "peak_mb": 100.0},
                notes={"median:5-label-search": "> 60 s"},
            ),
            "rdflib-endpoint": result(notes={"*": "skipped above 100,000 triples"}),
        },
    )  # fmt: skip


def _row(text: str, label: str) -> str:
    (row,) = [line for line in text.splitlines() if line.startswith(f"| {label} |")]
    return row


def test_each_figure_shows_its_ratio_to_the_fastest_peer_of_its_row(
    report: ModuleType, size: object
) -> None:
    text = report.table(size, QUERIES)
    assert _row(text, "1-iri-lookup (median)") == (
        "| 1-iri-lookup (median) | 2 ms (2.5x) | 1 ms (1.2x) | 0.8 ms (1x) "
        "| skipped above 100,000 triples | oxigraph-disk |"
    )
    # Throughput: the highest is the fastest, and ours is a fraction of it.
    assert _row(text, "light query repeated, wrk 8 connections") == (
        "| light query repeated, wrk 8 connections | 600.0 req/s (0.2x) | 2000.0 req/s (0.67x) "
        "| 3000.0 req/s (1x) | skipped above 100,000 triples | oxigraph-disk |"
    )
    # Errors under load are kept beside the figure.
    assert "250.0 req/s (0.25x) [3 non-2xx]" in _row(
        text, "light query, distinct IRIs, wrk 8 connections"
    )
    assert _row(text, "peak memory vs pyoxigraph alone holding the quads (1000.0 MB)") == (
        "| peak memory vs pyoxigraph alone holding the quads (1000.0 MB) | 1400.0 MB (1.4x) "
        "| 1500.0 MB (1.5x) | 100.0 MB (0.1x) | skipped above 100,000 triples "
        "| pyoxigraph alone |"
    )


def test_a_peer_that_failed_a_query_says_why_and_is_not_the_reference(
    report: ModuleType, size: object
) -> None:
    row = _row(report.table(size, QUERIES), "5-label-search (median)")
    assert row == (
        "| 5-label-search (median) | 300.0 ms (0.75x) | 400.0 ms (1x) | > 60 s "
        "| skipped above 100,000 triples | oxigraph-memory |"
    )


def test_a_system_that_failed_says_failed_and_why_once(report: ModuleType) -> None:
    failed = report.Result(notes={"*": "failed: no answer within 1800 s (see ours-1000.log)"})
    size = report.Size(1000, 1200, {"ours": failed, "peer": report.Result({"load": 2.0})})
    text = report.table(size, QUERIES)
    assert (
        _row(text, "start to first answer")
        == "| start to first answer | failed | 2 s (1x) | peer |"
    )
    assert text.count("no answer within") == 1
    assert text.endswith("\n- ours: failed: no answer within 1800 s (see ours-1000.log)\n")


def test_targets_are_against_oxigraph_in_memory_and_marked(
    report: ModuleType, size: object
) -> None:
    text = report.targets_table(size, QUERIES)
    assert "Targets at 1,000,000 triples (checked here)" in text
    assert _row(text, "1-iri-lookup (median)").endswith("| 2x | ≤ 1.5x | **miss** |")
    assert _row(text, "5-label-search (median)").endswith("| 0.75x | ≤ 1.5x | pass |")
    assert _row(text, "light query repeated, wrk 8 connections").endswith(
        "| 0.3x | ≥ 0.3x | pass |"
    )
    assert _row(text, "light query, distinct IRIs, wrk 8 connections").endswith(
        "| 0.25x | ≥ 0.3x | **miss** |"
    )
    assert _row(text, "start to first answer").endswith("| 3x | ≤ 1.5x | **miss** |")
    assert _row(text, "peak memory vs pyoxigraph alone").endswith("| 1.4x | ≤ 1.5x | pass |")


def test_targets_elsewhere_are_indicative_and_missing_figures_not_judged(
    report: ModuleType,
) -> None:
    size = report.Size(100_000, 180_000, {"ours": report.Result({"load": 2.0})})
    text = report.targets_table(size, QUERIES)
    assert "(checked at 1,000,000; indicative here)" in text
    assert _row(text, "start to first answer").endswith("| — | ≤ 1.5x | not measured |")


def test_the_figures_read_back_from_json(report: ModuleType, size: object, tmp_path: Path) -> None:
    path = tmp_path / "curve.json"
    report.write_json([size], path, command="python bench/curve.py", note="")
    sizes, about = report.read_json(path)
    assert sizes == [size]
    assert about == {"command": "python bench/curve.py", "note": ""}


def test_the_examples_in_the_docstrings(report: ModuleType) -> None:
    failed, tried = doctest.testmod(report)
    assert tried and not failed
