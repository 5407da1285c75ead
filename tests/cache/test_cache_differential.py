"""A scan served from the response cache (pages kept as Arrow) gives exactly the rows and types
of the live scan: Twilio tables from the sandbox, a Twilio scan whose pages change JSON types
and fields from page to page, and a JIRA source (its schema learnt from one page). A Custom API
whose later pages drift from the learnt schema: ``tests/rest/test_rest_cache_drift.py``."""

from __future__ import annotations

import httpx
import pytest

import distillr
from distillr.connectors.cache import CacheBinding, ResponseCache, http_clients
from distillr.connectors.rest import RestConnector, template
from distillr.connectors.twilio import TwilioConnector
from distillr.sandbox import JiraSandbox, TwilioSandbox


def _session(tmp_path, connector, cache: ResponseCache | None):
    if cache is not None:
        for client in http_clients(connector):
            client.cache = CacheBinding(cache, "src", 900.0, "identity")
    con = distillr.connect(home=str(tmp_path / "home"))
    con.register("src", connector)
    return con


def _three_ways(tmp_path, make, sqls, requests):
    """Each query live without the cache, live filling it, and from it with no request: the
    three results, and the requests each way sent."""
    cache = ResponseCache(tmp_path / "cache")
    out = []
    for cached in (None, cache, cache):
        con = _session(tmp_path, make(), cached)
        before = requests()
        tables = [con.sql(sql).arrow() for sql in sqls]
        out.append((tables, requests() - before))
        con.close()
    return out


def _same(sqls, runs):
    (live, sent_live), (filled, sent_filling), (cached, sent_cached) = runs
    assert sent_live > 0 and 0 < sent_filling <= sent_live  # a page asked for twice hits
    assert sent_cached == 0, f"the cached scans sent {sent_cached} requests"
    for sql, a, b, c in zip(sqls, live, filled, cached, strict=True):
        assert a.num_rows > 0, sql
        assert c.schema.equals(a.schema, check_metadata=True), sql
        assert b.equals(a) and c.equals(a), f"{sql}: the cached rows differ from the live ones"


@pytest.mark.slow
def test_twilio_tables_from_the_cache_equal_the_live_scan(tmp_path):
    with TwilioSandbox(seed=11, scale="tiny", messages=1500) as sb:

        def make():
            source = TwilioConnector(
                "src",
                account_sid=sb.account_sid,
                auth_token=sb.auth_token,
                base_url=sb.base_url,
                page_size=200,
            )
            source.max_fanout = 500  # one request per call for the join
            return source

        sqls = [
            "SELECT * FROM src.messages ORDER BY sid",
            "SELECT * FROM src.calls ORDER BY sid",
            "SELECT * FROM src.recordings ORDER BY sid",
            "SELECT r.* FROM src.calls c JOIN src.`/Calls/:CallSid/Recordings` r"
            " ON r.CallSid = c.sid ORDER BY r.sid",
        ]
        _same(sqls, _three_ways(tmp_path, make, sqls, lambda: len(sb.requests)))


ACCOUNT = "AC" + "3" * 32


def _drifting_page(page: int) -> list[dict]:
    """Page 0 sends counts as text, page 1 as numbers with a field of a new name and nulls,
    page 2 leaves fields out: the JSON types the reader learnt no longer hold."""
    rows = []
    for i in range(5):
        n = page * 5 + i
        row = {
            "sid": f"SM{n:032x}",
            "account_sid": ACCOUNT,
            "to": f"+1555{n:07d}",
            "status": "delivered",
            "date_sent": "Wed, 01 Jan 2025 10:00:00 +0000",
        }
        if page == 0:
            row |= {"num_segments": "1", "price": "-0.0079", "num_media": "0"}
        elif page == 1:
            row |= {"num_segments": 2, "price": None, "num_media": 0, "brand_new": {"a": n}}
        else:
            row |= {"num_segments": None if i % 2 else "3"}
        rows.append(row)
    return rows


def _drifting_twilio(log: list[str]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        log.append(str(request.url))
        page = int(request.url.params.get("Page", "0"))
        nxt = None
        if page < 2:
            nxt = f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json?PageSize=5&Page={page + 1}"
        return httpx.Response(200, json={"messages": _drifting_page(page), "next_page_uri": nxt})

    return httpx.MockTransport(handle)


def test_twilio_pages_whose_json_types_drift_read_the_same_from_the_cache(tmp_path):
    log: list[str] = []

    def make():
        return TwilioConnector(
            "src",
            account_sid=ACCOUNT,
            auth_token="tok",
            base_url="http://twilio.test",
            parallel_scans=False,
            page_size=5,
            transport=_drifting_twilio(log),
        )

    sqls = [
        "SELECT * FROM src.messages",
        "SELECT sid, num_segments, price FROM src.messages WHERE num_segments IS NULL",
    ]
    runs = _three_ways(tmp_path, make, sqls, lambda: len(log))
    _same(sqls, runs)
    live = runs[0][0][0]
    assert live.num_rows == 15
    assert set(live.column("num_segments").to_pylist()) == {1, 2, 3, None}


@pytest.fixture(scope="module")
def jira():
    with JiraSandbox(seed=17, scale="tiny") as sb:
        yield sb


def test_a_jira_source_reads_the_same_from_the_cache(jira, tmp_path):
    t = template("jira")
    definition = t.definition({"domain": jira.base_url, "email": jira.email})
    secrets = t.source_secrets({"api_token": jira.api_token})

    def make():
        source = RestConnector("src", definition, secrets)
        source.refresh(pages=1)  # one page each: later pages hold fields it has not seen
        return source

    sqls = [
        "SELECT * FROM src.search WHERE jql = 'created >= -400d' ORDER BY id",
        "SELECT * FROM src.project ORDER BY id",
        "SELECT * FROM src.board ORDER BY id",
        "SELECT * FROM src.board_issue WHERE boardId IN (1, 2, 3) ORDER BY boardId, id",
    ]
    _same(sqls, _three_ways(tmp_path, make, sqls, lambda: len(jira.requests)))
