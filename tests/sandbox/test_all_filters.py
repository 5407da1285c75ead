"""Every filter of every hand-made resource selects what the same selection in Python selects."""

import asyncio
import datetime as dt
from email.utils import parsedate_to_datetime

import httpx

from distillr import catalogs
from distillr.sandbox.twilio.filters import build_filters

UTC = dt.UTC


def parse_time(text):
    if text is None:
        return None
    if "," in text:
        return parsedate_to_datetime(text)
    if len(text) == 10:
        return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def matches(f, rec, value):
    got = rec.get(f.column)
    if f.kind == "bool":
        return got is (value == "true")
    if f.kind == "int":
        return got is not None and str(got) == value
    if f.kind == "eq":
        return got == value
    if f.kind == "digits":  # a part of the number; "*" stands for any digit
        import re

        return (
            got is not None and re.search(re.escape(value).replace(r"\*", r"\d"), got) is not None
        )
    if f.kind == "date":
        t = parse_time(got)
        if t is None:
            return False
        day = dt.datetime.fromisoformat(value).replace(tzinfo=UTC)
        nxt = day + dt.timedelta(days=1)
        if f.op == "":
            return day <= t < nxt
        if f.op == ">":
            return t >= day
        return t < (nxt if f.inclusive else day)
    raise AssertionError(f.kind)


def test_every_filter_of_bound_resources(sb):
    catalog = catalogs.load("twilio")
    data = sb.data
    prefixes = {k: v["prefix"] for k, v in catalog["products"].items()}
    checked = set()

    async def run():
        transport = httpx.ASGITransport(app=sb.app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://sandbox.test",
            auth=(sb.account_sid, sb.auth_token),
        ) as client:

            async def fetch_all(url, params):
                out, params = [], {**params, "PageSize": 1000}
                while url:
                    r = await client.get(url, params=params)
                    assert r.status_code == 200, (url, params, r.text)
                    body = r.json()
                    out.extend(body[key])
                    url = body.get("next_page_uri") or (body.get("meta") or {}).get("next_page_url")
                    params = None
                return out

            for ep in catalog["endpoints"]:
                binding = data.bindings.get((ep["product"], ep["path"]))
                if binding is None or any(p["name"] != "AccountSid" for p in ep["path_params"]):
                    continue
                key = ep["list_key"]
                url = prefixes[ep["product"]] + ep["path"].replace("{AccountSid}", sb.account_sid)
                filters = build_filters(ep, {f["name"] for f in ep["fields"]})
                everything = await fetch_all(url, {})
                for name, f in filters.items():
                    sample = next(
                        (
                            r
                            for r in everything[len(everything) // 2 :] + everything
                            if r.get(f.column) is not None
                        ),
                        None,
                    )
                    if sample is None:
                        continue
                    raw = sample[f.column]
                    if f.kind == "date":
                        value = parse_time(raw).date().isoformat()
                    elif f.kind == "bool":
                        value = "true" if raw else "false"
                    elif f.kind == "digits":
                        value = raw[-6:-2] + "*"
                    else:
                        value = str(raw)
                    got = await fetch_all(url, {name: value})
                    want = [r for r in everything if matches(f, r, value)]
                    assert got == want, (url, name, value)
                    checked.add((ep["path"], name))

    asyncio.run(run())
    names = {n for _, n in checked}
    # the filters of calls, messages, recordings, conferences, numbers, alerts, executions...
    assert {
        "To",
        "From",
        "Status",
        "DateSent>",
        "StartTime<",
        "CallSid",
        "DateCreated<",
        "PhoneNumber",
        "FriendlyName",
        "LogLevel",
        "MessageDate>",
        "Log",
    } <= names, names
    assert len(checked) >= 40
