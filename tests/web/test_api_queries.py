"""The JSON API's query routes: jobs with progress and cancel, results, exports, EXPLAIN,
the nav tree and sample queries, against the real engine and a registry-backed source."""

from __future__ import annotations

import csv
import io
import json
import time

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from webhelpers import add_fake

import distillr

PROBLEM = "application/problem+json"


@pytest.fixture
def shop(client):
    assert add_fake(client, rows=30).status_code == 201
    return client


def run(client, sql, **kw):
    res = client.post("/api/queries", json={"sql": sql, **kw})
    assert res.status_code == 202, res.text
    job = res.json()
    deadline = time.monotonic() + 30
    while job["state"] == "running" and time.monotonic() < deadline:
        job = client.get(f"/api/queries/{job['id']}", params={"wait": 1}).json()
    return job


def cli_message(home, sql):
    """What the CLI (and the Python API) says about ``sql``."""
    with distillr.connect(home) as con, pytest.raises(distillr.DistillrError) as err:
        con.sql(sql).arrow()
    return str(err.value)


def test_query_job_and_result_pages(shop):
    job = run(shop, "SELECT id, name FROM shop.items ORDER BY id DESC")
    assert job["state"] == "done" and job["rows"] == 30
    assert [c["name"] for c in job["columns"]] == ["id", "name"]
    assert job["stats"]["requests"] == 1 and job["elapsed"] >= 0
    page = shop.get(f"/api/queries/{job['id']}/result", params={"offset": 5, "limit": 3}).json()
    assert page["total"] == 30 and page["offset"] == 5
    assert page["rows"] == [[25, "item 25"], [24, "item 24"], [23, "item 23"]]


def test_result_as_arrow_for_the_grid(shop):
    job = run(shop, "SELECT id, name, kind FROM shop.items LIMIT 10")
    res = shop.get(f"/api/queries/{job['id']}/result", params={"format": "arrow"})
    assert res.headers["content-type"] == "application/vnd.apache.arrow.stream"
    table = pa.ipc.open_stream(res.content).read_all()
    assert table.num_rows == 10 and table.column_names == ["id", "name", "kind"]
    # BIGINT that fits a double travels as a number the browser shows exactly
    assert table.column("id").to_pylist() == list(range(1, 11))
    part = shop.get(
        f"/api/queries/{job['id']}/result", params={"format": "arrow", "offset": 2, "limit": 3}
    )
    assert pa.ipc.open_stream(part.content).read_all().column("id").to_pylist() == [3, 4, 5]
    too_many = shop.get(f"/api/queries/{job['id']}/result", params={"limit": 20000})
    assert too_many.status_code == 422 and "at most 10,000" in too_many.json()["detail"]


def test_exports_round_trip(shop):
    job = run(shop, "SELECT id, name FROM shop.items WHERE kind = 'odd' ORDER BY id")
    base = f"/api/queries/{job['id']}/export"
    res = shop.get(base, params={"format": "csv"})
    assert res.headers["content-type"].startswith("text/csv")
    assert "attachment" in res.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(res.text)))
    assert len(rows) == 15 and rows[0] == {"id": "1", "name": "item 1"}
    data = json.loads(shop.get(base, params={"format": "json"}).content)
    assert data[-1] == {"id": 29, "name": "item 29"}
    parquet = pq.read_table(io.BytesIO(shop.get(base, params={"format": "parquet"}).content))
    assert parquet.num_rows == 15 and parquet.column("id").to_pylist()[:2] == [1, 3]
    bad = shop.get(base, params={"format": "xlsx"})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith(PROBLEM)


@pytest.mark.parametrize(
    "sql,kind,status",
    [
        ("SELEC * FROM shop.items", "sql", 400),
        ("SELECT * FROM nowhere.items", "catalog", 404),
        ("SELECT * FROM shop.itemz", "catalog", 404),
        ("SELECT * FROM shop.item_parts", "missing_parameter", 400),
    ],
)
def test_query_errors_carry_the_cli_message(shop, home, sql, kind, status):
    """The CLI's message, with its hints for a terminal said for the web page."""
    from distillr.server.problems import for_web

    job = run(shop, sql)
    assert job["state"] == "error"
    expected = for_web(cli_message(home, sql))
    assert "`distillr " not in expected
    assert job["error"]["kind"] == kind and job["error"]["detail"] == expected
    res = shop.get(f"/api/queries/{job['id']}/result")
    assert res.status_code == status and res.headers["content-type"].startswith(PROBLEM)
    body = res.json()
    assert body["detail"] == expected and body["status"] == status
    assert body["type"].endswith(kind)
    assert shop.get(f"/api/queries/{job['id']}/export").status_code == status


def test_progress_and_cancel(client):
    assert add_fake(client, delay=0.02).status_code == 201
    res = client.post("/api/queries", json={"sql": "SELECT * FROM shop.slow"})
    job_id = res.json()["id"]
    deadline = time.monotonic() + 20
    seen = {}
    while time.monotonic() < deadline:
        seen = client.get(f"/api/queries/{job_id}").json()
        if seen["stats"].get("requests", 0) >= 3:
            break
        time.sleep(0.05)
    assert seen["state"] == "running" and seen["stats"]["requests"] >= 3
    assert client.get(f"/api/queries/{job_id}/result").status_code == 409
    client.delete(f"/api/queries/{job_id}")
    job = client.get(f"/api/queries/{job_id}", params={"wait": 10}).json()
    assert job["state"] == "cancelled" and "cancelled" in job["error"]["detail"]
    res = client.get(f"/api/queries/{job_id}/result")
    assert res.status_code == 409 and res.json()["type"].endswith("cancelled")


def test_unknown_query_and_empty_sql(client):
    for method in ("GET", "DELETE"):
        res = client.request(method, "/api/queries/q1_nope")
        assert res.status_code == 404 and "Run the query again" in res.json()["detail"]
    assert client.get("/api/queries/q1_nope/result").status_code == 404
    res = client.post("/api/queries", json={"sql": "  "})
    assert res.status_code == 400 and res.json()["type"].endswith(":sql")
    assert client.post("/api/queries", json={}).status_code == 422


def test_explain(shop, home):
    res = shop.post("/api/explain", json={"sql": "SELECT * FROM shop.items WHERE id = 3 LIMIT 5"})
    assert res.status_code == 200
    with distillr.connect(home) as con:
        assert (
            res.json()["text"] == con.explain("SELECT * FROM shop.items WHERE id = 3 LIMIT 5").text
        )
    bad = shop.post("/api/explain", json={"sql": "SELECT * FROM nowhere.t"})
    assert bad.status_code == 404 and bad.headers["content-type"].startswith(PROBLEM)
    assert shop.post("/api/explain", json={"sql": ""}).status_code == 400


def test_tree(shop):
    tree = shop.get("/api/tree").json()
    (src,) = tree["sources"]
    assert src["name"] == "shop" and src["type"] == "fake" and src["error"] is None
    tables = {t["name"]: t for t in src["tables"]}
    assert set(tables) == {"items", "item_parts", "slow"}
    assert tables["item_parts"]["parameters"] == ["ItemId"]
    cols = {c["name"]: c["type"] for c in tables["items"]["columns"]}
    assert cols == {"id": "BIGINT", "name": "VARCHAR", "kind": "VARCHAR"}
    assert shop.get("/api/tree", params={"source": "shop"}).json() == tree
    res = shop.get("/api/tree", params={"source": "shopp"})
    assert res.status_code == 404 and "Did you mean 'shop'" in res.json()["detail"]


def test_samples(shop):
    body = shop.get("/api/samples/shop", params={"table": "items"}).json()
    assert body["samples"][0]["sql"] == "SELECT *\nFROM `shop`.`items`\nLIMIT 100"
    job = run(shop, body["samples"][0]["sql"])
    assert job["state"] == "done" and job["rows"] == 30
    parts = shop.get("/api/samples/shop", params={"table": "item_parts"}).json()["samples"]
    assert "`ItemId` = '...'" in parts[0]["sql"]
    assert shop.get("/api/samples/nope").status_code == 404
    assert shop.get("/api/samples/shop", params={"table": "nope"}).status_code == 404


def test_openapi_lists_every_route(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in [
        "/api/sources",
        "/api/sources/{name}",
        "/api/names/check",
        "/api/types",
        "/api/tree",
        "/api/samples/{source}",
        "/api/queries",
        "/api/queries/{job_id}",
        "/api/queries/{job_id}/result",
        "/api/queries/{job_id}/export",
        "/api/explain",
        "/api/login",
        "/api/logout",
        "/api/me",
        "/api/health",
    ]:
        assert path in paths
    assert client.get("/docs").status_code == 200


def test_page_is_served(client):
    res = client.get("/")
    assert res.status_code == 200 and '<div id="app">' in res.text
    assert "default-src 'self'" in res.headers["content-security-policy"]
    asset = next(p for p in res.text.split('"') if p.startswith("/assets/") and p.endswith(".js"))
    res = client.get(asset)
    assert res.status_code == 200 and "immutable" in res.headers["cache-control"]
    assert client.get("/api/health").headers["cache-control"] == "no-store"
