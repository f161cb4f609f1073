"""HTTP details needing no live server: caching helpers, the cap on a streamed body, examples."""

from __future__ import annotations

import doctest
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

import api.caching
import api.examples
from api.caching import etag_for, matches_if_none_match
from api.examples import load_examples
from api.limits import BodyLimitMiddleware, BodyTooLarge

CASES = Path(__file__).parent / "cases" / "graph"


@pytest.mark.parametrize("module", [api.caching, api.examples])
def test_doctests(module: object) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)  # type: ignore[arg-type]
    assert result.attempted > 0
    assert result.failed == 0


def test_etag_changes_with_every_part_of_the_request() -> None:
    base = {"version": "v1", "query": "ASK {}", "media_type": "text/csv"}
    tags = {
        etag_for(**base),
        etag_for(**{**base, "version": "v2"}),
        etag_for(**{**base, "query": "ASK { }"}),
        etag_for(**{**base, "media_type": "text/tab-separated-values"}),
        etag_for(**base, default_graphs=["urn:g"]),
        etag_for(**base, named_graphs=["urn:g"]),
    }
    assert len(tags) == 6
    # A graph moved from the default to the named set is another request.
    assert etag_for(**base, default_graphs=["urn:g"]) != etag_for(**base, named_graphs=["urn:g"])


def test_if_none_match_accepts_lists_weak_tags_and_star() -> None:
    assert matches_if_none_match('"a", W/"b"', '"b"')
    assert matches_if_none_match("*", '"b"')
    assert not matches_if_none_match('"a"', '"b"')


def _echo_app(limit: int) -> Starlette:
    async def echo(request: Request) -> PlainTextResponse:
        return PlainTextResponse(str(len(await request.body())))

    async def too_large(request: Request, error: Exception) -> PlainTextResponse:
        return PlainTextResponse(str(error), status_code=413)

    app = Starlette(routes=[Route("/", echo, methods=["POST"])])
    app.add_exception_handler(BodyTooLarge, too_large)
    app.add_middleware(BodyLimitMiddleware, max_bytes=limit)
    return app


def _chunks(total: int, size: int = 1000) -> Iterator[bytes]:
    for start in range(0, total, size):
        yield b"x" * min(size, total - start)


def test_streamed_body_without_content_length_is_cut_at_the_limit() -> None:
    client = TestClient(_echo_app(5000))
    response = client.post("/", content=_chunks(8000))
    assert response.status_code == 413
    assert response.text == "request body exceeds the limit of 5000 bytes"
    assert client.post("/", content=_chunks(5000)).text == "5000"


def test_declared_content_length_over_the_limit_is_refused_before_reading() -> None:
    response = TestClient(_echo_app(5000)).post("/", content=b"x" * 5001)
    assert response.status_code == 413
    assert response.text == "request body exceeds the limit of 5000 bytes\n"


def test_examples_have_titles_and_descriptions() -> None:
    examples = load_examples(CASES / "queries")
    assert [(e.name, e.title) for e in examples] == [
        ("academies", "Academies"),
        ("actors", "Actors and their labels"),
    ]
    assert examples[1].description == (
        "Every actor with its English label, whatever kind of actor it is."
    )
    assert examples[0].text.startswith("# title: Academies\n")


def test_example_without_title_is_listed_by_name_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "untitled.rq").write_text("ASK {}\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="api.examples"):
        examples = load_examples(tmp_path)
    assert [(e.name, e.title, e.description) for e in examples] == [("untitled", "untitled", "")]
    assert f"{tmp_path / 'untitled.rq'}:1: example query has no '# title:' line" in caplog.text
