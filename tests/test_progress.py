"""Progress of long work, as a user sees it: a bar on a terminal, a few log lines elsewhere."""

from __future__ import annotations

import io
import logging
import os
import pty
from typing import TextIO

import pytest

from kg.progress import progress, progress_when


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
