"""``POST /validate`` under load, on a live uvicorn: a bounded number at once, the rest refused at
once with Retry-After, queries answered meanwhile, a deadline that holds, and a log that a client
cannot flood.

One validation worker and no waiting line (``KG_VALIDATE_WORKERS=1``, ``KG_VALIDATE_QUEUE=0``),
so a second validation while one runs is refused.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

import httpx
import pytest

pytestmark = pytest.mark.integration

DEADLINE = 5
SMALL = (
    "@prefix id: <https://w3id.org/scicoop/id/> .\n"
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    "@prefix sc: <https://w3id.org/scicoop/ontology#> .\n\n"
    'id:test-small-academy a sc:Academy ;\n    rdfs:label "Test small academy"@en .\n'
)
#: No nesting to refuse while parsing, and far more work than one deadline allows.
CHAIN = "<urn:example:s> <urn:example:p> _:b0 .\n" + "".join(
    f"_:b{i} <urn:example:p> _:b{i + 1} .\n" for i in range(30_000)
)
#: Most lines a validation request may add to the server's log (uvicorn's access line, ours).
LOG_LINES_PER_REQUEST = 2


@pytest.fixture(scope="module")
def server(start_server: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    limits = {
        "KG_VALIDATE_WORKERS": "1",
        "KG_VALIDATE_QUEUE": "0",
        "KG_QUERY_TIMEOUT": str(DEADLINE),
        "KG_MAX_BODY_BYTES": str(4 * 1024 * 1024),
    }
    with start_server(  # type: ignore[operator]
        tmp_path_factory.mktemp("validate-admission"), **limits
    ) as running:
        # The first validation waits for the worker to load the graph; later ones do not.
        assert validate(running, SMALL).status_code == 200
        yield running


def validate(server: object, body: str, content_type: str = "text/turtle") -> httpx.Response:
    return httpx.post(
        server.url + "/validate",  # type: ignore[attr-defined]
        content=body,
        headers={"Content-Type": content_type},
        timeout=120,
    )


def test_a_validation_past_the_limits_is_refused_at_once_and_queries_still_answer(
    server: object,
) -> None:
    # Two validations that each need more than a deadline, sent together: one holds the only
    # worker until its deadline, the other is refused as soon as it arrives.
    answers: queue.Queue[httpx.Response] = queue.Queue()
    senders = [
        threading.Thread(target=lambda: answers.put(validate(server, CHAIN))) for _ in range(2)
    ]
    for sender in senders:
        sender.start()
    try:
        busy = answers.get(timeout=120)
        assert busy.status_code == 503
        assert busy.headers["Retry-After"] == "5"
        assert busy.text == (
            "the validator is busy: 0 validations are already waiting; retry in a few seconds, "
            "or run `kg validate` locally\n"
        )
        # The other validation is running now; a query is answered all the same.
        query = httpx.get(
            server.url + "/sparql",  # type: ignore[attr-defined]
            params={"query": "ASK { ?s ?p ?o }"},
            headers={"Accept": "application/sparql-results+json"},
            timeout=30,
        )
        assert (query.status_code, query.json()["boolean"]) == (200, True)
    finally:
        for sender in senders:
            sender.join()
    stopped = answers.get(timeout=1)
    assert stopped.status_code == 503
    assert "Retry-After" not in stopped.headers
    assert stopped.text == (
        f"validation did not finish within {DEADLINE} s; send a smaller contribution, or run "
        "`kg validate` locally\n"
    )
    # The stopped worker was replaced.
    assert validate(server, SMALL).status_code == 200
    log = server.log()  # type: ignore[attr-defined]
    assert "validate client=127.0.0.1 status=503: the validator is busy" in log
    assert "validate client=127.0.0.1 status=503: validation did not finish" in log


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (
            "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
            + "".join(
                f'<urn:x:s> <urn:x:p{i}> "not a number {i}"^^xsd:integer .\n' for i in range(300)
            ),
            200,
        ),
        ("<urn:x:s> <urn:x:p> .\n" * 300, 400),
    ],
    ids=["300 ill-typed literals", "a syntax error"],
)
def test_a_hostile_body_cannot_grow_the_log(server: object, body: str, status: int) -> None:
    before = server.log().splitlines()  # type: ignore[attr-defined]
    assert validate(server, body).status_code == status
    assert validate(server, SMALL).status_code == 200  # the log is written by now
    added = server.log().splitlines()[len(before) :]  # type: ignore[attr-defined]
    assert len(added) <= 2 * LOG_LINES_PER_REQUEST, "\n".join(added)
    assert not any("Traceback" in line for line in added), "\n".join(added)
    if status == 400:
        assert any(
            "validate client=127.0.0.1 status=400 line 1: syntax error" in line for line in added
        )
