"""Joins of two date-split tables of one source give what reading each table alone gives.

The pages that planning fetches (a scan's first page, kept for its read) once were filed by the
split's parameters without the table, so two tables of one source could receive each other's
first page. Here every pair of date-split tables (a table with itself included) is joined,
unfiltered and filtered, with inner, left and anti joins, and each answer is compared with a
reference: each table read on its own through a fresh session, the join run in plain DuckDB.
The connector asks for pages of 25 rows, so that the bigger tables are split into date ranges
and the smaller ones are one page each, fetched while planning and kept for their read.
"""

from __future__ import annotations

import itertools
from datetime import date

import duckdb
import pytest
from twilio_helpers import session_for

from distillr.connectors.twilio.splits import FirstPages, ScanPart
from distillr.sandbox import TwilioSandbox

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore")]

#: date-split tables (connector.PARALLEL_COLUMNS, without the one needing a path parameter),
#: by the date column each is split on
TABLES = {
    "messages": "date_sent",
    "calls": "start_time",
    "recordings": "date_created",
    "conferences": "date_created",
    "notifications": "message_date",
    "alerts": "date_generated",
    "events": "event_date",
}
#: every ordered pair (the order matters to left and anti joins, and to which side plans first)
PAIRS = list(itertools.product(TABLES, repeat=2))
JOINS = ("inner", "left", "anti")
NOW = date(2025, 6, 1)
SINCE = "TIMESTAMP '2025-03-01 00:00:00'"
UNTIL = "TIMESTAMP '2025-05-20 12:00:00'"


def join_sql(a: str, b: str, kind: str, filtered: bool, ref: str = "src.") -> str:
    da, db = TABLES[a], TABLES[b]
    on = f"CAST(x.{da} AS DATE) = CAST(y.{db} AS DATE)"
    where = []
    if filtered:
        # one bound on each side: in WHERE for the preserved side, in ON for the other
        on += f" AND y.{db} < {UNTIL}"
        where.append(f"x.{da} >= {SINCE}")
    if kind == "anti":
        where.append("y.sid IS NULL")
    cols = "x.sid AS a" if kind == "anti" else "x.sid AS a, y.sid AS b"
    join = "JOIN" if kind == "inner" else "LEFT JOIN"
    sql = f"SELECT {cols} FROM {ref}{a} x {join} {ref}{b} y ON {on}"
    return sql + (" WHERE " + " AND ".join(where) if where else "")


@pytest.fixture(scope="module")
def sandbox():
    with TwilioSandbox(seed=7, scale="tiny", messages=400, calls=400, now=NOW) as sb:
        yield sb


@pytest.fixture(scope="module")
def reference(sandbox, tmp_path_factory):
    """Every table read alone (a fresh session each, no split), in plain DuckDB."""
    db = duckdb.connect()
    db.execute("SET TimeZone = 'UTC'")
    for name in TABLES:
        con = session_for(sandbox, tmp_path_factory.mktemp(name), parallel_scans=False)
        db.register(name, con.sql(f"SELECT * FROM src.{name}").arrow())
    yield db
    db.close()


@pytest.fixture(scope="module")
def session(sandbox, tmp_path_factory):
    return session_for(sandbox, tmp_path_factory.mktemp("joins"), page_size=25, max_concurrency=2)


def test_the_tables_really_are_split(sandbox, session):
    split = set()
    for name in TABLES:
        sql = f"SELECT count(*) FROM src.{name} WHERE {TABLES[name]} >= TIMESTAMP '2001-01-01'"
        result = session.sql(sql)
        result.fetchall()
        if len(result.stats.tables[0].splits) > 1:
            split.add(name)
    assert split >= {"messages", "calls", "recordings"}, split


def test_recordings_left_join_calls(sandbox, reference, tmp_path):
    # recordings fit one page, kept from planning; calls are not planned with a page
    con = session_for(sandbox, tmp_path)
    sql = "SELECT count(*) FROM src.recordings r LEFT JOIN src.calls c ON r.call_sid = c.sid"
    ref = sql.replace("src.", "")
    assert con.sql(sql).fetchall() == reference.execute(ref).fetchall() != [(0,)]


def test_a_kept_page_goes_to_its_own_split_once():
    pages = FirstPages()
    part = ScanPart("AC1", {}, {}, 1000)
    key = pages.keep("recordings", part, {"recordings": []})
    mine = part.with_first_page(key)
    assert pages.take("calls", mine) is None  # another table with the same request
    assert pages.take("recordings", ScanPart("AC2", {}, {}, 1000, first_page=key)) is None
    assert pages.take("recordings", mine) is None  # a mismatched take does not keep it
    key = pages.keep("recordings", part, {"recordings": []})
    assert pages.take("recordings", part.with_first_page(key)) == {"recordings": []}
    assert pages.take("recordings", part.with_first_page(key)) is None  # at most once
    for i in range(pages.limit + 5):
        pages.keep("calls", part, i)
    assert len(pages) == pages.limit


@pytest.mark.parametrize("filtered", [False, True], ids=["unfiltered", "filtered"])
@pytest.mark.parametrize("kind", JOINS)
def test_every_pair_matches_the_reference(session, reference, kind, filtered):
    mismatches = []
    for a, b in PAIRS:
        got = sorted(session.sql(join_sql(a, b, kind, filtered)).fetchall(), key=repr)
        want = sorted(
            reference.execute(join_sql(a, b, kind, filtered, ref="")).fetchall(), key=repr
        )
        if got != want:
            mismatches.append((a, b, len(got), len(want)))
    assert len(PAIRS) == 49 and mismatches == []
