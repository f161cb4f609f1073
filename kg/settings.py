"""One typed settings object, built once at the entry point from ``KG_*`` variables and flags."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "PROJECT_ROOT"]

#: The checkout this package was installed from; the default place of ontology, shapes and data.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """What the library and the service need to know; nothing else reads the environment."""

    model_config = SettingsConfigDict(env_prefix="KG_", frozen=True, extra="forbid")

    base_iri: str = "https://w3id.org/scicoop/"
    ontology_dir: Path = PROJECT_ROOT / "ontology"
    shapes_dir: Path = PROJECT_ROOT / "shapes"
    data_dir: Path = PROJECT_ROOT / "data"
    queries_dir: Path = PROJECT_ROOT / "queries"
    #: The store backend; the embedded Oxigraph store is the one this version ships.
    store: Literal["oxigraph"] = "oxigraph"
    store_path: Path | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    query_timeout: float = Field(default=30.0, gt=0, le=3600)
    result_limit: int = Field(default=100_000, ge=1)
    query_workers: int = Field(default=2, ge=1, le=64)
    #: Address-space cap of one query worker: a runaway query dies there, not the server.
    query_memory_bytes: int = Field(default=2 * 1024**3, ge=800 * 1024**2)
    #: Queries waiting for a worker beyond this many are answered 503 with Retry-After.
    query_queue: int = Field(default=32, ge=0)
    max_body_bytes: int = Field(default=1_000_000, ge=1024)

    @field_validator("base_iri")
    @classmethod
    def _base_iri_ends_with_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")) or not value.endswith("/"):
            raise ValueError("KG_BASE_IRI must be an http(s) IRI ending in '/'")
        return value

    @property
    def ontology_iri(self) -> str:
        return self.base_iri + "ontology#"

    @property
    def id_base(self) -> str:
        return self.base_iri + "id/"

    @property
    def graph_base(self) -> str:
        return self.base_iri + "graph/"
