"""Where one statement from a PostgreSQL client runs, and what it gives back.

- transaction and session commands (``BEGIN``, ``SET`` ...) and ``SHOW name``: answered here;
- a statement that reads a distillr source (``"my_twilio"."messages"``), or distillr's own
  ``SHOW DATABASES``/``SHOW TABLES``/``DESCRIBE``/``EXPLAIN``: the session, as the CLI runs it;
- anything else (``pg_catalog``, ``information_schema``, ``SELECT 1``): the catalog mirror.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa
import sqlglot
from sqlglot import exp

from distillr.dbapi.params import bind_numbered
from distillr.pg.catalog import PgCatalog, local_command
from distillr.pg.errors import CatalogQueryError
from distillr.sql.dialect import DIALECT, classify

__all__ = ["CATALOG_SCHEMAS", "Outcome", "Statements"]

#: schemas the catalog mirror answers for
CATALOG_SCHEMAS = frozenset({"pg_catalog", "information_schema", "main", "distillr_pg"})


@dataclass
class Outcome:
    """A command tag, or rows (``schema`` and ``batches``) whose tag is ``SELECT n``."""

    tag: str | None = None
    status: bytes | None = None
    schema: pa.Schema | None = None
    batches: Iterator[pa.RecordBatch] = field(default_factory=lambda: iter(()))
    cancel: Callable[[], None] = lambda: None
    close: Callable[[], None] = lambda: None
    #: rows of a FETCH: the tag is ``FETCH n``
    fetch: bool = False
    #: rows of a FETCH from a ``DECLARE ... BINARY CURSOR``: in the binary format
    binary: bool = False


def _table_outcome(table: pa.Table, tag: str | None = None) -> Outcome:
    return Outcome(tag=tag, schema=table.schema, batches=iter(table.to_batches()))


_DECLARE = re.compile(
    r"(?is)\s*DECLARE\s+(\"[^\"]+\"|\w+)\s+(BINARY\s+)?(?:INSENSITIVE\s+)?(?:NO\s+)?"
    r"(?:SCROLL\s+)?CURSOR\s+(?:(?:WITH|WITHOUT)\s+HOLD\s+)?FOR\s+(.*)"
)
_FETCH = re.compile(
    r"(?is)\s*FETCH\s+(?:(FORWARD|NEXT)\s+)?(ALL|\d+)?\s*(?:FROM|IN)?\s*(\"[^\"]+\"|\w+)\s*;?\s*"
)
_CLOSE = re.compile(r"(?is)\s*CLOSE\s+(ALL|\"[^\"]+\"|\w+)\s*;?\s*")


def _cursor_name(text: str) -> str:
    return text[1:-1] if text.startswith('"') else text.lower()


@dataclass
class _Cursor:
    schema: pa.Schema
    batches: Iterator[pa.RecordBatch]
    close: Callable[[], None]
    pending: pa.RecordBatch | None = None
    binary: bool = False

    def take(self, count: int | None) -> Iterator[pa.RecordBatch]:
        """Up to ``count`` more rows (all if None), a batch at a time."""
        left = count
        while left is None or left > 0:
            batch, self.pending = self.pending, None
            if batch is None:
                batch = next(self.batches, None)
            if batch is None:
                return
            if left is not None and batch.num_rows > left:
                batch, self.pending = batch.slice(0, left), batch.slice(left)
            if left is not None:
                left -= batch.num_rows
            yield batch


class Statements:
    """Runs the statements of one client connection, and keeps its ``DECLARE``d cursors."""

    def __init__(self, session: Any, *, timeout: float | None = None) -> None:
        self.session = session
        self.timeout = timeout
        self.catalog = PgCatalog(session)
        self.cursors: dict[str, _Cursor] = {}

    def reads_a_source(self, sql: str) -> bool:
        kind = classify(sql).kind
        if kind != "query":
            return True
        try:
            tree = sqlglot.parse_one(sql, dialect=DIALECT)
        except sqlglot.errors.SqlglotError:
            return False
        # a schema that is not the catalog's is a source, known or not (distillr says which)
        return any(t.db and t.db.lower() not in CATALOG_SCHEMAS for t in tree.find_all(exp.Table))

    def run(self, sql: str, params: list[Any] | None = None) -> Outcome:
        """Start ``sql`` (with ``$n`` parameters); rows stream from the outcome's batches."""
        cursor = self._cursor_command(sql, params)
        if cursor is not None:
            return cursor
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

    def _cursor_command(self, sql: str, params: list[Any] | None) -> Outcome | None:
        m = _DECLARE.fullmatch(sql.strip().rstrip(";"))
        if m:
            name = _cursor_name(m.group(1))
            inner = self.run(m.group(3), params)
            if inner.schema is None:
                raise CatalogQueryError("DECLARE needs a query that returns rows")
            self._close_cursor(name)
            cursor = _Cursor(inner.schema, inner.batches, inner.close, binary=bool(m.group(2)))
            self.cursors[name] = cursor
            return Outcome(tag="DECLARE CURSOR")
        m = _FETCH.fullmatch(sql)
        if m:
            name = _cursor_name(m.group(3))
            cursor = self.cursors.get(name)
            if cursor is None:
                raise CatalogQueryError(f'cursor "{name}" does not exist')
            count = None if (m.group(2) or "1").upper() == "ALL" else int(m.group(2) or 1)
            rows = cursor.take(count)
            return Outcome(schema=cursor.schema, batches=rows, fetch=True, binary=cursor.binary)
        m = _CLOSE.fullmatch(sql)
        if m:
            target = m.group(1)
            for name in list(self.cursors) if target.upper() == "ALL" else [_cursor_name(target)]:
                self._close_cursor(name)
            return Outcome(tag="CLOSE CURSOR")
        return None

    def _close_cursor(self, name: str) -> None:
        cursor = self.cursors.pop(name, None)
        if cursor is not None:
            cursor.close()

    def _catalog(self, sql: str, params: list[Any] | None) -> Outcome:
        try:
            table = self.catalog.run(sql, params)
        except duckdb.Error as err:
            raise CatalogQueryError(_first_line(str(err))) from None
        return _table_outcome(table)

    def close(self) -> None:
        for name in list(self.cursors):
            self._close_cursor(name)
        self.catalog.close()


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "the statement failed"
