"""Run a plan: fetch every table reference's splits, feed DuckDB, stream the answer.

Each table reference gets a bounded queue filled by a small thread pool (one task per split,
at most ``connector.max_concurrency`` requests of one source in flight). DuckDB scans the
queue as a ``pyarrow.RecordBatchReader``, so an aggregate over a million rows holds a few pages
at a time. Table references that must be read first (the other side of a bind join) are read
into memory. Errors in fetch threads, ``Result.cancel()``, a timeout and Ctrl-C all stop the
work and surface as the original distillr error or ``QueryCancelled``.
"""

from __future__ import annotations

import queue
import re
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import duckdb
import pyarrow as pa

from distillr.connectors.base import Connector, Pred, Split, TableDef
from distillr.errors import (
    CatalogError,
    DistillrError,
    QueryCancelled,
    SourceError,
    SqlError,
    TooManyRequests,
    UnsupportedError,
    did_you_mean,
)
from distillr.sql.caps import check_timeout
from distillr.sql.plan import Plan, TableScan
from distillr.sql.result import QueryStats, Result, TableStats
from distillr.sql.surface import clean_message
from distillr.sql.values import NotPushable, convert

__all__ = ["Execution", "Query", "Rescan", "conform", "run", "translate_duckdb_error"]

QUEUE_BATCHES = 8
RESULT_BATCH_ROWS = 65_536
_DONE = object()


_EMPTY: dict[int, tuple[TableDef, pa.Table]] = {}


def _empty(table: TableDef) -> pa.Table:
    """An empty Arrow table in the table's schema (cached: schemas cost to build)."""
    hit = _EMPTY.get(id(table))
    if hit is None or hit[0] is not table:
        if len(_EMPTY) > 1000:
            _EMPTY.clear()
        # not Schema.empty_table(): it imports pandas (~0.5 s), which LIMIT 0 never needs
        hit = (table, pa.Table.from_batches([], schema=table.schema))
        _EMPTY[id(table)] = hit
    return hit[1]


_SEMAPHORES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_SEMAPHORES_LOCK = threading.Lock()


def source_semaphore(connector: Connector) -> threading.Semaphore:
    """Pages of one source in flight at once, across every query of the process."""
    with _SEMAPHORES_LOCK:
        sem = _SEMAPHORES.get(connector)
        if sem is None:
            sem = threading.BoundedSemaphore(max(1, int(connector.max_concurrency)))
            _SEMAPHORES[connector] = sem
        return sem


class Rescan(DistillrError):
    """DuckDB needed to scan a streamed table twice; run again with tables in memory."""


class _Failure:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


class _State:
    """Shared between the query's threads: stop flags and the first error."""

    def __init__(self) -> None:
        self.stopped = threading.Event()
        self.cancelled = threading.Event()
        self.reason = ""
        self.error: BaseException | None = None
        self.lock = threading.Lock()

    def fail(self, exc: BaseException) -> None:
        with self.lock:
            if self.error is None and not self.cancelled.is_set():
                self.error = exc
        self.stopped.set()


def conform(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """The batch in exactly the table's schema: same columns, order and types."""
    if isinstance(batch, pa.Table):
        batch = (
            batch.combine_chunks().to_batches()[0]
            if batch.num_rows
            else pa.RecordBatch.from_pylist([], schema=schema)
        )
    if batch.schema.equals(schema):
        return batch
    by_name = {name.lower(): i for i, name in enumerate(batch.schema.names)}
    arrays = []
    for f in schema:
        i = by_name.get(f.name.lower())
        if i is None:
            arrays.append(pa.nulls(batch.num_rows, type=f.type))
            continue
        arr = batch.column(i)
        if not arr.type.equals(f.type):
            arr = arr.cast(f.type)
        arrays.append(arr)
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


class _TableStream:
    """The splits of one table reference, read concurrently into a bounded queue."""

    def __init__(
        self,
        scan: TableScan,
        splits: list[Split],
        stats: TableStats,
        state: _State,
        semaphore: threading.Semaphore,
        progress: Callable[[], None],
    ) -> None:
        self.scan = scan
        self.splits = splits
        self.stats = stats
        self.state = state
        self.semaphore = semaphore
        self.progress = progress
        self.schema = scan.table.schema
        self.queue: queue.Queue = queue.Queue(maxsize=QUEUE_BATCHES)
        self.pool: ThreadPoolExecutor | None = None
        self._consumed = False

    def start(self) -> None:
        if len(self.splits) <= 1:
            return  # one split is read inline, by whoever consumes the stream
        workers = max(1, min(len(self.splits), self.scan.connector.max_concurrency))
        self.pool = ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix=f"distillr-{self.scan.private}"
        )
        for split in self.splits:
            self.pool.submit(self._run, split)

    def stop(self, wait: bool = False) -> None:
        """Stop the split readers; with ``wait``, until each has returned (a request in
        flight is answered first, so the stats count every request sent)."""
        if self.pool is not None:
            self.pool.shutdown(wait=wait, cancel_futures=True)

    def _put(self, item: Any) -> bool:
        while True:
            try:
                self.queue.put(item, timeout=0.05)
                return True
            except queue.Full:
                if self.state.stopped.is_set():
                    return False

    def _acquire(self) -> bool:
        while not self.semaphore.acquire(timeout=0.05):
            if self.state.stopped.is_set():
                return False
        return True

    def _run(self, split: Split) -> None:
        gen = None
        try:
            if self.state.stopped.is_set():
                return
            gen = iter(self.scan.connector.read(split, self.stats.scan))
            while not self.state.stopped.is_set():
                if not self._acquire():
                    break
                try:
                    if self.state.stopped.is_set():
                        break
                    batch = next(gen, _DONE)
                finally:
                    self.semaphore.release()
                if batch is _DONE:
                    break
                if not self._put(conform(batch, self.schema)):
                    break
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the consumer
            self.state.fail(exc)
            self._put(_Failure(exc))
        finally:
            _close_quietly(gen)
            self._put(_DONE)

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        if self._consumed:
            raise DistillrError(f"{self.scan.ref} was scanned twice")
        self._consumed = True
        if len(self.splits) == 1:
            yield from self._inline(self.splits[0])
            return
        try:
            yield from self._drain()
        except KeyboardInterrupt as exc:  # Ctrl-C lands on whichever thread DuckDB scans in
            self.state.fail(exc)
            raise

    def _drain(self) -> Iterator[pa.RecordBatch]:
        remaining = len(self.splits)
        while remaining:
            try:
                item = self.queue.get(timeout=0.05)
            except queue.Empty:
                if self.state.stopped.is_set():
                    raise _stopped(self.state) from None
                continue
            if item is _DONE:
                remaining -= 1
                continue
            if isinstance(item, _Failure):
                raise _stopped(self.state)
            with self.state.lock:
                self.stats.batches += 1
                self.stats.rows += item.num_rows
            self.progress()
            yield item

    def _inline(self, split: Split) -> Iterator[pa.RecordBatch]:
        gen = None
        try:
            gen = iter(self.scan.connector.read(split, self.stats.scan))
            while True:
                if self.state.stopped.is_set():
                    raise _stopped(self.state)
                if not self._acquire():
                    raise _stopped(self.state)
                try:
                    batch = next(gen, _DONE)
                finally:
                    self.semaphore.release()
                if batch is _DONE:
                    return
                batch = conform(batch, self.schema)
                with self.state.lock:
                    self.stats.batches += 1
                    self.stats.rows += batch.num_rows
                self.progress()
                yield batch
        except BaseException as exc:
            if exc is not self.state.error and not isinstance(exc, QueryCancelled):
                self.state.fail(exc)
            raise
        finally:
            _close_quietly(gen)

    def reader(self) -> pa.RecordBatchReader:
        return pa.RecordBatchReader.from_batches(self.schema, iter(self))


def _stopped(state: _State) -> BaseException:
    if state.error is not None:
        return state.error
    return QueryCancelled(state.reason or "The query was cancelled.")


# --------------------------------------------------------------------------- errors

_PRIVATE = re.compile(r'"?(__distillr_\d+_\d+)"?')


def _clean(message: str, plan: Plan | None) -> str:
    first = message.strip().split("\n\nLINE")[0].split("\nLINE ")[0].strip()
    first = clean_message(re.sub(r"^[A-Za-z ]+ Error: ", "", first)).strip()
    if plan is not None:
        names = {s.private: s.ref for s in plan.scans}
        first = _PRIVATE.sub(lambda m: names.get(m.group(1), m.group(1)), first)
    return first


def translate_duckdb_error(exc: Exception, plan: Plan | None) -> DistillrError:
    """A DuckDB error as the distillr error a user can act on."""
    text = _clean(str(exc), plan)
    if "expression depth" in text.lower():
        return SqlError(
            "The query's expressions nest too deeply for DuckDB (a chain of more than 1000"
            " operators, such as AND, OR or +). Write a long list of values as IN (...), or"
            " split the query with a CTE."
        )
    if isinstance(exc, duckdb.BinderException | duckdb.CatalogException):
        m = re.search(r'Referenced column "([^"]+)" not found', text) or re.search(
            r'column "([^"]+)" (?:not found|does not exist)', text, re.I
        )
        if m:
            name = m.group(1)
            names: list[str] = []
            for scan in plan.scans if plan else []:
                names.extend(c.name for c in scan.table.columns)
            hint = did_you_mean(name, names)
            if not hint:
                cand = re.search(r'Candidate bindings: "([^"]+)"', str(exc))
                if cand:
                    hint = did_you_mean(name, [cand.group(1).split(".")[-1]])
            return CatalogError(
                f"Unknown column '{name}'.{hint} Run DESCRIBE on the table to see its columns."
            )
        if "No function matches" in text or "Cannot compare" in text or "Cannot mix" in text:
            return SqlError(f"{text.rstrip('.')}. Add a CAST to the type the function expects.")
        m = re.search(r"Scalar Function with name (\w+) does not exist", text) or re.search(
            r"Function with name (\w+) does not exist", text
        )
        if m:
            return UnsupportedError(f"Function {m.group(1).upper()} is not supported by distillr.")
        return CatalogError(text)
    if isinstance(exc, duckdb.ConversionException | duckdb.OutOfRangeException):
        return SqlError(f"{text}. CAST is strict: use TRY_CAST to turn bad values into NULL.")
    if isinstance(exc, duckdb.ParserException | duckdb.SyntaxException):
        return SqlError(f"SQL error: {text}")
    if isinstance(exc, duckdb.PermissionException):
        return UnsupportedError(
            "Queries read API tables only: reading or writing files,"
            " ATTACH and extensions are switched off."
        )
    if isinstance(exc, duckdb.NotImplementedException):
        return UnsupportedError(f"Not supported: {text}")
    return DistillrError(f"Query failed: {text}")


# --------------------------------------------------------------------------- execution


class Execution:
    """One attempt at running a plan: streams in, DuckDB query, batches out."""

    def __init__(
        self,
        plan: Plan,
        db: duckdb.DuckDBPyConnection,
        stats: QueryStats,
        *,
        progress: Callable[[QueryStats], Any] | None = None,
        materialize: bool = False,
    ) -> None:
        self.plan = plan
        self.materialize_all = materialize
        self.db = db
        self.progress_fn = progress
        self.state = _State()
        self.stats = stats
        stats.tables[:] = [TableStats(ref=s.ref, limit=s.limit) for s in plan.scans]
        self.streams: list[_TableStream] = []
        self.cursor: duckdb.DuckDBPyConnection | None = None
        self.types: list[str] | None = None  # DuckDB's type of each result column
        self._last_progress = 0.0
        self._finished = False

    # -- control
    def cancel(self, reason: str = "The query was cancelled.") -> None:
        with self.state.lock:
            if not self.state.cancelled.is_set() and self.state.error is None:
                self.state.reason = reason
                self.state.cancelled.set()
        self.state.stopped.set()
        cursor = self.cursor
        if cursor is not None:
            try:
                cursor.interrupt()
            except Exception:  # noqa: BLE001 - the cursor may be closing
                pass

    def finish(self, wait: bool = False) -> None:
        if self._finished:
            return
        self._finished = True
        self.state.stopped.set()
        for stream in self.streams:
            stream.stop(wait)
        cursor, self.cursor = self.cursor, None
        if cursor is not None:
            try:
                cursor.close()
            except Exception:  # noqa: BLE001
                pass

    def _progress(self) -> None:
        if self.progress_fn is None:
            return
        now = time.perf_counter()
        if now - self._last_progress < 0.2:
            return
        self._last_progress = now
        try:
            self.progress_fn(self.stats)
        except BaseException as exc:
            self.state.fail(exc)
            raise

    def guard(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn``; turn whatever it raises into the error the user should see."""
        try:
            return fn()
        except KeyboardInterrupt:
            self.cancel("The query was cancelled (Ctrl-C).")
            self.finish()
            raise QueryCancelled("The query was cancelled (Ctrl-C).") from None
        except BaseException as exc:
            err = self._error_for(exc)
            self.finish()
            if err is exc:
                raise
            raise err from None

    def _error_for(self, exc: BaseException) -> BaseException:
        if self.state.cancelled.is_set():
            return QueryCancelled(self.state.reason or "The query was cancelled.")
        if isinstance(self.state.error, KeyboardInterrupt):
            return QueryCancelled("The query was cancelled (Ctrl-C).")
        if self.state.error is not None:
            return _user_error(self.state.error)
        if isinstance(exc, DistillrError):
            return exc
        if isinstance(exc, duckdb.InterruptException) or (
            isinstance(exc, duckdb.Error) and "KeyboardInterrupt" in str(exc)
        ):
            return QueryCancelled("The query was cancelled.")
        if isinstance(exc, duckdb.InvalidInputException) and "already been consumed" in str(exc):
            return Rescan("A streamed table had to be scanned twice.")
        if isinstance(exc, duckdb.Error):
            return translate_duckdb_error(exc, self.plan)
        return exc

    # -- running
    def check(self, schema: bool = False) -> list[str] | pa.Schema:
        """Bind the query over empty tables, so that unknown columns and type errors show
        before anything is fetched. Returns the result's column names (or, with ``schema``,
        its Arrow schema, which costs a run of the query over the empty tables)."""
        cursor = self.db.cursor()
        try:
            for scan in self.plan.scans:
                cursor.register(scan.private, _empty(scan.table))
            relation = cursor.sql(self.plan.sql)
            if relation is None:
                raise UnsupportedError("distillr runs queries that return rows.")
            names = list(relation.columns)
            self.types = [str(t) for t in relation.types]
            if not schema:
                return names
            # LIMIT 0 renames duplicate column names, so the names come from the query itself
            types = relation.limit(0).to_arrow_table().schema
            return pa.schema([pa.field(name, f.type) for name, f in zip(names, types)])
        except duckdb.Error as exc:
            raise self._error_for(exc) from None
        finally:
            cursor.close()

    def open(self) -> tuple[pa.RecordBatchReader, pa.RecordBatch | None]:
        """Fetch, run, and read the first batch (most failures show by then)."""
        return self.guard(self._open)

    def _open(self) -> tuple[pa.RecordBatchReader, pa.RecordBatch | None]:
        self.cursor = self.db.cursor()
        if self.state.stopped.is_set():
            raise _stopped(self.state)
        for scan in self._ordered():
            self._feed(scan)
        reader = self.cursor.sql(self.plan.sql).to_arrow_reader(RESULT_BATCH_ROWS)
        try:
            first = reader.read_next_batch()
        except StopIteration:
            first = None
        return reader, first

    def next_batch(self, reader: pa.RecordBatchReader) -> pa.RecordBatch | None:
        def read() -> pa.RecordBatch | None:
            try:
                return reader.read_next_batch()
            except StopIteration:
                return None

        return self.guard(read)

    def _ordered(self) -> list[TableScan]:
        done: set[int] = set()
        out: list[TableScan] = []

        def visit(scan: TableScan) -> None:
            if scan.index in done:
                return
            if scan.bind is not None:
                visit(self.plan.scans[scan.bind.other])
            done.add(scan.index)
            out.append(scan)

        for scan in self.plan.scans:
            visit(scan)
        return out

    def _feed(self, scan: TableScan) -> None:
        table_stats = self.stats.tables[scan.index]
        splits: list[Split] = []
        if not scan.empty:
            extra: tuple[Pred, ...] = ()
            if scan.bind is not None:
                extra = self._bind_keys(scan)
            if extra is not None:
                request = scan.request(extra)
                table_stats.pushed = [f"{p.column} {p.op} {p.value!r}" for p in request.predicates]
                splits = list(scan.connector.plan(request, table_stats.scan))
        table_stats.splits = [s.describe or repr(dict(s.params)) for s in splits]
        sem = source_semaphore(scan.connector)
        stream = _TableStream(scan, splits, table_stats, self.state, sem, self._progress)
        self.streams.append(stream)
        stream.start()
        if scan.materialize or self.materialize_all:
            table = pa.Table.from_batches(list(stream), schema=stream.schema)
            self.cursor.register(scan.private, table)
        else:
            self.cursor.register(scan.private, stream.reader())

    def _bind_keys(self, scan: TableScan) -> tuple[Pred, ...] | None:
        bind = scan.bind
        rows = self.cursor.execute(bind.key_sql).fetchall()
        column = scan.table.column(bind.parameter)
        values = []
        for (value,) in rows:
            if value is None:
                continue
            try:
                values.append(convert(value, column.type))
            except NotPushable:
                values.append(value)
        values = list(dict.fromkeys(values))
        if len(values) > bind.cap:
            raise TooManyRequests(
                f"{scan.ref} is joined on its path parameter {bind.parameter} ({bind.on}):"
                f" {len(values)} distinct values would need {len(values)} requests; the limit"
                f" for source '{scan.source}' is {bind.cap}. Filter the other table more"
                f" narrowly, or give {bind.parameter} in the WHERE clause."
            )
        if not values:
            return None
        if len(values) == 1:
            return (Pred(bind.parameter, "eq", values[0]),)
        return (Pred(bind.parameter, "in", tuple(values)),)


class Query:
    """One query from ``Session.sql`` to its last batch.

    Nothing is fetched until the result is read. The timeout counts from the start. If DuckDB
    must scan a streamed table twice (it re-evaluates some subqueries), the query runs again
    with every table read into memory first.
    """

    def __init__(
        self,
        plan: Plan,
        db: duckdb.DuckDBPyConnection,
        *,
        timeout: float | None = None,
        progress: Callable[[QueryStats], Any] | None = None,
    ) -> None:
        timeout = check_timeout(timeout)
        self.plan = plan
        self.db = db
        self.progress = progress
        self.stats = QueryStats()
        self.execution = Execution(plan, db, self.stats, progress=progress)
        self.columns = self.execution.check()
        self.cancelled: str | None = None
        self.timer: threading.Timer | None = None
        if timeout is not None:
            self.timer = threading.Timer(
                timeout,
                self.cancel,
                args=(
                    f"The query ran past its timeout of {timeout:g} s and was cancelled."
                    " Narrow it with WHERE or LIMIT, or raise the timeout.",
                ),
            )
            self.timer.daemon = True
            self.timer.start()

    def cancel(self, reason: str = "The query was cancelled.") -> None:
        if self.cancelled is None:
            self.cancelled = reason
        self.execution.cancel(self.cancelled)

    def finish(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
        self.execution.finish()
        if self.stats.finished is None:
            self.stats.finished = time.perf_counter()

    def batches(self) -> Iterator[pa.RecordBatch]:
        try:
            if self.cancelled is not None:
                raise QueryCancelled(self.cancelled)
            try:
                reader, first = self.execution.open()
            except Rescan:
                self.execution = Execution(
                    self.plan, self.db, self.stats, progress=self.progress, materialize=True
                )
                if self.cancelled is not None:
                    raise QueryCancelled(self.cancelled) from None
                reader, first = self.execution.open()
            if first is not None:
                yield first
            while True:
                batch = self.execution.next_batch(reader)
                if batch is None:
                    # read to the end: let requests still in flight (a LIMIT met early) be
                    # answered, so the stats are final when the result is
                    self.execution.finish(wait=True)
                    return
                yield batch
        finally:
            self.finish()

    def result(self) -> Result:
        plan, db = self.plan, self.db

        def schema() -> pa.Schema:
            return Execution(plan, db, QueryStats()).check(schema=True)

        return Result(
            columns=self.columns,
            schema=schema,
            source=self.batches,
            stats=self.stats,
            cancel=self.cancel,
            finish=self.finish,
            types=self.execution.types,
            db=db,
        )


def _user_error(exc: BaseException) -> BaseException:
    if isinstance(exc, DistillrError | KeyboardInterrupt):
        return exc
    return SourceError(f"Reading the data failed: {type(exc).__name__}: {exc}")


def run(
    plan: Plan,
    db: duckdb.DuckDBPyConnection,
    *,
    timeout: float | None = None,
    progress: Callable[[QueryStats], Any] | None = None,
) -> Result:
    """Check a plan against DuckDB now; fetch and run it when the result is read."""
    try:
        return Query(plan, db, timeout=timeout, progress=progress).result()
    except KeyboardInterrupt:
        raise QueryCancelled("The query was cancelled (Ctrl-C).") from None


def _close_quietly(gen: object) -> None:
    """Close a split's generator (releasing its connection); a failure to close changes nothing."""
    close = getattr(gen, "close", None)
    if close is not None:
        try:
            close()
        except Exception:  # noqa: BLE001 - closing a failed generator
            pass
