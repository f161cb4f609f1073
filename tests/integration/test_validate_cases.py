"""Every validation case of ``tests/cases/validation/``, sent to ``POST /validate`` on a live
uvicorn: the report holds what the case announces, at the same lines as ``kg validate`` gives.

The server runs over the repository's own ontology, shapes and data (it only reads them).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kg.settings import PROJECT_ROOT
from tests.contrib.expectations import CASES, assert_reported, expectations

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def url(start_server: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folders = {
        f"KG_{name.upper()}_DIR": str(PROJECT_ROOT / name)
        for name in ("ontology", "shapes", "data")
    }
    with start_server(  # type: ignore[operator]
        tmp_path_factory.mktemp("validate-cases"), wait_for="/health", **folders
    ) as running:
        yield running.url


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_case_is_reported_over_http_as_on_the_command_line(url: str, case: Path) -> None:
    answer = httpx.post(
        url + "/validate",
        content=case.read_bytes(),
        headers={"Content-Type": "text/turtle", "Accept": "application/json"},
        timeout=120,
    )
    syntax = [e for e in expectations(case) if e.fragment == "syntax error"]
    if syntax:  # a body that does not parse is refused with its position, not reported on
        assert answer.status_code == 400
        assert (answer.json()["line"], answer.json()["column"]) == (
            syntax[0].line,
            syntax[0].column,
        )
        return
    assert answer.status_code == 200, answer.text
    assert_reported(case, answer.json(), file="contribution.ttl")
