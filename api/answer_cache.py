"""Answer a repeated ``GET /sparql`` from memory before any routing, as large public endpoints do.

An answer is fully determined by the data version, the request's query string and the headers
that negotiation and CORS read (``Accept``, ``Origin``): the graph changes only with its files,
and a reload replaces the serving process. So a small successful answer is kept, keyed by those,
and the same request again is answered here, with the same status, headers and body: no routing,
no parsing, no query worker. Conditional requests (``If-None-Match``), other paths and methods,
errors and HTML pass through to the application.

Answers from here count in ``/metrics`` as requests of ``/sparql``; the per-query access log and
the query histograms see only the queries that reached the application.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from api.deps import Service

__all__ = ["AnswerCache"]

#: Answers larger than this are not kept (they cost more to hold than to compute again).
MAX_ANSWER_BYTES = 64 * 1024
#: What all kept answers may hold together.
MAX_TOTAL_BYTES = 32 * 2**20
_PATH = "/sparql"
_KEYED = (b"accept", b"origin")

_Key = tuple[str, str, bytes, bytes, bytes]
_Answer = tuple[Message, bytes]


class AnswerCache:
    """The outermost layer of the app: replays remembered answers to identical GET requests."""

    def __init__(self, app: ASGIApp, *, service: Service) -> None:
        self.app = app
        self.service = service
        self._answers: OrderedDict[_Key, _Answer] = OrderedDict()
        self._bytes = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        graph = self.service.graph
        if (
            scope["type"] != "http"
            or scope["path"] != _PATH
            or scope["method"] not in ("GET", "HEAD")
            or graph is None
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
        key = (graph.version, scope["method"], scope["query_string"], *found.values())
        answer = self._answers.get(key)
        if answer is not None:
            self._answers.move_to_end(key)
            self.service.metrics.requests.labels(scope["method"], _PATH, "200").inc()
            start, body = answer
            await send(start)
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, self._recording(key, send))

    def _recording(self, key: _Key, send: Send) -> Send:
        """``send``, keeping a copy of a small, successful, non-HTML answer sent in one piece."""
        start: Message | None = None

        async def recording(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif start is not None and not message.get("more_body", False):
                body = message.get("body", b"")
                if _keepable(start, body):
                    self._keep(key, start, body)
                start = None
            else:
                start = None  # a streamed answer: not kept
            await send(message)

        return recording

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
