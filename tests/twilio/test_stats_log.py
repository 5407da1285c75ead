"""A query's stats count every request sent on its behalf: ``stats.requests`` equals the
sandbox's request log, for every pushdown form, with subaccounts, with retries, and after an
EXPLAIN whose planning fetched pages of its own."""

from __future__ import annotations

import time

import pytest
from twilio_helpers import session_for

from distillr.sandbox import TwilioSandbox

pytestmark = pytest.mark.filterwarnings("ignore")


@pytest.fixture(scope="module")
def big():
    # more than one page of messages and calls on the main account and the subaccount
    with TwilioSandbox(seed=5, scale="tiny", messages=4000, calls=2500) as sb:
        yield sb


@pytest.fixture(scope="module")
def values(big, tmp_path_factory):
    con = session_for(big, tmp_path_factory.mktemp("values"))
    tos = [r[0] for r in con.sql("SELECT `to` FROM src.messages LIMIT 3").fetchall()]
    calls = [
        r[0]
        for r in con.sql(
            "SELECT DISTINCT call_sid FROM src.recordings WHERE call_sid IS NOT NULL LIMIT 3"
        ).fetchall()
    ]
    return {"to": tos, "calls": calls}


def sql_list(items):
    return ", ".join(f"'{v}'" for v in items)


FORMS = {
    "full scan": "SELECT count(*) FROM src.messages",
    "eq": "SELECT * FROM src.messages WHERE `to` = '{to0}'",
    "in fan-out": "SELECT * FROM src.messages WHERE `to` IN ({tos})",
    "date range, split": "SELECT sid FROM src.messages WHERE date_sent >= TIMESTAMP '2001-01-01'",
    "date range, both ends": (
        "SELECT sid FROM src.calls WHERE start_time >= TIMESTAMP '2001-01-01'"
        " AND start_time < TIMESTAMP '2100-01-01'"
    ),
    "one day": "SELECT sid FROM src.messages WHERE DateSent = DATE '2001-01-01'",
    "date range and eq": (
        "SELECT sid FROM src.messages WHERE date_sent >= TIMESTAMP '2001-01-01' AND `to` = '{to0}'"
    ),
    "path parameter": "SELECT * FROM src.`/Calls/:CallSid/Recordings` WHERE CallSid = '{call0}'",
    "path parameter IN": "SELECT * FROM src.call_recordings WHERE call_sid IN ({calls})",
    "bind join": (
        "SELECT r.sid FROM src.recordings x JOIN src.call_recordings r ON r.call_sid = x.call_sid"
        " WHERE x.call_sid IN ({calls})"
    ),
    "limit": "SELECT * FROM src.messages LIMIT 5",
    "limit over pages": "SELECT * FROM src.messages LIMIT 1500",
    "limit 0": "SELECT * FROM src.messages LIMIT 0",
    "join of split tables": (
        "SELECT count(*) FROM src.recordings r LEFT JOIN src.calls c ON r.call_sid = c.sid"
        " WHERE c.start_time >= TIMESTAMP '2001-01-01'"
    ),
}


def fill(sql, values):
    return sql.format(
        to0=values["to"][0],
        tos=sql_list(values["to"]),
        call0=values["calls"][0],
        calls=sql_list(values["calls"]),
    )


def settled(sb, result, wait=5.0):
    """``(stats.requests, requests logged)`` once they agree. A query that stops early (LIMIT)
    may return while a page it asked for ahead is still on its way: that request is the query's
    too, and is counted when its answer arrives."""
    deadline = time.monotonic() + wait
    while True:
        counted, sent = result.stats.requests, len(sb.requests)
        if counted == sent or time.monotonic() > deadline:
            return counted, sent
        time.sleep(0.02)


def stats_and_log(sb, con, sql):
    sb.clear_requests()
    result = con.sql(sql)
    result.fetchall()
    return settled(sb, result)


@pytest.mark.parametrize("subaccounts", [False, True], ids=["one account", "subaccounts"])
@pytest.mark.parametrize("form", list(FORMS))
def test_stats_equal_the_request_log(big, values, tmp_path, form, subaccounts):
    con = session_for(big, tmp_path, subaccounts=subaccounts, max_concurrency=4)
    counted, sent = stats_and_log(big, con, fill(FORMS[form], values))
    assert counted == sent
    if form != "limit 0":
        assert sent > 0
    if subaccounts and form != "limit 0":
        accounts = [r for r in big.requests if r["path"] == "/2010-04-01/Accounts.json"]
        assert len(accounts) == 1  # the listing, sent once and counted
    # the same query again on the same source: the account listing is not sent again
    counted, sent = stats_and_log(big, con, fill(FORMS[form], values))
    assert counted == sent
    assert not [r for r in big.requests if r["path"] == "/2010-04-01/Accounts.json"]


def test_a_multi_account_date_scan_is_split_per_account(big, tmp_path):
    # pages of 200, so that the subaccount's ~500 messages take several
    con = session_for(big, tmp_path, subaccounts=True, max_concurrency=4, page_size=200)
    big.clear_requests()
    result = con.sql("SELECT sid, account_sid FROM src.messages WHERE date_sent >= '2001-01-01'")
    rows = result.fetchall()
    assert settled(big, result)[0] == len(big.requests)
    splits = result.stats.tables[0].splits
    by_account = {
        sid: sum(1 for s in splits if f"/Accounts/{sid}/" in s)
        for sid in (big.account_sid, big.subaccount_sid)
    }
    assert by_account[big.account_sid] > 1 and by_account[big.subaccount_sid] > 1, by_account
    alone = session_for(big, tmp_path, subaccounts=True, parallel_scans=False)
    want = alone.sql("SELECT sid, account_sid FROM src.messages WHERE date_sent >= '2001-01-01'")
    assert sorted(rows) == sorted(want.fetchall())
    assert len({r[0] for r in rows}) == len(rows)


def test_planning_requests_are_listed_as_probes(big, tmp_path):
    con = session_for(big, tmp_path, subaccounts=True, max_concurrency=4)
    big.clear_requests()
    result = con.sql("SELECT sid FROM src.messages WHERE date_sent >= '2001-01-01'")
    result.fetchall()
    counted, sent = settled(big, result)
    probes = result.stats.tables[0].scan.probes
    assert probes[0].startswith("GET /2010-04-01/Accounts.json?")
    assert any("PageSize=1&" in p or p.endswith("PageSize=1") for p in probes)
    assert len(probes) < counted == sent


def test_explain_pages_are_not_counted_by_a_later_query(big, tmp_path):
    con = session_for(big, tmp_path, max_concurrency=4)
    for sql in ("SELECT * FROM src.conferences", FORMS["date range, split"]):
        con.explain(sql)
        con.explain(sql)
        assert stats_and_log(big, con, sql)[0] == len(big.requests)


def test_retries_are_counted(tmp_path):
    with TwilioSandbox(
        seed=3, scale="tiny", messages=3000, faults="429=0.1,500=0.1,drop=0.03"
    ) as sb:
        con = session_for(sb, tmp_path, subaccounts=True, max_concurrency=4)
        for sql in (FORMS["full scan"], FORMS["date range, split"]):
            sb.clear_requests()
            result = con.sql(sql)
            result.fetchall()
            counted, sent = settled(sb, result)
            assert counted == sent
        assert any(r["fault"] for r in sb.requests)
        assert sum(t.scan.retries for t in result.stats.tables) > 0


def test_planning_without_probes_sends_nothing_and_answers_the_same(big, tmp_path):
    from datetime import UTC, datetime

    from twilio_helpers import twilio_source

    from distillr.connectors.base import Pred, ScanRequest, ScanStats

    since = Pred("date_sent", "gte", datetime(2025, 1, 1, tzinfo=UTC))
    src = twilio_source(big, max_concurrency=4)
    big.clear_requests()
    stats = ScanStats()
    splits = src.plan(ScanRequest("messages", predicates=(since,), probes=False), stats)
    assert list(big.requests) == [] and stats.requests == 0 and stats.probes == []
    assert len(splits) > 1  # even days from the query's bound to tomorrow
    unprobed = sorted(r for s in splits for b in src.read(s) for r in b.column("sid").to_pylist())
    probed = src.plan(ScanRequest("messages", predicates=(since,)), ScanStats())
    want = sorted(r for s in probed for b in src.read(s) for r in b.column("sid").to_pylist())
    assert unprobed == want and len(want) > 1000
    # no lower bound: nothing to cut into days without asking
    open_below = (Pred("date_sent", "lt", datetime(2100, 1, 1, tzinfo=UTC)),)
    sent = len(big.requests)
    assert len(src.plan(ScanRequest("messages", predicates=open_below, probes=False))) == 1
    assert len(big.requests) == sent
