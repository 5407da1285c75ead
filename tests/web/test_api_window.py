"""What the query window needs from the API: a job per tab, error positions, SQL type names,
path-parameter tables opened with real values or a refused placeholder, and compressed
answers for clients off loopback."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from webhelpers import add_fake

BASE = "http://127.0.0.1:8000"


def wait(client, job_id, seconds=30):
    job = client.get(f"/api/queries/{job_id}").json()
    deadline = time.monotonic() + seconds
    while job["state"] == "running" and time.monotonic() < deadline:
        job = client.get(f"/api/queries/{job_id}", params={"wait": 1}).json()
    return job


def start(client, sql, **kw):
    res = client.post("/api/queries", json={"sql": sql, **kw})
    assert res.status_code == 202, res.text
    return res.json()


def test_a_tab_runs_one_query_and_tabs_run_at_once(client):
    assert add_fake(client, delay=0.05).status_code == 201
    a1 = start(client, "SELECT * FROM shop.slow", tab="tab-a")
    b = start(client, "SELECT * FROM shop.slow", tab="tab-b")
    time.sleep(0.3)
    assert client.get(f"/api/queries/{b['id']}").json()["state"] == "running"
    # a new query in tab a cancels a's last one; b's runs on
    a2 = start(client, "SELECT COUNT(*) AS n FROM shop.items", tab="tab-a")
    assert wait(client, a1["id"])["state"] == "cancelled"
    assert wait(client, a2["id"])["state"] == "done"
    assert client.get(f"/api/queries/{b['id']}").json()["state"] == "running"
    listed = client.get("/api/queries", params={"tab": "tab-a"}).json()
    assert [j["id"] for j in listed] == [a2["id"], a1["id"]]
    assert all(j["tab"] == "tab-a" for j in listed)
    client.delete(f"/api/queries/{b['id']}")
    assert wait(client, b["id"])["state"] == "cancelled"


def test_a_tab_id_is_checked(client):
    res = client.post("/api/queries", json={"sql": "SELECT 1", "tab": "../x"})
    assert res.status_code == 422 and "tab" in res.json()["detail"]


def test_a_sql_error_says_its_line_and_column(client):
    assert add_fake(client).status_code == 201
    job = wait(client, start(client, "SELECT id\nFROM shop.items\nWHERE id = = 1")["id"])
    assert job["state"] == "error" and job["error"]["kind"] == "sql"
    assert (job["error"]["line"], job["error"]["column"]) == (3, 12)


def test_result_columns_have_sql_type_names(client):
    assert add_fake(client).status_code == 201
    job = wait(client, start(client, "SELECT id, name, 0.5 AS x FROM shop.items LIMIT 2")["id"])
    types = [c["sql_type"] for c in job["columns"]]
    assert types[1] == "VARCHAR" and types[0] in ("BIGINT", "INTEGER") and types[2] != ""


@pytest.mark.parametrize("client_host,compressed", [("203.0.113.9", True), ("127.0.0.1", False)])
def test_text_answers_are_compressed_off_loopback(home, fake_type, client_host, compressed):
    from distillr.server import create_app
    from distillr.server.app import STATIC_DIR

    with TestClient(create_app(home), base_url=BASE, client=(client_host, 5000)) as c:
        for _ in range(3):
            assert add_fake(c, name=f"shop{_}").status_code == 201
        script = next((STATIC_DIR / "assets").glob("editor-*.js"))
        for path in (f"/assets/{script.name}", "/api/tree"):
            res = c.get(path, headers={"accept-encoding": "gzip"})
            assert res.status_code == 200
            assert (res.headers.get("content-encoding") == "gzip") is compressed, path
            if compressed:
                wire = res.num_bytes_downloaded  # the compressed bytes
                assert wire < len(res.content) / 2, (path, wire, len(res.content))
        # binary answers as they are; small ones too
        res = c.get("/api/health", headers={"accept-encoding": "gzip"})
        assert "content-encoding" not in res.headers
        assert "immutable" in c.get(f"/assets/{script.name}").headers["cache-control"]


# -- path parameters, against the Twilio sandbox -------------------------------------------


@pytest.fixture(scope="module")
def sandbox():
    from distillr.sandbox import TwilioSandbox

    with TwilioSandbox(seed=42) as sb:
        yield sb


@pytest.fixture
def web(home, sandbox):
    from distillr.server import create_app

    with TestClient(create_app(home), base_url=BASE) as c:
        res = c.post(
            "/api/sources",
            json={
                "type": "twilio",
                "name": "tw",
                "options": {"account_sid": sandbox.account_sid, "base_url": sandbox.base_url},
                "secrets": {"auth_token": sandbox.auth_token},
            },
        )
        assert res.status_code == 201, res.text
        yield c


def test_a_parameter_table_opens_with_a_value_from_the_data(web, sandbox):
    samples = web.get("/api/samples/tw", params={"table": "call_recordings"}).json()["samples"]
    (opened,) = [s for s in samples if s.get("open")]
    assert "'...'" not in opened["sql"] and "`CallSid` = 'CA" in opened["sql"]
    sandbox.clear_requests()
    job = wait(web, start(web, opened["sql"])["id"])
    assert job["state"] == "done", job
    assert not [r["path"] for r in sandbox.requests if "//" in r["path"]]


@pytest.mark.parametrize("value", ["", "...", "CA...", "<CallSid>"])
def test_empty_and_placeholder_parameters_send_nothing(web, sandbox, home, value):
    import distillr

    sql = f"SELECT * FROM tw.`/Calls/:CallSid/Recordings` WHERE CallSid = '{value}'"
    sandbox.clear_requests()
    job = wait(web, start(web, sql)["id"])
    assert job["error"]["kind"] == "missing_parameter", job
    assert "CallSid" in job["error"]["detail"]
    with distillr.connect(home) as con, pytest.raises(distillr.MissingParameter):
        con.sql(sql).arrow()
    assert len(sandbox.requests) == 0


def test_the_cli_refuses_a_placeholder_too(web, sandbox, home, capsys):
    from distillr.cli import run

    sandbox.clear_requests()
    code = run(["query", "SELECT * FROM tw.`/Calls/:CallSid/Recordings` WHERE CallSid = '...'"])
    err = capsys.readouterr().err
    assert code == 1 and "placeholder" in err and "CallSid" in err
    assert len(sandbox.requests) == 0


def test_without_a_value_in_the_data_the_placeholder_is_marked(home):
    from distillr.sandbox import TwilioSandbox
    from distillr.server import create_app

    with (
        TwilioSandbox(seed=1, calls=0) as empty,
        TestClient(create_app(home), base_url=BASE) as c,
    ):
        res = c.post(
            "/api/sources",
            json={
                "type": "twilio",
                "name": "none",
                "options": {"account_sid": empty.account_sid, "base_url": empty.base_url},
                "secrets": {"auth_token": empty.auth_token},
            },
        )
        assert res.status_code == 201, res.text
        samples = c.get("/api/samples/none", params={"table": "call_recordings"}).json()
        (opened,) = [s for s in samples["samples"] if s.get("open")]
        assert opened["sql"].startswith("-- Replace '...' with a real CallSid")
        assert "`CallSid` = '...'" in opened["sql"]
        empty.clear_requests()
        job = wait(c, start(c, opened["sql"])["id"])
        assert job["error"]["kind"] == "missing_parameter"
        assert len(empty.requests) == 0


def test_format_lays_out_the_same_query(client):
    sql = "select `to`, `from` from tw.messages where `from` = '+1' limit 5"
    out = client.post("/api/format", json={"sql": sql}).json()
    assert out["sql"].startswith("SELECT\n  `to`,\n  `from`\nFROM tw.messages\nWHERE")
    from distillr.sql.dialect import parse

    assert parse(out["sql"]) == parse(sql)
    assert client.post("/api/format", json={"sql": "SHOW TABLES"}).json()["note"]
    bad = client.post("/api/format", json={"sql": "SELECT a FROM t WHERE = 1"})
    assert bad.status_code == 400 and bad.json()["line"] == 1


def test_an_unreachable_base_url_is_said_so(client):
    """No answer at all from the base URL: the title says the API cannot be reached."""
    from distillr.errors import SourceError
    from distillr.server.problems import title_for

    refused = SourceError(
        "Twilio request GET /x failed; last: ConnectError: [Errno 111] Connection refused."
    )
    assert title_for(refused) == "Cannot reach the API"
    dns = SourceError("Twilio at http://nowhere.invalid cannot be reached (DNS): check it.")
    assert title_for(dns) == "Cannot reach the API"
    assert title_for(SourceError("Twilio answered HTTP 500.", status=500)) != title_for(refused)


def test_saved_queries_save_replace_run_and_delete(client):
    assert client.get("/api/saved").json() == []
    first = client.put("/api/saved", json={"name": "calls today", "sql": "SELECT 1"}).json()
    assert first["last_run"] is None
    client.put("/api/saved", json={"name": "calls today", "sql": "SELECT 2"})
    client.put("/api/saved", json={"name": "a first", "sql": "SELECT 3"})
    listed = client.get("/api/saved").json()
    assert [(q["name"], q["sql"]) for q in listed] == [
        ("a first", "SELECT 3"),
        ("calls today", "SELECT 2"),
    ]
    assert client.post("/api/saved/calls today/ran").status_code == 204
    assert client.get("/api/saved").json()[1]["last_run"] > 0
    assert client.delete("/api/saved/calls today").status_code == 204
    res = client.delete("/api/saved/calls today")
    assert res.status_code == 404 and "no saved query" in res.json()["detail"]
    bad = client.put("/api/saved", json={"name": "x", "sql": "   "})
    assert bad.status_code == 400 and "empty" in bad.json()["detail"]
