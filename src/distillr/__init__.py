"""distillr: query web APIs with Apache Drill-style SQL.

>>> import distillr
>>> con = distillr.connect()                       # doctest: +SKIP
>>> con.sql("SELECT * FROM my_twilio.calls LIMIT 10").df()   # doctest: +SKIP
>>> on_spark = distillr.connect(engine="spark")    # doctest: +SKIP
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


def connect(home: str | None = None, engine: str = "duckdb", **options):
    """Open a session: the data source registry under ``home`` (default ``$DISTILLR_HOME`` or
    ``~/.distillr``) plus the query engine: ``"duckdb"`` in this process, or ``"spark"`` (needs
    ``pip install 'distillr[spark]'``; ``spark=`` a Spark session, else the active one or a new
    local one; see ``docs/spark.md``)."""
    from distillr.session import Session

    if engine == "duckdb":
        return Session(home=home, **options)
    if engine == "spark":
        from distillr.spark.engine import SparkEngine

        return Session(home=home, engine=SparkEngine(options.pop("spark", None)), **options)
    raise UsageError(f"engine must be 'duckdb' or 'spark', not {engine!r}.")
