"""``kg push``: load the graph into a remote store over the SPARQL 1.1 Graph Store HTTP Protocol.

The files are parsed and inferred here exactly as the embedded store does it, then every named
graph (one per file, and the inferred graph) is sent with ``PUT ?graph=IRI`` as N-Triples, which
replaces that graph on the server and leaves its other graphs alone. Oxigraph server's Graph
Store endpoint is ``/store``; Fuseki's is ``/{dataset}/data``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx
import pyoxigraph

from kg.errors import KGError, UnusableInputError
from kg.settings import Settings

__all__ = ["PushError", "Pushed", "graph_store_url", "push"]


class PushError(KGError):
    """The remote store refused a graph or could not be reached; the message names which."""


@dataclass(frozen=True)
class Pushed:
    """One graph sent: its IRI, its size, and the server's status code."""

    graph: str
    triples: int
    status: int


def graph_store_url(settings: Settings) -> str:
    """Where to PUT: ``KG_GRAPH_STORE_URL``, else the remote query URL's last segment -> ``store``.

    >>> graph_store_url(Settings(store="sparql+http://localhost:7878/query"))
    'http://localhost:7878/store'

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
    parts = urlsplit(endpoint)
    path = parts.path.rsplit("/", 1)[0] + "/store"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def push(
    settings: Settings,
    *,
    url: str | None = None,
    timeout: float = 600.0,
    on_graph: Callable[[Pushed], None] | None = None,
) -> list[Pushed]:
    """Send the graph of ``serving_paths(settings)``, with the inferred graph, to ``url``.

    ``on_graph`` is called after each graph (for progress). Raises RdfSyntaxError for a file that
    does not parse, PushError for a graph the server does not accept (status 2xx).
    """
    from kg.store.oxigraph import open_oxigraph

    target = url or graph_store_url(settings)
    local = open_oxigraph(settings, on_disk=False)
    done: list[Pushed] = []
    try:
        with httpx.Client(timeout=timeout) as client:
            for graph in local.named_graphs:
                body = local.store.dump(
                    format=pyoxigraph.RdfFormat.N_TRIPLES, from_graph=pyoxigraph.NamedNode(graph)
                )
                assert body is not None  # dump returns bytes when given no output
                try:
                    response = client.put(
                        target,
                        params={"graph": graph},
                        content=body,
                        headers={"Content-Type": "application/n-triples"},
                    )
                except httpx.TransportError as error:
                    raise PushError(f"{target}: cannot send graph {graph}: {error}") from None
                if not 200 <= response.status_code < 300:
                    raise PushError(
                        f"{target}: graph {graph} refused with {response.status_code}: "
                        f"{response.text[:300].strip()}"
                    )
                pushed = Pushed(graph, body.count(b"\n"), response.status_code)
                done.append(pushed)
                if on_graph is not None:
                    on_graph(pushed)
    finally:
        local.close()
    return done
