"""Size limits on what a client may send: the request body and the query text.

The body cap is enforced while the body streams in, so a chunked upload without ``Content-Length``
cannot slip past it.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "BodyTooLarge",
    "QueryTooLong",
    "BodyLimitMiddleware",
    "MAX_QUERY_CHARS",
    "check_query_length",
]

#: The longest query text accepted through any route (characters); far above any hand-written query.
MAX_QUERY_CHARS = 100_000


class BodyTooLarge(Exception):
    """The request body exceeds ``limit`` bytes (answered 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"request body exceeds the limit of {limit} bytes")
        self.limit = limit


class QueryTooLong(Exception):
    """The query text exceeds ``limit`` characters (answered 413)."""

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


async def _send_413(send: Send, limit: int) -> None:
    body = f"request body exceeds the limit of {limit} bytes\n".encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
