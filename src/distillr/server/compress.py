"""Compressed answers for clients off this machine.

Text answers (the page, its JavaScript and CSS, JSON such as ``/api/tree``, problem documents)
of at least ``MINIMUM_SIZE`` bytes are sent gzip-compressed when the client accepts it and is
not on loopback: over a network the JavaScript shrinks about fourfold and the tree more. On
loopback compressing only costs time (``ServerSettings.compress_loopback`` turns it on there
too). Answers that are compressed already or binary (Parquet, Arrow streams, images) are sent
as they are.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware

__all__ = ["MINIMUM_SIZE", "Compress"]

MINIMUM_SIZE = 1024
_BINARY = (
    "application/vnd.apache.parquet",
    "application/vnd.apache.arrow.stream",
    "application/octet-stream",
)


def _loopback(scope: dict) -> bool:
    client = scope.get("client")
    if not client:
        return False
    try:
        return ipaddress.ip_address(str(client[0]).split("%", 1)[0]).is_loopback
    except ValueError:
        return client[0] == "localhost"


class Compress:
    def __init__(self, app: Any, *, loopback: bool = False) -> None:
        self.app = app
        self.loopback = loopback
        self.gzip = GZipMiddleware(
            app,
            minimum_size=MINIMUM_SIZE,
            compresslevel=6,
            exclude_content_types=DEFAULT_EXCLUDED_CONTENT_TYPES + _BINARY,
        )

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and (self.loopback or not _loopback(scope)):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)
