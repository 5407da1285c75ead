"""distillr's errors as PostgreSQL SQLSTATE codes, with the same messages."""

from __future__ import annotations

from distillr.dbapi.exceptions import (
    DataError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
)
from distillr.errors import (
    AuthError,
    CatalogError,
    ConfigError,
    MissingParameter,
    QueryCancelled,
    SourceError,
    SqlError,
    TooManyRequests,
    UnsupportedError,
)

__all__ = ["CatalogQueryError", "ProtocolViolation", "Unexpected", "sqlstate_of"]


class ProtocolViolation(Exception):
    """The client sent something that is not the protocol."""


class CatalogQueryError(Exception):
    """A statement that reads no distillr source, and that the catalog mirror cannot run."""


class Unexpected(Exception):
    """A bug in distillr, reported to the client instead of dropping its connection."""

    def __init__(self, err: Exception) -> None:
        super().__init__(
            f"unexpected {type(err).__name__}: {err}. This is a bug in distillr; please report it."
        )


_CODES: list[tuple[type[BaseException], str]] = [
    (QueryCancelled, "57014"),  # query_canceled
    (SqlError, "42601"),  # syntax_error
    (CatalogError, "42P01"),  # undefined_table
    (MissingParameter, "22023"),  # invalid_parameter_value
    (UnsupportedError, "0A000"),  # feature_not_supported
    (TooManyRequests, "53400"),  # configuration_limit_exceeded
    (AuthError, "42501"),  # insufficient_privilege (the source's credentials)
    (SourceError, "58000"),  # system_error: the API failed
    (ConfigError, "F0000"),  # config_file_error
    (DataError, "22000"),
    (NotSupportedError, "0A000"),
    (ProgrammingError, "42000"),
    (OperationalError, "58000"),
]


def sqlstate_of(err: BaseException) -> tuple[str, str]:
    """The SQLSTATE and message of an error sent to a PostgreSQL client."""
    if isinstance(err, ProtocolViolation):
        return "08P01", str(err)
    if isinstance(err, CatalogQueryError):
        return "42000", str(err)
    for cls, code in _CODES:
        if isinstance(err, cls):
            return code, str(err)
    if isinstance(err, Unexpected):
        return "XX000", str(err)
    return "XX000", f"unexpected {type(err).__name__}: {err}"
