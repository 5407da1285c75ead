"""One exception tree for everything distillr raises at a user.

::

    DistillrError
    ├── SqlError            the SQL text is wrong (line, column, caret)
    ├── CatalogError        unknown source, table or column ("did you mean ...")
    ├── MissingParameter    a path parameter has no value (``WHERE CallSid = ...``)
    ├── UnsupportedError    a Drill function or construct distillr does not run
    ├── SourceError         the API said no (HTTP status, API code, message, request path)
    │   └── AuthError       wrong credentials
    ├── TooManyRequests     a fan-out or bind join would need too many requests
    ├── QueryCancelled      Ctrl-C or a query timeout
    ├── ConfigError         bad data source settings, registry or key-file problems
    └── UsageError          a bad option or argument (a timeout, a row count): exit code 2
                            on the command line, HTTP 422 on the web API

Every message says what to do next. No message, ``repr`` or attribute holds a secret.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "AuthError",
    "CatalogError",
    "ConfigError",
    "DistillrError",
    "MissingParameter",
    "QueryCancelled",
    "SourceError",
    "SqlError",
    "TooManyRequests",
    "UnsupportedError",
    "UsageError",
    "did_you_mean",
]


class DistillrError(Exception):
    """Root of every error distillr raises on purpose."""

    #: A short stable name for JSON problem documents and exit codes.
    kind = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class SqlError(DistillrError, ValueError):
    """The SQL text could not be parsed or is not valid."""

    kind = "sql"

    def __init__(
        self,
        message: str,
        *,
        sql: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.sql = sql
        self.line = line
        self.column = column
        text = message
        if sql is not None and line is not None and column is not None:
            lines = sql.splitlines() or [""]
            if 1 <= line <= len(lines):
                src = lines[line - 1]
                caret = " " * max(column - 1, 0) + "^"
                text = f"{message} (line {line}, column {column})\n  {src}\n  {caret}"
        super().__init__(text)


class CatalogError(DistillrError, LookupError):
    """An unknown source, table or column."""

    kind = "catalog"


class MissingParameter(DistillrError, ValueError):
    """A table needs a path parameter the query does not give."""

    kind = "missing_parameter"

    def __init__(self, message: str, *, table: str | None = None, parameter: str | None = None):
        super().__init__(message)
        self.table = table
        self.parameter = parameter


class UnsupportedError(DistillrError, NotImplementedError):
    """A function or construct that distillr does not support."""

    kind = "unsupported"


class SourceError(DistillrError):
    """The API refused a request, after any retries.

    Carries the HTTP ``status``, the API's own ``code``, its ``api_message`` and the request
    ``path`` (with its query string, never credentials). ``known_host`` is true when the answer
    came from a host the connector type declares as its own API (``Connector.api_hosts``).
    """

    known_host: bool = False

    kind = "source"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int | None = None,
        api_message: str | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.api_message = api_message
        self.path = path


class AuthError(SourceError):
    """The API rejected the credentials."""

    kind = "auth"


class TooManyRequests(DistillrError):
    """A fan-out or bind join would need more requests than allowed."""

    kind = "too_many_requests"


class QueryCancelled(DistillrError):
    """The query was cancelled (Ctrl-C) or ran past its timeout."""

    kind = "cancelled"


class ConfigError(DistillrError, ValueError):
    """Bad data source settings, or a problem with the registry or the key file."""

    kind = "config"


class UsageError(DistillrError, ValueError):
    """An option or argument out of its range: what was given and what is allowed."""

    kind = "usage"


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """Return ``" Did you mean 'x'?"`` for the closest candidate, or ``""``.

    >>> did_you_mean("mesages", ["calls", "messages"])
    " Did you mean 'messages'?"
    >>> did_you_mean("zzz", ["calls"])
    ''
    """
    pool = list(candidates)
    lowered = {c.lower(): c for c in pool}
    match = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
    return f" Did you mean '{lowered[match[0]]}'?" if match else ""
