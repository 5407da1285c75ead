"""The product page's spellings against the sandbox: double-quoted and unquoted ``to``/``from``
travel to Twilio as ``To``/``From`` on every request, and the answers stay exact."""

from __future__ import annotations

import pytest
from twilio_helpers import queries

pytestmark = pytest.mark.filterwarnings("ignore")


def rows(con, sql, pushdown=True):
    return sorted(con.sql(sql, pushdown=pushdown).fetchall(), key=repr)


def _one_message(con):
    return con.sql(
        "SELECT `to`, `from`, CAST(date_sent AS DATE) FROM src.messages"
        " WHERE date_sent IS NOT NULL LIMIT 1"
    ).fetchall()[0]


def test_double_quoted_to_is_sent_on_every_request(con, sandbox):
    to, _, _ = _one_message(con)
    sandbox.clear_requests()
    sql = f'SELECT sid, "to" FROM src.messages WHERE "to" = \'{to}\''
    got = rows(con, sql)
    assert got and all(r[1] == to for r in got)
    qs = queries(sandbox)
    assert qs and all(q.get("To") == to for q in qs)
    assert got == rows(con, sql, pushdown=False)


def test_unquoted_product_page_spelling_sends_to_from_and_the_day(con, sandbox):
    to, frm, day = _one_message(con)
    sandbox.clear_requests()
    sql = (
        f"SELECT sid, to, from FROM src.messages WHERE to = '{to}' AND from = '{frm}'"
        f" AND dateSent = '{day}'"
    )
    got = rows(con, sql)
    assert got and all(r[1:] == (to, frm) for r in got)
    qs = queries(sandbox)
    assert qs and all(
        q.get("To") == to and q.get("From") == frm and q.get("DateSent") == str(day) for q in qs
    )
    assert got == rows(con, sql, pushdown=False)


def test_from_in_a_list_fans_out_one_request_per_number(con, sandbox):
    a, b = (
        r[0]
        for r in con.sql("SELECT DISTINCT `from` FROM src.messages ORDER BY 1 LIMIT 2").fetchall()
    )
    sandbox.clear_requests()
    sql = f"SELECT sid, from FROM src.messages WHERE from IN ('{a}', '{b}')"
    got = rows(con, sql)
    assert got and {r[1] for r in got} <= {a, b}
    assert {q.get("From") for q in queries(sandbox)} == {a, b}
    assert got == rows(con, sql, pushdown=False)
