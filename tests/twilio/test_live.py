"""Read-only queries against the real Twilio.

Skipped unless TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are set. Nothing here writes.
"""

from __future__ import annotations

import os

import pytest

import distillr
from distillr.connectors.twilio import TwilioConnector
from distillr.errors import AuthError

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not (os.environ.get("TWILIO_ACCOUNT_SID") and os.environ.get("TWILIO_AUTH_TOKEN")),
        reason="set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN to run",
    ),
]


@pytest.fixture(scope="module")
def source():
    src = TwilioConnector(
        "live",
        account_sid=os.environ["TWILIO_ACCOUNT_SID"],
        auth_token=os.environ["TWILIO_AUTH_TOKEN"],
        max_concurrency=4,
    )
    yield src
    src.close()


@pytest.fixture()
def con(source, tmp_path):
    session = distillr.connect(home=str(tmp_path))
    session.register("live", source)
    return session


def test_check(source):
    source.check()


def test_wrong_token_is_an_auth_error():
    bad = TwilioConnector("bad", account_sid=os.environ["TWILIO_ACCOUNT_SID"], auth_token="0" * 32)
    with pytest.raises(AuthError):
        bad.check()


@pytest.mark.parametrize(
    "table",
    [
        "messages",
        "calls",
        "recordings",
        "conferences",
        "queues",
        "incoming_phone_numbers",
        "usage_records_daily",
        "alerts",
        "messaging_services",
        "conversations",
        "flows",
        "verify_services",
        "accounts",
    ],
)
def test_top_level_tables_answer(con, table):
    result = con.sql(f"SELECT * FROM live.{table} LIMIT 5").arrow()
    assert result.num_rows <= 5
    assert "account_sid" in result.schema.names


def test_date_filter_is_exact(con):
    sql = (
        "SELECT sid, date_sent FROM live.messages"
        " WHERE date_sent >= TIMESTAMP '2024-01-01 12:00:00' LIMIT 50"
    )
    for _sid, sent in con.sql(sql).fetchall():
        assert sent.isoformat() >= "2024-01-01T12:00:00"


def test_nested_table_through_a_join(con):
    rows = con.sql(
        "SELECT r.sid FROM live.calls c JOIN live.call_recordings r"
        " ON r.call_sid = c.sid WHERE c.start_time >= TIMESTAMP '2024-01-01'"
        " AND c.status = 'completed' LIMIT 3"
    ).fetchall()
    assert len(rows) <= 3
