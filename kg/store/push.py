"""``kg push``: load the graph into a remote store over the SPARQL 1.1 Graph Store HTTP Protocol,
as a new version that readers switch to at once.

The files are parsed and inferred here exactly as the embedded store does it; the version is the
one the embedded store gives them (a hash of the files). Nothing being read is ever rewritten:

1. every named graph ``G`` (one per file, and the inferred graph) is sent under
   ``urn:scicoop:version:V:G`` (the first batch with ``PUT ?graph=``, the rest ``POST``ed);
2. the version's manifest (each graph and its size) is ``PUT`` into ``urn:scicoop:version:V``;
3. one triple ``<urn:scicoop:version:V> <urn:scicoop:publishedAt> "time"`` is ``POST``ed into
   ``urn:scicoop:versions``: from then on a store opening (``kg serve``, a reload) reads V;
4. versions older than the last ``KG_STORE_KEEP_VERSIONS`` are deleted, manifest first.

A reader that opened the previous version keeps it, whole, until it reloads (SIGHUP); pushing the
same data again sends nothing. The Graph Store endpoint is Oxigraph server's ``/store`` beside
its query URL, Virtuoso's ``/sparql-graph-crud-auth`` (``/sparql-graph-crud`` without
credentials), or ``KG_GRAPH_STORE_URL``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import httpx
import pyoxigraph

from kg.errors import KGError, UnusableInputError
from kg.progress import progress_when
from kg.settings import Settings, without_userinfo
from kg.store.remote import (
    HOLDS,
    PUBLISHED,
    TRIPLES,
    VERSION_PREFIX,
    VERSIONS_GRAPH,
    RemoteServer,
    _rows,
    auth_for,
    manifest,
    probe,
)

__all__ = ["PushError", "Pushed", "graph_store_url", "push"]

#: The status a graph is reported with when the server already holds it in a published version.
UNCHANGED = 304


class PushError(KGError):
    """The remote store refused a graph or could not be reached; the message names which."""


@dataclass(frozen=True)
class Pushed:
    """One graph sent: its IRI, its size, and the server's status code (304: already there)."""

    graph: str
    triples: int
    status: int


def graph_store_url(settings: Settings, *, engine: str = "") -> str:
    """Where to send graphs: ``KG_GRAPH_STORE_URL``, else beside the remote query URL: Virtuoso's
    ``sparql-graph-crud-auth`` (``sparql-graph-crud`` without credentials), else ``store``.

    >>> graph_store_url(Settings(store="sparql+http://localhost:7878/query"))
    'http://localhost:7878/store'
    >>> graph_store_url(Settings(store="sparql+http://dba:dba@localhost:8890/sparql"),
    ...                 engine="Virtuoso/07.20.3229")
    'http://localhost:8890/sparql-graph-crud-auth'

    Raises UnusableInputError when neither names a server.
    """
    if settings.graph_store_url:
        return settings.graph_store_url
    endpoint = settings.remote_endpoint
    if endpoint is None:
        raise UnusableInputError(
            "kg push needs a server: set KG_GRAPH_STORE_URL (--to URL), or KG_STORE to "
            "sparql+http://host:port/query (then its /store is used)"
        )
    segment = "store"
    if engine.startswith("Virtuoso"):
        segment = "sparql-graph-crud-auth" if settings.store_credentials else "sparql-graph-crud"
    parts = urlsplit(endpoint)
    path = parts.path.rsplit("/", 1)[0] + "/" + segment
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


class _GraphStore:
    """The Graph Store endpoint at ``url``: PUT, POST and DELETE of graphs, failures named."""

    def __init__(self, url: str, client: httpx.Client, engine: str) -> None:
        self.url = url
        self.client = client
        self.engine = engine

    def send(self, method: str, graph: str, shown: str, body: bytes | None = None) -> int:
        headers = {"Content-Type": "application/n-triples"} if body is not None else {}
        try:
            response = self.client.request(
                method, self.url, params={"graph": graph}, content=body, headers=headers
            )
        except httpx.TransportError as error:
            raise PushError(f"{self.url}: cannot send graph {shown}: {error}") from None
        if method == "DELETE" and response.status_code == 404:
            return 404
        if not 200 <= response.status_code < 300:
            hint = ""
            if response.status_code in (401, 403):
                hint = (
                    "; the server takes updates only from a user it knows: set KG_STORE_USER "
                    "and KG_STORE_PASSWORD"
                )
                if self.engine.startswith("Virtuoso"):
                    hint += " (a Virtuoso user with the SPARQL_UPDATE role)"
            raise PushError(
                f"{self.url}: graph {shown} refused with {response.status_code}: "
                f"{response.text[:300].strip()}{hint}"
            )
        return response.status_code


def _batches(body: bytes, size: int) -> list[bytes]:
    lines = body.splitlines(keepends=True)
    return [b"".join(lines[i : i + size]) for i in range(0, len(lines), size)] or [b""]


def _manifest_body(version: str, sizes: dict[str, int]) -> bytes:
    subject = pyoxigraph.NamedNode(VERSION_PREFIX + version)
    triples = []
    for graph, triples_in_graph in sizes.items():
        node = pyoxigraph.NamedNode(graph)
        triples.append(pyoxigraph.Triple(subject, pyoxigraph.NamedNode(HOLDS), node))
        count = pyoxigraph.Literal(str(triples_in_graph), datatype=_INTEGER)
        triples.append(pyoxigraph.Triple(node, pyoxigraph.NamedNode(TRIPLES), count))
    return pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES) or b""


_INTEGER = pyoxigraph.NamedNode("http://www.w3.org/2001/XMLSchema#integer")


def _published(server: RemoteServer | None, timeout: float) -> list[str]:
    """Versions published on ``server``, latest first (none without a query endpoint)."""
    if server is None:
        return []
    rows = sorted(_rows(server, "published_versions", timeout), key=lambda r: r["at"], reverse=True)
    return list(dict.fromkeys(r["version"].removeprefix(VERSION_PREFIX) for r in rows))


def push(
    settings: Settings,
    *,
    url: str | None = None,
    timeout: float = 600.0,
    on_graph: Callable[[Pushed], None] | None = None,
) -> list[Pushed]:
    """Send the graph of ``serving_paths(settings)``, with the inferred graph, as a new version.

    ``on_graph`` is called after each graph; the bytes sent show their progress when they are
    ``settings.progress_min_bytes`` or more (:mod:`kg.progress`). Raises RdfSyntaxError for a
    file that does not parse, PushError for a graph the server does not accept (status 2xx) or a
    server that cannot be reached.
    """
    from kg.store.oxigraph import open_in_process

    if url is not None and "@" in urlsplit(url).netloc:
        settings = settings.model_copy(update={"graph_store_url": url})
        settings = Settings.model_validate(settings.model_dump())
        url = None
    auth = auth_for(settings)
    server = None
    if settings.remote_endpoint is not None:
        try:
            server = probe(settings.remote_endpoint, auth, timeout=timeout)
        except OSError as error:
            raise PushError(f"kg push: {error}") from None
    target = (
        without_userinfo(url)
        if url
        else graph_store_url(settings, engine=server.engine if server else "")
    )
    local = open_in_process(settings)
    try:
        graphs = {}
        for graph in local.named_graphs:
            dumped = local.store.dump(
                format=pyoxigraph.RdfFormat.N_TRIPLES, from_graph=pyoxigraph.NamedNode(graph)
            )
            assert dumped is not None  # dump returns bytes when given no output
            graphs[graph] = dumped
        version = local.version  # the files' hash, as the embedded store has it
    finally:
        local.close()
    sizes = {graph: body.count(b"\n") for graph, body in graphs.items()}
    published = _published(server, timeout)
    already = server is not None and manifest(server, version, timeout) == sizes
    with httpx.Client(timeout=timeout, auth=auth) as client:
        store = _GraphStore(target, client, server.engine if server else "")
        stored = None if already else VERSION_PREFIX + version + ":"
        done = _send_graphs(
            store, graphs, sizes, stored=stored, settings=settings, on_graph=on_graph
        )
        if not already:
            manifest_graph = VERSION_PREFIX + version
            store.send("PUT", manifest_graph, manifest_graph, _manifest_body(version, sizes))
        if not published or published[0] != version:
            at = datetime.now(UTC).isoformat(timespec="microseconds")
            record = pyoxigraph.Triple(
                pyoxigraph.NamedNode(VERSION_PREFIX + version),
                pyoxigraph.NamedNode(PUBLISHED),
                pyoxigraph.Literal(at),
            )
            body = pyoxigraph.serialize([record], format=pyoxigraph.RdfFormat.N_TRIPLES) or b""
            store.send("POST", VERSIONS_GRAPH, VERSIONS_GRAPH, body)
        if server is not None:
            kept = [version, *(v for v in published if v != version)]
            for old in kept[settings.store_keep_versions :]:
                _drop(store, server, old, timeout)
    return done


def _send_graphs(
    store: _GraphStore,
    graphs: dict[str, bytes],
    sizes: dict[str, int],
    *,
    stored: str | None,
    settings: Settings,
    on_graph: Callable[[Pushed], None] | None,
) -> list[Pushed]:
    """Send each graph ``G`` as ``{stored}G`` in batches (``stored`` None: the server holds them
    already, send nothing), calling ``on_graph`` after each; large pushes show their progress."""
    size = 0 if stored is None else sum(len(body) for body in graphs.values())
    large = size >= settings.progress_min_bytes
    done = []
    with progress_when(large, "pushing", total=size) as advance:
        for graph, body in graphs.items():
            status = UNCHANGED
            if stored is not None:
                batches = _batches(body, settings.store_push_batch)
                status = store.send("PUT", stored + graph, graph, batches[0])
                advance(len(batches[0]))
                for batch in batches[1:]:
                    store.send("POST", stored + graph, graph, batch)
                    advance(len(batch))
            done.append(Pushed(graph, sizes[graph], status))
            if on_graph is not None:
                on_graph(done[-1])
    return done


def _drop(store: _GraphStore, server: RemoteServer, version: str, timeout: float) -> None:
    """Delete ``version``: its manifest first (so it is never taken for whole), then its graphs."""
    graphs = manifest(server, version, timeout)
    if not graphs:
        return  # deleted before
    manifest_graph = VERSION_PREFIX + version
    store.send("DELETE", manifest_graph, manifest_graph)
    for graph in graphs:
        store.send("DELETE", VERSION_PREFIX + version + ":" + graph, graph)
