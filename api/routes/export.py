"""``/export/network.{graphml,gexf,zip}``: the cooperation network for network tools.

Actors are nodes; partnerships (an edge per pair of parties) and memberships are edges, with their
kind, sources and figures (see :mod:`kg.describe.network`). GraphML reads in networkx, igraph,
Cytoscape and yEd; GEXF in Gephi; the zip's ``nodes.csv`` and ``edges.csv`` in VOSviewer, R and
pandas. ``kg export`` writes the same files.
"""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.caching import cache_headers, etag_for, matches_if_none_match
from api.deps import GraphDep, SettingsDep
from api.routing import get_and_head
from kg.describe.network import EXPORT_FORMATS, actor_network, network_bytes
from kg.errors import NotFound

__all__ = ["router", "network_export"]

router = APIRouter(tags=["exports"])

#: Extension -> format name of :data:`kg.describe.network.EXPORT_FORMATS`.
_BY_EXTENSION = {extension: name for name, (extension, _) in EXPORT_FORMATS.items()}


@get_and_head(
    router,
    "/export/network.{extension}",
    name="network_export",
    summary="The cooperation network as GraphML, GEXF or CSV node and edge lists (zip)",
)
async def network_export(
    request: Request, extension: str, graph: GraphDep, settings: SettingsDep
) -> Response:
    """Actors as nodes; partnerships (each pair of parties) and memberships as edges."""
    if extension not in _BY_EXTENSION:
        offered = ", ".join(f"/export/network.{ext}" for ext in _BY_EXTENSION)
        raise NotFound(f"no /export/network.{extension[:20]}: use one of {offered}")
    name = _BY_EXTENSION[extension]
    media_type = EXPORT_FORMATS[name][1]
    etag = etag_for(version=graph.version, query="network export", media_type=media_type)
    headers = dict(cache_headers(etag))
    headers["Content-Disposition"] = f'attachment; filename="scicoop-network.{extension}"'
    if matches_if_none_match(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    network = await graph.derive(
        ("actor network", settings.base_iri),
        partial(actor_network, graph.store, base=settings.base_iri),
    )
    body = await run_in_threadpool(network_bytes, network, name)
    return Response(body, media_type=media_type, headers=headers)
