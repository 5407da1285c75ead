"""Query results and their statistics."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from distillr.connectors.base import ScanStats
from distillr.errors import DistillrError

__all__ = ["QueryStats", "Result", "TableStats"]

#: DuckDB types that Arrow holds as another type: cast back before DuckDB converts them
_ARROW_CHANGES = {"HUGEINT", "UHUGEINT", "UUID"}


@dataclass
class TableStats:
    """What was fetched for one table reference."""

    ref: str
    pushed: list[str] = field(default_factory=list)
    limit: int | None = None
    splits: list[str] = field(default_factory=list)
    scan: ScanStats = field(default_factory=ScanStats)
    batches: int = 0
    rows: int = 0

    def to_dict(self) -> dict:
        return {
            "ref": self.ref,
            "pushed": list(self.pushed),
            "limit": self.limit,
            "splits": list(self.splits),
            "requests": self.scan.requests,
            "pages": self.scan.pages or self.batches,
            "rows": self.rows,
            "bytes": self.scan.bytes,
            "retries": self.scan.retries,
            "cached": self.scan.cached,
        }


@dataclass
class QueryStats:
    """Live counters of one query; ``to_dict()`` for JSON."""

    tables: list[TableStats] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)
    finished: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def requests(self) -> int:
        return sum(t.scan.requests for t in self.tables)

    @property
    def pages(self) -> int:
        return sum(t.scan.pages or t.batches for t in self.tables)

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)

    @property
    def bytes(self) -> int:
        return sum(t.scan.bytes for t in self.tables)

    @property
    def cached(self) -> int:
        """Pages served from the response cache."""
        return sum(t.scan.cached for t in self.tables)

    @property
    def cache_age(self) -> float | None:
        """Seconds since the oldest page served from the cache was stored (``None``: none)."""
        oldest = [t.scan.cached_oldest for t in self.tables if t.scan.cached_oldest is not None]
        return time.time() - min(oldest) if oldest else None

    @property
    def elapsed(self) -> float:
        end = self.finished if self.finished is not None else time.perf_counter()
        return end - self.started

    def to_dict(self) -> dict:
        return {
            "requests": self.requests,
            "pages": self.pages,
            "rows": self.rows,
            "bytes": self.bytes,
            "cached": self.cached,
            "cache_age": None if self.cache_age is None else round(self.cache_age, 1),
            "elapsed": round(self.elapsed, 6),
            "tables": [t.to_dict() for t in self.tables],
        }

    def __repr__(self) -> str:
        return (
            f"QueryStats(requests={self.requests}, pages={self.pages}, rows={self.rows},"
            f" bytes={self.bytes}, elapsed={self.elapsed:.3f}s)"
        )


class Result:
    """The answer to one query.

    Either complete (``SHOW``, ``DESCRIBE``, ``EXPLAIN``) or computed when first read:
    ``batches()`` streams it batch by batch (once); ``arrow()``, ``df()`` and ``fetchall()``
    read it all into memory and keep it. ``columns`` and ``schema`` are known at once.
    """

    def __init__(
        self,
        *,
        table: pa.Table | None = None,
        columns: list[str] | None = None,
        schema: pa.Schema | Callable[[], pa.Schema] | None = None,
        source: Callable[[], Iterator[pa.RecordBatch]] | None = None,
        stats: QueryStats | None = None,
        cancel: Callable[[], None] | None = None,
        finish: Callable[[], None] | None = None,
        types: list[str] | None = None,
        db: duckdb.DuckDBPyConnection | None = None,
    ) -> None:
        self._table = table
        self._types = types  # DuckDB's type of each column
        self._db = db
        self._source = source
        self._cancel = cancel
        self._finish = finish
        self._streamed = False
        if stats is None:
            now = time.perf_counter()
            stats = QueryStats(started=now, finished=now)
        self.stats = stats
        self._schema = table.schema if table is not None else schema
        self._columns = columns

    @property
    def schema(self) -> pa.Schema:
        """The Arrow schema of the result (known before it is read)."""
        if callable(self._schema):
            self._schema = self._schema()
        return self._schema

    @property
    def columns(self) -> list[str]:
        if self._table is not None or self._columns is None:
            return list(self.schema.names)
        return list(self._columns)

    def batches(self) -> Iterator[pa.RecordBatch]:
        """Yield the result batch by batch (streams it if it was not read yet)."""
        if self._table is not None:
            yield from self._table.to_batches()
            return
        if self._streamed:
            raise DistillrError(
                "This result was already read batch by batch; run the query again to read it again."
            )
        self._streamed = True
        try:
            yield from self._source()
        finally:
            self._done()

    def arrow(self) -> pa.Table:
        """The whole result as an Arrow table.

        The table is DuckDB's result batches themselves (``pa.Table.from_batches`` copies
        nothing): its peak memory is the table plus the scan's few pages in flight.
        """
        if self._table is None:
            batches = list(self.batches())
            # from_batches, not Schema.empty_table(), which imports pandas (~0.5 s)
            self._table = pa.Table.from_batches(batches, schema=None if batches else self.schema)
            self._schema = self._table.schema
        return self._table

    def df(self):
        """The whole result as a pandas DataFrame, with DuckDB's types for integer aggregates.

        DuckDB hands ``HUGEINT`` (what ``sum()`` of integers returns) to Arrow as
        ``decimal128(38, 0)``; those columns come from DuckDB's own conversion, as
        ``duckdb``'s ``.df()`` gives them (``float64``). Other columns are Arrow's
        ``to_pandas()`` (decimals stay exact ``Decimal`` objects).
        """
        table = self.arrow()
        frame = table.to_pandas()
        for i in self._retyped(table, {"HUGEINT"}):
            values = self._via_duckdb(table.select([i]), [self._types[i]]).df()
            frame[frame.columns[i]] = values.iloc[:, 0].to_numpy()
        return frame

    def fetchall(self) -> list[tuple]:
        """The whole result as a list of tuples, with the Python types DuckDB gives.

        A query's rows are fetched through DuckDB over the Arrow table, so ``sum()`` of an
        integer column is an ``int`` (not the ``Decimal`` Arrow's ``decimal128(38, 0)``
        would give), a ``UUID`` a ``uuid.UUID``, a map a ``dict``, an interval a
        ``timedelta``.
        """
        table = self.arrow()
        if self._types is not None and self._db is not None and table.num_columns:
            return self._via_duckdb(table, self._types).fetchall()
        columns = [c.to_pylist() for c in table.columns]
        return list(zip(*columns)) if columns else [() for _ in range(table.num_rows)]

    def _retyped(self, table: pa.Table, names: set[str]) -> list[int]:
        """Columns whose DuckDB type is one of ``names``."""
        if self._types is None or self._db is None:
            return []
        return [i for i, t in enumerate(self._types) if t in names and i < table.num_columns]

    def _via_duckdb(self, table: pa.Table, types: list[str]) -> duckdb.DuckDBPyRelation:
        """``table`` read back by DuckDB, each column cast to the type the query gave it where
        Arrow changed it (a cast from a type to itself is free)."""
        plain = table.rename_columns([f"c{i}" for i in range(table.num_columns)])
        cursor = self._db.cursor()
        columns = [
            f'CAST("c{i}" AS {t}) AS "c{i}"' if t in _ARROW_CHANGES else f'"c{i}"'
            for i, t in enumerate(types)
        ]
        return cursor.from_arrow(plain).select(", ".join(columns))

    def cancel(self) -> None:
        """Stop the query (thread-safe); reading it then raises ``QueryCancelled``."""
        if self._cancel is not None:
            self._cancel()

    def close(self) -> None:
        """Stop the query if it is still running and release what it holds."""
        if self._table is None:
            self.cancel()
        self._done()

    def _done(self) -> None:
        if self._finish is not None:
            finish, self._finish = self._finish, None
            finish()

    def __del__(self) -> None:
        # an abandoned streaming result must not keep fetch threads or a timer alive
        try:
            if self._finish is not None:
                self.cancel()
                self._done()
        except Exception:  # noqa: BLE001 - never raise from a finaliser
            pass

    def __repr__(self) -> str:
        state = f"{self._table.num_rows} rows" if self._table is not None else "not read yet"
        return f"<Result columns={self.columns} {state}>"
