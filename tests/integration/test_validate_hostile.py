"""``POST /validate`` on a live uvicorn, fed hostile bodies: each gets a clear answer.

Every answer must name what is wrong and what to do (within the client's timeout), and leave
the server serving (``/health`` 200) with its peak memory under :data:`PEAK_RSS_BYTES`. A local
listener stands in for any server a body names; it must never be contacted.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kg.graph.parsing import MAX_NESTING
from kg.settings import PROJECT_ROOT
from tests.listening import Listener

pytestmark = pytest.mark.integration

CASES = PROJECT_ROOT / "tests" / "cases" / "hostile"
PREFIX = "@prefix : <urn:example:> .\n"
#: The server's peak resident memory after all of this (the billion laughs alone is 5.8 GB).
PEAK_RSS_BYTES = 1 << 30
#: Big enough for a 20 MB literal to reach the parser; a 50 MB body is still refused.
BODY_LIMIT = 32 * 1024 * 1024
#: Seconds a validation may run (the flat chain test waits for it).
DEADLINE = 3
NESTING_MESSAGE = (
    f"syntax error: nested more than {MAX_NESTING} levels deep; give inner nodes their own IRI "
    "or blank node label (_:b1) instead of nesting them"
)


@pytest.fixture(scope="module")
def hostile_server(
    start_server: object, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[object]:
    limits = {"KG_MAX_BODY_BYTES": str(BODY_LIMIT), "KG_QUERY_TIMEOUT": str(DEADLINE)}
    with start_server(  # type: ignore[operator]
        tmp_path_factory.mktemp("validate-hostile"), wait_for="/health", **limits
    ) as running:
        yield running


def peak_rss(pid: int) -> int:
    """The process's peak resident memory in bytes (``VmHWM``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmHWM for process {pid}")


def post(server: object, body: str | bytes, content_type: str, **headers: str) -> httpx.Response:
    """POST ``body``; check the answer came in time and the server is alive and not bloated."""
    url = server.url  # type: ignore[attr-defined]
    answer = httpx.post(
        url + "/validate",
        content=body,
        headers={"Content-Type": content_type, **headers},
        timeout=60,
    )
    assert httpx.get(url + "/health", timeout=10).status_code == 200
    process = server.process  # type: ignore[attr-defined]
    assert process.poll() is None, server.log()  # type: ignore[attr-defined]
    assert peak_rss(process.pid) < PEAK_RSS_BYTES
    return answer


def nested(opening: str, closing: str, depth: int) -> str:
    return PREFIX + ":s :p " + opening * depth + ":o" + closing * depth + " .\n"


def test_xml_bodies_never_reach_an_xml_parser(
    hostile_server: object, listener: Listener, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-7f3a", encoding="utf-8")
    entities = (CASES / "external_entities.rdf").read_text(encoding="utf-8")
    entities = entities.replace("@SECRET@", secret.as_uri()).replace("@LISTENER@", listener.url)
    laughs = (CASES / "billion_laughs.rdf").read_text(encoding="utf-8")
    for body in (entities, laughs):
        for media_type in ("application/rdf+xml", "application/xml", "text/xml"):
            refused = post(hostile_server, body, media_type)
            assert refused.status_code == 415
            assert refused.text == (
                f"cannot validate a {media_type} body; send text/turtle or application/ld+json "
                "(or the form of GET /validate as application/x-www-form-urlencoded)\n"
            )
        # Sent as Turtle, it is simply not Turtle.
        as_turtle = post(hostile_server, body, "text/turtle", Accept="application/json").json()
        assert (as_turtle["status"], as_turtle["line"]) == (400, 1)
        assert as_turtle["message"].startswith("syntax error: ")
        assert "TOP-SECRET" not in json.dumps(as_turtle)
    time.sleep(0.3)
    assert listener.connections == []


@pytest.mark.parametrize("scheme", ["http", "file"])
def test_remote_context_is_named_and_never_fetched(
    hostile_server: object, listener: Listener, tmp_path: Path, scheme: str
) -> None:
    secret = tmp_path / "context.jsonld"
    secret.write_text('{"@context": {"TOP-SECRET-7f3a": "urn:x:"}}', encoding="utf-8")
    iri = listener.url + "/context.jsonld" if scheme == "http" else secret.as_uri()
    body = json.dumps({"@context": [{"sc": "urn:sc:"}, iri], "@id": "urn:x"}, indent=1)
    answer = post(hostile_server, body, "application/ld+json", Accept="application/json")
    assert answer.json() == {
        "status": 400,
        "message": f"syntax error: remote @context <{iri}> is not fetched; put the context "
        "inline in the document",
        "line": 6,
        "column": 3,
    }
    time.sleep(0.3)
    assert listener.connections == []


@pytest.mark.parametrize("depth", [1_000, 100_000])
@pytest.mark.parametrize(
    ("opening", "closing", "column"),
    [("[ :p ", " ]", 6 + 5 * MAX_NESTING + 1), ("( ", " )", 6 + 2 * MAX_NESTING + 1)],
    ids=["blank nodes", "collections"],
)
def test_deep_turtle_is_400_with_its_position(
    hostile_server: object, depth: int, opening: str, closing: str, column: int
) -> None:
    answer = post(hostile_server, nested(opening, closing, depth), "text/turtle")
    assert answer.status_code == 400
    assert answer.text == f"line 2, column {column}: {NESTING_MESSAGE}\n"


@pytest.mark.parametrize(
    ("body", "column"),
    [
        ('{"@id": "urn:s", "urn:p": ' + '{"urn:p": ' * 1_000 + "{}" + "}" * 1_001, 27 + 630),
        ('{"@id": "urn:s", "urn:p": ' + "[" * 100_000 + '"x"' + "]" * 100_000 + "}", 27 + 63),
    ],
    ids=["objects 1,000 deep", "arrays 100,000 deep"],
)
def test_deep_json_ld_is_400_with_its_position(
    hostile_server: object, body: str, column: int
) -> None:
    answer = post(hostile_server, body, "application/ld+json", Accept="application/json")
    assert answer.json() == {"status": 400, "message": NESTING_MESSAGE, "line": 1, "column": column}


def test_deep_turtle_in_the_form_is_shown_on_the_page(hostile_server: object) -> None:
    url = hostile_server.url  # type: ignore[attr-defined]
    data = nested("[ :p ", " ]", 100_000)
    page = httpx.post(url + "/validate", data={"data": data, "syntax": "turtle"}, timeout=60)
    assert page.status_code == 400
    assert '<section id="error"' in page.text
    assert f"line 2, column {6 + 5 * MAX_NESTING + 1}: {NESTING_MESSAGE}" in page.text


def test_enormous_literals_are_refused(hostile_server: object) -> None:
    over_buffer = PREFIX + ':s :p "' + "a" * 20_000_000 + '" .\n'
    answer = post(hostile_server, over_buffer, "text/turtle", Accept="application/json")
    assert answer.json() == {
        "status": 400,
        "message": "syntax error: a literal or IRI is longer than 16 MiB; link to large "
        "content instead of including it",
        "line": 2,
    }
    as_text = post(hostile_server, over_buffer, "text/turtle", Accept="text/plain")
    assert as_text.text.startswith("line 2: syntax error: a literal or IRI is longer than 16 MiB")
    over_body_limit = PREFIX + ':s :p "' + "a" * 50_000_000 + '" .\n'
    too_big = post(hostile_server, over_body_limit, "text/turtle")
    assert too_big.status_code == 413
    assert too_big.text == f"request body exceeds the limit of {BODY_LIMIT} bytes\n"


def test_a_long_flat_chain_of_blank_nodes_ends_at_the_deadline(hostile_server: object) -> None:
    # No nesting in the text, so nothing to refuse while parsing; the validation deadline holds.
    links = "".join(f"_:b{i} <urn:example:p> _:b{i + 1} .\n" for i in range(30_000))
    answer = post(hostile_server, "<urn:example:s> <urn:example:p> _:b0 .\n" + links, "text/turtle")
    assert answer.status_code == 503
    assert answer.text == (
        f"validation did not finish within {DEADLINE} s; send a smaller contribution, or run "
        "`kg validate` locally\n"
    )
