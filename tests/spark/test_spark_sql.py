"""``distillr.spark.sql``: the same Drill-style SQL gives the same rows on Spark as on the
DuckDB engine, over the Twilio and JIRA sandboxes; bad queries fail on the driver with
distillr's errors."""

from __future__ import annotations

import datetime
import decimal

import pytest

import distillr
import distillr.spark
from distillr.errors import CatalogError, ConfigError, MissingParameter

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

# the JIRA sandbox, through the shipped template: path parameters bound from WHERE, nested
# fields, aggregates, bind joins, and joins with Twilio
JIRA_QUERIES = [
    "SELECT id, name, type FROM myjira.board",
    "SELECT type, count(*) AS n FROM myjira.board GROUP BY type",
    "SELECT id, name FROM myjira.board WHERE type = 'scrum'",
    "SELECT b.location.projectKey AS k, b.name FROM myjira.board b"
    " WHERE b.location.projectKey IS NOT NULL",
    "SELECT `key`, name, summary, done FROM myjira.`/board/:boardId/epic` WHERE boardId = '1'",
    "SELECT `key`, color.`key` AS c FROM myjira.board_epic WHERE boardId = '1' AND done = true",
    "SELECT boardId, count(*) AS n FROM myjira.board_epic"
    " WHERE boardId IN ('1', '2', '3') GROUP BY boardId",
    "SELECT state, count(*) AS n FROM myjira.board_sprint WHERE boardId = '1' GROUP BY state",
    "SELECT id, name, startDate FROM myjira.board_sprint WHERE boardId = '1'"
    " AND startDate >= TIMESTAMP '2025-06-01 00:00:00'",
    "SELECT `key`, name FROM myjira.board_project WHERE boardId = '4'",
    "SELECT i.`key`, i.fields.status.name AS status FROM myjira.board_issue i WHERE boardId = '1'",
    "SELECT i.fields.issuetype.name AS t, count(*) AS n FROM myjira.board_issue i"
    " WHERE boardId = '2' GROUP BY i.fields.issuetype.name",
    "SELECT i.fields.assignee.displayName AS who, count(*) AS n"
    " FROM myjira.board_issue i WHERE boardId = '1' GROUP BY i.fields.assignee.displayName",
    "SELECT max(i.fields.created) AS newest, min(i.fields.created) AS oldest"
    " FROM myjira.board_issue i WHERE boardId = '3'",
    "SELECT `key`, name, projectTypeKey FROM myjira.project ORDER BY `key` LIMIT 2",
    "SELECT s.`key`, s.fields.summary AS summary FROM myjira.search s WHERE jql = 'project = ENG'",
    "SELECT b.name, e.`key` FROM myjira.board b JOIN myjira.board_epic e"
    " ON e.boardId = b.id WHERE b.type = 'scrum'",
    "SELECT p.`key`, count(*) AS boards FROM myjira.project p JOIN myjira.board b"
    " ON b.location.projectKey = p.`key` GROUP BY p.`key`",
    "SELECT b.name, count(*) AS n FROM myjira.board b JOIN my_twilio.calls c"
    " ON CAST(c.duration AS BIGINT) % 5 + 1 = b.id GROUP BY b.name",
    "SELECT c.status, count(DISTINCT e.`key`) AS epics FROM my_twilio.calls c"
    " JOIN myjira.board_epic e ON e.id % 3 = c.duration % 3 WHERE e.boardId = '1'"
    " GROUP BY c.status",
]


def _norm(value):
    if isinstance(value, decimal.Decimal | float):
        return round(float(value), 6)
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.astimezone(datetime.UTC).isoformat()  # the same instant, any tzinfo
    return value


def _spark_rows(df) -> list[tuple]:
    return _rows(tuple(r.values()) for r in df.toArrow().to_pylist())


def _rows(rows) -> list[tuple]:
    return sorted((tuple(_norm(v) for v in r) for r in rows), key=repr)


def test_the_differential_covers_both_sandboxes():
    assert len(QUERIES) + len(JIRA_QUERIES) >= 50
    assert all("myjira." in q for q in JIRA_QUERIES)
    assert any("my_twilio." in q for q in JIRA_QUERIES)  # joins across the two APIs


@pytest.mark.parametrize("query", QUERIES + JIRA_QUERIES)
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
    with pytest.raises(MissingParameter, match=r"needs its path parameter boardid: write e\."):
        distillr.spark.sql(spark, "SELECT * FROM myjira.`/board/:boardId/epic` e")


def test_a_secret_missing_where_spark_plans_is_distillrs_error(spark, registered):
    # conftest's driver_only: the driver has the secret, Spark's Python workers do not
    var = "DISTILLR_SECRET_DRIVER_ONLY_AUTH_TOKEN"
    with pytest.raises(ConfigError, match=f"{var} on the executors") as err:
        distillr.spark.sql(spark, "SELECT count(*) AS n FROM driver_only.calls")
    assert "Traceback" not in str(err.value)


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
