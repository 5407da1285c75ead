"""Big date-indexed scans split into date ranges give exactly the sequential answer."""

from __future__ import annotations

import pytest
from twilio_helpers import session_for

from distillr.sandbox import TwilioSandbox

pytestmark = pytest.mark.filterwarnings("ignore")


@pytest.fixture(scope="module")
def big():
    with TwilioSandbox(seed=11, scale="tiny", messages=9000, calls=4000) as sb:
        yield sb


def scan(sb, tmp_path, sql, **kw):
    sb.clear_requests()
    con = session_for(sb, tmp_path, **kw)
    result = con.sql(sql).fetchall()
    return result, list(sb.requests)


@pytest.mark.parametrize(
    "sql, param",
    [
        (
            "SELECT sid, date_sent, status, body FROM src.messages"
            " WHERE date_sent >= TIMESTAMP '2001-02-03 04:05:06'",
            "DateSent",
        ),
        (
            "SELECT sid, start_time FROM src.calls WHERE start_time < TIMESTAMP '2100-01-01'"
            " AND start_time > TIMESTAMP '2000-01-01'",
            "StartTime",
        ),
    ],
)
def test_ranges_equal_the_sequential_scan(big, tmp_path, sql, param):
    par, log = scan(big, tmp_path, sql, max_concurrency=4)
    seq, seq_log = scan(big, tmp_path, sql, parallel_scans=False)
    assert sorted(par, key=repr) == sorted(seq, key=repr) and len(seq) > 1000
    sids = [r[0] for r in par]
    assert len(sids) == len(set(sids))  # no row twice
    lowers = {
        dict(r["query"]).get(f"{param}>") for r in log if dict(r["query"]).get("PageSize") == "1000"
    }
    assert len(lowers) > 3  # really split into ranges
    assert len(seq_log) < len(log)


def test_unbounded_messages_scan_keeps_unsent_messages(big, tmp_path):
    rows, log = scan(big, tmp_path, "SELECT sid, date_sent FROM src.messages")
    assert any(r[1] is None for r in rows)  # failed messages have no date_sent
    assert all("DateSent>" not in dict(r["query"]) for r in log)
    assert len(rows) == len({r[0] for r in rows})


def test_small_scan_stays_one_request(big, tmp_path):
    rows, log = scan(big, tmp_path, "SELECT * FROM src.conferences")
    assert rows and len(log) == 1


@pytest.mark.parametrize(
    "sql",
    [
        # split into date ranges: the first page and the date probes are made while planning
        "SELECT sid, date_sent FROM src.messages WHERE date_sent >= TIMESTAMP '2001-02-03'",
        # one page, fetched while planning and handed to the read
        "SELECT * FROM src.conferences",
        # a join and an aggregate, as in the demo
        "SELECT c.status, count(*) AS n FROM src.calls c JOIN src.recordings r"
        " ON r.call_sid = c.sid WHERE c.start_time >= TIMESTAMP '2001-01-01' GROUP BY c.status",
    ],
)
def test_stats_count_every_request(big, tmp_path, sql):
    big.clear_requests()
    con = session_for(big, tmp_path, max_concurrency=4)
    result = con.sql(sql)
    rows = result.arrow()
    stats = result.stats
    assert stats.requests == len(big.requests) > 0
    assert stats.pages >= 1 and stats.bytes > 0
    assert sum(t.scan.rows for t in stats.tables) >= rows.num_rows
