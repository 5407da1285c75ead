"""A fake API behind the connector contract, for the engine's tests and benchmarks.

It behaves like a web API, not like a database: filters it declares exact are applied
exactly; filters it declares inexact return a superset (timestamps rounded out to whole UTC
days, equality on ``direction`` ignoring case); anything else it is sent is ignored; it honours
``limit``; it pages (``page_size`` rows per batch, one "request" per page); a column that
declares ``eq`` but not ``in`` is fanned out into one split per value; path parameters are
required; and its rows come in the table's declared order.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal

import pyarrow as pa

from distillr.connectors.base import (
    Column,
    Connector,
    Pred,
    ScanRequest,
    ScanStats,
    Split,
    TableDef,
)
from distillr.errors import MissingParameter, SourceError

UTC = dt.UTC
TS = pa.timestamp("us", tz="UTC")
BASE = dt.datetime(2025, 1, 1, tzinfo=UTC)

CALLS = TableDef(
    name="calls",
    description="Phone calls",
    aliases=("/Calls",),
    order=(("id", False),),
    columns=(
        Column(
            "id",
            pa.int64(),
            "Row id",
            {"eq": True, "in": True, "gt": True, "gte": True, "lt": True, "lte": True},
        ),
        Column("sid", pa.string(), "Call SID", {"eq": True}),
        Column("status", pa.string(), "Call status", {"eq": True}),
        Column("direction", pa.string(), "Direction (API matches any case)", {"eq": False}),
        Column("to", pa.string(), "Called number", {"eq": True, "prefix": True}),
        Column(
            "duration", pa.int64(), "Seconds", {"gt": True, "gte": True, "lt": True, "lte": True}
        ),
        Column("price", pa.float64(), "Price"),
        Column(
            "date_created", TS, "Created", {"gt": False, "gte": False, "lt": False, "lte": False}
        ),
        Column("answered", pa.bool_(), "Answered", {"eq": True}),
        Column(
            "DateCreated",
            pa.date32(),
            "Day created (UTC), as the API spells it",
            {"eq": True, "gte": True, "lte": True, "lt": True, "gt": True},
            expr="CAST(date_created AS DATE)",
        ),
    ),
)

MESSAGES = TableDef(
    name="messages",
    description="Text messages",
    aliases=("/Messages",),
    order=(("date_sent", True),),
    columns=(
        Column("id", pa.int64(), "Row id", {"eq": True}),
        Column("call_id", pa.int64(), "Related call", {"eq": True, "in": True}),
        Column("status", pa.string(), "Message status", {"eq": True, "in": True}),
        Column("body", pa.string(), "Text", {"prefix": False}),
        Column("num_segments", pa.int64(), "Segments", {"gte": True, "lte": False}),
        Column("date_sent", TS, "Sent", {"gte": False, "lt": False}),
    ),
)

RECORDINGS = TableDef(
    name="recordings",
    description="Recordings of one call",
    aliases=("/Calls/:CallSid/Recordings",),
    parameters=("CallSid",),
    order=(("sid", False),),
    columns=(
        Column("sid", pa.string(), "Recording SID", {"eq": True}),
        Column("call_sid", pa.string(), "The call"),
        Column("duration", pa.int64(), "Seconds", {"gte": True}),
        Column("status", pa.string(), "Recording status"),
        Column("CallSid", pa.string(), "Path parameter", {"eq": True}, expr="call_sid"),
    ),
)

# Twilio's shape: the parameter is the real column, with an API-spelled alias
CALL_RECORDINGS = TableDef(
    name="call_recordings",
    description="Recordings of one call, parameter on the real column",
    aliases=("/Calls/:CallSid/Recordings",),
    parameters=("call_sid",),
    columns=(
        Column("sid", pa.string(), "Recording SID"),
        Column("call_sid", pa.string(), "The call", {"eq": True}),
        Column("duration", pa.int64(), "Seconds"),
        Column("status", pa.string(), "Recording status"),
        Column("CallSid", pa.string(), "Path parameter", {"eq": True}, expr="call_sid"),
    ),
)

# how the fake API computes its virtual columns
VIRTUAL: dict[str, Callable[[dict], object]] = {
    "DateCreated": lambda row: row["date_created"].date() if row["date_created"] else None,
    "CallSid": lambda row: row["call_sid"],
}

STATUSES = ["completed", "busy", "failed", "no-answer", None]
DIRECTIONS = ["inbound", "Inbound", "outbound-api", "OUTBOUND-API", None]


def make_rows(seed: int = 7, n_calls: int = 40, n_messages: int = 60) -> dict[str, list[dict]]:
    rnd = random.Random(seed)
    calls = []
    for i in range(1, n_calls + 1):
        created = BASE + dt.timedelta(hours=rnd.randrange(0, 24 * 6), minutes=rnd.randrange(60))
        calls.append(
            {
                "id": i,
                "sid": f"CA{i:04d}",
                "status": rnd.choice(STATUSES),
                "direction": rnd.choice(DIRECTIONS),
                "to": rnd.choice(["+1555", "+1666", "+44"]) + f"{rnd.randrange(1000):03d}",
                "duration": rnd.choice([None, *range(0, 120, 7)]),
                "price": rnd.choice([None, 0.25, 0.5, 1.0]),
                "date_created": created if rnd.random() > 0.1 else None,
                "answered": rnd.choice([True, False, None]),
            }
        )
    messages = []
    for i in range(1, n_messages + 1):
        sent = BASE + dt.timedelta(hours=rnd.randrange(0, 24 * 6), seconds=rnd.randrange(3600))
        messages.append(
            {
                "id": i,
                "call_id": rnd.choice([None, *range(1, n_calls + 5)]),
                "status": rnd.choice(["sent", "delivered", "failed", None]),
                "body": rnd.choice(["hello", "Hello there", "help", "bye", None]),
                "num_segments": rnd.choice([None, 1, 2, 3]),
                "date_sent": sent,
            }
        )
    messages.sort(key=lambda r: (r["date_sent"], r["id"]), reverse=True)
    recordings = []
    for call in calls:
        for j in range(rnd.choice([0, 0, 1, 2])):
            recordings.append(
                {
                    "sid": f"RE{call['id']:04d}{j}",
                    "call_sid": call["sid"],
                    "duration": rnd.randrange(0, 60),
                    "status": rnd.choice(["completed", "processing"]),
                }
            )
    return {"calls": calls, "messages": messages, "recordings": recordings}


def _day_floor(ts: dt.datetime) -> dt.datetime:
    return ts.replace(hour=0, minute=0, second=0, microsecond=0)


def _matches(row: dict, pred: Pred, exact: bool) -> bool:
    value = VIRTUAL[pred.column](row) if pred.column in VIRTUAL else row.get(pred.column)
    if value is None:
        return False
    target = pred.value
    if not exact and isinstance(value, dt.datetime):
        # the API rounds the bound out to whole UTC days (a superset)
        target = (
            _day_floor(target)
            if pred.op in ("gt", "gte")
            else (_day_floor(target) + dt.timedelta(days=1))
        )
        op = {"gt": "gte", "gte": "gte", "lt": "lt", "lte": "lt"}[pred.op]
    elif not exact and isinstance(value, str):
        value = value.lower()
        target = tuple(t.lower() for t in target) if isinstance(target, tuple) else target.lower()
        op = pred.op
    elif not exact and pred.op in ("lte", "lt"):
        target, op = target + 1, "lte"  # an off-by-one superset
    else:
        op = pred.op
    if op == "eq":
        return value == target
    if op == "in":
        return value in target
    if op == "gt":
        return value > target
    if op == "gte":
        return value >= target
    if op == "lt":
        return value < target
    if op == "lte":
        return value <= target
    if op == "prefix":
        return value.lower().startswith(target.lower()) if not exact else value.startswith(target)
    raise AssertionError(op)


class FakeConnector(Connector):
    """The fake API. ``fail_after`` pages makes ``read`` raise a ``SourceError``;
    ``delay`` seconds per page makes it slow (for cancellation tests)."""

    type = "fake"

    def __init__(
        self,
        name: str = "fake",
        *,
        rows: dict[str, list[dict]] | None = None,
        tables: Sequence[TableDef] = (CALLS, MESSAGES, RECORDINGS),
        page_size: int = 7,
        max_fanout: int = 50,
        max_concurrency: int = 4,
        fail_after: int | None = None,
        delay: float = 0.0,
        generated: dict[str, Callable[[int], pa.RecordBatch | None]] | None = None,
    ):
        super().__init__(name)
        self._tables = list(tables)
        self.rows = rows if rows is not None else make_rows()
        self.page_size = page_size
        self.max_fanout = max_fanout
        self.max_concurrency = max_concurrency
        self.fail_after = fail_after
        self.delay = delay
        self.generated = generated or {}
        self.requests: list[ScanRequest] = []
        self.reads: list[Split] = []
        self.open_reads = 0
        self.max_open_reads = 0
        self.closed_generators = 0
        self._lock = threading.Lock()

    def tables(self) -> Sequence[TableDef]:
        return self._tables

    def plan(self, request: ScanRequest, stats: ScanStats | None = None) -> Sequence[Split]:
        self.requests.append(request)
        table = self.table(request.table)
        for param in table.parameters:
            names = {param} | {c.name for c in table.columns if c.expr == param}
            if not any(p.column in names and p.op in ("eq", "in") for p in request.predicates):
                raise MissingParameter(
                    f"{table.name} needs {param}", table=table.name, parameter=param
                )
        # fan out `in` on a column that only takes `eq` (and path parameters)
        fixed, fan = [], None
        for p in request.predicates:
            col = table.column(p.column)
            if p.op == "in" and "in" not in col.filters and fan is None:
                fan = p
            else:
                fixed.append(p)
        values = fan.value if fan is not None else [None]
        splits = []
        for v in values:
            preds = list(fixed) + ([Pred(fan.column, "eq", v)] if fan is not None else [])
            shown = "&".join(f"{p.column}:{p.op}={p.value}" for p in preds)
            splits.append(
                Split(
                    table=table.name,
                    params={"preds": tuple(preds)},
                    limit=request.limit,
                    describe=f"GET /{table.name}" + (f"?{shown}" if shown else ""),
                )
            )
        return splits

    def read(self, split: Split, stats: ScanStats | None = None) -> Iterator[pa.RecordBatch]:
        stats = stats or ScanStats()
        with self._lock:
            self.reads.append(split)
            self.open_reads += 1
            self.max_open_reads = max(self.max_open_reads, self.open_reads)
        try:
            table = self.table(split.table)
            if table.name in self.generated:
                yield from self._read_generated(table, split, stats)
                return
            data = self.rows["recordings" if table.name == "call_recordings" else table.name]
            rows = [r for r in data if self._keep(table, r, split)]
            if split.limit is not None:
                rows = rows[: split.limit]
            pages = 0
            schema = table.schema
            for start in range(0, max(len(rows), 1), self.page_size):
                if self.delay:
                    import time

                    time.sleep(self.delay)
                if self.fail_after is not None and pages >= self.fail_after:
                    raise SourceError(
                        "HTTP 500 from the fake API (code 20500): boom",
                        status=500,
                        code=20500,
                        api_message="boom",
                        path=f"/{table.name}",
                    )
                page = rows[start : start + self.page_size]
                batch = pa.RecordBatch.from_pylist(page, schema=schema)
                pages += 1  # noqa: SIM113 - counts pages served, not rows
                stats.add(requests=1, pages=1, rows=batch.num_rows, bytes=batch.nbytes)
                yield batch
        finally:
            with self._lock:
                self.open_reads -= 1
                self.closed_generators += 1

    def _read_generated(self, table, split, stats):
        i = 0
        while True:
            if self.delay:
                import time

                time.sleep(self.delay)
            if self.fail_after is not None and i >= self.fail_after:
                raise SourceError(
                    "HTTP 500 from the fake API (code 20500): boom",
                    status=500,
                    code=20500,
                    api_message="boom",
                    path=f"/{table.name}",
                )
            batch = self.generated[table.name](i)
            if batch is None:
                return
            stats.add(requests=1, pages=1, rows=batch.num_rows, bytes=batch.nbytes)
            yield batch
            i += 1

    @staticmethod
    def _keep(table: TableDef, row: dict, split: Split) -> bool:
        for p in split.params["preds"]:
            col = table.column(p.column)
            if p.op not in col.filters and not (p.op == "in" and "eq" in col.filters):
                continue  # the API ignores what it does not know
            exact = col.filters.get(p.op, col.filters.get("eq", True))
            if not _matches(row, p, exact):
                return False
        return True


def big_table(
    rows: int, page_rows: int = 10_000
) -> tuple[TableDef, Callable[[int], pa.RecordBatch | None]]:
    """A generated table of ``rows`` rows (``id``, ``status``, ``amount``), page by page."""
    table = TableDef(
        name="big",
        columns=(
            Column("id", pa.int64()),
            Column("status", pa.string()),
            Column("amount", pa.float64()),
        ),
    )
    statuses = pa.array(["completed", "busy", "failed", "no-answer", "queued"])

    def page(i: int) -> pa.RecordBatch | None:
        start = i * page_rows
        if start >= rows:
            return None
        n = min(page_rows, rows - start)
        ids = pa.array(range(start, start + n), type=pa.int64())
        import pyarrow.compute as pc

        status = pc.take(statuses, pc.cast(pc.bit_wise_and(ids, 3), pa.int32()))
        amount = pc.multiply(pc.cast(pc.bit_wise_and(ids, 255), pa.float64()), 0.01)
        return pa.RecordBatch.from_arrays([ids, status, amount], schema=table.schema)

    return table, page


__all__ = [
    "CALLS",
    "CALL_RECORDINGS",
    "MESSAGES",
    "RECORDINGS",
    "Decimal",
    "FakeConnector",
    "big_table",
    "make_rows",
]
