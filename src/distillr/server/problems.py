"""JSON API errors as RFC 9457 problem documents, with the CLI's messages."""

from __future__ import annotations

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
)

__all__ = ["ApiProblem", "problem", "problem_for", "status_for", "title_for"]

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
]


class ApiProblem(Exception):
    """An HTTP error of the API itself (authentication, unknown query id, bad format ...)."""

    def __init__(
        self, status: int, title: str, detail: str, kind: str = "http", **extra: Any
    ) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.kind, self.extra = (
            status,
            title,
            detail,
            kind,
            extra,
        )


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


def problem_for(exc: DistillrError, **extra: Any) -> JSONResponse:
    """The problem document for a distillr error; ``detail`` is exactly what the CLI prints."""
    fields: dict[str, Any] = {}
    for attr in ("line", "column", "parameter", "table"):
        val = getattr(exc, attr, None)
        if isinstance(val, (int, str)):
            fields[attr] = val
    fields.update(extra)
    return problem(status_for(exc), title_for(exc), str(exc), exc.kind, **fields)


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
    }.get(exc.kind, "Error")
