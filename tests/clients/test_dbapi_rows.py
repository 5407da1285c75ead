"""The DB-API's Python rows from Arrow are ``to_pylist``'s values exactly: the same values,
types and time zones, on its faster paths for timestamps and decimals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pyarrow as pa
import pytest

from distillr.dbapi.rows import python_rows, python_values

STAMPS = [
    datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
    None,
    datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2024, 10, 27, 1, 30, tzinfo=UTC),  # a daylight-saving change in Europe
]
CASES = [
    pa.array(STAMPS, pa.timestamp("us", tz="UTC")),
    pa.array(STAMPS, pa.timestamp("us", tz="Europe/Berlin")),
    pa.array(STAMPS, pa.timestamp("ms", tz="+05:30")),
    pa.array(STAMPS, pa.timestamp("s", tz="America/New_York")),
    pa.array([v and v.replace(tzinfo=None) for v in STAMPS], pa.timestamp("us")),
    pa.array([None, None], pa.timestamp("us", tz="UTC")),
    pa.array([datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59)], pa.timestamp("s")),
    pa.array(
        [Decimal("-0.0075000000"), None, Decimal("12345678901234567890.5")], pa.decimal128(38, 10)
    ),
    pa.array([Decimal("1.5"), Decimal("-2")], pa.decimal128(5, 1)),
    pa.array(["a", None]),
    pa.array([1, None, 3]),
]


@pytest.mark.parametrize("col", CASES, ids=lambda c: str(c.type))
def test_python_values_are_to_pylist(col):
    got, want = python_values(col), col.to_pylist()
    assert got == want
    assert [repr(v) for v in got] == [repr(v) for v in want]  # tzinfo and scale too


def test_python_rows_zip_the_columns():
    batch = pa.record_batch([CASES[0], pa.array([1, 2, 3, 4])], names=["t", "n"])
    assert python_rows(batch) == list(zip(CASES[0].to_pylist(), [1, 2, 3, 4]))
    assert python_rows(pa.record_batch([], names=[])) == []


def test_a_zone_with_an_offset_is_kept():
    col = pa.array(STAMPS, pa.timestamp("us", tz="+05:30"))
    assert python_values(col)[0].utcoffset() == timedelta(hours=5, minutes=30)
    assert python_values(col)[0] == STAMPS[0].astimezone(timezone(timedelta(hours=5, minutes=30)))
