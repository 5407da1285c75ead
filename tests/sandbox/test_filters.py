"""Each filter of calls and messages selects exactly what the same selection in Python selects."""

import datetime as dt
from email.utils import parsedate_to_datetime

import pytest

UTC = dt.UTC


def api(sb, resource):
    return f"/2010-04-01/Accounts/{sb.account_sid}/{resource}"


def fetch_all(http, url, params=None):
    """Follow next_page_uri to the end; return the records and the pages' bodies."""
    key = url.rsplit("/", 1)[-1].removesuffix(".json").lower()
    out, pages = [], []
    r = http.get(url, params={**(params or {}), "PageSize": 1000})
    while True:
        assert r.status_code == 200, r.text
        body = r.json()
        pages.append(body)
        out.extend(body[key])
        if not body["next_page_uri"]:
            return out, pages
        r = http.get(body["next_page_uri"])


def when(text):
    return None if text is None else parsedate_to_datetime(text)


def day(s):
    return dt.datetime.fromisoformat(s).replace(tzinfo=UTC)


@pytest.fixture(scope="module")
def everything(sb):
    import httpx

    with httpx.Client(base_url=sb.base_url, auth=(sb.account_sid, sb.auth_token)) as c:
        calls, _ = fetch_all(c, api(sb, "Calls.json"))
        messages, _ = fetch_all(c, api(sb, "Messages.json"))
    return {"calls": calls, "messages": messages}


def _pick_day(records, field):
    times = sorted(when(r[field]) for r in records if r[field])
    return times[len(times) // 2].date().isoformat()


def message_cases(msgs):
    d = _pick_day(msgs, "date_sent")
    sample = msgs[len(msgs) // 3]
    mid = when(msgs[len(msgs) // 2]["date_sent"] or msgs[len(msgs) // 2]["date_created"])
    t_iso = mid.strftime("%Y-%m-%dT%H:%M:%SZ")
    ds = lambda r: when(r["date_sent"])  # noqa: E731
    D = day(d)
    return [
        ({"To": sample["to"]}, lambda r: r["to"] == sample["to"]),
        ({"From": sample["from"]}, lambda r: r["from"] == sample["from"]),
        ({"DateSent": d}, lambda r: ds(r) is not None and D <= ds(r) < D + dt.timedelta(days=1)),
        ({"DateSent<": d}, lambda r: ds(r) is not None and ds(r) < D + dt.timedelta(days=1)),
        ({"DateSent>": d}, lambda r: ds(r) is not None and ds(r) >= D),
        ({"DateSent>": t_iso}, lambda r: ds(r) is not None and ds(r) >= mid),
        ({"DateSent<": t_iso}, lambda r: ds(r) is not None and ds(r) <= mid),
        (
            {"DateSent>": d, "To": sample["to"]},
            lambda r: ds(r) is not None and ds(r) >= D and r["to"] == sample["to"],
        ),
        ({"Status": "failed"}, lambda r: True),  # not a filter of Messages: ignored, as Twilio does
        ({"to": sample["to"]}, lambda r: True),  # names are case-sensitive: unknown, ignored
    ]


def call_cases(calls):
    d = _pick_day(calls, "start_time")
    e = _pick_day(calls, "end_time")
    sample = calls[len(calls) // 4]
    child = next(c for c in calls if c["parent_call_sid"])
    st = lambda r: when(r["start_time"])  # noqa: E731
    et = lambda r: when(r["end_time"])  # noqa: E731
    D, E = day(d), day(e)
    nxt = dt.timedelta(days=1)
    return [
        ({"To": sample["to"]}, lambda r: r["to"] == sample["to"]),
        ({"From": sample["from"]}, lambda r: r["from"] == sample["from"]),
        ({"Status": "busy"}, lambda r: r["status"] == "busy"),
        ({"Status": "in-progress"}, lambda r: r["status"] == "in-progress"),
        (
            {"ParentCallSid": child["parent_call_sid"]},
            lambda r: r["parent_call_sid"] == child["parent_call_sid"],
        ),
        ({"StartTime": d}, lambda r: st(r) is not None and D <= st(r) < D + nxt),
        ({"StartTime<": d}, lambda r: st(r) is not None and st(r) < D),  # "before this date"
        ({"StartTime>": d}, lambda r: st(r) is not None and st(r) >= D),  # "on or after"
        ({"EndTime": e}, lambda r: et(r) is not None and E <= et(r) < E + nxt),
        ({"EndTime<": e}, lambda r: et(r) is not None and et(r) < E),
        ({"EndTime>": e}, lambda r: et(r) is not None and et(r) >= E),
        (
            {"Status": "completed", "StartTime>": d},
            lambda r: r["status"] == "completed" and st(r) is not None and st(r) >= D,
        ),
        ({"Direction": "inbound"}, lambda r: True),  # not a Calls filter: ignored
    ]


def test_message_filters(sb, http, everything):
    msgs = everything["messages"]
    for params, pred in message_cases(msgs):
        got, _ = fetch_all(http, api(sb, "Messages.json"), params)
        want = [m["sid"] for m in msgs if pred(m)]
        assert [m["sid"] for m in got] == want, params
    assert any(len([m for m in msgs if p(m)]) not in (0, len(msgs)) for _, p in message_cases(msgs))


def test_call_filters(sb, http, everything):
    calls = everything["calls"]
    for params, pred in call_cases(calls):
        got, _ = fetch_all(http, api(sb, "Calls.json"), params)
        want = [c["sid"] for c in calls if pred(c)]
        assert [c["sid"] for c in got] == want, params


def test_sort_orders(everything):
    msgs = everything["messages"]
    keys = [when(m["date_sent"] or m["date_created"]) for m in msgs]
    assert keys == sorted(keys, reverse=True)  # newest first by date sent
    calls = everything["calls"]
    created = [when(c["date_created"]) for c in calls]
    assert created == sorted(created, reverse=True)  # newest first by date created


def test_next_page_repeats_filters_encoded(sb, http, everything):
    d = _pick_day(everything["messages"], "date_sent")
    r = http.get(
        api(sb, "Messages.json"), params={"DateSent>": d[:8] + "01", "PageSize": 5, "Bogus": "x"}
    )
    body = r.json()
    nxt = body["next_page_uri"]
    assert nxt.startswith(api(sb, "Messages.json") + "?")
    assert f"DateSent%3E={d[:8]}01" in nxt and "PageSize=5" in nxt and "Page=1" in nxt
    assert "PageToken=PA" in nxt and "Bogus" not in nxt
    assert body["start"] == 0 and body["end"] == 4 and body["page"] == 0
    second = http.get(nxt).json()
    assert second["start"] == 5 and second["end"] == 9 and second["page"] == 1
    assert second["previous_page_uri"] and "PageToken=PB" in second["previous_page_uri"]
    back = http.get(second["previous_page_uri"]).json()
    assert [m["sid"] for m in back["messages"]] == [m["sid"] for m in body["messages"]]


def test_empty_page(sb, http):
    r = http.get(api(sb, "Messages.json"), params={"To": "+10000000000"})
    body = r.json()
    assert r.status_code == 200 and body["messages"] == []
    assert body["start"] == 0 and body["end"] == 0 and body["next_page_uri"] is None


def test_other_filters(sb, http):
    """A few filters of other resources: recordings by call, participants by flag, numbers by
    digits."""
    recs, _ = fetch_all(http, api(sb, "Recordings.json"))
    call_sid = next(r["call_sid"] for r in recs if r["call_sid"])
    by_call, _ = fetch_all(http, api(sb, "Recordings.json"), {"CallSid": call_sid})
    assert by_call and all(r["call_sid"] == call_sid for r in by_call)
    assert len(by_call) == len([r for r in recs if r["call_sid"] == call_sid])
    nested = http.get(api(sb, f"Calls/{call_sid}/Recordings.json")).json()["recordings"]
    assert [r["sid"] for r in nested] == [r["sid"] for r in by_call]
    nums = http.get(api(sb, "IncomingPhoneNumbers.json")).json()["incoming_phone_numbers"]
    digits = nums[0]["phone_number"][-4:]
    hits = http.get(api(sb, "IncomingPhoneNumbers.json"), params={"PhoneNumber": digits}).json()
    assert [n["sid"] for n in hits["incoming_phone_numbers"]] == [
        n["sid"] for n in nums if digits in n["phone_number"]
    ]
    toll = http.get(api(sb, "IncomingPhoneNumbers/TollFree.json")).json()["incoming_phone_numbers"]
    assert toll and all(n["phone_number"].startswith("+1888") for n in toll)
