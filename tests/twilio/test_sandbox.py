"""The connector against the sandbox, through the engine, asserting on the request log."""

from __future__ import annotations

import pytest
from twilio_helpers import queries, session_for

from distillr.errors import MissingParameter

pytestmark = pytest.mark.filterwarnings("ignore")


def rows(con, sql, pushdown=True):
    return sorted(con.sql(sql, pushdown=pushdown).fetchall(), key=repr)


def test_limit_100_is_one_request_with_page_size_100(con, sandbox):
    t = con.sql("SELECT * FROM src.messages LIMIT 100").arrow()
    assert t.num_rows == 100
    log = list(sandbox.requests)
    assert len(log) == 1
    assert dict(log[0]["query"]) == {"PageSize": "100"}
    assert log[0]["path"].endswith("/Messages.json")


def test_full_scan_pages_by_1000(con, sandbox):
    n = con.sql("SELECT count(*) FROM src.messages").fetchall()[0][0]
    assert n > 0
    assert {q["PageSize"] for q in queries(sandbox)} == {"1000"}


def test_to_is_sent_on_every_request_and_the_answer_is_exact(con, sandbox):
    to = con.sql("SELECT `to` FROM src.messages WHERE direction = 'inbound' LIMIT 1").fetchall()[0][
        0
    ]
    sandbox.clear_requests()
    sql = f"SELECT sid, `to`, `from` FROM src.messages WHERE `to` = '{to}'"
    got = rows(con, sql)
    assert got and all(r[1] == to for r in got)
    qs = queries(sandbox)
    assert qs and all(q.get("To") == to for q in qs)
    assert got == rows(con, sql, pushdown=False)


def test_date_predicates_send_widened_days_and_stay_exact(con, sandbox):
    lo, hi = con.sql("SELECT min(date_sent), max(date_sent) FROM src.messages").fetchall()[0]
    mid = lo + (hi - lo) / 2
    a = mid.replace(hour=13, minute=7, second=31, microsecond=0)
    b = a.replace(hour=19, minute=2, second=5)
    sandbox.clear_requests()
    sql = (
        f"SELECT sid, date_sent FROM src.messages WHERE date_sent >= TIMESTAMP"
        f" '{a:%Y-%m-%d %H:%M:%S}' AND date_sent < TIMESTAMP '{b:%Y-%m-%d %H:%M:%S}'"
    )
    got = rows(con, sql)
    qs = queries(sandbox)
    assert qs
    for q in qs:
        assert q.get("DateSent>", q.get("DateSent")) <= f"{a:%Y-%m-%d}"
    assert any(
        q.get("DateSent") == f"{a:%Y-%m-%d}" or (q.get("DateSent>") == f"{a:%Y-%m-%d}") for q in qs
    )
    want = rows(con, sql, pushdown=False)
    assert got == want
    assert all(a.replace(tzinfo=r[1].tzinfo) <= r[1] < b.replace(tzinfo=r[1].tzinfo) for r in got)


def _one_sent_message(con):
    return con.sql(
        "SELECT `to`, `from`, CAST(date_sent AS DATE) FROM src.messages"
        " WHERE date_sent IS NOT NULL LIMIT 1"
    ).fetchall()[0]


def test_product_page_spelling(con, sandbox):
    to, frm, day = _one_sent_message(con)
    sandbox.clear_requests()
    sql = (
        f"SELECT sid FROM src.messages WHERE `to` = '{to}' AND `from` = '{frm}'"
        f" AND dateSent = '{day}'"
    )
    got = rows(con, sql)
    assert got
    q = queries(sandbox)[0]
    assert q["To"] == to and q["From"] == frm and q["DateSent"] == str(day)
    assert got == rows(con, sql, pushdown=False)


def test_product_page_spelling_unquoted(con):
    to, frm, day = _one_sent_message(con)
    sql = (
        f"SELECT sid FROM src.messages WHERE to = '{to}' AND from = '{frm}' AND dateSent = '{day}'"
    )
    assert rows(con, sql)


def test_nested_table_by_path_and_by_name(con, sandbox):
    sid = con.sql("SELECT sid FROM src.conferences LIMIT 1").fetchall()[0][0]
    a = rows(
        con,
        f"SELECT * FROM src.`/Conferences/:ConferenceSid/Participants`"
        f" WHERE conference_sid = '{sid}'",
    )
    b = rows(con, f"SELECT * FROM src.conference_participants WHERE conference_sid = '{sid}'")
    assert a and a == b
    with pytest.raises(MissingParameter):
        con.sql("SELECT * FROM src.conference_participants").fetchall()


def test_path_parameter_by_its_api_spelling(con):
    sid = con.sql("SELECT sid FROM src.conferences LIMIT 1").fetchall()[0][0]
    got = rows(
        con,
        f"SELECT * FROM src.`/Conferences/:ConferenceSid/Participants`"
        f" WHERE ConferenceSid = '{sid}'",
    )
    assert got == rows(
        con, f"SELECT * FROM src.conference_participants WHERE conference_sid = '{sid}'"
    )


def test_bind_join_feeds_the_path_parameter(con, sandbox):
    got = con.sql(
        "SELECT p.call_sid, c.friendly_name FROM src.conferences c"
        " JOIN src.conference_participants p ON p.conference_sid = c.sid"
        " WHERE c.status = 'completed'"
    ).fetchall()
    assert got
    assert any("/Participants.json" in r["path"] for r in sandbox.requests)


def test_subaccount_by_filter_and_walk(sandbox, tmp_path):
    con = session_for(sandbox, tmp_path)
    sub = sandbox.subaccount_sid
    only_sub = con.sql(
        f"SELECT DISTINCT account_sid FROM src.calls WHERE account_sid = '{sub}'"
    ).fetchall()
    assert only_sub in ([(sub,)], [])
    walk = session_for(sandbox, tmp_path, subaccounts=True)
    accounts = {r[0] for r in walk.sql("SELECT DISTINCT account_sid FROM src.messages").fetchall()}
    main = {r[0] for r in con.sql("SELECT DISTINCT account_sid FROM src.messages").fetchall()}
    assert main <= accounts


def test_api_key_auth(sandbox, tmp_path):
    import distillr
    from distillr.connectors.twilio import TwilioConnector

    src = TwilioConnector(
        "k",
        account_sid=sandbox.account_sid,
        api_key=sandbox.api_key_sid,
        api_secret=sandbox.api_key_secret,
        base_url=sandbox.base_url,
    )
    src.check()
    con = distillr.connect(home=str(tmp_path))
    con.register("k", src)
    assert con.sql("SELECT count(*) FROM k.calls").fetchall()[0][0] > 0
