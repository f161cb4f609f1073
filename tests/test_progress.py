"""Progress of long work, as a user sees it: a bar on a terminal, a few log lines elsewhere, and
the real ``kg`` commands showing it on large input (the threshold lowered, so tests stay fast)."""

from __future__ import annotations

import io
import logging
import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import TextIO

import pytest

from kg.progress import progress, progress_when
from kg.settings import PROJECT_ROOT

KG = str(Path(sys.executable).with_name("kg"))


class Terminal(io.StringIO):
    """What a bar is drawn on: a stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def logged(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> pytest.LogCaptureFixture:
    """The ``kg.progress`` lines logged during the test (``logged.messages``)."""
    monkeypatch.delenv("KG_PROGRESS", raising=False)
    caplog.set_level(logging.INFO, logger="kg.progress")
    return caplog


def test_off_a_terminal_a_long_count_is_a_few_lines_ending_with_the_total(
    logged: pytest.LogCaptureFixture,
) -> None:
    stream = io.StringIO()
    with progress("loading", total=1_000_000, stream=stream) as advance:
        for _ in range(100_000):
            advance(10)
    assert 2 <= len(logged.messages) <= 12, logged.messages
    assert logged.messages[0] == "loading: 0B of 1.00MB (0%)"
    assert logged.messages[-2] == "loading: 1.00MB of 1.00MB (100%)"
    assert logged.messages[-1].startswith("loading: done, 1.00MB in ")
    assert logged.messages[-1].endswith(" s")
    assert "\r" not in stream.getvalue()


def test_counts_of_other_units_and_no_total(logged: pytest.LogCaptureFixture) -> None:
    with progress("checking", total=3, unit="check", stream=io.StringIO()) as advance:
        for _ in range(3):
            advance(1)
    with progress("reading", unit="file", stream=io.StringIO()) as advance:
        advance(1)
    assert logged.messages[:4] == [
        "checking: 0 of 3 checks (0%)",
        "checking: 1 of 3 checks (33%)",
        "checking: 2 of 3 checks (66%)",
        "checking: 3 of 3 checks (100%)",
    ]
    assert logged.messages[4].startswith("checking: done, 3 checks in ")
    assert logged.messages[5] == "reading: 0 files"
    assert logged.messages[6].startswith("reading: done, 1 file in ")


def test_work_that_fails_says_where_it_stopped(logged: pytest.LogCaptureFixture) -> None:
    with (
        pytest.raises(SyntaxError),
        progress("loading", total=2000, stream=io.StringIO()) as advance,
    ):
        advance(500)
        raise SyntaxError("bad data")
    assert logged.messages[-1].startswith("loading: stopped at 500B of 2.00kB (25%) after ")


def finish(stream: TextIO, total: int) -> None:
    """Count ``total`` bytes at once, shown on ``stream``."""
    with progress("loading", total=total, stream=stream) as advance:
        advance(total)


@pytest.mark.parametrize("term", ["xterm-256color", "dumb"])
def test_a_terminal_gets_tqdms_bar_unless_it_is_dumb(
    logged: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, term: str
) -> None:
    monkeypatch.setenv("TERM", term)
    terminal = Terminal()
    finish(terminal, 2_000_000)
    drawn = terminal.getvalue()
    if term == "dumb":  # it cannot redraw a line: the plain lines, through logging
        assert drawn == ""
        assert logged.messages[-1].startswith("loading: done, 2.00MB in ")
        return
    assert "\r" in drawn
    assert "loading: 100%|" in drawn
    assert "2.00M/2.00M" in drawn
    assert "\x1b[3" not in drawn  # never coloured: NO_COLOR holds without asking
    assert logged.messages == []


def test_a_terminal_nobody_sized_gets_lines(
    logged: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A pseudo-terminal of no width (as `script` makes one), where tqdm would draw nothing.
    monkeypatch.setenv("TERM", "xterm")
    main, side = pty.openpty()
    try:
        with open(side, "w", closefd=False) as stream:
            assert stream.isatty()
            finish(stream, 10)
    finally:
        os.close(main)
        os.close(side)
    assert logged.messages[-1].startswith("loading: done, 10B in ")


@pytest.mark.parametrize("terminal", [False, True], ids=["lines", "bar"])
def test_kg_progress_off_shows_nothing(
    logged: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, terminal: bool
) -> None:
    monkeypatch.setenv("KG_PROGRESS", "off")
    stream = Terminal() if terminal else io.StringIO()
    finish(stream, 10)
    assert (stream.getvalue(), logged.messages) == ("", [])


def test_small_work_shows_nothing(logged: pytest.LogCaptureFixture) -> None:
    with progress_when(False, "loading", total=10) as advance:
        advance(10)
    assert logged.messages == []


# -- the kg command, its standard error a pipe -----------------------------------------------


def kg(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
    return subprocess.run(
        [KG, *args],
        cwd=cwd,
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def progress_lines(stderr: str, description: str) -> list[str]:
    return [
        line.split(" INFO kg.progress ", 1)[1]
        for line in stderr.splitlines()
        if f" INFO kg.progress {description}: " in line
    ]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with the real ontology and shapes and one valid data file of about 40 kB."""
    for folder in ("ontology", "shapes"):
        (tmp_path / folder).symlink_to(PROJECT_ROOT / folder)
    (tmp_path / "data").mkdir()
    blocks = [
        f"id:measure-{n} a sc:Measure ;\n"
        f'    rdfs:label "Measure {n}"@en ;\n'
        f'    skos:definition "The number of things counted, case {n}."@en .\n'
        for n in range(250)
    ]
    (tmp_path / "data" / "measures.ttl").write_text(
        "@prefix id: <https://w3id.org/scicoop/id/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix sc: <https://w3id.org/scicoop/ontology#> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n\n" + "\n".join(blocks),
        encoding="utf-8",
    )
    return tmp_path


def test_kg_validate_of_large_input_logs_its_parsing_and_checks(project: Path) -> None:
    done = kg("validate", cwd=project, KG_PROGRESS_MIN_BYTES="10000")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 file, 250 nodes checked: 0 violations" in done.stdout
    parsing = progress_lines(done.stderr, "parsing")
    assert parsing[0].endswith(" (0%)") and parsing[-1].startswith("parsing: done, ")
    checking = progress_lines(done.stderr, "checking")
    assert checking[0] == "checking: 0 of 11 checks (0%)"
    assert checking[-1].startswith("checking: done, 11 checks in ")
    assert len(checking) <= 13
    assert "\r" not in done.stderr


def test_kg_validate_of_small_input_or_with_progress_off_is_quiet(project: Path) -> None:
    for env in ({}, {"KG_PROGRESS_MIN_BYTES": "10000", "KG_PROGRESS": "off"}):
        done = kg("validate", cwd=project, **env)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "kg.progress" not in done.stderr


def test_loading_large_data_logs_bytes_read_and_still_answers(project: Path) -> None:
    # The load of `kg serve --data` (kg.graph.files.load_into), here under `kg query`.
    data = project / "big.nt"
    data.write_text(
        "".join(f'<urn:x:{n}> <urn:x:p> "value {n}" .\n' for n in range(20_000)), encoding="utf-8"
    )
    done = kg(
        "query",
        "SELECT (COUNT(*) AS ?n) WHERE { ?s <urn:x:p> ?o }",
        "--format",
        "csv",
        cwd=project,
        KG_DATA_PATHS=str(data),
        KG_PROGRESS_MIN_BYTES="100000",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["n", "20000"]
    loading = progress_lines(done.stderr, "loading")
    assert loading[0].endswith(" (0%)")
    assert loading[-2].endswith(" (100%)")
    assert loading[-1].startswith("loading: done, ")
    assert 3 <= len(loading) <= 13


def test_a_syntax_error_in_large_data_keeps_its_location(project: Path) -> None:
    data = project / "broken.nt"
    good = "".join(f"<urn:x:{n}> <urn:x:p> <urn:x:o> .\n" for n in range(5000))
    data.write_text(good + "<urn:x:s> <urn:x:p> oops .\n", encoding="utf-8")
    done = kg("query", "ASK {}", cwd=project, KG_DATA_PATHS=str(data), KG_PROGRESS_MIN_BYTES="0")
    assert done.returncode == 2
    assert f"kg: {data}:5001:21: syntax error: " in done.stderr
    assert progress_lines(done.stderr, "loading")[-1].startswith("loading: stopped at ")
