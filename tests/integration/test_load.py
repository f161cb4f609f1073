"""The load test's short mode, as CI runs it: ``bench/load.py --short`` against a real
``kg serve --workers 2`` that the script starts, with zero 5xx and zero wrong answers.

And the script's own judgement: fed a wrong expectation, it must report a wrong answer and fail.
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from kg.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration

SCRIPT = PROJECT_ROOT / "bench" / "load.py"


def _load_module() -> ModuleType:
    """bench/ is a folder of scripts, not a package: import load.py by its path."""
    spec = importlib.util.spec_from_file_location("bench_load", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building
    spec.loader.exec_module(module)
    return module


def test_short_mode_has_no_server_error_and_no_wrong_answer(tmp_path: Path) -> None:
    report_path = tmp_path / "load.json"
    finished = subprocess.run(
        [sys.executable, str(SCRIPT), "--short", "--workers", "2", "--json", str(report_path),
         "--log", str(tmp_path / "kg-serve.log")],
        capture_output=True, text=True, timeout=240, cwd=PROJECT_ROOT,
    )  # fmt: skip
    server_log = (tmp_path / "kg-serve.log").read_text(errors="replace")
    assert finished.returncode == 0, f"{finished.stdout}\n{finished.stderr}\n{server_log[-3000:]}"
    report = json.loads(report_path.read_text())
    assert report["server_workers"] == 2
    assert report["outcomes"]["server_error"] == 0, finished.stdout
    assert report["outcomes"]["wrong_answer"] == 0, finished.stdout
    assert report["failures"] == 0, finished.stdout
    # Every kind of the mix ran and got its expected answer at least once, bad requests included.
    for name, kind in report["kinds"].items():
        assert kind["outcomes"]["ok"] > 0, f"{name}: {kind}"
    assert report["kinds"]["bad query 400"]["statuses"] == {
        "400": report["kinds"]["bad query 400"]["requests"]
    }
    assert set(report["kinds"]["unknown 404"]["statuses"]) == {"404"}
    assert set(report["kinds"]["bad accept 406"]["statuses"]) == {"406"}
    assert report["requests"] > 100, "the short mode sent too few requests to mean anything"
    # The table names every kind with its percentiles.
    assert "p95 ms" in finished.stdout and "sparql heavy path" in finished.stdout


def test_a_wrong_answer_is_caught_and_fails_the_run(real_url: str) -> None:
    """One claim too many in the expectations: the claims route now 'answers wrongly'."""
    load = _load_module()
    expected = load.expectations(
        data_dir=PROJECT_ROOT / "data", ontology_dir=PROJECT_ROOT / "ontology"
    )
    skewed = dataclasses.replace(expected, claims=expected.claims + 1)
    report = asyncio.run(load.run_load(real_url, expected=skewed, seconds=3, concurrency=4))
    kinds = report.as_dict()["kinds"]
    claims = kinds["api claims"]
    assert claims["requests"] > 0
    assert claims["outcomes"]["wrong_answer"] == claims["requests"]
    assert f"the data has {expected.claims + 1}" in claims["failure_examples"][0]
    assert report.failures == claims["requests"]
    # Everything else, judged against the true expectations, was right.
    assert all(k["outcomes"]["ok"] == k["requests"] for n, k in kinds.items() if n != "api claims")
