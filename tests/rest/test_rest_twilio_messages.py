"""A Custom API source over the Twilio sandbox's Messages.json gives the built-in table's rows."""

from __future__ import annotations

import pytest

import distillr
from distillr.connectors.http import RetryPolicy
from distillr.connectors.rest import RestConnector
from distillr.connectors.twilio import TwilioConnector

FAST = RetryPolicy(max_retries=8, backoff_base=0.001, backoff_max=0.005, retry_after_max=0.005)
COLUMNS = "sid, `to`, `from`, status, direction, body, date_sent, date_created"


@pytest.fixture(scope="module")
def sandbox():
    from distillr.sandbox import TwilioSandbox

    with TwilioSandbox(seed=7, scale="tiny") as sb:
        yield sb


@pytest.fixture()
def con(sandbox, tmp_path):
    definition = {
        "base_url": sandbox.base_url,
        "auth": {"type": "basic", "username": sandbox.account_sid},
        "error_path": "message",
        "endpoints": [
            {
                "name": "messages",
                "url": "/2010-04-01/Accounts/{AccountSid="
                + sandbox.account_sid
                + "}/Messages.json",
                "data_path": "messages",
                "paginator": {
                    "type": "next_url",
                    "next_path": "next_page_uri",
                    "size_param": "PageSize",
                    "size": 20,
                },
                "params": [{"name": "To", "column": "to"}, {"name": "From", "column": "from"}],
            }
        ],
    }
    session = distillr.connect(home=tmp_path)
    session.register(
        "custom", RestConnector("custom", definition, {"password": sandbox.auth_token}, retry=FAST)
    )
    session.register(
        "twilio",
        TwilioConnector(
            "twilio",
            account_sid=sandbox.account_sid,
            auth_token=sandbox.auth_token,
            base_url=sandbox.base_url,
            retry=FAST,
        ),
    )
    yield session
    session.close()


def test_same_rows_as_the_built_in_messages_table(con, sandbox):
    custom = con.sql(f"SELECT {COLUMNS} FROM custom.messages")
    builtin = con.sql(f"SELECT {COLUMNS} FROM twilio.messages").fetchall()
    rows = custom.fetchall()
    assert len(rows) > 20  # more than one page: next_page_uri was followed
    assert sorted(rows, key=repr) == sorted(builtin, key=repr)
    schema = custom.arrow().schema
    assert str(schema.field("date_sent").type) == "timestamp[us, tz=UTC]"


def test_filters_travel_and_agree(con, sandbox):
    to = con.sql("SELECT `to` FROM twilio.messages LIMIT 1").fetchall()[0][0]
    sandbox.clear_requests()
    custom = con.sql(f"SELECT {COLUMNS} FROM custom.messages WHERE `to` = '{to}'").fetchall()
    assert any(dict(r["query"]).get("To") == to for r in sandbox.requests)
    builtin = con.sql(f"SELECT {COLUMNS} FROM twilio.messages WHERE `to` = '{to}'").fetchall()
    assert sorted(custom, key=repr) == sorted(builtin, key=repr) and custom
