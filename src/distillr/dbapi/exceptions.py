"""PEP 249's exception tree, and how distillr's own errors map onto it.

::

    Warning
    Error
    ├── InterfaceError        the driver was misused (closed cursor, nothing to fetch)
    └── DatabaseError
        ├── DataError         a parameter value distillr cannot bind
        ├── OperationalError  the API or the server said no, a timeout, a cancel
        ├── IntegrityError    (never raised: distillr writes nothing)
        ├── InternalError     a bug in distillr
        ├── ProgrammingError  the SQL is wrong: syntax, unknown source/table/column, missing
        │                     path parameter, wrong parameter count, a bad option value
        └── NotSupportedError a construct or function distillr does not run

The distillr error is kept as ``__cause__``; the message is the same, so it still says what to do.
"""

from __future__ import annotations

from distillr.errors import (
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
    "DataError",
    "DatabaseError",
    "Error",
    "IntegrityError",
    "InterfaceError",
    "InternalError",
    "NotSupportedError",
    "OperationalError",
    "ProgrammingError",
    "Warning",
    "translate",
]


class Warning(Exception):
    """Important warnings (PEP 249); distillr raises none today."""


class Error(Exception):
    """Base of every error this module raises."""


class InterfaceError(Error):
    """The driver was used wrongly: a closed connection or cursor, fetch before execute."""


class DatabaseError(Error):
    """An error of the query or the data behind it."""


class DataError(DatabaseError):
    """A parameter value that cannot be bound (NaN, an unsupported Python type)."""


class OperationalError(DatabaseError):
    """The API or the server refused or failed: credentials, rate limits, timeouts, cancels."""


class IntegrityError(DatabaseError):
    """Part of PEP 249; distillr never writes, so it never raises this."""


class InternalError(DatabaseError):
    """A bug in distillr: the message says how to report it."""


class ProgrammingError(DatabaseError):
    """The SQL is wrong: syntax, unknown names, a missing path parameter, parameter count."""


class NotSupportedError(DatabaseError):
    """A construct or function distillr does not run."""


_MAP: list[tuple[type[Exception], type[Error]]] = [
    (UnsupportedError, NotSupportedError),
    (UsageError, ProgrammingError),
    (SqlError, ProgrammingError),
    (CatalogError, ProgrammingError),
    (MissingParameter, ProgrammingError),
    (TooManyRequests, OperationalError),
    (QueryCancelled, OperationalError),
    (SourceError, OperationalError),
    (ConfigError, OperationalError),
    (DistillrError, DatabaseError),
]


def translate(err: Exception) -> Error:
    """The PEP 249 error for ``err`` (raise it ``from err``)."""
    if isinstance(err, Error):
        return err
    for cls, mapped in _MAP:
        if isinstance(err, cls):
            return mapped(str(err))
    return InternalError(
        f"unexpected {type(err).__name__}: {err}. This is a bug in distillr; please report it."
    )
