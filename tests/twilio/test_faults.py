"""With faults on, answers are exactly the fault-free answers, or a clear error."""

from __future__ import annotations

import pytest
from twilio_helpers import session_for

from distillr.errors import SourceError
from distillr.sandbox import Faults, TwilioSandbox

pytestmark = pytest.mark.filterwarnings("ignore")

QUERIES = [
    "SELECT * FROM src.messages",
    "SELECT * FROM src.calls",
    "SELECT sid, date_created FROM src.recordings WHERE date_created >= TIMESTAMP '2000-01-01'",
    "SELECT * FROM src.conferences",
    "SELECT * FROM src.messages LIMIT 300",
    "SELECT sid, status FROM src.messages WHERE date_sent > TIMESTAMP '2001-01-01 10:00:00'",
    "SELECT m.sid, x.content_type FROM src.messages m JOIN src.message_media x"
    " ON x.message_sid = m.sid WHERE m.num_media > 2 AND m.direction = 'inbound'",
]


def answer(con, sql):
    return sorted(con.sql(sql).fetchall(), key=repr)


@pytest.fixture(scope="module")
def faulty():
    with TwilioSandbox(
        seed=7,
        scale="tiny",
        messages=6000,
        calls=3000,
        faults="429=0.1,500=0.05,503=0.03,drop=0.02,truncate=0.02",
    ) as sb:
        yield sb


@pytest.mark.parametrize("sql", QUERIES)
def test_faults_never_change_the_answer(faulty, tmp_path, sql):
    con = session_for(faulty, tmp_path, max_concurrency=4)
    faulty.clear_requests()
    with_faults = answer(con, sql)
    faults = faulty.app.faults
    assert faults.active
    faulty.app.faults = Faults()
    try:
        clean = answer(session_for(faulty, tmp_path), sql)
    finally:
        faulty.app.faults = faults
    assert with_faults == clean and clean


def test_the_faults_really_happened(faulty, tmp_path):
    # its own run of every query: tests may run in any order, on any worker
    con = session_for(faulty, tmp_path, max_concurrency=4)
    faulty.clear_requests()
    for sql in QUERIES:
        answer(con, sql)
    seen = [(r["status"], r["fault"]) for r in faulty.requests]
    statuses = {s for s, _ in seen}
    faults = {f for _, f in seen}
    assert len(seen) > 40  # about 45 to 60, by how the concurrent requests interleave
    assert {429, 500} <= statuses, statuses
    assert {"drop", "truncate"} & faults, faults


def test_persistent_failure_is_a_clear_error(tmp_path):
    with TwilioSandbox(seed=7, scale="tiny", faults="500=1.0") as sb:
        con = session_for(sb, tmp_path)
        with pytest.raises(SourceError) as info:
            con.sql("SELECT * FROM src.messages").fetchall()
    err = info.value
    assert err.status == 500 and err.code == 20500
    assert "/Messages.json" in str(err) and sb.auth_token not in str(err)
