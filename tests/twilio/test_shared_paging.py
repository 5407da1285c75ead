"""Twilio's paging on the shared toolkit: ``next_page_uri`` appended to the base URL,
``meta.next_page_url`` (naming Twilio's own host) moved onto it, a next page sent twice a clear
error after the requests it took, and the basic auth scheme on every request."""

from __future__ import annotations

import base64

import httpx
import pytest

import distillr
from distillr.connectors.base import Pred, ScanRequest
from distillr.connectors.twilio import TwilioConnector
from distillr.errors import SourceError, TooManyRequests

ACCOUNT = "AC" + "7" * 32
TOKEN = "token-" + "9" * 20


def _session(tmp_path, handler, base_url="http://x/tw"):
    src = TwilioConnector(
        "tw",
        account_sid=ACCOUNT,
        auth_token=TOKEN,
        base_url=base_url,
        transport=httpx.MockTransport(handler),
    )
    con = distillr.connect(home=str(tmp_path))
    con.register("tw", src)
    return con


def test_next_page_uri_is_appended_to_the_base_url_with_its_path(tmp_path):
    seen = []
    pair = base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()

    def handler(request):
        seen.append((request.url.path, request.url.params.get("Page")))
        assert request.headers["Authorization"] == f"Basic {pair}"
        nxt = f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json?PageSize=1000&Page=1"
        last = request.url.params.get("Page") == "1"
        return httpx.Response(200, json={"messages": [], "next_page_uri": None if last else nxt})

    _session(tmp_path, handler).sql("SELECT * FROM tw.messages").arrow()
    path = f"/tw/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert seen == [(path, None), (path, "1")]


def test_meta_next_page_url_on_twilios_host_is_moved_onto_the_base_url(tmp_path):
    seen = []

    def handler(request):
        seen.append(str(request.url))
        last = request.url.params.get("Page") == "1"
        nxt = "https://monitor.twilio.com/v1/Alerts?PageSize=1000&Page=1&PageToken=PA1"
        meta = {"key": "alerts", "next_page_url": None if last else nxt}
        return httpx.Response(200, json={"alerts": [], "meta": meta})

    # a LIMIT keeps the scan one stream (no date ranges); empty pages are followed
    _session(tmp_path, handler).sql("SELECT * FROM tw.alerts LIMIT 5").arrow()
    assert seen == [
        "http://x/tw/monitor/v1/Alerts?PageSize=5",
        "http://x/tw/monitor/v1/Alerts?PageSize=1000&Page=1&PageToken=PA1",
    ]


def test_a_next_page_sent_twice_is_a_clear_error(tmp_path):
    seen = []

    def handler(request):
        seen.append(request.url.path)
        nxt = f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json?PageSize=1000&Page=1"
        return httpx.Response(200, json={"messages": [], "next_page_uri": nxt})

    with pytest.raises(SourceError, match="same cursor or next page twice") as info:
        _session(tmp_path, handler).sql("SELECT * FROM tw.messages").arrow()
    assert "messages" in str(info.value) and TOKEN not in str(info.value)
    assert len(seen) == 2  # the first page and its next; the repeat is never sent


def test_too_many_path_values_fail_before_any_request(tmp_path):
    seen = []

    def handler(request):
        seen.append(request.url.path)
        return httpx.Response(200, json={"recordings": [], "next_page_uri": None})

    src = _session(tmp_path, handler).connector("tw")
    sids = tuple(f"CA{i:032d}" for i in range(1001))
    with pytest.raises(TooManyRequests, match="1001 separate scans"):
        src.plan(ScanRequest("call_recordings", predicates=(Pred("call_sid", "in", sids),)))
    assert seen == []
