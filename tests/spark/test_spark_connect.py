"""``distillr.connect(engine="spark")``: the session's queries run on Spark and give the same
``Result`` as on DuckDB (arrow, fetchall, df, columns and schema before reading), catalog
statements stay with the session, a timeout cancels Spark's jobs, and a missing PySpark or an
unknown engine is a clear error."""

from __future__ import annotations

import sys
import time

import pytest

import distillr
from distillr.errors import CatalogError, ConfigError, QueryCancelled, UsageError

# the tests that start Spark share one worker, so that one JVM serves them all
# (make test: --dist loadgroup): they are marked one by one, the last two need no Spark

QUERIES = [
    "SELECT status, count(*) AS n FROM my_twilio.calls GROUP BY status ORDER BY status",
    "SELECT sid, price FROM my_twilio.messages WHERE direction = 'inbound' ORDER BY sid",
    "SELECT b.name, count(*) AS epics FROM myjira.board b JOIN myjira.board_epic e"
    " ON e.boardId = b.id GROUP BY b.name ORDER BY b.name",
]


@pytest.fixture(scope="module")
def on_spark(spark, home, registered):
    with distillr.connect(home=str(home), engine="spark", spark=spark) as con:
        yield con


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.slow
@pytest.mark.xdist_group("spark")
def test_results_equal_the_duckdb_engines(on_spark, home, query):
    with distillr.connect(home=str(home)) as con:
        expected = con.sql(query)
        rows, columns = expected.fetchall(), expected.columns
    result = on_spark.sql(query)
    assert result.columns == columns  # known before the result is read
    assert result.schema.names == columns
    assert result.fetchall() == rows and rows
    assert result.arrow().num_rows == len(rows)
    assert result.df().shape == (len(rows), len(columns))
    assert result.arrow().schema == on_spark.sql(query).schema


@pytest.mark.slow
@pytest.mark.xdist_group("spark")
def test_batches_stream_once_and_catalog_statements_stay(on_spark):
    result = on_spark.sql("SELECT sid FROM my_twilio.calls")
    assert sum(b.num_rows for b in result.batches()) > 0
    with pytest.raises(distillr.DistillrError, match="already read"):
        list(result.batches())
    tables = on_spark.sql("SHOW TABLES IN myjira").fetchall()
    assert ("myjira", "board_epic") in [t[:2] for t in tables]
    assert on_spark.explain("SELECT * FROM my_twilio.calls").text


@pytest.mark.slow
@pytest.mark.xdist_group("spark")
def test_errors_are_distillrs(on_spark):
    with pytest.raises(CatalogError, match="has no table 'callz'"):
        on_spark.sql("SELECT * FROM my_twilio.callz")
    result = on_spark.sql("SELECT sid FROM my_twilio.calls")
    result.cancel()
    with pytest.raises(QueryCancelled, match="cancelled"):
        result.fetchall()


@pytest.mark.slow
@pytest.mark.xdist_group("spark")
def test_a_timeout_cancels_sparks_jobs(on_spark):
    # conftest's slow_twilio answers each request after 300 ms and has 50 pages of messages,
    # so its scan takes seconds even split, and even with Spark's Python workers warm
    result = on_spark.sql("SELECT count(*) AS n FROM slow_twilio.messages", timeout=1)
    started = time.perf_counter()
    with pytest.raises(QueryCancelled, match="timeout of 1 s"):
        result.fetchall()
    assert time.perf_counter() - started < 20
    # and the session runs the next query as usual
    assert on_spark.sql("SELECT count(*) AS n FROM my_twilio.calls").fetchall()[0][0] > 0


def test_an_unknown_engine_is_a_usage_error():
    with pytest.raises(UsageError, match="'duckdb' or 'spark'"):
        distillr.connect(engine="drill")


def test_without_pyspark_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark", None)  # import pyspark fails
    with pytest.raises(ConfigError, match=r"pip install 'distillr\[spark\]'"):
        distillr.connect(engine="spark")
