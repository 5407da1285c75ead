"""ASGI helpers the sandboxes share: the lifespan, a request's parts, and sending a response
with the body faults (``slow``, ``drop``, ``truncate``) applied.

Rules: body faults apply to successful (2xx) responses only, an error keeps its whole body;
``truncate`` sends a well-formed HTTP response whose body is the first half of the real one;
``drop`` promises the whole body, sends a third of it and aborts the connection; ``slow`` sends
the body in ten chunks over ``slow_seconds``. ``HEAD`` gets the headers of ``GET`` and no body.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import parse_qsl

MAX_BODY = 1 << 20  # request bodies above 1 MiB are refused (413)


@dataclass
class Request:
    """The parts of an HTTP request a sandbox looks at."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]  # lower-case names; a repeated header keeps its last value
    base_url: str  # scheme://host[:port] as the client addressed the server

    @classmethod
    def from_scope(cls, scope) -> Request:
        raw = scope.get("query_string", b"").decode("latin-1")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        return cls(
            method=scope["method"],
            path=scope["path"],
            query=parse_qsl(raw, keep_blank_values=True),
            headers=headers,
            base_url=base_url(scope, headers),
        )


def base_url(scope, headers: dict[str, str]) -> str:
    """``scheme://host`` of the request, from its ``Host`` header (else the server's address)."""
    host = headers.get("host")
    if not host:
        server = scope.get("server") or ("127.0.0.1", 80)
        host = f"{server[0]}:{server[1]}"
    return f"{scope.get('scheme', 'http')}://{host}"


async def lifespan(receive, send) -> None:
    """Answer the ASGI lifespan protocol (a sandbox has nothing to set up or tear down)."""
    while True:
        msg = await receive()
        if msg["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif msg["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def read_body(receive, limit: int = MAX_BODY) -> bytes | None:
    """The request body, or ``None`` when it is longer than ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        msg = await receive()
        if msg["type"] == "http.disconnect":
            break
        chunk = msg.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not msg.get("more_body"):
            break
    return b"".join(chunks)


async def respond(
    send,
    status: int,
    headers: list[tuple[bytes, bytes]],
    body: bytes,
    *,
    fault: str | None = None,
    head: bool = False,
    slow_seconds: float = 1.5,
) -> None:
    """Send one response, with ``fault`` applied to its body if it is a success."""
    if not 200 <= status < 300:
        fault = None
    if fault == "truncate":
        body = body[: max(1, len(body) // 2)]
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    payload = b"" if head else body
    if fault == "drop":
        part = payload[: len(payload) // 3]
        await send({"type": "http.response.body", "body": part, "more_body": True})
        raise ConnectionAbortedError("sandbox fault: connection dropped")
    if fault == "slow" and payload:
        chunks = 10
        step = max(1, -(-len(payload) // chunks))
        for i in range(0, len(payload), step):
            piece = payload[i : i + step]
            await send({"type": "http.response.body", "body": piece, "more_body": True})
            await asyncio.sleep(slow_seconds / chunks)
        await send({"type": "http.response.body", "body": b""})
        return
    await send({"type": "http.response.body", "body": payload})
