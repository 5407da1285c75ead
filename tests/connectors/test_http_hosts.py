"""The shared HTTP client and hosts it cannot reach, and what its errors tell the user to do."""

from __future__ import annotations

import socket
import time

import httpx
import pytest

import distillr
from distillr.connectors.base import ScanStats
from distillr.connectors.http import HttpClient, RetryPolicy
from distillr.connectors.twilio import TwilioConnector
from distillr.errors import AuthError, SourceError


def client(handler, **kw):
    sleeps: list[float] = []
    http = HttpClient(
        label="Example",
        transport=httpx.MockTransport(handler),
        retry=RetryPolicy(max_retries=6, backoff_base=0.01),
        sleep=sleeps.append,
        **kw,
    )
    return http, sleeps


def failing(exc):
    calls = []

    def handler(request):
        calls.append(request)
        raise exc

    return handler, calls


@pytest.mark.parametrize(
    "exc, attempts",
    [(httpx.ConnectError("[Errno 111] Connection refused"), 2), (httpx.ConnectTimeout("t"), 1)],
)
def test_a_host_that_never_answered_fails_fast(exc, attempts):
    handler, calls = failing(exc)
    http, sleeps = client(handler)
    stats = ScanStats()
    with pytest.raises(SourceError) as info:
        http.get_json("http://10.0.0.9:8080/x.json", None, stats)
    text = str(info.value)
    assert "http://10.0.0.9:8080 cannot be reached" in text and "unreachable" in text
    assert "Check the source's base URL" in text and "max_concurrency" not in text
    assert len(calls) == attempts and len(sleeps) == attempts - 1
    assert stats.requests == 0  # no connection, nothing sent
    with pytest.raises(SourceError, match="cannot be reached"):
        http.request("GET", "http://10.0.0.9:8080/y.json")


def test_a_host_that_answered_before_gets_the_usual_retries():
    calls = []

    def handler(request):
        calls.append(request)
        if len(calls) == 1:
            return httpx.Response(200, json={})
        if len(calls) < 5:
            raise httpx.ConnectError("refused")
        return httpx.Response(200, json={"ok": True})

    http, sleeps = client(handler)
    assert http.get_json("http://api.example/a.json") == {}
    assert http.get_json("http://api.example/b.json") == {"ok": True}
    assert len(sleeps) == 3


def test_only_throttling_suggests_fewer_requests_at_once():
    http, _ = client(lambda r: httpx.Response(503, json={"message": "down"}))
    with pytest.raises(SourceError) as info:
        http.get_json("http://api.example/x.json")
    assert "try again later" in str(info.value) and "max_concurrency" not in str(info.value)
    http, _ = client(lambda r: httpx.Response(429, headers={"Retry-After": "0"}, json={}))
    with pytest.raises(SourceError, match="lower the source's max_concurrency"):
        http.get_json("http://api.example/x.json")


def test_a_401_says_to_check_the_credentials():
    http, _ = client(lambda r: httpx.Response(401, json={"message": "Authenticate"}))
    with pytest.raises(AuthError) as info:
        http.get_json("http://api.example/x.json")
    assert "Check the source's credentials" in str(info.value)
    assert "account SID" not in str(info.value)  # Twilio's words are Twilio's


def test_twilio_401_names_its_credentials(sandbox):
    src = TwilioConnector(
        "tw", account_sid=sandbox.account_sid, auth_token="wrong", base_url=sandbox.base_url
    )
    with pytest.raises(AuthError) as info:
        src.check()
    assert "Check the account SID and the auth token" in str(info.value)
    assert "wrong" not in str(info.value)


def test_an_unreachable_base_url_fails_fast_from_a_query(tmp_path):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    src = TwilioConnector(
        "tw", account_sid="AC" + "0" * 32, auth_token="x", base_url=f"http://127.0.0.1:{port}"
    )
    con = distillr.connect(home=str(tmp_path))
    con.register("tw", src)
    started = time.monotonic()
    with pytest.raises(SourceError) as info:
        con.sql("SELECT * FROM tw.calls LIMIT 1").fetchall()
    assert time.monotonic() - started < 3  # one quick retry, not a backoff of seconds
    assert f"127.0.0.1:{port} cannot be reached" in str(info.value)
    assert "base URL" in str(info.value)
