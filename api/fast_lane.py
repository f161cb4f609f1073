"""The fast lane of ``GET /sparql``: answers that need no routing, as large public endpoints give.

Most clients send the same few queries, or one query with another IRI in it each time (a lookup
per resource). This layer, just inside the one that adds the security headers to every answer,
answers both without the router, the dependency injection and the other middleware layers, which
cost several times what a light query does:

- **Repeated requests.** An answer is fully determined by the data version, the request's query
  string and the headers negotiation and CORS read (``Accept``, ``Origin``); the graph changes only
  with its files, and a reload replaces the serving process. So a small successful answer is kept,
  keyed by those, and the same request again is answered with the same status, headers and body.
- **Vetted queries.** A plain ``GET /sparql?query=…`` (no other parameter, no ``Origin``) whose
  query the gate has vetted before, itself or its shape (:meth:`api.deps.Graph.cached`), and
  which is light, is run here through :func:`api.querying.execute` (metrics, access log, the
  runner). Its headers are those the application gave the last answer of the same form to the
  same ``Accept``, with this answer's ETag and length: the application stays the one place that
  decides them. A query that fails is answered as the application words errors
  (:func:`api.errors.error_response`), not run again; anything else goes to the application.

Conditional requests (``If-None-Match``), other paths and methods, errors and HTML always go to the
application. Answers replayed from memory count in ``/metrics`` as requests of ``/sparql``; the
per-query access log and the query histograms see the queries that were run.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.caching import etag_for
from api.errors import error_response
from api.limits import MAX_QUERY_CHARS, headers_within_limits
from api.querying import execute
from api.responses import result_formats_for, select_format
from kg.errors import KGError

if TYPE_CHECKING:
    from api.deps import Graph, Service

__all__ = ["FastLane"]

#: Answers larger than this are not kept (they cost more to hold than to compute again).
MAX_ANSWER_BYTES = 64 * 1024
#: What all kept answers may hold together.
MAX_TOTAL_BYTES = 32 * 2**20
_PATH = "/sparql"

_Key = tuple[str, str, bytes, bytes, bytes]
_Answer = tuple[Message, bytes]
#: (data version, Accept, query form) -> the headers the application gave such an answer.
_TemplateKey = tuple[str, bytes, str]


class FastLane:
    """The layer inside the security headers: see the module docstring."""

    def __init__(self, app: ASGIApp, *, service: Service) -> None:
        self.app = app
        self.service = service
        self._answers: OrderedDict[_Key, _Answer] = OrderedDict()
        self._bytes = 0
        self._templates: dict[_TemplateKey, list[tuple[bytes, bytes]]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        graph = self.service.graph
        if (
            scope["type"] != "http"
            or scope["path"] != _PATH
            or scope["method"] not in ("GET", "HEAD")
            or graph is None
            or not headers_within_limits(scope["headers"])
        ):
            await self.app(scope, receive, send)
            return
        found = {b"accept": b"", b"origin": b""}
        for name, value in scope["headers"]:
            if name == b"if-none-match":
                await self.app(scope, receive, send)  # the application answers 304 itself
                return
            if name in found:
                found[name] = value
        accept, origin = found[b"accept"], found[b"origin"]
        key = (graph.version, scope["method"], scope["query_string"], accept, origin)
        answer = self._answers.get(key)
        if answer is None and scope["method"] == "GET" and not origin:
            answer = await self._run(scope, graph, accept)
            if answer is not None and _keepable(*answer):
                self._keep(key, *answer)
        if answer is not None:
            if key in self._answers:
                self._answers.move_to_end(key)
            start, body = answer
            status = str(start["status"])
            self.service.metrics.requests.labels(scope["method"], _PATH, status).inc()
            await send(start)
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, self._recording(key, send, accept, scope))

    async def _run(self, scope: Scope, graph: Graph, accept: bytes) -> _Answer | None:
        """The answer (or error) of a plain GET of a light query the gate vetted before, or None
        when the application is to answer."""
        params = QueryParams(scope["query_string"].decode("latin-1"))
        if len(params) != 1 or "query" not in params:
            return None
        query = params["query"]
        prepared = graph.cached(query)
        if prepared is None or prepared.heavy or len(query) > MAX_QUERY_CHARS:
            return None
        form = str(prepared.form)
        template = self._templates.get((graph.version, accept, form))
        if template is None:
            return None
        try:
            offered = result_formats_for(prepared.form)
            fmt = select_format([], accept=accept.decode("latin-1") or None, offered=offered)
        except KGError:
            return None  # nothing has run: the application negotiates, and explains a 406
        client = scope["client"][0] if scope.get("client") else "-"
        try:
            body = await execute(
                prepared,
                graph=graph,
                metrics=self.service.metrics,
                result_format=fmt,
                client=client,
            )
        except KGError as error:  # a timeout, a full queue...: answered, never run twice
            response = error_response(Request(scope), error)
            start = {"type": "http.response.start", "status": response.status_code}
            return {**start, "headers": response.raw_headers}, bytes(response.body)
        etag = etag_for(version=graph.version, query=query, media_type=fmt.media_type)
        headers = [
            (name, etag.encode() if name == b"etag" else str(len(body)).encode())
            if name in (b"etag", b"content-length")
            else (name, value)
            for name, value in template
        ]
        return {"type": "http.response.start", "status": 200, "headers": headers}, body

    def _recording(self, key: _Key, send: Send, accept: bytes, scope: Scope) -> Send:
        """``send``, keeping a copy of a small, successful answer sent in one piece, and the
        headers of a plain query's answer as the template of its form."""
        start: Message | None = None

        async def recording(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif start is not None and not message.get("more_body", False):
                body = message.get("body", b"")
                if _keepable(start, body):
                    self._keep(key, start, body)
                    self._learn(key, accept, scope, start)
                start = None
            else:
                start = None  # a streamed answer: not kept
            await send(message)

        return recording

    def _learn(self, key: _Key, accept: bytes, scope: Scope, start: Message) -> None:
        """Remember the headers of a plain GET's answer for the answers of the same form."""
        version, method, _, _, origin = key
        graph = self.service.graph
        if method != "GET" or origin or graph is None:
            return
        params = QueryParams(scope["query_string"].decode("latin-1"))
        if len(params) != 1 or "query" not in params:
            return
        prepared = graph.cached(params["query"])
        if prepared is not None:
            template = list(start.get("headers", ()))
            self._templates[(version, accept, str(prepared.form))] = template

    def _keep(self, key: _Key, start: Message, body: bytes) -> None:
        self._answers[key] = (start, body)
        self._bytes += len(body)
        while self._bytes > MAX_TOTAL_BYTES:
            _, (_, dropped) = self._answers.popitem(last=False)
            self._bytes -= len(dropped)


def _keepable(start: Message, body: bytes) -> bool:
    if start["status"] != 200 or len(body) > MAX_ANSWER_BYTES:
        return False
    for name, value in start.get("headers", ()):
        if name == b"content-type" and value.startswith(b"text/html"):
            return False  # pages carry a fresh CSP nonce each time
        if name == b"set-cookie":
            return False
    return True
