"""The ``distillr`` Spark data source over the Twilio sandbox: the same rows and types as the
DuckDB engine, the splits dealt into partitions and each read once (a partition's a few at
a time, within the source's max_concurrency), exact filters accepted and
inexact ones re-applied by Spark, secrets never in the plan."""

from __future__ import annotations

import os
from collections import Counter

import pytest
from pyspark.errors import AnalysisException

import distillr
import distillr.spark
from distillr.connectors.base import Pred, ScanRequest
from distillr.errors import CatalogError, ConfigError, MissingParameter
from distillr.spark.definition import env_name

# one worker runs every Spark test, so that one JVM serves them all (make test: --dist loadgroup)
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("spark")]


def _read(spark, table, source="my_twilio", **options):
    reader = spark.read.format("distillr").option("source", source).option("table", table)
    for key, value in options.items():
        reader = reader.option(key, value)
    return reader.load()


def _key(row: dict) -> str:
    return repr(sorted((k, repr(v)) for k, v in row.items()))


def _rows_spark(df) -> list[str]:
    return sorted(_key(r) for r in df.toArrow().to_pylist())


def _rows_duckdb(home, sql) -> list[str]:
    with distillr.connect(home=str(home)) as con:
        return sorted(_key(r) for r in con.sql(sql).arrow().to_pylist())


@pytest.fixture(scope="module")
def values(home, registered):
    with distillr.connect(home=str(home)) as con:
        to = con.sql("SELECT `to` FROM my_twilio.messages LIMIT 1").fetchall()[0][0]
        call = con.sql("SELECT sid FROM my_twilio.calls LIMIT 1").fetchall()[0][0]
        day = con.sql("SELECT min(date_sent) FROM my_twilio.messages").fetchall()[0][0]
    return {"to": to, "call": call, "day": day}


@pytest.mark.parametrize("table", ["messages", "calls", "conferences", "usage_records"])
def test_types_and_rows_equal_the_duckdb_engine(spark, home, registered, table):
    df = _read(spark, table)
    with distillr.connect(home=str(home)) as con:
        expected = con.sql(f"SELECT * FROM my_twilio.{table}").arrow()
    got = df.toArrow()
    assert got.schema == expected.schema
    assert sorted(map(_key, got.to_pylist())) == sorted(map(_key, expected.to_pylist()))
    assert got.num_rows > 0


CASES = [
    ("messages", "`to` = '{to}'", "\"to\" = '{to}'"),
    ("messages", "date_sent >= TIMESTAMP '{day}'", "date_sent >= TIMESTAMP '{day}'"),
    (
        "messages",
        "date_sent < TIMESTAMP '{day}' + INTERVAL 40 DAYS AND `to` <> '{to}'",
        "date_sent < TIMESTAMP '{day}' + INTERVAL 40 DAYS AND \"to\" <> '{to}'",
    ),
    (
        "calls",
        "status IN ('completed', 'busy', 'failed')",
        "status IN ('completed', 'busy', 'failed')",
    ),
    ("calls", "status = 'completed' AND duration > 10", "status = 'completed' AND duration > 10"),
]


@pytest.mark.parametrize("pushdown", ["true", "false"])
@pytest.mark.parametrize(("table", "spark_where", "drill_where"), CASES)
def test_filters_give_the_engines_rows(
    spark, home, registered, values, pushdown, table, spark_where, drill_where
):
    day = values["day"].strftime("%Y-%m-%d %H:%M:%S")
    fill = {"to": values["to"], "day": day}
    df = _read(spark, table, pushdown=pushdown).where(spark_where.format(**fill))
    drill = drill_where.replace('"to"', "`to`").format(**fill)
    expected = _rows_duckdb(home, f"SELECT * FROM my_twilio.{table} WHERE {drill}")
    assert _rows_spark(df) == expected


def test_partitions_hold_the_splits_and_each_is_read_once(spark, home, registered, sandbox):
    statuses = ("completed", "busy", "failed")
    conn = distillr.connect(home=str(home)).connector("my_twilio")
    splits = conn.plan(ScanRequest("calls", predicates=(Pred("status", "in", statuses),)))
    assert len(splits) == 3
    df = _read(spark, "calls").where("status IN ('completed', 'busy', 'failed')")
    # 3 splits dealt into as many partitions as Spark has cores (local[2])
    assert df.rdd.getNumPartitions() == spark.sparkContext.defaultParallelism == 2
    sandbox.clear_requests()
    df.collect()
    calls = [dict(r["query"]) for r in sandbox.requests if r["path"].endswith("/Calls.json")]
    # the filter Spark accepted is in the requests: one per value, each exactly once
    assert sorted(q.get("Status") for q in calls if "Page" not in q) == sorted(statuses)


def test_inexact_filters_travel_and_spark_reapplies_them(spark, home, registered, values, sandbox):
    day = values["day"].strftime("%Y-%m-%d %H:%M:%S")
    df = _read(spark, "messages").where(f"date_sent > TIMESTAMP '{day}'")
    plan = df._jdf.queryExecution().executedPlan().toString()
    assert "date_sent" in plan.split("BatchScan")[0]  # Spark still filters
    sandbox.clear_requests()
    got = _rows_spark(df)
    sent = [dict(r["query"]) for r in sandbox.requests if r["path"].endswith("/Messages.json")]
    assert any(k.startswith("DateSent") for q in sent for k in q)
    assert got == _rows_duckdb(
        home, f"SELECT * FROM my_twilio.messages WHERE date_sent > TIMESTAMP '{day}'"
    )


def test_exact_filters_are_not_applied_again(spark, registered, values):
    df = _read(spark, "messages").where(f"`to` = '{values['to']}'")
    above_scan = df._jdf.queryExecution().executedPlan().toString().split("BatchScan")[0]
    assert "isnotnull" in above_scan and "= " + values["to"] not in above_scan


def test_path_parameters_are_options(spark, home, registered, values):
    df = _read(spark, "call_recordings", CallSid=values["call"])
    sql = f"SELECT * FROM my_twilio.call_recordings WHERE CallSid = '{values['call']}'"
    assert _rows_spark(df) == _rows_duckdb(home, sql)


def test_secrets_never_in_the_plan_or_options(spark, registered, sandbox):
    df = _read(spark, "messages").where("status = 'delivered'")
    qe = df._jdf.queryExecution()
    shown = qe.toString() + qe.executedPlan().toString()
    assert sandbox.auth_token not in shown
    assert all(sandbox.auth_token not in v for _, v in spark.sparkContext.getConf().getAll())


def test_secrets_from_the_executors_environment(spark, home, registered):
    got = _read(spark, "calls", source="env_twilio").count()  # conftest's ENV_SOURCE
    assert got == _read(spark, "calls").count() > 0


def test_missing_secret_is_a_clear_error(spark, registered):
    wanted = "DISTILLR_SECRET_NO_SECRET_AUTH_TOKEN"
    with pytest.raises(ConfigError, match=wanted) as err, distillr.spark.unwrapped():
        _read(spark, "calls", source="no_secret").count()
    assert "auth_token' here" in str(err.value)
    assert "Traceback" not in str(err.value) and "SQLSTATE" not in str(err.value)


def test_a_secret_the_driver_has_but_the_executors_lack(spark, registered):
    source = "driver_only"  # conftest's DRIVER_ONLY: set in the driver after Spark started
    var = env_name(source, "auth_token")
    assert os.environ.get(var)
    with pytest.raises(AnalysisException, match=var):  # Spark's own error: a traceback
        _read(spark, "calls", source=source).count()
    wanted = f"set the environment variable {var} on the executors"
    with pytest.raises(ConfigError, match=wanted), distillr.spark.unwrapped():
        _read(spark, "calls", source=source).count()


def test_unknown_source_table_and_missing_parameter(spark, registered):
    cases = [
        (CatalogError, "Unknown source 'nope'", lambda: _read(spark, "calls", source="nope")),
        (CatalogError, "has no table 'callz'", lambda: _read(spark, "callz")),
        (
            MissingParameter,
            r"needs the path parameter CallSid: add \.option",
            lambda: _read(spark, "call_recordings").count(),
        ),
        (
            MissingParameter,
            r"needs the path parameter boardId: add \.option\(\"boardId\"",
            lambda: _read(spark, "/board/:boardId/epic", source="myjira").count(),
        ),
    ]
    for cls, message, run in cases:
        with pytest.raises(AnalysisException, match=message):  # as Spark raises it
            run()
        with pytest.raises(cls, match=message) as err, distillr.spark.unwrapped():
            run()  # as distillr's
        assert "Traceback" not in str(err.value) and "SQLSTATE" not in str(err.value)


def test_max_partitions_groups_the_splits(spark, home, registered, sandbox):
    where = "status IN ('completed', 'busy', 'failed')"
    df = _read(spark, "calls", max_partitions="2").where(where)
    assert df.rdd.getNumPartitions() == 2
    sandbox.clear_requests()
    got = _rows_spark(df)
    calls = [dict(r["query"]) for r in sandbox.requests if r["path"].endswith("/Calls.json")]
    assert sorted(q.get("Status") for q in calls if "Page" not in q) == [
        "busy",
        "completed",
        "failed",
    ]
    assert got == _rows_duckdb(home, f"SELECT * FROM my_twilio.calls WHERE {where}")
    with pytest.raises(Exception, match="max_partitions must be a whole number"):
        _read(spark, "calls", max_partitions="0")


def test_a_partition_reads_its_splits_at_once_within_max_concurrency(
    spark, home, registered, slow_sandbox
):
    # slow_twilio: 50 pages of messages at 300 ms each; the date bound splits the scan in 16
    where = "date_sent >= TIMESTAMP '2008-01-01 00:00:00'"
    max_concurrency = distillr.connect(home=str(home)).connector("slow_twilio").max_concurrency
    df = _read(spark, "messages", source="slow_twilio").where(where)
    parts = df.rdd.getNumPartitions()
    assert parts == spark.sparkContext.defaultParallelism == 2  # local[2]: 16 splits in 2
    slow_sandbox.clear_requests()
    got = df.count()
    sent = [r for r in slow_sandbox.requests if r["path"].endswith("/Messages.json")]
    # no page twice (the one-row planning probes aside); the count below shows none missing
    pages = Counter(tuple(r["query"]) for r in sent if dict(r["query"]).get("PageSize") != "1")
    assert set(pages.values()) == {1}
    # next pages are only asked by the partitions' readers: more of them in flight than tasks
    # (each task reads 4 splits at once), and never more than the source's max_concurrency
    # (2 tasks x 8 // 2) in flight, planning probes included
    read = [r["concurrent"] for r in sent if "Page" in dict(r["query"])]
    assert parts < max(read) and max(r["concurrent"] for r in sent) <= max_concurrency
    with distillr.connect(home=str(home)) as con:
        expected = con.sql(f"SELECT count(*) FROM slow_twilio.messages WHERE {where}").fetchall()
    assert got == expected[0][0]
