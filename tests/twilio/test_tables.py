"""Table names, columns and pushdown declarations derived from the catalog."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from distillr.connectors.twilio import TwilioConnector
from distillr.connectors.twilio.naming import singular, snake
from distillr.connectors.twilio.tables import twilio_tables
from distillr.errors import CatalogError

TABLES = {t.name: t for t in twilio_tables()}
CON = TwilioConnector("tw", account_sid="AC" + "0" * 32, auth_token="x")


@pytest.mark.parametrize(
    "name",
    [
        "calls",
        "messages",
        "recordings",
        "conferences",
        "queues",
        "incoming_phone_numbers",
        "usage_records",
        "usage_records_daily",
        "usage_records_monthly",
        "usage_records_yearly",
        "alerts",
        "messaging_services",
        "conversations",
        "flows",
        "verify_services",
        "accounts",
        "conference_participants",
        "message_media",
        "call_recordings",
        "queue_members",
        "conversation_messages",
        "flow_executions",
        "insights_conferences",
    ],
)
def test_plain_names(name):
    assert name in TABLES


@pytest.mark.parametrize(
    "alias, name",
    [
        ("/Calls/:CallSid/Recordings", "call_recordings"),
        ("/Conferences/:ConferenceSid/Participants", "conference_participants"),
        ("/Messages/:MessageSid/Media", "message_media"),
        ("/conversations/Conversations/:ConversationSid/Messages", "conversation_messages"),
        ("/Conversations/:ConversationSid/Messages", "conversation_messages"),
        ("/verify/Services", "verify_services"),
        ("/CALLS", "calls"),
    ],
)
def test_path_aliases(alias, name):
    assert CON.table(alias).name == name


def test_names_and_aliases_are_unique():
    seen: set[str] = set()
    for t in TABLES.values():
        for n in (t.name, *t.table.aliases):
            assert n.lower() not in seen, n
            seen.add(n.lower())


def test_unknown_table_suggests():
    with pytest.raises(CatalogError, match="Did you mean 'messages'"):
        CON.table("mesages")


def test_every_table_has_account_sid_and_described_columns():
    for t in TABLES.values():
        schema = t.table.schema
        assert "account_sid" in schema.names, t.name
        assert t.table.description
        for p in t.table.parameters:
            assert p in schema.names, (t.name, p)
        assert len(set(n.lower() for n in schema.names)) == len(schema.names)


def test_messages_columns_and_pushdown():
    t = TABLES["messages"].table
    types = {c.name: c.type for c in t.columns}
    assert types["date_sent"] == pa.timestamp("us", tz="UTC")
    assert types["price"] == pa.decimal128(38, 10)
    assert types["num_segments"] == pa.int64() and types["error_code"] == pa.int64()
    filters = {c.name: dict(c.filters) for c in t.columns}
    assert filters["to"] == {"eq": True} and filters["from"] == {"eq": True}
    assert filters["status"] == {}  # Twilio cannot filter messages by status
    assert filters["date_sent"] == dict.fromkeys(("eq", "gt", "gte", "lt", "lte"), False)
    day = t.column("datesent")
    assert day.virtual and day.type == pa.date32()
    assert day.expr == "CAST(date_sent AT TIME ZONE 'UTC' AS DATE)"
    assert day.filters["eq"] is True and day.filters["lt"] is False
    assert day.filters["in"] is False  # sent as one range: a superset
    assert t.column("account_sid").filters == {"eq": True}


def test_nested_table_parameter_is_a_real_filterable_column():
    t = TABLES["conference_participants"].table
    assert t.parameters == ("conference_sid",)
    assert t.column("conference_sid").filters == {"eq": True}
    assert t.column("ConferenceSid").expr == "conference_sid"


def test_calls_filters():
    t = TABLES["calls"].table
    assert t.column("status").filters == {"eq": True}
    assert t.column("parent_call_sid").filters == {"eq": True}
    assert t.column("StartTime").virtual


def test_naming_helpers():
    assert snake("IncomingPhoneNumbers") == "incoming_phone_numbers"
    assert singular("Entities".lower()) == "entity"


def test_docs_list_every_table():
    doc = (Path(__file__).parents[2] / "docs" / "twilio.md").read_text()
    missing = [n for n in TABLES if f"`{n}`" not in doc]
    assert not missing, f"docs/twilio.md misses {missing}"
