"""Size limits on what a client may send: the request headers, the body and the query text.

The body cap is enforced while the body streams in, so a chunked upload without ``Content-Length``
cannot slip past it. uvicorn's HTTP parser (httptools) sets no limit of its own on headers (a 30 MB
``Cookie`` or 10,000 header lines reach the app), so the header cap is enforced twice, both times
with 431 Request Header Fields Too Large (RFC 6585): in the app before any route runs, naming the
limit passed; and, coarser, in the parser while the head streams in, so that one connection cannot
make the server buffer an endless header (:class:`BoundedHttpToolsProtocol`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from kg.errors import KGError

__all__ = [
    "HeaderLimitMiddleware",
    "BoundedHttpToolsProtocol",
    "MAX_HEADER_BYTES",
    "MAX_HEAD_BYTES",
    "MAX_HEADER_FIELDS",
    "BodyTooLarge",
    "QueryTooLong",
    "BodyLimitMiddleware",
    "MAX_QUERY_CHARS",
    "check_query_length",
]

#: The longest query text accepted through any route (characters); far above any hand-written query.
MAX_QUERY_CHARS = 100_000
#: Request header bytes (names, values and ``: ``/CRLF) accepted; nginx's default is 32 KB.
MAX_HEADER_BYTES = 64 * 1024
#: Request header lines accepted (Apache httpd's ``LimitRequestFields`` default).
MAX_HEADER_FIELDS = 100
#: Bytes of a request's head (request line and headers) the parser buffers before it gives up.
#: Well above MAX_HEADER_BYTES, so the app's finer check answers every ordinary case.
MAX_HEAD_BYTES = 1024 * 1024


class BodyTooLarge(KGError):
    """The request body exceeds ``limit`` bytes."""

    status: ClassVar[int] = 413

    def __init__(self, limit: int) -> None:
        super().__init__(f"request body exceeds the limit of {limit} bytes")
        self.limit = limit


class QueryTooLong(KGError):
    """The query text exceeds ``limit`` characters."""

    status: ClassVar[int] = 413

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(f"query is {length} characters long; the limit is {limit} characters")
        self.length = length
        self.limit = limit


def check_query_length(query: str, *, limit: int = MAX_QUERY_CHARS) -> None:
    """Raise QueryTooLong when ``query`` is longer than ``limit`` characters."""
    if len(query) > limit:
        raise QueryTooLong(len(query), limit)


class BodyLimitMiddleware:
    """Refuse bodies over ``max_bytes``: at once from ``Content-Length``, or as they stream."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await _send_413(send, self.max_bytes)
                return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Raised inside the endpoint's body read, so api.errors answers it as a 413.
                    raise BodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, counting_receive, send)


class HeaderLimitMiddleware:
    """Refuse requests whose headers are over ``max_bytes`` in all or ``max_fields`` lines (431)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int = MAX_HEADER_BYTES,
        max_fields: int = MAX_HEADER_FIELDS,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_fields = max_fields

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            problem = header_problem(
                scope["headers"], max_bytes=self.max_bytes, max_fields=self.max_fields
            )
            if problem is not None:
                await _send_plain(send, 431, f"request header fields too large: {problem}")
                return
        await self.app(scope, receive, send)


def header_problem(
    headers: list[tuple[bytes, bytes]],
    *,
    max_bytes: int = MAX_HEADER_BYTES,
    max_fields: int = MAX_HEADER_FIELDS,
) -> str | None:
    """What makes ``headers`` too large (over ``max_fields`` lines or ``max_bytes``), or None."""
    if len(headers) > max_fields:
        return f"{len(headers)} header fields; the limit is {max_fields}"
    size = sum(len(name) + len(value) + 4 for name, value in headers)
    if size > max_bytes:
        return f"{size} bytes of headers; the limit is {max_bytes} bytes"
    return None


def headers_within_limits(headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether ``headers`` pass :class:`HeaderLimitMiddleware` with its default limits."""
    return header_problem(headers) is None


async def _send_413(send: Send, limit: int) -> None:
    await _send_plain(send, 413, f"request body exceeds the limit of {limit} bytes")


async def _send_plain(send: Send, status: int, message: str) -> None:
    """A plain-text answer that closes the connection (the rest of the request is not read)."""
    body = f"{message}\n".encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


#: How long a refused connection is read (and dropped) before it is closed.
LINGER_SECONDS = 2.0


class BoundedHttpToolsProtocol(HttpToolsProtocol):  # type: ignore[misc]
    """uvicorn's httptools protocol, refusing with 431 a request head over ``max_head_bytes``
    while it streams in, instead of buffering it whole.

    Chosen by ``uvicorn.Config(http="api.limits:BoundedHttpToolsProtocol")`` (``--http`` on
    uvicorn's command line). Bytes are counted per read from the moment a request begins until its
    headers are complete; a body is never counted.
    """

    max_head_bytes = MAX_HEAD_BYTES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = True
        self._head_bytes = 0
        self._refused = False

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # lingering after a 431: read and drop what the client still sends
        if self._in_head:
            self._head_bytes += len(data)
            if self._head_bytes > self.max_head_bytes:
                self._refuse()
                return
        super().data_received(data)

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head, self._head_bytes = True, 0

    def _refuse(self) -> None:
        if self.transport.is_closing():
            return
        message = (
            f"request header fields too large: the request head exceeds {self.max_head_bytes} "
            "bytes\n"
        ).encode()
        head = [b"HTTP/1.1 431 Request Header Fields Too Large\r\n"]
        head += [
            name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers
        ]
        head += [
            b"content-type: text/plain; charset=utf-8\r\n",
            b"content-length: " + str(len(message)).encode() + b"\r\n",
            b"connection: close\r\n\r\n",
        ]
        self.logger.warning("refused a request head over %d bytes", self.max_head_bytes)
        self.transport.write(b"".join(head) + message)
        # A lingering close: closing at once, with the client's bytes still arriving, makes the
        # kernel answer them with a reset that can destroy the 431 before the client reads it.
        # So send FIN after the answer, drop what still comes, and close a little later.
        self._refused = True
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_SECONDS, self.transport.close)
