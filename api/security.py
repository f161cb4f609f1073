"""Security headers on every answer: a Content-Security-Policy on HTML that lets a page load
nothing but this server's own files, ``nosniff`` and a ``Referrer-Policy``.

A middleware rather than a step of ``api.html.render``, so that every HTML answer carries them,
the 404 and error pages, the validate form and ``/docs`` included, whoever renders it. Pages
hold no inline script or style: scripts and styles are static files, and data for a picture
travels in a ``<script type="application/json">`` block, which a browser never runs.

One exception, by nonce rather than ``'unsafe-inline'``: the editor (CodeMirror) writes its own
stylesheet into a ``<style>`` element at run time. Each answer gets a fresh nonce
(``request.state.csp_nonce``); the page hands it to the script on its ``<script nonce>``, and the
policy allows styles carrying it, and no other inline style.
"""

from __future__ import annotations

import secrets

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["SecurityHeadersMiddleware", "content_security_policy"]


def content_security_policy(nonce: str) -> str:
    """Only this server: scripts, styles, images, fonts and connections from ``'self'``; no
    inline script, no inline style but the one carrying ``nonce``, no plug-ins, no framing,
    forms post only here.

    >>> "style-src 'self' 'nonce-abc'" in content_security_policy("abc")
    True
    """
    return _POLICY.format(nonce=nonce)


_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'nonce-{nonce}'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


class SecurityHeadersMiddleware:
    """Add the security headers to every HTTP answer (the CSP to HTML answers only)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(18)
        scope.setdefault("state", {})["csp_nonce"] = nonce

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
                if headers.get("content-type", "").startswith("text/html"):
                    headers["Content-Security-Policy"] = content_security_policy(nonce)
                    headers.setdefault("X-Frame-Options", "DENY")
            await send(message)

        await self.app(scope, receive, with_headers)
