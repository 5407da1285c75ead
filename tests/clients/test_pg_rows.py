"""Values in PostgreSQL's text format, as ``pg/rows.py`` writes them into DataRows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pyarrow as pa

from distillr.pg.rows import data_rows


def _cells(batch: pa.RecordBatch) -> list[list[str | None]]:
    """Parse DataRow messages back into text cells."""
    data, rows, at = data_rows(batch), [], 0
    while at < len(data):
        assert data[at : at + 1] == b"D"
        length = int.from_bytes(data[at + 1 : at + 5], "big")
        end, pos = at + 1 + length, at + 7
        row = []
        while pos < end:
            size = int.from_bytes(data[pos : pos + 4], "big", signed=True)
            pos += 4
            row.append(None if size < 0 else data[pos : pos + size].decode())
            pos += max(size, 0)
        rows.append(row)
        at = end
    return rows


def test_timestamps_keep_their_fraction_and_are_written_in_utc():
    east = timezone(timedelta(hours=5))
    values = [
        datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
        datetime(2024, 1, 2, 3, 4, 5, 250000, tzinfo=UTC),
        datetime(2024, 1, 2, 8, 4, 5, 123456, tzinfo=east),
        None,
    ]
    zoned = pa.array(values, pa.timestamp("us", tz="Asia/Karachi"))
    naive = pa.array([datetime(2024, 1, 2, 3, 4, 5), datetime(2024, 1, 2, 3, 4, 5, 500000)] * 2)
    whole = pa.array([datetime(2024, 1, 2, 3, 4, 5)] * 4, pa.timestamp("s", tz="UTC"))
    batch = pa.record_batch([zoned, naive, whole], names=["zoned", "naive", "whole"])
    assert _cells(batch) == [
        ["2024-01-02 03:04:05+00", "2024-01-02 03:04:05", "2024-01-02 03:04:05+00"],
        ["2024-01-02 03:04:05.25+00", "2024-01-02 03:04:05.5", "2024-01-02 03:04:05+00"],
        ["2024-01-02 03:04:05.123456+00", "2024-01-02 03:04:05", "2024-01-02 03:04:05+00"],
        [None, "2024-01-02 03:04:05.5", "2024-01-02 03:04:05+00"],
    ]
