"""Bounded resources and checked input, from outside: request bodies capped before they are
read, kept results capped and spilled, a default query timeout, queued jobs, long-polls that
hold no thread, throttled logins, 422 for every bad option, and problems that keep the server's
paths to themselves."""

from __future__ import annotations

import socket
import stat
import sys
import threading
import time

import httpx
import pytest
from fastapi.testclient import TestClient
from serverproc import ServeProcess
from webhelpers import add_fake

from distillr.server import create_app
from distillr.server.auth import AuthStore
from distillr.server.settings import MIB, ServerSettings

BASE = "http://127.0.0.1:8000"
PASSWORD = "correct horse battery"


def app_with(home, **limits):
    return TestClient(create_app(home, settings=ServerSettings(**limits)), base_url=BASE)


def run(client, sql, **kw):
    job = client.post("/api/queries", json={"sql": sql, **kw}).json()
    deadline = time.monotonic() + 30
    while job["state"] == "running" and time.monotonic() < deadline:
        job = client.get(f"/api/queries/{job['id']}", params={"wait": 2}).json()
    return job


# -- request bodies ----------------------------------------------------------------------------
def _answer(sock) -> bytes:
    sock.settimeout(30)
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not chunk:
            break
        data += chunk
    return data


@pytest.fixture
def served(home, fake_type):
    AuthStore(home).add_user("ada", PASSWORD)
    with ServeProcess(home, "--auth") as srv:
        yield srv


def test_a_declared_400_mb_body_is_refused_before_it_is_read(served):
    with socket.create_connection(("127.0.0.1", served.port)) as sock:
        sock.sendall(
            b"POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 419430400\r\n\r\n" + b"x" * 65536
        )
        answer = _answer(sock)  # the server answers and closes without the rest
    head = answer.split(b"\r\n", 1)[0]
    assert b" 413 " in head, answer[:300]
    assert b"larger than this server accepts" in answer and b"connection: close" in answer.lower()


def test_an_undeclared_body_stops_being_read_at_the_cap(served):
    before = served.memory()[1]
    sent = 0
    with socket.create_connection(("127.0.0.1", served.port)) as sock:
        sock.sendall(
            b"POST /api/queries HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        chunk = b"%x\r\n%s\r\n" % (MIB, b" " * MIB)
        try:
            for _ in range(96):  # 96 MiB of body, if the server kept reading
                sock.sendall(chunk)
                sent += MIB
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = _answer(sock)
    assert b" 413 " in answer.split(b"\r\n", 1)[0], answer[:300]
    grown = served.memory()[1] - before
    assert grown < 32 * MIB, f"peak RSS grew by {grown / MIB:.0f} MiB for {sent / MIB:.0f} MiB sent"


def test_small_bodies_pass(home, fake_type):
    with app_with(home, max_body=4096) as c:
        assert add_fake(c).status_code == 201
        res = c.post("/api/queries", json={"sql": "SELECT 1 --" + "x" * 5000})
        assert res.status_code == 413 and res.json()["type"].endswith(":limit")


# -- kept results ------------------------------------------------------------------------------
def test_a_result_over_the_cap_fails_with_a_message_not_a_cut(home, fake_type):
    with app_with(home, result_rows=20) as c:
        add_fake(c, rows=30)
        job = run(c, "SELECT * FROM shop.items")
        assert job["state"] == "error" and job["error"]["kind"] == "too_large"
        assert "at most 20 rows" in job["error"]["detail"] and "LIMIT" in job["error"]["detail"]
        assert c.get(f"/api/queries/{job['id']}/result").status_code == 400
        assert run(c, "SELECT * FROM shop.items LIMIT 20")["rows"] == 20


def test_results_past_the_memory_budget_spill_to_a_private_folder(home, fake_type):
    with app_with(home, results_memory=0) as c:
        add_fake(c, rows=3000)
        job = run(c, "SELECT id, name FROM shop.items ORDER BY id")
        assert job["state"] == "done" and job["kept"] == "disk" and job["rows"] == 3000
        folder = c.app.state.server.jobs.results.folder
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700 and list(folder.iterdir())
        page = c.get(f"/api/queries/{job['id']}/result", params={"offset": 2998}).json()
        assert page["rows"] == [[2999, "item 2999"], [3000, "item 3000"]]
        csv = c.get(f"/api/queries/{job['id']}/export", params={"format": "csv"}).text
        assert csv.count("\n") == 3001
    assert not folder.exists()  # removed when the server stops


def test_the_oldest_spilled_result_expires_past_the_disk_budget(home, fake_type):
    with app_with(home, results_memory=0, results_disk=60_000) as c:
        add_fake(c, rows=2000)
        first = run(c, "SELECT * FROM shop.items")
        second = run(c, "SELECT * FROM shop.items")
        assert first["state"] == second["state"] == "done"
        gone = c.get(f"/api/queries/{first['id']}/result")
        assert gone.status_code == 410 and "Run the query again" in gone.json()["detail"]
        assert c.get(f"/api/queries/{first['id']}").json()["kept"] == "expired"
        assert c.get(f"/api/queries/{second['id']}/result").json()["total"] == 2000
        assert c.app.state.server.jobs.results.used[1] <= 60_000


# -- queries -----------------------------------------------------------------------------------
def test_the_server_timeout_applies_by_default_and_caps_requests(home, fake_type):
    with app_with(home, query_timeout=0.5) as c:
        add_fake(c, delay=0.05)
        job = run(c, "SELECT * FROM shop.slow")
        assert job["state"] == "cancelled" and "timeout of 0.5 s" in job["error"]["detail"]
        res = c.post("/api/queries", json={"sql": "SELECT 1", "timeout": 10})
        assert res.status_code == 422 and "at most 0.5 seconds" in res.json()["detail"]


def test_jobs_past_the_running_cap_queue_and_past_the_queue_get_429(home, fake_type):
    with app_with(home, max_running=1, max_running_per_user=1, max_queued_per_user=1) as c:
        add_fake(c, delay=0.05)
        first = c.post("/api/queries", json={"sql": "SELECT * FROM shop.slow"}).json()
        second = c.post("/api/queries", json={"sql": "SELECT * FROM shop.slow"}).json()
        assert not first["queued"] and second["queued"] and second["state"] == "running"
        third = c.post("/api/queries", json={"sql": "SELECT * FROM shop.slow"})
        assert third.status_code == 429 and int(third.headers["retry-after"]) >= 1
        threads = [t for t in threading.enumerate() if t.name.startswith("distillr-q")]
        assert len(threads) == 1
        cancelled = c.delete(f"/api/queries/{second['id']}").json()
        assert cancelled["state"] == "cancelled" and not cancelled["queued"]
        c.delete(f"/api/queries/{first['id']}")
        assert c.get(f"/api/queries/{first['id']}", params={"wait": 10}).json()["state"] == (
            "cancelled"
        )


def test_long_polls_hold_no_thread(home, fake_type):
    from distillr.server.background import BackgroundServer

    app = create_app(home)
    with BackgroundServer(app) as url:
        httpx.post(
            f"{url}/api/sources",
            json={
                "type": "fake",
                "name": "shop",
                "options": {"account": "acme", "delay": 0.05},
                "secrets": {"token": __import__("distillr_fake").GOOD_TOKEN},
            },
        )
        job = httpx.post(f"{url}/api/queries", json={"sql": "SELECT * FROM shop.slow"}).json()
        polls = [
            threading.Thread(
                target=httpx.get,
                args=(f"{url}/api/queries/{job['id']}",),
                kwargs={"params": {"wait": 3}, "timeout": 30},
            )
            for _ in range(20)
        ]
        for t in polls:
            t.start()
        time.sleep(1)  # the polls are waiting now
        waiting = [
            tid
            for tid, frame in sys._current_frames().items()
            if any(f.f_code.co_name == "query_status" for f in _stack(frame))
        ]
        assert waiting == [], "a long-poll is waiting on a thread"
        httpx.delete(f"{url}/api/queries/{job['id']}")
        for t in polls:
            t.join()


def _stack(frame):
    while frame is not None:
        yield frame
        frame = frame.f_back


# -- logins ------------------------------------------------------------------------------------
def test_logins_are_throttled_per_user_and_per_address(home):
    AuthStore(home).add_user("ada", PASSWORD)
    AuthStore(home).add_user("bob", PASSWORD)
    app = create_app(
        home,
        require_auth=True,
        settings=ServerSettings(login_free_attempts=3, login_delay=30, login_max_delay=60),
    )
    with (
        TestClient(app, base_url="https://x.example", client=("10.0.0.1", 1)) as one,
        TestClient(app, base_url="https://x.example", client=("10.0.0.2", 1)) as two,
    ):
        for _ in range(3):
            res = one.post("/api/login", json={"username": "ada", "password": "wrong one"})
            assert res.status_code == 401
        res = one.post("/api/login", json={"username": "ada", "password": PASSWORD})
        assert res.status_code == 429 and 1 <= int(res.headers["retry-after"]) <= 30
        # the same user from another address waits too; another user from there does not
        assert (
            two.post("/api/login", json={"username": "ada", "password": PASSWORD}).status_code
            == 429
        )
        assert (
            two.post("/api/login", json={"username": "bob", "password": PASSWORD}).status_code
            == 200
        )
        # the first address waits for any user now
        res = one.post("/api/login", json={"username": "bob", "password": PASSWORD})
        assert res.status_code == 429 and "Too many login attempts" in res.json()["detail"]


def test_delays_grow_and_a_right_password_clears_them():
    from distillr.server.throttle import Busy, LoginThrottle

    now = [0.0]
    throttle = LoginThrottle(free=2, delay=1, max_delay=8, clock=lambda: now[0])
    waits = []
    for _ in range(7):
        try:
            throttle.attempt("user:a", "address:x")
        except Busy as busy:
            waits.append(busy.retry_after)
            now[0] += busy.retry_after
            throttle.attempt("user:a", "address:x")
    assert waits == [1, 2, 4, 8, 8]
    throttle.succeeded("user:a", "address:x")
    now[0] += 8
    throttle.attempt("user:a", "address:x")  # no wait: the user's count was cleared


def test_password_hashes_are_bounded():
    import asyncio

    from distillr.server.throttle import Busy, HashGate

    gate = HashGate(hashes=1, waiting=1)

    async def flood():
        results = await asyncio.gather(
            *(gate.run(time.sleep, 0.3) for _ in range(5)), return_exceptions=True
        )
        return [type(r).__name__ for r in results]

    outcome = asyncio.run(flood())
    gate.close()
    assert outcome.count("Busy") == 3 and outcome.count("NoneType") == 2
    assert Busy(0.2, "x").retry_after == 1


# -- validation and problems -------------------------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [
        {"sql": "SELECT 1", "timeout": -1},
        {"sql": "SELECT 1", "timeout": 0},
        {"sql": "SELECT 1", "timeout": 1e308},
        {"sql": "SELECT 1", "timeout": "soon"},
        {"sql": "SELECT 1", "timout": 5},
    ],
)
def test_bad_query_options_are_422(client, body):
    res = client.post("/api/queries", json=body)
    assert res.status_code == 422 and res.json()["type"].endswith(":validation"), res.text


@pytest.mark.parametrize(
    "raw", [b'{"sql": "SELECT 1", "timeout": Infinity}', b'{"sql": "SELECT 1", "timeout": NaN}']
)
def test_non_finite_timeouts_are_422(client, raw):
    res = client.post("/api/queries", content=raw, headers={"content-type": "application/json"})
    assert res.status_code == 422 and "timeout" in res.json()["detail"]


@pytest.mark.parametrize("params", [{"wait": -1}, {"wait": "inf"}, {"wait": "nan"}, {"wait": 31}])
def test_bad_waits_are_422(client, params):
    res = client.get("/api/queries/q1_x", params=params)
    assert res.status_code == 422 and "wait" in res.json()["detail"]


def test_bad_row_counts_and_base_urls_are_422(client, good):
    for params in ({"limit": -5}, {"offset": -1}, {"limit": "many"}):
        assert client.get("/api/queries/q1_x/result", params=params).status_code == 422
    res = client.post(
        "/api/sources",
        json={
            "type": "twilio",
            "name": "tw",
            "options": {"account_sid": "AC" + "0" * 32, "base_url": "http://[::1"},
            "secrets": {"auth_token": good},
        },
    )
    assert res.status_code == 422 and res.json()["field"] == "base_url"
    assert "not a valid URL" in res.json()["detail"]


def test_origin_null_is_refused(client):
    res = client.post("/api/queries", json={"sql": "SELECT 1"}, headers={"origin": "null"})
    assert res.status_code == 403 and res.json()["type"].endswith(":csrf")


def test_problems_do_not_show_the_servers_home(home, client):
    home.mkdir(parents=True, exist_ok=True)
    (home / "registry.db").mkdir()  # a registry that cannot be opened
    res = client.get("/api/sources")
    assert res.status_code == 400 and "$DISTILLR_HOME" in res.json()["detail"]
    assert str(home) not in res.text and str(home.parent) not in res.text


def test_the_platform_is_not_shown():
    import platform

    from distillr.server.problems import Redactor

    redact = Redactor("/srv/distillr")
    text = redact(f"Extension for linux_amd64 at /srv/distillr/x on {platform.platform()}")
    assert "linux_amd64" not in text and platform.platform() not in text
    assert "$DISTILLR_HOME/x" in text
