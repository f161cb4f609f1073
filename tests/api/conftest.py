"""The app in process, over the repository's graph, as production builds it (``create_app``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from kg.settings import Settings


@pytest.fixture(scope="session")
def client() -> Iterator[TestClient]:
    """httpx through the ASGI app (lifespan run, graph loaded before the first request)."""
    app = create_app(Settings(load_before_serving=True))
    with TestClient(app, base_url="http://testserver") as client:
        yield client
