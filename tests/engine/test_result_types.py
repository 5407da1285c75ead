"""Python results carry the types DuckDB gives for the same query: ``sum()`` of integers is an
``int``, not the ``Decimal`` that Arrow's ``decimal128(38, 0)`` would make of it."""

from __future__ import annotations

import decimal

import duckdb
import pytest

import distillr

from .fakes import FakeConnector

QUERIES = [
    "SELECT status, sum(num_segments) AS s, count(*) AS n, avg(num_segments) AS a,"
    " min(date_sent) AS first FROM {m} GROUP BY status ORDER BY status",
    "SELECT sum(num_segments) AS s, sum(id) FILTER (WHERE id > 1000) AS none FROM {m}",
    "SELECT id, num_segments * 2 AS twice, CAST(num_segments AS DECIMAL(10, 2)) AS exact,"
    " CAST(id AS HUGEINT) AS wide, map(['k'], [id]) AS m FROM {m} ORDER BY id LIMIT 5",
    "SELECT sum(num_segments) AS s FROM {m} WHERE id < 0",
    "SELECT CAST('6f1a4c44-2a3e-4a5e-9d8c-0a1b2c3d4e5f' AS UUID) AS u, sum(id) AS total FROM {m}",
]


@pytest.fixture()
def con(tmp_path):
    session = distillr.connect(home=tmp_path)
    session.register("fake", FakeConnector(page_size=7))
    yield session
    session.close()


@pytest.fixture()
def duck(con):
    """DuckDB itself over the same messages, with the session's time zone."""
    db = duckdb.connect()
    db.execute("SET TimeZone = 'UTC'")
    db.register("messages", con.sql("SELECT * FROM fake.messages").arrow())
    yield db
    db.close()


@pytest.mark.parametrize("sql", QUERIES)
def test_fetchall_gives_duckdbs_values_and_types(con, duck, sql):
    ours = con.sql(sql.format(m="fake.messages")).fetchall()
    theirs = duck.sql(sql.format(m="messages")).fetchall()
    assert ours == theirs
    assert [[type(v) for v in row] for row in ours] == [[type(v) for v in row] for row in theirs]


def test_integer_sums_are_ints(con):
    [(total, count)] = con.sql("SELECT sum(num_segments), count(*) FROM fake.messages").fetchall()
    assert type(total) is int and type(count) is int
    [(price,)] = con.sql(
        "SELECT sum(CAST(num_segments AS DECIMAL(10, 2))) FROM fake.messages"
    ).fetchall()
    assert isinstance(price, decimal.Decimal)  # a decimal stays exact


def test_df_gives_duckdbs_dtype_for_integer_sums(con, duck):
    sql = "SELECT status, sum(num_segments) AS s, count(*) AS n FROM {m} GROUP BY 1 ORDER BY 1"
    ours = con.sql(sql.format(m="fake.messages")).df()
    theirs = duck.sql(sql.format(m="messages")).df()
    assert ours["s"].dtype == theirs["s"].dtype
    assert ours["s"].tolist() == theirs["s"].tolist()
    assert ours["n"].tolist() == theirs["n"].tolist()


def test_arrow_keeps_its_own_types(con):
    table = con.sql("SELECT sum(num_segments) AS s FROM fake.messages").arrow()
    assert str(table.schema.field("s").type) == "decimal128(38, 0)"  # Arrow has no int128
