"""Headers, limits, faults, determinism, the request log, and data that adds up."""

import asyncio
import concurrent.futures
import json
import re
from email.utils import parsedate_to_datetime

import httpx
import numpy as np
import pytest

from distillr.errors import ConfigError
from distillr.sandbox import Faults, TwilioSandbox


def api(sb, resource, account=None):
    return f"/2010-04-01/Accounts/{account or sb.account_sid}/{resource}"


def test_headers(sb, http):
    r = http.get(api(sb, "Calls.json"), params={"PageSize": 2})
    assert re.fullmatch(r"RQ[0-9a-f]{32}", r.headers["twilio-request-id"])
    assert int(r.headers["twilio-concurrent-requests"]) >= 1
    assert float(r.headers["twilio-request-duration"]) >= 0
    assert r.headers["content-type"].startswith("application/json")


def test_meta_urls_are_absolute_with_prefix(sb, http):
    body = http.get("/monitor/v1/Alerts", params={"PageSize": 2}).json()
    meta = body["meta"]
    assert meta["url"].startswith(sb.base_url + "/monitor/v1/Alerts?")
    assert meta["next_page_url"].startswith(sb.base_url + "/monitor/v1/Alerts?")
    assert body["alerts"][0]["url"] == f"{sb.base_url}/monitor/v1/Alerts/{body['alerts'][0]['sid']}"
    nxt = http.get(meta["next_page_url"]).json()
    assert nxt["meta"]["page"] == 1 and nxt["alerts"][0]["sid"] != body["alerts"][0]["sid"]


def test_request_log(sb, http):
    sb.clear_requests()
    http.get(api(sb, "Messages.json"), params=[("To", "+15005550006"), ("DateSent>", "2024-01-01")])
    http.post(api(sb, "Messages.json"))
    log = list(sb.requests)
    assert [(e["method"], e["status"]) for e in log] == [("GET", 200), ("POST", 405)]
    assert log[0]["path"] == api(sb, "Messages.json")
    assert log[0]["query"] == [("To", "+15005550006"), ("DateSent>", "2024-01-01")]
    sb.clear_requests()
    assert len(sb.requests) == 0


def test_in_process_asgi(tiny):
    async def go():
        transport = httpx.ASGITransport(app=tiny.app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://x", auth=(tiny.account_sid, tiny.auth_token)
        ) as c:
            return (await c.get(api(tiny, "Messages.json"), params={"PageSize": 3})).json()

    body = asyncio.run(go())
    assert len(body["messages"]) == 3 and body["next_page_uri"]


def test_deterministic_from_seed():
    def first(seed):
        sb = TwilioSandbox(seed=seed, scale="tiny", now="2026-01-15")
        t = sb.data.tables["messages"]
        return t.render(np.arange(20)), sb.account_sid, sb.auth_token

    a, b, c = first(5), first(5), first(6)
    assert a == b
    assert a[0] != c[0] and a[1] != c[1]


def test_given_credentials():
    sid = "AC" + "1" * 32
    sb = TwilioSandbox(scale="tiny", account_sid=sid, auth_token="tok")
    assert sb.account_sid == sid and sb.auth_token == "tok"
    with pytest.raises(ConfigError):
        TwilioSandbox(scale="tiny", account_sid="nope")
    with pytest.raises(ConfigError):
        TwilioSandbox(scale="enormous")


def test_realistic_data(sb):
    d = sb.data
    msgs = d.tables["messages"].render(np.arange(d.tables["messages"].n))
    e164 = re.compile(r"^\+[1-9]\d{7,14}$")
    assert all(e164.match(m["to"]) and e164.match(m["from"]) for m in msgs)
    assert all(re.fullmatch(r"(SM|MM)[0-9a-f]{32}", m["sid"]) for m in msgs)
    failed = [m for m in msgs if m["status"] in ("failed", "undelivered")]
    assert failed and all(isinstance(m["error_code"], int) and m["error_message"] for m in failed)
    assert all(m["error_code"] is None for m in msgs if m["status"] == "delivered")
    prices = [float(m["price"]) for m in msgs if m["price"] is not None]
    assert prices and all(p <= 0 for p in prices)
    assert all(re.fullmatch(r"-\d+\.\d{5}", m["price"]) for m in msgs if m["price"])
    statuses = {m["status"] for m in msgs}
    assert {"delivered", "received", "failed", "undelivered", "sent"} <= statuses
    delivered = sum(m["status"] == "delivered" for m in msgs) / len(msgs)
    assert 0.4 < delivered < 0.8
    dates = [parsedate_to_datetime(m["date_created"]) for m in msgs]
    span = (max(dates) - min(dates)).days
    assert 360 <= span <= 400
    # messages from the account's own numbers
    own = {n["phone_number"] for n in d.number_records if n["account_sid"] == sb.account_sid}
    mine = [m for m in msgs if m["account_sid"] == sb.account_sid]
    assert all(
        (m["from"] in own) if m["direction"] != "inbound" else (m["to"] in own) for m in mine
    )
    # recordings point at completed calls of the same account
    calls = {c["sid"]: c for c in d.tables["calls"].render(np.arange(d.tables["calls"].n))}
    for r in d.recording_records:
        if r["call_sid"]:
            c = calls[r["call_sid"]]
            assert c["status"] == "completed" and c["account_sid"] == r["account_sid"]
            assert int(r["duration"]) <= int(c["duration"])
    assert any(c["parent_call_sid"] for c in calls.values())
    assert all(
        calls[c["parent_call_sid"]]["direction"] == "inbound"
        for c in calls.values()
        if c["parent_call_sid"]
    )


def test_usage_adds_up_call_and_message_prices(sb, http):
    import datetime as dt

    d = sb.data
    calls = d.tables["calls"].render(np.arange(d.tables["calls"].n))
    msgs = d.tables["messages"].render(np.arange(d.tables["messages"].n))

    def usage(params):
        body = http.get(api(sb, "Usage/Records.json"), params=params).json()
        return {r["category"]: r for r in body["usage_records"]}

    def cost(rows):
        return round(sum(-float(r["price"]) for r in rows if r["price"]), 5)

    everything = usage({})
    assert everything["calls"]["price"] == pytest.approx(cost(calls), abs=1e-6)
    assert int(everything["calls"]["count"]) == sum(1 for c in calls if c["price"])
    sms = [m for m in msgs if m["num_media"] == "0"]
    assert everything["sms"]["price"] == pytest.approx(cost(sms), abs=1e-6)
    own = usage({"IncludeSubaccounts": "false"})
    mine = [c for c in calls if c["account_sid"] == sb.account_sid]
    assert own["calls"]["price"] == pytest.approx(cost(mine), abs=1e-6)
    # a date range counts the calls created in it (UTC days, both ends included)
    start, end = "2026-03-01", "2026-03-31"
    ranged = usage({"StartDate": start, "EndDate": end, "IncludeSubaccounts": "false"})
    lo = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    hi = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    picked = [c for c in mine if lo <= parsedate_to_datetime(c["date_created"]) < hi]
    if sb.data.start <= lo.timestamp() and hi.timestamp() <= sb.data.anchor:
        assert ranged["calls"]["price"] == pytest.approx(cost(picked), abs=1e-6)
    assert ranged["calls"]["start_date"] == start and ranged["calls"]["end_date"] == end
    one = http.get(api(sb, "Usage/Records/Monthly.json"), params={"Category": "sms"}).json()
    assert {r["category"] for r in one["usage_records"]} == {"sms"}


def test_concurrency_limit():
    with TwilioSandbox(scale="tiny", max_concurrency=2, latency_ms=400) as sb:

        def get(_):
            return httpx.get(
                sb.base_url + api(sb, "Calls.json"),
                auth=(sb.account_sid, sb.auth_token),
                timeout=30,
            )

        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            results = list(pool.map(get, range(6)))
        limited = [r for r in results if r.status_code == 429]
        assert limited and any(r.status_code == 200 for r in results)
        for r in limited:
            assert r.json()["code"] == 20429 and r.headers["retry-after"] == "1"
        # the limit is per account: it frees up once requests finish
        assert get(0).status_code == 200


def test_faults_parse():
    f = Faults.parse(
        "latency=50,jitter=10,429=0.05,500=0.02,503=0.02,slow=0.01,drop=0.01,truncate=0.01"
    )
    assert f.latency == 50 and f.rate_429 == 0.05 and f.truncate == 0.01
    assert Faults.parse({"429": 0.1, "latency": 5}).rate_429 == 0.1
    assert Faults.parse(f.spec()) == f
    for bad in ("429", "429=x", "nope=1", "429=2", "429=0.6,500=0.6", "latency=-1"):
        with pytest.raises(ConfigError):
            Faults.parse(bad)


def test_faults_are_seeded_and_repeatable():
    def statuses(seed):
        sb = TwilioSandbox(seed=seed, scale="tiny", faults="429=0.2,500=0.1,503=0.1,truncate=0.1")

        async def go():
            transport = httpx.ASGITransport(app=sb.app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://x", auth=(sb.account_sid, sb.auth_token)
            ) as c:
                out = []
                for _ in range(40):
                    r = await c.get(api(sb, "Messages.json"), params={"PageSize": 5})
                    try:
                        json.loads(r.content)
                        ok = "json"
                    except ValueError:
                        ok = "truncated"
                    out.append((r.status_code, ok, r.headers.get("retry-after")))
                return out

        return asyncio.run(go())

    a, b = statuses(11), statuses(11)
    assert a == b
    kinds = {s for s, _, _ in a}
    assert {200, 429, 500, 503} <= kinds
    assert any(ok == "truncated" and s == 200 for s, ok, _ in a)
    assert all(ra == "1" for s, _, ra in a if s == 429)
    assert statuses(12) != a


def test_dropped_and_slow_connections():
    with TwilioSandbox(scale="tiny", faults={"drop": 1.0}) as sb, pytest.raises(httpx.HTTPError):
        httpx.get(
            sb.base_url + api(sb, "Messages.json"),
            auth=(sb.account_sid, sb.auth_token),
            timeout=10,
        )
    with TwilioSandbox(scale="tiny", faults={"slow": 1.0, "slow_seconds": 0.3}) as sb:
        r = httpx.get(
            sb.base_url + api(sb, "Messages.json"), auth=(sb.account_sid, sb.auth_token), timeout=10
        )
        assert r.status_code == 200 and r.json()["messages"]


def test_descending_order_pages(sb, http):
    conv = http.get("/conversations/v1/Conversations", params={"PageSize": 50}).json()
    sid = max(conv["conversations"], key=lambda c: 0)["sid"]
    asc = http.get(f"/conversations/v1/Conversations/{sid}/Messages").json()["messages"]
    got, url, params = (
        [],
        f"/conversations/v1/Conversations/{sid}/Messages",
        {"Order": "desc", "PageSize": 1},
    )
    while url:
        body = http.get(url, params=params).json()
        got.extend(m["index"] for m in body["messages"])
        url, params = body["meta"]["next_page_url"], None
    assert got == sorted((m["index"] for m in asc), reverse=True) and len(got) >= 2


def test_generic_children_follow_their_parent(sb, http):
    call = http.get(api(sb, "Calls.json"), params={"PageSize": 1}).json()["calls"][0]
    events = http.get(api(sb, f"Calls/{call['sid']}/Events.json")).json()
    again = http.get(api(sb, f"Calls/{call['sid']}/Events.json")).json()
    assert events == again  # generated once, then kept
    unknown = http.get(api(sb, f"Calls/CA{'0' * 32}/Events.json")).json()
    assert unknown["events"] == []
    bad = http.get(api(sb, "Calls/not-a-sid/Events.json"))
    assert bad.status_code == 404 and bad.json()["code"] == 20404
