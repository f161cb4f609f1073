"""Fixtures shared by every test: settings over the shipped files or over a private copy, and
``listener`` (a loopback port that must never be contacted, see :mod:`tests.listening`)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from kg.settings import PROJECT_ROOT, Settings
from tests.listening import listener  # noqa: F401  (a fixture, offered to every test)


@pytest.fixture
def settings() -> Settings:
    """Settings over the repository's own ontology, shapes and data (read-only use)."""
    return Settings()


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A private copy of ontology/, shapes/, data/ and queries/ that a test may change freely."""
    for folder in ("ontology", "shapes", "data", "queries"):
        if (PROJECT_ROOT / folder).exists():
            shutil.copytree(PROJECT_ROOT / folder, tmp_path / folder)
    return tmp_path


@pytest.fixture
def copy_settings(project_copy: Path) -> Settings:
    """Settings over :func:`project_copy`."""
    return Settings(
        ontology_dir=project_copy / "ontology",
        shapes_dir=project_copy / "shapes",
        data_dir=project_copy / "data",
        queries_dir=project_copy / "queries",
    )


@pytest.fixture(scope="session")
def client() -> Iterator[TestClient]:
    """The app in process over the repository's graph, as production builds it: httpx through
    the ASGI app, the lifespan run and the graph loaded before the first request."""
    from api.app import create_app

    app = create_app(Settings(load_before_serving=True))
    with TestClient(app, base_url="http://testserver") as client:
        yield client
