"""`distillr query` output written batch by batch: every format gives the same answer as the
whole result read at once (content, order, types, header), and the stats line is on stderr.

The engine's result batches are made small here, so that each query below reaches the writers
in several batches, as a large result does.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import re

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from distillr.cli import plaintable, render, writers
from distillr.errors import SourceError

QUERIES = {
    "all": "SELECT * FROM tw.messages ORDER BY sid",
    "grouped": (
        "SELECT status, count(*) AS n, sum(num_segments) AS segments, min(price) AS cheapest,"
        " max(date_sent) AS latest FROM tw.messages GROUP BY status ORDER BY status"
    ),
    "nulls": (
        "SELECT sid, error_code, error_message, price, date_sent FROM tw.messages"
        " WHERE error_code IS NOT NULL ORDER BY sid"
    ),
    "empty": "SELECT sid, price, date_sent, subresource_uris FROM tw.messages WHERE sid = 'SMnone'",
}
STATS = re.compile(r"[\d,]+ requests? · [\d,]+ pages? · [\d,]+ rows? read · \d+\.\d\d s$")


@pytest.fixture
def tw(cli, home, sandbox, monkeypatch):
    """The sandbox saved as source ``tw``, with results in batches of 100 rows."""
    from distillr.sql import executor

    monkeypatch.setattr(executor, "RESULT_BATCH_ROWS", 100)
    monkeypatch.setenv("TOK", sandbox.auth_token)
    ran = cli(
        "source",
        "add",
        "twilio",
        "tw",
        "--account-sid",
        sandbox.account_sid,
        "--base-url",
        sandbox.base_url,
        "--auth-token-env",
        "TOK",
    )
    assert ran.code == 0, ran.text
    return "tw"


@pytest.fixture
def whole(tw, home):
    """The answer to a query read all at once, through the Python API."""
    import distillr

    def read(sql: str) -> pa.Table:
        with distillr.connect(str(home)) as con:
            return con.sql(sql).arrow()

    return read


def one_batch(table: pa.Table, fmt: str) -> str | bytes:
    """``table`` written by the same writer in one batch: the answer without streaming."""
    out = io.BytesIO() if fmt in writers.BINARY else io.StringIO()
    writers.write_batches(table.combine_chunks().to_batches(), lambda: table.schema, fmt, out)
    return out.getvalue()


def plain(value):
    """A value as JSON gives it back: exact decimals and dates as text, maps as objects."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):  # integers (scale 0) are numbers, as DuckDB's sums
        return int(value) if value.as_tuple().exponent == 0 else str(value)
    return value


def expected_rows(table: pa.Table) -> list[dict]:
    maps = {f.name for f in table.schema if pa.types.is_map(f.type)}
    return [
        {k: (dict(v) if k in maps and v is not None else plain(v)) for k, v in row.items()}
        for row in table.to_pylist()
    ]


@pytest.mark.parametrize("name", list(QUERIES))
def test_json_and_jsonl_equal_the_whole_result(cli, whole, name):
    table = whole(QUERIES[name])
    if name != "empty":
        assert table.num_rows > 100 or name == "grouped"  # several batches
    for fmt in ("json", "jsonl"):
        ran = cli("query", QUERIES[name], "--format", fmt)
        assert ran.code == 0, ran.err
        if fmt == "json":
            rows = json.loads(ran.out)
        else:
            rows = [json.loads(line) for line in ran.out.splitlines()]
        assert rows == expected_rows(table)
        assert all(list(r) == table.column_names for r in rows)  # column order
        assert ran.out == one_batch(table, fmt)
        if name == "grouped":
            assert all(type(r["segments"]) is int and type(r["n"]) is int for r in rows)


@pytest.mark.parametrize("name", list(QUERIES))
def test_csv_equals_the_whole_result(cli, whole, name):
    table = whole(QUERIES[name])
    ran = cli("query", QUERIES[name], "--format", "csv")
    assert ran.code == 0, ran.err
    assert ran.out == one_batch(table, "csv").decode()
    if not any(pa.types.is_nested(t) for t in table.schema.types):
        buf = io.BytesIO()
        pacsv.write_csv(table, buf)  # pyarrow's own CSV of the whole table
        assert ran.out == buf.getvalue().decode()
    parsed = list(csv.reader(io.StringIO(ran.out)))
    assert parsed[0] == table.column_names and len(parsed) == table.num_rows + 1


@pytest.mark.parametrize("name", list(QUERIES))
def test_parquet_equals_the_whole_result(cli, whole, name, tmp_path):
    table = whole(QUERIES[name])
    target = tmp_path / "out.parquet"
    ran = cli("query", QUERIES[name], "--format", "parquet", "--output", target)
    assert ran.code == 0, ran.err
    back = pq.read_table(target)
    assert back.schema.equals(table.schema)
    assert back.equals(table)
    if table.num_rows > 100:
        assert pq.ParquetFile(target).num_row_groups > 1  # a row group per batch


@pytest.mark.parametrize("name", list(QUERIES))
def test_markdown_equals_the_whole_result(cli, whole, name):
    table = whole(QUERIES[name])
    ran = cli("query", QUERIES[name], "--format", "markdown")
    assert ran.code == 0, ran.err
    lines = ran.out.splitlines()
    assert lines[0] == "| " + " | ".join(table.column_names) + " |"
    assert len(lines) == table.num_rows + 2
    assert ran.out == one_batch(table, "markdown")


@pytest.mark.parametrize("name", ["grouped", "nulls", "empty"])
def test_table_to_a_pipe_is_the_rich_table(cli, whole, name):
    """With every row in the measured sample, the streamed table is exactly the rich table."""
    from rich.console import Console

    table = whole(QUERIES[name])
    assert table.num_rows <= plaintable.SAMPLE_ROWS
    ran = cli("query", QUERIES[name])
    assert ran.code == 0, ran.err
    con = Console(width=10_000, color_system=None, record=True, file=io.StringIO())
    render.terminal_table(table, con, fit=False)
    assert ran.out == con.export_text()


def test_table_past_the_sample_keeps_every_row(cli, whole, monkeypatch):
    monkeypatch.setattr(plaintable, "SAMPLE_ROWS", 50)
    sql = "SELECT sid, status, price, error_code FROM tw.messages ORDER BY sid"
    table = whole(sql)
    ran = cli("query", sql)
    assert ran.code == 0, ran.err
    lines = ran.out.splitlines()
    assert lines[0].split() == table.column_names
    assert lines[-1] == f"{table.num_rows:,} rows"
    body = [line.split() for line in lines[2:-1]]
    assert len(body) == table.num_rows
    for cells, row in zip(body, table.to_pylist()):
        assert cells[0] == row["sid"] and cells[1] == row["status"]
        price = row["price"]
        assert price is None or decimal.Decimal(cells[2]) == price  # exact, never rounded
        assert cells[3] == ("NULL" if row["error_code"] is None else str(row["error_code"]))


def test_plain_table_does_not_cut_values_wider_than_the_sample(monkeypatch):
    monkeypatch.setattr(plaintable, "SAMPLE_ROWS", 3)
    schema = pa.schema([("name", pa.string()), ("n", pa.int64())])
    out = io.StringIO()
    t = plaintable.PlainTable(schema, out)
    t.add(pa.record_batch([pa.array(["ab"] * 3), pa.array([1, 2, 3])], schema=schema))
    t.add(pa.record_batch([pa.array(["a wider value", "x" * 60]), pa.array([4, 5])], schema))
    t.close()
    lines = out.getvalue().splitlines()
    assert lines[:3] == ["name   n", "────────", "ab     1"]
    assert "a wider value   4" in lines  # longer than the sample's widest value: whole
    assert "x" * 39 + "…   5" in lines  # past the widest a column gets: cut, as always
    assert lines[-1] == "5 rows"


@pytest.mark.parametrize("fmt", writers.FORMATS)
def test_stats_line_on_stderr_for_every_format(cli, tw, fmt, tmp_path):
    sql = "SELECT sid, status FROM tw.messages LIMIT 5"
    if fmt != "parquet":  # parquet needs a file when stdout is a terminal, not here
        ran = cli("query", sql, "--format", fmt)
        assert ran.code == 0, ran.err
        last = ran.err.strip().splitlines()[-1]
        assert last.startswith("5 rows · ") and STATS.search(last), ran.err
        assert "request" not in ran.out  # stdout holds the result only
    target = tmp_path / f"out.{fmt}"
    ran = cli("query", sql, "--format", fmt, "--output", target)
    assert ran.code == 0, ran.err
    last = ran.err.strip().splitlines()[-1]
    assert last.startswith(f"Wrote 5 rows to {target} · ") and STATS.search(last), ran.err
    assert ran.out == ""


def test_an_error_after_rows_were_printed_says_the_output_is_incomplete(capsys):
    from distillr.cli.query import query_and_emit

    schema = pa.schema([("n", pa.int64())])

    class Failing:
        stats = None
        schema = pa.schema([("n", pa.int64())])

        def batches(self):
            yield pa.record_batch([pa.array([1, 2, 3])], schema=schema)
            raise SourceError("Twilio answered 500.")

        def cancel(self):
            pass

    class Con:
        def sql(self, text, **kwargs):
            return Failing()

    with pytest.raises(SourceError) as err:
        query_and_emit(Con(), "SELECT 1", "csv")
    assert capsys.readouterr().out.splitlines() == ['"n"', "1", "2", "3"]
    assert str(err.value) == (
        "Twilio answered 500. (The output stops after 3 rows: it is incomplete.)"
    )
