"""The DuckDB surface from a fresh ``distillr`` process: statements and functions that would
reach past the API tables are refused with one clear line (exit 1), nothing sqlglot logs
leaks out, and DuckDB's errors show no local path or platform."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

import distillr
from distillr.errors import UnsupportedError

REFUSED = [
    "ATTACH 'x.db' AS x",
    "INSTALL httpfs",
    "LOAD httpfs",
    "/* a comment first */\nINSTALL httpfs",
    "DETACH x",
    "COPY (SELECT 1) TO 'x.csv'",
    "SELECT 1; LOAD httpfs",
    "SELECT * FROM query('SELECT 42')",
    "SELECT * FROM query_table('t')",
    "SELECT * FROM main.query('SELECT 42')",
    "SELECT * FROM \"query\"('SELECT 42')",
    "SELECT * FROM range(2) a, LATERAL query_table(a.range)",
    "SELECT * FROM shop.items WHERE id IN (SELECT * FROM query('SELECT 1'))",
    "SELECT * FROM duckdb_settings()",
    "SELECT * FROM pragma_platform()",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM histogram(shop.items, id)",
    "SELECT current_setting('home_directory')",
    "SELECT version()",
    "SELECT getvariable('x')",
]

ALLOWED = {
    "SELECT count(*) FROM range(3)": "3",
    "SELECT count(*) FROM generate_series(1, 4)": "4",
    "SELECT count(*) FROM unnest([1, 2])": "2",
    "SELECT count(*) FROM (SELECT * FROM shop.items) i JOIN range(5) r ON i.id = r.range": "4",
    "SELECT histogram(kind)['odd'] FROM shop.items": "15",
}


def _run(sql: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "distillr.cli", "query", "--format", "csv", sql],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_reaching_past_the_api_tables_is_refused(shop, child_env):
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = list(pool.map(lambda sql: _run(sql, child_env), REFUSED))
    for sql, ran in zip(REFUSED, runs):
        assert ran.returncode == 1, (sql, ran.stderr)
        lines = ran.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), (sql, ran.stderr)
        assert "not supported" in lines[0] or "Run one statement" in lines[0], (sql, lines)
        assert ran.stdout == "", (sql, ran.stdout)


def test_table_functions_that_make_rows_still_work(shop, child_env):
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = list(pool.map(lambda sql: _run(sql, child_env), ALLOWED))
    for (sql, want), ran in zip(ALLOWED.items(), runs):
        assert ran.returncode == 0, (sql, ran.stderr)
        assert ran.stdout.split()[1:] == [want], (sql, ran.stdout)


def test_duckdb_errors_show_no_path_or_platform(child_env):
    ran = _run("SELECT '1.2.3.4'::INET", child_env)
    assert ran.returncode == 1
    assert "/" not in ran.stderr and "linux_" not in ran.stderr and "INSTALL" not in ran.stderr
    assert "inet" in ran.stderr


def test_the_configuration_is_locked(home):
    con = distillr.connect(home)
    assert con.sql("SELECT 1").fetchall() == [(1,)]
    with pytest.raises(Exception, match="locked"):
        con.db.execute("SET enable_external_access = true")
    with pytest.raises(Exception, match="locked"):
        con.db.execute("SET TimeZone = 'Europe/Paris'")
    with pytest.raises(UnsupportedError):
        con.sql("SET TimeZone = 'Europe/Paris'")
