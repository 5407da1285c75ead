"""ASGI middleware in front of every route: request bodies capped, hosts and origins checked,
security headers added.

- ``BodyLimit``: a body longer than the cap is refused with 413 before it is read: at once when
  ``Content-Length`` says so, else as soon as the bytes read pass the cap. The 413 is a problem
  document and closes the connection, so the rest of the body is never read either (Starlette's
  own ``RequestBodyLimitMiddleware`` waits for the app to read and keeps the connection).
- ``Guard``: without a login (loopback), requests must name an allowed host (DNS rebinding is
  refused with 421); state-changing requests that carry an ``Origin`` must come from the app's
  own origin (``Origin: null`` included: it is what sandboxed frames and some redirects send);
  every answer gets ``nosniff``, ``no-referrer``, a strict Content-Security-Policy, and cache
  headers per path.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException

from distillr.server.problems import problem
from distillr.server.roles import SAFE_METHODS

__all__ = ["BodyLimit", "BodyTooLarge", "Guard"]

_CSP = (
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:;"
    " frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


class BodyTooLarge(HTTPException):
    """Raised while a body is read past the cap (FastAPI passes HTTP exceptions on)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, _too_large(limit))


def _too_large(limit: int) -> str:
    return (
        f"The request body is larger than this server accepts ({limit:,} bytes)."
        " Send a smaller request (SQL text, options)."
    )


#: routes that take an uploaded file (an OpenAPI spec), bounded by ``max_upload`` instead
UPLOAD_PATHS = frozenset({"/api/openapi/preview"})


class BodyLimit:
    def __init__(self, app: Any, max_body: int, max_upload: int | None = None) -> None:
        self.app, self.max_body = app, max_body
        self.max_upload = max(max_body, max_upload or 0)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope.get("path") in UPLOAD_PATHS and self.max_upload > self.max_body:
            await BodyLimit(self.app, self.max_upload)(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                declared = -1
            if declared < 0 or declared > self.max_body:
                await self._refuse(scope, receive, send, declared < 0)
                return
        seen = 0
        started = False

        async def limited() -> dict:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise BodyTooLarge(self.max_body)
            return message

        async def watch(message: dict) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if message["status"] == 413:
                    MutableHeaders(scope=message)["connection"] = "close"
            await send(message)

        try:
            await self.app(scope, limited, watch)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send, False)

    async def _refuse(self, scope: dict, receive: Any, send: Any, malformed: bool) -> None:
        if malformed:
            response = problem(400, "Bad request", "Content-Length is not a number.", "http")
        else:
            response = problem(413, "Request too large", _too_large(self.max_body), "limit")
        response.headers["connection"] = "close"
        await response(scope, receive, send)


class Guard:
    def __init__(self, app: Any, *, require_auth: bool, hosts: set[str]) -> None:
        self.app = app
        self.require_auth = require_auth
        self.hosts = {h.lower() for h in hosts}
        self._names = {h.strip("[]") for h in self.hosts} | self.hosts
        self._first = sorted(self.hosts)[0]

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refused = self._refusal(scope)
        if refused is not None:
            await refused(scope, receive, send)
            return
        path = scope["path"]

        async def with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                _secure(MutableHeaders(scope=message), path, message["status"])
            await send(message)

        await self.app(scope, receive, with_headers)

    def _refusal(self, scope: dict) -> Any:
        headers = Headers(scope=scope)
        host = (headers.get("host") or "").lower()
        hostname = urlsplit(f"//{host}").hostname or ""
        if not self.require_auth and hostname not in self._names:
            return problem(
                421,
                "Wrong host",
                f"This server answers to {self._first} only. Open it through a loopback address.",
                "host",
            )
        origin = headers.get("origin")
        foreign = origin is not None and (
            origin == "null" or urlsplit(origin).netloc.lower() != host
        )
        if scope["method"] not in SAFE_METHODS and foreign:
            return problem(
                403,
                "Cross-origin request refused",
                "Requests that change data must come from this app's own page.",
                "csrf",
            )
        return None


def _secure(headers: MutableHeaders, path: str, status: int) -> None:
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    if not path.startswith(("/docs", "/openapi")):
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Content-Security-Policy", _CSP)
    if path.startswith("/api/"):
        headers.setdefault("Cache-Control", "no-store")
    elif path.startswith("/assets/") and status == 200:
        headers["Cache-Control"] = "public, max-age=31536000, immutable"  # hashed names
    elif path.startswith("/swagger-ui/"):  # fixed names: revalidate
        headers.setdefault("Cache-Control", "no-cache")
