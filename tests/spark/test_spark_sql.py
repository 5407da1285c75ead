"""``distillr.spark.sql``: the same Drill-style SQL gives the same rows on Spark as on the
DuckDB engine, over the Twilio sandbox; bad queries fail on the driver with distillr's errors."""

from __future__ import annotations

import decimal

import pytest

import distillr
import distillr.spark
from distillr.errors import CatalogError, MissingParameter

# one worker runs every Spark test, so that one JVM serves them all (make test: --dist loadgroup)
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("spark")]

QUERIES = [
    "SELECT sid, status FROM my_twilio.calls WHERE status = 'completed'",
    "SELECT sid FROM my_twilio.calls WHERE status IN ('busy', 'failed', 'no-answer')",
    "SELECT status, count(*) AS n FROM my_twilio.calls GROUP BY status",
    "SELECT direction, count(*) AS n, sum(num_segments) AS segs FROM my_twilio.messages"
    " GROUP BY direction",
    "SELECT sid FROM my_twilio.messages WHERE date_sent >= TIMESTAMP '2024-01-01 00:00:00'",
    "SELECT sid, `to` FROM my_twilio.messages WHERE DateSent >= DATE '2024-01-01'",
    "SELECT m.sid, c.sid AS call FROM my_twilio.messages m JOIN my_twilio.calls c"
    " ON m.`to` = c.`to`",
    "SELECT c.status, count(*) AS n FROM my_twilio.calls c JOIN env_twilio.calls d"
    " ON c.sid = d.sid GROUP BY c.status",
    "SELECT sid FROM my_twilio.calls WHERE duration > 30 AND status <> 'busy'",
    "SELECT count(*) AS n FROM my_twilio.messages WHERE body LIKE 'Your%'",
    "SELECT sid FROM my_twilio.calls ORDER BY sid LIMIT 5",
    "SELECT max(price) AS p, min(date_created) AS d FROM my_twilio.messages",
    "SELECT subresource_uris['media'] AS media FROM my_twilio.messages WHERE num_media > 0",
    "SELECT upper(status) AS s FROM my_twilio.calls WHERE `from` IS NOT NULL",
    # filters the API takes exactly, approximately, or not at all
    "SELECT sid FROM my_twilio.messages WHERE direction = 'inbound'",
    "SELECT sid FROM my_twilio.messages WHERE status IN ('sent', 'delivered')",
    "SELECT sid FROM my_twilio.messages WHERE `from` <> `to`",
    "SELECT sid FROM my_twilio.messages WHERE num_segments BETWEEN 1 AND 2",
    "SELECT sid FROM my_twilio.messages WHERE date_sent < TIMESTAMP '2026-06-01 12:30:00'",
    "SELECT sid FROM my_twilio.messages WHERE date_sent BETWEEN TIMESTAMP '2026-01-01 00:00:00'"
    " AND TIMESTAMP '2026-03-01 00:00:00'",
    "SELECT sid FROM my_twilio.messages WHERE DateSent = DATE '2026-02-02' OR status = 'failed'",
    "SELECT sid FROM my_twilio.messages WHERE error_code IS NULL AND price < 0",
    "SELECT sid FROM my_twilio.calls WHERE status = 'completed' OR status = 'busy'",
    "SELECT sid FROM my_twilio.calls WHERE status NOT IN ('completed', 'busy')",
    "SELECT sid FROM my_twilio.calls WHERE start_time >= TIMESTAMP '2026-01-01 00:00:00'"
    " AND status = 'completed'",
    "SELECT sid FROM my_twilio.calls WHERE StartTime >= DATE '2026-01-01'",
    "SELECT sid FROM my_twilio.calls WHERE `to` LIKE '+1%'",
    "SELECT sid FROM my_twilio.calls WHERE lower(direction) = 'inbound'",
    "SELECT count(*) AS n FROM my_twilio.messages WHERE direction <> 'inbound'"
    " AND DateSent >= DATE '2025-01-01'",
    # aggregates, grouping, ordering
    "SELECT direction, status, count(*) AS n FROM my_twilio.messages GROUP BY direction, status",
    "SELECT count(DISTINCT `from`) AS n FROM my_twilio.messages",
    "SELECT status, avg(duration) AS d FROM my_twilio.calls GROUP BY status",
    "SELECT status, count(*) AS n FROM my_twilio.calls GROUP BY status HAVING count(*) > 4",
    "SELECT CAST(date_sent AS DATE) AS d, count(*) AS n FROM my_twilio.messages"
    " WHERE date_sent IS NOT NULL GROUP BY CAST(date_sent AS DATE)",
    "SELECT sum(price) AS p FROM my_twilio.messages WHERE price IS NOT NULL",
    "SELECT sid, duration FROM my_twilio.calls ORDER BY duration DESC, sid LIMIT 7",
    "SELECT sid FROM my_twilio.messages WHERE direction = 'inbound' ORDER BY sid LIMIT 3",
    "SELECT DISTINCT direction FROM my_twilio.calls",
    "SELECT status, max(duration) AS m FROM my_twilio.calls WHERE status IN ('busy', 'completed')"
    " GROUP BY status",
    # expressions, CASE, subqueries, CTEs, nested fields
    "SELECT sid, CASE WHEN duration > 60 THEN 'long' ELSE 'short' END AS k FROM my_twilio.calls",
    "SELECT sid FROM my_twilio.calls WHERE duration > (SELECT avg(duration) FROM my_twilio.calls)",
    "WITH b AS (SELECT sid, status FROM my_twilio.calls WHERE status = 'busy')"
    " SELECT count(*) AS n FROM b",
    "SELECT sid FROM my_twilio.messages WHERE `to` IN (SELECT `to` FROM my_twilio.calls)",
    "SELECT subresource_uris['media'] AS m, sid FROM my_twilio.messages WHERE num_media = 0",
    "SELECT coalesce(error_message, 'none') AS e, count(*) AS n FROM my_twilio.messages"
    " GROUP BY coalesce(error_message, 'none')",
    # joins across tables and sources
    "SELECT c.status, count(*) AS n FROM my_twilio.messages m JOIN my_twilio.calls c"
    " ON m.`from` = c.`from` GROUP BY c.status",
    "SELECT m.sid FROM my_twilio.messages m LEFT JOIN my_twilio.calls c ON m.`to` = c.`from`"
    " WHERE c.sid IS NULL",
    "SELECT a.sid FROM my_twilio.calls a JOIN env_twilio.calls b ON a.sid = b.sid"
    " WHERE b.status = 'completed'",
]


def _norm(value):
    if isinstance(value, decimal.Decimal | float):
        return round(float(value), 6)
    return value


def _spark_rows(df) -> list[tuple]:
    return _rows(tuple(r.values()) for r in df.toArrow().to_pylist())


def _rows(rows) -> list[tuple]:
    return sorted((tuple(_norm(v) for v in r) for r in rows), key=repr)


@pytest.mark.parametrize("query", QUERIES)
def test_spark_gives_the_duckdb_engines_rows(spark, home, registered, query):
    with distillr.connect(home=str(home)) as con:
        expected = _rows(con.sql(query).fetchall())
    got = _spark_rows(distillr.spark.sql(spark, query))
    assert got == expected
    assert got  # every query here has rows


def test_path_parameter_bound_from_where(spark, home, registered):
    with distillr.connect(home=str(home)) as con:
        call = con.sql("SELECT sid FROM my_twilio.calls LIMIT 1").fetchall()[0][0]
        query = f"SELECT sid, call_sid FROM my_twilio.call_recordings WHERE CallSid = '{call}'"
        expected = _rows(con.sql(query).fetchall())
    assert _spark_rows(distillr.spark.sql(spark, query)) == expected


def test_errors_are_raised_on_the_driver(spark, registered):
    with pytest.raises(CatalogError, match="Unknown source 'nope'"):
        distillr.spark.sql(spark, "SELECT * FROM nope.calls")
    with pytest.raises(CatalogError, match="has no table 'callz'"):
        distillr.spark.sql(spark, "SELECT * FROM my_twilio.callz")
    with pytest.raises(MissingParameter, match="needs its path parameter call_sid"):
        distillr.spark.sql(spark, "SELECT * FROM my_twilio.call_recordings")


BIND = [
    "SELECT c.sid, e.call_sid, c.status FROM my_twilio.calls c"
    " JOIN my_twilio.call_events e ON e.CallSid = c.sid WHERE c.status = 'busy'",
    "SELECT count(*) AS n FROM my_twilio.calls c JOIN my_twilio.call_events e"
    " ON e.CallSid = c.sid WHERE c.status IN ('busy', 'failed')",
]


@pytest.mark.parametrize("query", BIND)
def test_bind_joins(spark, home, registered, query):
    with distillr.connect(home=str(home)) as con:
        expected = _rows(con.sql(query).fetchall())
    assert expected and expected != [(0,)]
    assert _spark_rows(distillr.spark.sql(spark, query)) == expected


def test_path_parameter_in_list(spark, home, registered):
    with distillr.connect(home=str(home)) as con:
        calls = [r[0] for r in con.sql("SELECT sid FROM my_twilio.calls LIMIT 3").fetchall()]
        listed = ", ".join(f"'{c}'" for c in calls)
        query = f"SELECT sid, call_sid FROM my_twilio.call_recordings WHERE CallSid IN ({listed})"
        expected = _rows(con.sql(query).fetchall())
    assert _spark_rows(distillr.spark.sql(spark, query)) == expected
