"""Security headers on every response, as ASGI middleware.

The console is server-rendered HTML with one same-origin stylesheet and one same-origin script (live
updates by Server-Sent Events, local times), no inline script or style, so the policy can be strict:
nothing but our own CSS, script and event stream, forms posting back to us, never framed
(clickjacking), no MIME sniffing, no referrer leaving the site (case URLs name case ids).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
HSTS = "max-age=31536000"
# encoded once: every response (webhooks answer hundreds a second) gets them
_RAW = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in SECURITY_HEADERS.items()]
_RAW_HSTS = (b"strict-transport-security", HSTS.encode("latin-1"))


class SecurityHeaders:
    """Adds `SECURITY_HEADERS` (and HSTS when served over HTTPS) to every HTTP response."""

    def __init__(self, app: ASGIApp, *, https: bool = False) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        https = self.https or scope.get("scheme") == "https"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}  # a header the response set itself wins
                headers.extend(pair for pair in _RAW if pair[0] not in present)
                if https and _RAW_HSTS[0] not in present:
                    headers.append(_RAW_HSTS)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
