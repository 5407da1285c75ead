"""``distillr query --engine spark``: the same output as the DuckDB engine, and distillr's own
error messages (no Spark stack trace) when a query is wrong."""

from __future__ import annotations

import pytest

# one worker runs every Spark test, so that one JVM serves them all (make test: --dist loadgroup)
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("spark")]


def _run(capsys, *args: str) -> tuple[int, str, str]:
    from distillr.cli import run

    capsys.readouterr()
    code = run(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_engine_spark_prints_the_duckdb_engines_rows(spark, home, registered, capsys):
    sql = "SELECT status, count(*) AS n FROM my_twilio.calls GROUP BY status ORDER BY status"
    args = ("--home", str(home), "query", sql, "--format", "csv")
    code, on_duckdb, err = _run(capsys, *args)
    assert code == 0, err
    code, on_spark, err = _run(capsys, *args, "--engine", "spark")
    assert code == 0, err
    assert on_spark == on_duckdb and on_spark.count("\n") > 3


def test_engine_spark_errors_are_distillrs(spark, home, registered, capsys):
    base = ("--home", str(home), "query", "--engine", "spark")
    code, _, err = _run(capsys, *base, "SELECT * FROM my_twilio.callz")
    assert code == 1 and "has no table 'callz'" in err and "Traceback" not in err
    code, _, err = _run(capsys, *base, "SELECT * FROM my_twilio.call_recordings")
    assert code == 1 and "needs its path parameter call_sid" in err
    code, _, err = _run(capsys, *base, "SELECT * FROM nope.calls")
    assert code == 1 and "Unknown source 'nope'" in err
    code, _, err = _run(capsys, *base, "SELECT * FROM myjira.board_epic")
    assert code == 1 and "needs its path parameter boardid" in err
    code, _, err = _run(capsys, *base, "SELECT count(*) FROM no_secret.calls")
    assert code == 1 and "DISTILLR_SECRET_NO_SECRET_AUTH_TOKEN" in err
    # the driver has this secret, Spark's workers do not: the error starts inside Spark
    code, _, err = _run(capsys, *base, "SELECT count(*) FROM driver_only.calls")
    assert code == 1 and "DISTILLR_SECRET_DRIVER_ONLY_AUTH_TOKEN on the executors" in err
    for trace in ("Traceback", "at org.apache", "SQLSTATE", "PYTHON_DATA_SOURCE_ERROR"):
        assert trace not in err


def test_explain_on_spark_shows_spark_s_plan_and_the_views_options(
    spark, home, registered, capsys, sandbox
):
    base = ("--home", str(home), "query", "--engine", "spark", "--explain")
    sql = "SELECT sid FROM my_twilio.calls WHERE status = 'completed' LIMIT 3"
    code, out, err = _run(capsys, *base, sql)
    assert code == 0, err
    assert "Engine: Apache Spark" in out and "== Physical Plan ==" in out
    assert "my_twilio.calls AS calls" in out and "options:  pushdown=true" in out
    wanted = "3 rows asked of the API if Spark pushes the reader exactly the filters on status eq"
    assert f"limit:    {wanted}" in out
    assert "PushedFilters: [EqualTo(status,completed)]" in out
    assert sandbox.auth_token not in out
    join = "SELECT m.sid FROM my_twilio.messages m JOIN my_twilio.calls c ON m.`to` = c.`to`"
    code, out, err = _run(capsys, *base, join + " LIMIT 5")
    assert code == 0, err
    assert out.count("limit:    not pushed") == 2 and "Join" in out
    code, _, err = _run(capsys, *base, "SELECT * FROM my_twilio.callz")
    assert code == 1 and "has no table 'callz'" in err and "Traceback" not in err
