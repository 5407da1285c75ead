"""The shared HTTP client: retries, Retry-After, backoff, concurrency, errors."""

from __future__ import annotations

import json
import threading

import httpx
import pytest

from distillr.connectors.base import ScanStats
from distillr.connectors.http import AdaptiveLimit, HttpClient, RetryPolicy, parse_retry_after
from distillr.errors import AuthError, SourceError

SECRET = "s3cr3t-token-value"


def make(handler, **kw):
    sleeps: list[float] = []
    client = HttpClient(
        label="Twilio",
        auth=httpx.BasicAuth("ACxx", SECRET),
        transport=httpx.MockTransport(handler),
        retry=kw.pop("retry", RetryPolicy(max_retries=3, backoff_base=0.01)),
        sleep=sleeps.append,
        **kw,
    )
    return client, sleeps


def scripted(*steps):
    """A handler answering with each step in turn (a Response, or an exception to raise)."""
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        step = steps[min(len(calls) - 1, len(steps) - 1)]
        if isinstance(step, Exception):
            raise step
        return step

    return handler, calls


OK = httpx.Response(200, json={"messages": [{"sid": "SM1"}]})


def error(status, code, message, headers=None):
    return httpx.Response(
        status, headers=headers or {}, json={"code": code, "message": message, "status": status}
    )


def test_429_honours_retry_after_and_cuts_concurrency():
    handler, calls = scripted(error(429, 20429, "Too many", {"Retry-After": "2"}), OK)
    client, sleeps = make(handler, max_concurrency=8)
    stats = ScanStats()
    assert client.get_json("https://api.twilio.com/x.json", {"PageSize": 5}, stats) == {
        "messages": [{"sid": "SM1"}]
    }
    assert sleeps == [2.0]
    assert len(calls) == 2 and stats.requests == 2 and stats.retries == 1
    assert client.limit.limit == 4
    assert client.stats.throttled == 1


def test_retry_after_is_capped():
    handler, _ = scripted(error(429, 20429, "Too many", {"Retry-After": "3600"}), OK)
    client, sleeps = make(handler, retry=RetryPolicy(max_retries=2, retry_after_max=0.5))
    client.get_json("https://api.twilio.com/x.json")
    assert sleeps == [0.5]


@pytest.mark.parametrize(
    "failure",
    [
        error(500, 20500, "Internal"),
        error(503, 20503, "Unavailable"),
        httpx.RemoteProtocolError("peer closed connection"),
        httpx.ReadTimeout("timed out"),
        httpx.ConnectError("refused"),
        httpx.DecodingError("bad gzip"),
        httpx.Response(200, content=b'{"messages": [{"sid": "SM1"'),  # cut short
    ],
)
def test_retries_transient_failures_with_backoff(failure):
    handler, calls = scripted(failure, OK)
    client, sleeps = make(handler)
    assert client.get_json("https://api.twilio.com/x.json") == {"messages": [{"sid": "SM1"}]}
    assert len(calls) == 2
    assert len(sleeps) == 1 and 0 <= sleeps[0] <= 0.01


def test_backoff_grows_and_is_bounded():
    policy = RetryPolicy(backoff_base=1.0, backoff_max=5.0)
    for attempt in range(10):
        assert 0 <= policy.backoff(attempt) <= min(5.0, 2**attempt)


def test_gives_up_with_twilio_code_message_and_path_never_the_secret():
    handler, calls = scripted(error(500, 20500, "An internal server error has occurred"))
    client, _ = make(handler)
    with pytest.raises(SourceError) as info:
        client.get_json(
            "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json", {"To": "+15551234567"}
        )
    err = info.value
    assert len(calls) == 4  # 1 + 3 retries
    assert err.status == 500 and err.code == 20500
    assert err.api_message == "An internal server error has occurred"
    assert err.path == "/2010-04-01/Accounts/AC1/Messages.json?To=%2B15551234567"
    assert "20500" in str(err) and "Messages.json" in str(err)
    assert SECRET not in str(err) and SECRET not in repr(err) and SECRET not in repr(client)


def test_dropped_connections_until_the_end_fail_clearly():
    handler, _ = scripted(httpx.RemoteProtocolError("peer closed connection"))
    client, _ = make(handler)
    with pytest.raises(SourceError, match=r"failed after 4 attempts.*no partial data"):
        client.get_json("https://api.twilio.com/x.json")


def test_401_is_an_auth_error_without_retry():
    handler, calls = scripted(error(401, 20003, "Authenticate"))
    client, sleeps = make(handler)
    with pytest.raises(AuthError) as info:
        client.get_json("https://api.twilio.com/2010-04-01/Accounts/AC1.json")
    assert len(calls) == 1 and sleeps == []
    assert info.value.code == 20003 and "Authenticate" in str(info.value)
    assert SECRET not in str(info.value)


def test_404_and_400_are_not_retried():
    handler, calls = scripted(error(400, 20007, "PageSize too large"))
    client, _ = make(handler)
    with pytest.raises(SourceError) as info:
        client.get_json("https://api.twilio.com/x.json", {"PageSize": 5000})
    assert len(calls) == 1 and info.value.code == 20007 and info.value.status == 400


def test_basic_auth_is_sent_and_not_in_the_url():
    seen = {}

    def handler(request):
        seen["auth"] = request.headers.get("authorization")
        seen["url"] = str(request.url)
        return OK

    client, _ = make(handler)
    client.get_json("https://api.twilio.com/x.json")
    assert seen["auth"].startswith("Basic ")
    assert SECRET not in seen["url"]


def test_parse_retry_after_forms():
    assert parse_retry_after("1.5") == 1.5
    assert parse_retry_after("garbage") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past


def test_adaptive_limit_bounds_in_flight_requests():
    lim = AdaptiveLimit(3)
    active = []
    peak = []
    lock = threading.Lock()

    def work():
        with lim:
            with lock:
                active.append(1)
                peak.append(len(active))
            threading.Event().wait(0.01)
            with lock:
                active.pop()

    threads = [threading.Thread(target=work) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert max(peak) <= 3


def test_adaptive_limit_halves_then_recovers():
    lim = AdaptiveLimit(8)
    lim.throttled()
    assert lim.limit == 4
    lim.throttled()  # same burst: no second cut
    assert lim.limit == 4
    for _ in range(4 + 5 + 6 + 7):
        lim.succeeded()
    assert lim.limit == 8
    lim.succeeded()
    assert lim.limit == 8


def test_body_json_parsed():
    handler, _ = scripted(httpx.Response(200, content=json.dumps([1, 2]).encode()))
    client, _ = make(handler)
    assert client.get_json("https://x/y") == [1, 2]
