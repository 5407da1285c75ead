"""JSON API errors as RFC 9457 problem documents, with the CLI's messages.

Two things the CLI may show but the web API never does: an error body from a host that is not
the source type's own API (a base URL pointed elsewhere would make the server a probe of other
hosts: ``public_message`` gives the status and a generic line instead), and the server's home
path, the user's home and the platform (``Redactor``).
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path
from typing import Any

from fastapi.responses import JSONResponse

from distillr.errors import (
    AuthError,
    CatalogError,
    ConfigError,
    DistillrError,
    MissingParameter,
    QueryCancelled,
    SourceError,
    SqlError,
    TooManyRequests,
    UnsupportedError,
    UsageError,
)

__all__ = [
    "ApiProblem",
    "Redactor",
    "problem",
    "problem_for",
    "public_message",
    "status_for",
    "title_for",
]

MEDIA_TYPE = "application/problem+json"

_STATUS: list[tuple[type[DistillrError], int]] = [
    (AuthError, 422),  # the data source's credentials, not ours
    (SourceError, 502),
    (SqlError, 400),
    (MissingParameter, 400),
    (UnsupportedError, 400),
    (CatalogError, 404),
    (TooManyRequests, 422),
    (QueryCancelled, 409),
    (ConfigError, 400),
    (UsageError, 422),
]


class ApiProblem(Exception):
    """An HTTP error of the API itself (authentication, unknown query id, bad format ...)."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        kind: str = "http",
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.kind = status, title, detail, kind
        self.headers, self.extra = headers, extra


def status_for(exc: DistillrError) -> int:
    if isinstance(exc, ConfigError) and "already exists" in str(exc):
        return 409
    for cls, status in _STATUS:
        if isinstance(exc, cls):
            return status
    return 400


def problem(
    status: int,
    title: str,
    detail: str,
    kind: str = "http",
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {
        "type": f"urn:distillr:problem:{kind}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def problem_for(exc: DistillrError, redactor: Redactor | None = None, **extra: Any) -> JSONResponse:
    """The problem document for a distillr error; ``detail`` is what the CLI prints, less what
    ``public_message`` and the ``redactor`` keep from the web."""
    fields: dict[str, Any] = {}
    for attr in ("line", "column", "parameter", "table"):
        val = getattr(exc, attr, None)
        if isinstance(val, (int, str)):
            fields[attr] = val
    fields.update(extra)
    detail = public_message(exc)
    if redactor is not None:
        detail = redactor(detail)
    return problem(status_for(exc), title_for(exc), detail, exc.kind, **fields)


_GENERIC = {
    401: "rejected the credentials (HTTP 401)",
    403: "refused the request (HTTP 403): the credentials may not read this resource",
    404: "found nothing there (HTTP 404)",
}


def public_message(exc: DistillrError) -> str:
    """The message of ``exc`` as the web may show it: an API's own words only when they came
    from the source type's known API host."""
    if not isinstance(exc, SourceError) or exc.known_host or not exc.api_message:
        return str(exc)
    status = exc.status
    what = _GENERIC.get(status or 0, f"answered HTTP {status}" if status else "failed")
    where = f" to GET {exc.path}" if exc.path else ""
    return (
        f"The server at this source's base URL {what}{where}. Its answer is not shown because"
        " it is not the source type's own API host; check the base URL and the credentials."
    )


class Redactor:
    """Replaces the server's home path, the user's home, Python's prefix and the platform's
    name in texts the web shows."""

    def __init__(self, home: str | os.PathLike | None) -> None:
        pairs: list[tuple[str, str]] = []
        if home is not None:
            pairs.append((str(Path(home).expanduser().resolve()), "$DISTILLR_HOME"))
            pairs.append((str(Path(home).expanduser()), "$DISTILLR_HOME"))
        pairs += [(sys.prefix, "<python>"), (sys.base_prefix, "<python>")]
        pairs.append((str(Path.home()), "~"))
        machine = platform.machine()
        for name in (platform.platform(), f"{sys.platform}_{machine}", _duckdb_platform()):
            if name and len(name) > 5:
                pairs.append((name, "<platform>"))
        # longest first, so a home inside the user's home is replaced whole
        self._pairs = sorted({p for p in pairs if p[0] and p[0] != "/"}, key=lambda p: -len(p[0]))

    def __call__(self, text: str) -> str:
        for needle, replacement in self._pairs:
            if needle in text:
                text = text.replace(needle, replacement)
        return text


def _duckdb_platform() -> str:
    try:
        import duckdb

        con = duckdb.connect()
        try:
            row = con.execute("PRAGMA platform").fetchone()
        finally:
            con.close()
        return str(row[0]) if row else ""
    except Exception:  # noqa: BLE001 - only a name to hide
        return ""


def title_for(exc: DistillrError) -> str:
    """A short heading for the error, in words (the page shows it above ``detail``)."""
    return {
        "sql": "SQL error",
        "catalog": "Not found",
        "missing_parameter": "Missing parameter",
        "unsupported": "Not supported",
        "source": "The API refused the request",
        "auth": "Wrong credentials",
        "too_many_requests": "Too many requests",
        "cancelled": "Query cancelled",
        "config": "Bad settings",
        "usage": "Bad request",
        "too_large": "Result too large",
    }.get(exc.kind, "Error")
