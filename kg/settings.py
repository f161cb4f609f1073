"""One typed settings object, built once at the entry point from ``KG_*`` variables and flags."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import unquote, urlsplit, urlunsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from kg.namespaces import BASE

__all__ = ["Settings", "PROJECT_ROOT", "STORE_CHOICES", "find_project", "without_userinfo"]

#: The checkout this package was installed from: the project when none is found from the
#: working directory (``kg serve --data`` run elsewhere still has the ontology).
PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: What makes a folder a SciCoop KG project: these subfolders.
PROJECT_MARKERS = ("ontology", "shapes")
#: The folders a project holds, as settings named ``{folder}_dir``.
PROJECT_FOLDERS = ("ontology", "shapes", "data", "queries")


def find_project(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding ``ontology/`` and ``shapes/``, as git
    finds its work tree; None when there is none."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if all((folder / marker).is_dir() for marker in PROJECT_MARKERS):
            return folder
    return None


def without_userinfo(url: str) -> str:
    """``url`` without the ``user:password@`` part, for anything shown or logged.

    >>> without_userinfo("sparql+http://dba:s3cret@127.0.0.1:8890/sparql")
    'sparql+http://127.0.0.1:8890/sparql'
    """
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


#: What ``KG_STORE`` may say, for messages and ``--help``.
STORE_CHOICES = "oxigraph, memory, or sparql+http(s)://host:port/path (a SPARQL 1.1 endpoint)"


class Settings(BaseSettings):
    """What the library and the service need to know; nothing else reads the environment (but
    :mod:`kg.progress`, for the terminal's conventions: ``KG_PROGRESS``, ``TERM``)."""

    model_config = SettingsConfigDict(env_prefix="KG_", frozen=True, extra="forbid")

    base_iri: str = BASE
    #: The project whose folders are used: by default the nearest one at or above the working
    #: directory (a contributor's clone, wherever ``kg`` was installed from).
    project_dir: Path | None = None
    ontology_dir: Path = PROJECT_ROOT / "ontology"
    shapes_dir: Path = PROJECT_ROOT / "shapes"
    data_dir: Path = PROJECT_ROOT / "data"
    queries_dir: Path = PROJECT_ROOT / "queries"
    #: The store backend: ``oxigraph`` (embedded), ``memory`` (rdflib) or a remote SPARQL endpoint.
    store: str = "oxigraph"
    #: Where the embedded Oxigraph store lives on disk (reopened when the data is unchanged).
    store_path: Path | None = None
    #: RDF files or folders served instead of ``data_dir`` (the ontology is always loaded);
    #: ``KG_DATA_PATHS`` separates them with ``os.pathsep``.
    data_paths: Annotated[tuple[Path, ...] | None, NoDecode] = None
    #: The Graph Store Protocol endpoint ``kg push`` writes to; by default the remote store's
    #: query URL with its last path segment replaced by ``store`` (Oxigraph server's layout).
    graph_store_url: str | None = None
    # --- A remote store's credentials and limits (KG_STORE=sparql+http…) -------------------------
    #: Who ``kg push`` and the service are to the remote store; the user info of ``KG_STORE`` or
    #: ``KG_GRAPH_STORE_URL`` (``http://user:password@host/…``) is moved here, so no URL kept in
    #: the settings holds a password. The password is a ``SecretStr``: never shown, never logged.
    store_user: str | None = None
    store_password: SecretStr | None = None
    #: HTTP authentication: ``auto`` answers the server's challenge (digest for Virtuoso, basic
    #: for Fuseki or GraphDB); ``basic`` sends the credentials with every request unasked;
    #: ``bearer`` sends ``KG_STORE_PASSWORD`` as a bearer token (QLever's access token).
    store_auth: Literal["auto", "basic", "digest", "bearer"] = "auto"
    #: Versions of the graph ``kg push`` keeps on the server: the one it publishes and the ones
    #: before it, so a server still reading the previous version keeps answering until reloaded.
    store_keep_versions: int = Field(default=2, ge=1, le=100)
    #: Triples per request when ``kg push`` sends a graph (the first PUT, the rest POSTed).
    store_push_batch: int = Field(default=250_000, ge=1000)
    # ---------------------------------------------------------------------------------------------
    #: Work on at least this many bytes (files loaded or validated, triples pushed) shows its
    #: progress (:mod:`kg.progress`); below it, nothing, so the curated data loads quietly.
    #: ``KG_PROGRESS=off``, read by :mod:`kg.progress` itself, silences it whatever the size.
    progress_min_bytes: int = Field(default=50 * 1000**2, ge=0)
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
    #: How many query workers (per server process) may run heavy queries (:mod:`kg.query.cost`);
    #: by default all but one, so light queries always find a worker that no heavy one holds.
    heavy_queries: int | None = Field(default=None, ge=1, le=64)
    #: Heavy queries that may wait for the heavy lane (each one deadline at most); past this
    #: many they are answered 503 with Retry-After.
    heavy_queue: int = Field(default=4, ge=0, le=1024)
    #: Seconds after which a query that looked light is remembered as heavy.
    light_budget: float = Field(default=1.0, gt=0, le=3600)
    #: CPU niceness of the heavy lane's workers (0: the server's priority). When heavy queries
    #: fill the cores, nice 10 kept light queries quicker (measured on 2 cores: median of 7 runs'
    #: light p95 40 ms at nice 0, 19 ms at nice 10; p50 8.8 -> 3.1 ms).
    heavy_nice: int = Field(default=10, ge=0, le=19)
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    # -- POST /validate (kg.contrib.pool): worker processes that keep the graph loaded ------------
    #: Validations that run at once in each server process, each in a worker process that keeps
    #: the graph loaded; ``KG_QUERY_TIMEOUT`` is each one's deadline, at which its worker is
    #: killed and replaced.
    validate_workers: int = Field(default=1, ge=1, le=16)
    #: Validations that may wait for a worker (one deadline at most); past this many they are
    #: answered 503 with Retry-After.
    validate_queue: int = Field(default=4, ge=0, le=1024)
    #: CPU niceness of the validation workers, so queries keep their share of the cores.
    validate_nice: int = Field(default=10, ge=0, le=19)
    #: Load the graph before accepting any request; a worker that cannot load it exits (status
    #: 75). ``kg serve`` sets it for every worker started after the first ones (on SIGHUP, or to
    #: replace one that died), so a reload never serves a half-loaded graph and a broken one
    #: leaves the old workers serving.
    load_before_serving: bool = False
    #: A folder shared by the processes of one ``kg serve``: the store when ``KG_STORE_PATH`` is
    #: unset, and the outcome of the last reload, which ``/ready`` reports. A process given one
    #: stops when the process that started it dies.
    run_dir: Path | None = None

    @model_validator(mode="before")
    @classmethod
    def _folders_of_the_project(cls, data: object) -> object:
        """Unset folders are the project's: ``project_dir``, else the one found from the
        working directory, else this package's checkout."""
        if not isinstance(data, dict):
            return data
        given = data.get("project_dir")
        root = Path(given) if given else find_project(Path.cwd()) or PROJECT_ROOT
        data.setdefault("project_dir", root)
        for folder in PROJECT_FOLDERS:
            data.setdefault(f"{folder}_dir", root / folder)
        return data

    @model_validator(mode="before")
    @classmethod
    def _credentials_out_of_urls(cls, data: object) -> object:
        """``user:password@`` in ``KG_STORE`` or ``KG_GRAPH_STORE_URL`` becomes ``store_user`` and
        ``store_password`` (unless set on their own), and leaves the URL."""
        if not isinstance(data, dict):
            return data
        for key in ("store", "graph_store_url"):
            url = data.get(key)
            if not isinstance(url, str) or "@" not in urlsplit(url).netloc:
                continue
            userinfo = urlsplit(url).netloc.rsplit("@", 1)[0]
            user, _, password = userinfo.partition(":")
            data[key] = without_userinfo(url)
            if user and not data.get("store_user"):
                data["store_user"] = unquote(user)
            if password and not data.get("store_password"):
                data["store_password"] = unquote(password)
        return data

    @model_validator(mode="after")
    def _heavy_lane_fits(self) -> Settings:
        if self.heavy_queries is not None and self.heavy_queries > self.query_workers:
            raise ValueError(
                f"KG_HEAVY_QUERIES ({self.heavy_queries}) must not exceed "
                f"KG_QUERY_WORKERS ({self.query_workers})"
            )
        return self

    @property
    def heavy_workers(self) -> int:
        """Query workers of the heavy lane: ``heavy_queries``, else all but one (at least 1)."""
        return self.heavy_queries or max(1, self.query_workers - 1)

    @field_validator("base_iri")
    @classmethod
    def _base_iri_ends_with_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")) or not value.endswith("/"):
            raise ValueError("KG_BASE_IRI must be an http(s) IRI ending in '/'")
        return value

    @field_validator("store")
    @classmethod
    def _store_is_known(cls, value: str) -> str:
        if value in ("oxigraph", "memory"):
            return value
        if value.startswith(("sparql+http://", "sparql+https://")):
            rest = value.split("://", 1)[1]
            if rest and not rest.startswith("/"):
                return value
        raise ValueError(f"KG_STORE must be one of {STORE_CHOICES}; got {value!r}")

    @field_validator("data_paths", mode="before")
    @classmethod
    def _split_paths(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(Path(part) for part in value.split(os.pathsep) if part) or None
        return value

    @property
    def store_kind(self) -> str:
        """``oxigraph``, ``memory`` or ``remote``."""
        return "remote" if self.store.startswith("sparql+") else self.store

    @property
    def remote_endpoint(self) -> str | None:
        """The remote store's query URL (``KG_STORE`` without ``sparql+``), if it is remote."""
        return self.store.removeprefix("sparql+") if self.store_kind == "remote" else None

    @property
    def store_credentials(self) -> tuple[str, str] | None:
        """(user, password) for the remote store, if a user is given."""
        if self.store_user is None:
            return None
        password = self.store_password.get_secret_value() if self.store_password else ""
        return self.store_user, password

    @property
    def metrics_dir(self) -> Path | None:
        """Where the processes of one ``kg serve`` write the metrics each ``/metrics`` sums."""
        return self.run_dir / "metrics" if self.run_dir is not None else None

    @property
    def ontology_iri(self) -> str:
        return self.base_iri + "ontology#"

    @property
    def id_base(self) -> str:
        return self.base_iri + "id/"

    @property
    def graph_base(self) -> str:
        return self.base_iri + "graph/"
