"""distillr: query web APIs with Apache Drill-style SQL.

>>> import distillr
>>> con = distillr.connect()                       # doctest: +SKIP
>>> con.sql("SELECT * FROM my_twilio.calls LIMIT 10").df()   # doctest: +SKIP
"""

from __future__ import annotations

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

__version__ = "0.1.0"

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
    "__version__",
    "connect",
]


def connect(home: str | None = None, **options):
    """Open a session: the data source registry under ``home`` (default ``$DISTILLR_HOME`` or
    ``~/.distillr``) plus the query engine."""
    from distillr.session import Session

    return Session(home=home, **options)
