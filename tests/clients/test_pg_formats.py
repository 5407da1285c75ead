"""Each PostgreSQL type the wire server advertises, in the binary and the text format, read
back by psycopg's own loaders (the code a client runs): both formats give the Python value
of the Arrow column, edge values and nulls included."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

import pyarrow as pa
import pytest
from psycopg.adapt import Transformer
from psycopg.pq import Format

from distillr.pg.binary import numeric_bytes
from distillr.pg.rows import data_rows, oid_of

EAST = timezone(timedelta(hours=5, minutes=30))


def cells(batch: pa.RecordBatch, binary: bool) -> list[list[bytes | None]]:
    """Parse DataRow messages back into raw cells."""
    data, rows, at = data_rows(batch, [binary] * batch.num_columns), [], 0
    while at < len(data):
        assert data[at : at + 1] == b"D"
        length = int.from_bytes(data[at + 1 : at + 5], "big")
        assert int.from_bytes(data[at + 5 : at + 7], "big") == batch.num_columns
        end, pos, row = at + 1 + length, at + 7, []
        while pos < end:
            size = int.from_bytes(data[pos : pos + 4], "big", signed=True)
            pos += 4
            row.append(None if size < 0 else data[pos : pos + size])
            pos += max(size, 0)
        assert pos == end
        rows.append(row)
        at = end
    return rows


def loaded(col: pa.Array, binary: bool) -> list:
    """The column through DataRows and psycopg's loader for its type and format."""
    loader = Transformer().get_loader(oid_of(col.type), Format.BINARY if binary else Format.TEXT)
    batch = pa.record_batch([col], names=["c"])
    return [None if c is None else loader.load(c) for (c,) in cells(batch, binary)]


def same(got: list, want: list) -> bool:
    def eq(a, b) -> bool:
        if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
            return math.isnan(b)
        return a == b and type(a) is type(b) and str(a) == str(b)

    return len(got) == len(want) and all(eq(a, b) for a, b in zip(got, want))


BIG = Decimal("12345678901234567890.1234567890")
CASES = {
    "int2": pa.array([0, -1, 32767, -32768, None], pa.int16()),
    "int1": pa.array([0, -128, 127, None], pa.int8()),
    "uint8": pa.array([0, 255, None], pa.uint8()),
    "int4": pa.array([0, -(2**31), 2**31 - 1, None], pa.int32()),
    "uint16": pa.array([0, 65535], pa.uint16()),
    "int8": pa.array([0, -(2**63), 2**63 - 1, None, 42], pa.int64()),
    "uint32": pa.array([0, 2**32 - 1], pa.uint32()),
    "uint64": pa.array([0, 2**64 - 1, 10**19, None, 7], pa.uint64()),
    "float8": pa.array([0.0, -0.0, 0.1, -1e300, 5e-324, math.inf, -math.inf, math.nan, None]),
    "float4": pa.array([0.5, -2.25, math.inf, -math.inf, math.nan, None], pa.float32()),
    "bool": pa.array([True, False, None]),
    "text": pa.array(["", "plain", "é ✓ \\ 'quote'", None]),
    "large_text": pa.array(["a", None, "b"], pa.large_string()),
    "dictionary": pa.array(["x", "y", None, "x"]).dictionary_encode(),
    "bytea": pa.array([b"", b"\x00\xff\\x", None], pa.binary()),
    "date": pa.array([date(1970, 1, 1), date(1999, 12, 31), date(2000, 1, 1), date(1, 1, 1)]),
    "date_max": pa.array([date(9999, 12, 31), date(2024, 2, 29), None]),
    "time": pa.array([time(0, 0), time(23, 59, 59, 999999), time(12, 0, 0, 500000), None]),
    "timestamp": pa.array(
        [
            datetime(1969, 12, 31, 23, 59, 59, 999999),
            datetime(2000, 1, 1),
            datetime(1900, 3, 4, 5, 6, 7, 80000),
            datetime(2024, 6, 1, 12, 30, 45, 123456),
            None,
        ]
    ),
    "timestamp_s": pa.array([datetime(2024, 1, 2, 3, 4, 5), None], pa.timestamp("s")),
    "timestamp_ms": pa.array([datetime(2024, 1, 2, 3, 4, 5, 678000)], pa.timestamp("ms")),
    "timestamptz": pa.array(
        [
            datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
            datetime(2024, 1, 2, 8, 4, 5, 123456, tzinfo=EAST),
            datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
            None,
        ],
        pa.timestamp("us", tz="Asia/Kolkata"),
    ),
    "interval": pa.array(
        [timedelta(0), timedelta(days=1, microseconds=5), timedelta(hours=-30, seconds=-1), None],
        pa.duration("us"),
    ),
    "interval_mdn": pa.array(
        [
            pa.scalar((14, 3, 4_000_000_000), pa.month_day_nano_interval()).as_py(),
            pa.scalar((-14, -3, -1_500_000), pa.month_day_nano_interval()).as_py(),
            None,
        ],
        pa.month_day_nano_interval(),
    ),
    "numeric": pa.array(
        [
            Decimal("0E-10"),
            Decimal("-0.0075000000"),
            Decimal("1.0000000000"),
            Decimal("123456789.0123456789"),
            Decimal("-922337203.6854775808"),  # the smallest int64, unscaled
            Decimal("0.0000000001"),
            Decimal("99990000.0000000000"),
            None,
        ],
        pa.decimal128(38, 10),
    ),
    "numeric_wide": pa.array([BIG, -BIG, Decimal("0E-10"), None], pa.decimal128(38, 10)),
    "numeric_int": pa.array([Decimal(0), Decimal(10**37), Decimal(-10000)], pa.decimal128(38, 0)),
    "numeric_odd_scale": pa.array([Decimal("1.23"), Decimal("-0.05")], pa.decimal128(9, 2)),
    "numeric_scale_18": pa.array([Decimal("0.000000000000000001")], pa.decimal128(19, 18)),
    "jsonb_struct": pa.array([{"a": 1, "b": "x"}, None, {"a": None, "b": "é"}]),
    "jsonb_list": pa.array([[1, 2], [], None]),
    "jsonb_map": pa.array([[("k", "v"), ("x", None)], None], pa.map_(pa.string(), pa.string())),
    "nulls": pa.nulls(3),
}


def expected(col: pa.Array) -> list:
    t = col.type
    values = col.to_pylist(maps_as_pydicts="strict")  # a map is a JSON object, as a dict
    if pa.types.is_timestamp(t) and t.tz:
        return [None if v is None else v.astimezone(UTC) for v in values]
    if pa.types.is_uint64(t):
        return [None if v is None else Decimal(v) for v in values]
    if pa.types.is_interval(t):
        return [None if v is None else _mdn(v) for v in values]
    return values


def _mdn(v) -> timedelta:
    years, months = divmod(abs(v.months), 12)
    days = (30 * months + 365 * years) * (1 if v.months >= 0 else -1)
    return timedelta(days=v.days + days, microseconds=v.nanoseconds // 1000)


@pytest.mark.parametrize("binary", [True, False], ids=["binary", "text"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_each_type_reads_back_as_its_arrow_value(name, binary):
    col = CASES[name]
    got = loaded(col, binary)
    assert same(got, expected(col)), (got, expected(col))


def test_timestamptz_reads_back_in_the_clients_zone():
    col = CASES["timestamptz"]
    for binary in (True, False):
        got = loaded(col, binary)
        assert got[:3] == [v for v in col.to_pylist()[:3]]  # the same instants
        assert all(v.utcoffset() == timedelta(0) for v in got[:3])


def test_a_batch_of_mixed_formats_keeps_every_cell_in_place():
    """Fixed-size binary cells, variable ones and nulls side by side in one row."""
    names = ["int8", "text", "float8", "numeric", "bool"]
    n = 3
    batch = pa.record_batch([CASES[k].slice(0, n) for k in names], names=names)
    formats = [True, False, True, True, False]
    data = data_rows(batch, formats)
    tx = Transformer()
    rows, at = [], 0
    while at < len(data):
        end, pos, row = at + 1 + int.from_bytes(data[at + 1 : at + 5], "big"), at + 7, []
        for col, binary in zip(batch.columns, formats):
            size = int.from_bytes(data[pos : pos + 4], "big", signed=True)
            fmt = Format.BINARY if binary else Format.TEXT
            cell = None if size < 0 else data[pos + 4 : pos + 4 + size]
            row.append(None if cell is None else tx.get_loader(oid_of(col.type), fmt).load(cell))
            pos += 4 + max(size, 0)
        rows.append(row)
        at = end
    want = list(zip(*(expected(c) for c in batch.columns)))
    assert [tuple(r) for r in rows] == want


def test_numeric_bytes_match_postgresql_for_known_values():
    """Digits, weight, sign and scale as PostgreSQL's numeric_send writes them."""
    assert numeric_bytes(Decimal("0")) == bytes.fromhex("0000 0000 0000 0000")
    # 12345.678: digits 1, 2345, 6780; weight 1; scale 3
    assert numeric_bytes(Decimal("12345.678")) == bytes.fromhex(
        "0003 0001 0000 0003 0001 0929 1a7c"
    )
    # -0.0001: one digit 1 at weight -1
    assert numeric_bytes(Decimal("-0.0001")) == bytes.fromhex("0001 ffff 4000 0004 0001")
    assert numeric_bytes(Decimal("NaN")) == bytes.fromhex("0000 0000 c000 0000")
    # 10000: one digit 1 at weight 1 (the trailing zero digit left out)
    assert numeric_bytes(Decimal("10000")) == bytes.fromhex("0001 0001 0000 0000 0001")


def test_vectorised_numeric_matches_the_per_value_encoding():
    values = [
        Decimal(f"{sign}{i * 7919 % 10**8}.{i * 104729 % 10**6:06d}")
        for sign in ("", "-")
        for i in range(500)
    ]
    flat = pa.array(values, pa.decimal128(20, 6))
    batch = pa.record_batch([flat], names=["n"])
    got = [c for (c,) in cells(batch, True)]
    assert got == [numeric_bytes(v, 6) for v in flat.to_pylist()]
