"""Where one statement from a PostgreSQL client runs, and what it gives back.

- transaction and session commands (``BEGIN``, ``SET`` ...) and ``SHOW name``: answered here;
- a statement that reads a distillr source (``"my_twilio"."messages"``), or distillr's own
  ``SHOW DATABASES``/``SHOW TABLES``/``DESCRIBE``/``EXPLAIN``: the session, as the CLI runs it;
- anything else (``pg_catalog``, ``information_schema``, ``SELECT 1``): the catalog mirror.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa
import sqlglot
from sqlglot import exp

from distillr.dbapi.params import bind_numbered
from distillr.pg.catalog import PgCatalog, local_command
from distillr.sql.dialect import DIALECT, classify

__all__ = ["Outcome", "Statements"]


@dataclass
class Outcome:
    """A command tag, or rows (``schema`` and ``batches``) whose tag is ``SELECT n``."""

    tag: str | None = None
    status: bytes | None = None
    schema: pa.Schema | None = None
    batches: Iterator[pa.RecordBatch] = field(default_factory=lambda: iter(()))
    cancel: Callable[[], None] = lambda: None
    close: Callable[[], None] = lambda: None


def _table_outcome(table: pa.Table, tag: str | None = None) -> Outcome:
    return Outcome(tag=tag, schema=table.schema, batches=iter(table.to_batches()))


class Statements:
    """Runs the statements of one client connection."""

    def __init__(self, session: Any, *, timeout: float | None = None) -> None:
        self.session = session
        self.timeout = timeout
        self.catalog = PgCatalog(session)
        self._sources: set[str] | None = None
        self._lock = threading.Lock()

    def _source_names(self) -> set[str]:
        with self._lock:
            if self._sources is None:
                self._sources = {s.lower() for s in self.session.sources()}
            return self._sources

    def reads_a_source(self, sql: str) -> bool:
        kind = classify(sql).kind
        if kind != "query":
            return True
        try:
            tree = sqlglot.parse_one(sql, dialect=DIALECT)
        except sqlglot.errors.SqlglotError:
            return False
        sources = self._source_names()
        return any(t.db and t.db.lower() in sources for t in tree.find_all(exp.Table))

    def run(self, sql: str, params: list[Any] | None = None) -> Outcome:
        """Start ``sql`` (with ``$n`` parameters); rows stream from the outcome's batches."""
        local = local_command(sql)
        if isinstance(local, pa.Table):
            return _table_outcome(local, "SHOW")
        if local is not None:
            tag, status = local
            return Outcome(tag=tag, status=status)
        if self.reads_a_source(sql):
            text = bind_numbered(sql, params) if params else sql
            result = self.session.sql(text, timeout=self.timeout)
            return Outcome(
                schema=result.schema,
                batches=result.batches(),
                cancel=result.cancel,
                close=result.close,
            )
        return self._catalog(sql, params)

    def _catalog(self, sql: str, params: list[Any] | None) -> Outcome:
        try:
            table = self.catalog.run(sql, params)
        except duckdb.Error as err:
            raise CatalogQueryError(_first_line(str(err))) from None
        return _table_outcome(table)

    def close(self) -> None:
        self.catalog.close()


class CatalogQueryError(Exception):
    """A statement that reads no distillr source, and that the catalog mirror cannot run."""


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "the statement failed"
