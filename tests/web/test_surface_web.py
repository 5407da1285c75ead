"""The DuckDB surface from the HTTP API: the same refusals as the command line, as problem
documents, for queries and for EXPLAIN; and no path or platform in DuckDB's errors."""

from __future__ import annotations

import time

import pytest
from webhelpers import add_fake

REFUSED = [
    "ATTACH 'x.db' AS x",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SELECT * FROM query('SELECT 42')",
    "SELECT * FROM query_table('t')",
    "SELECT * FROM range(2) a, LATERAL query_table(a.range)",
    "SELECT * FROM duckdb_settings()",
    "SELECT * FROM pragma_platform()",
    "SELECT current_setting('home_directory')",
]


@pytest.fixture
def shop(client):
    assert add_fake(client, rows=30).status_code == 201
    return client


def _run(client, sql):
    res = client.post("/api/queries", json={"sql": sql})
    if res.status_code != 202:
        return res.json()
    job = res.json()
    deadline = time.monotonic() + 30
    while job["state"] == "running" and time.monotonic() < deadline:
        job = client.get(f"/api/queries/{job['id']}", params={"wait": 1}).json()
    assert job["state"] == "error", job
    return job["error"]


@pytest.mark.parametrize("sql", REFUSED)
def test_refused_as_in_the_cli(shop, sql):
    error = _run(shop, sql)
    assert error["kind"] == "unsupported", error
    assert "not supported" in error["detail"]
    res = shop.post("/api/explain", json={"sql": sql})
    assert res.status_code == 400, res.text
    assert res.json()["type"].endswith(":unsupported") and "not supported" in res.json()["detail"]


def test_duckdb_errors_show_no_path_or_platform(shop):
    error = _run(shop, "SELECT '1.2.3.4'::INET")
    assert "/" not in error["detail"] and "linux_" not in error["detail"], error
    assert "INSTALL" not in error["detail"]


def test_usage_errors_are_422(shop):
    import distillr
    from distillr.server.problems import status_for

    assert status_for(distillr.UsageError("timeout must be positive")) == 422
    res = shop.post("/api/queries", json={"sql": "SELECT 1", "timeout": -1})
    assert res.status_code == 422
