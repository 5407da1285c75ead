"""A CSV of customers joined with the Twilio sandbox's messages, checked against pandas."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

import distillr
from distillr.connectors.files import FilesConnector

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "twilio"))
from twilio_helpers import twilio_source


@pytest.fixture(scope="module")
def sandbox():
    from distillr.sandbox import TwilioSandbox

    with TwilioSandbox(seed=7, scale="tiny") as sb:
        yield sb


def test_join_of_messages_with_a_csv_of_customers_matches_pandas(sandbox, tmp_path):
    con = distillr.connect(home=str(tmp_path / "home"))
    con.register("twilio", twilio_source(sandbox))
    messages = con.sql("SELECT sid, `to`, status FROM twilio.messages").df()
    phones = sorted(set(messages["to"]))
    assert len(phones) > 3
    d = tmp_path / "crm"
    d.mkdir()
    customers = pd.DataFrame(
        {
            "phone": phones[::2] + ["+19999999999"],
            "plan": [("enterprise" if i % 2 else "free") for i in range(len(phones[::2]) + 1)],
        }
    )
    customers.to_csv(d / "customers.csv", index=False)
    con.register("crm", FilesConnector("crm", d))
    sql = (
        "SELECT m.sid, m.`to`, c.plan FROM twilio.messages m"
        " JOIN crm.`/customers.csv` c ON m.`to` = c.phone WHERE c.plan = 'enterprise'"
    )
    got = con.sql(sql).df().sort_values("sid").reset_index(drop=True)
    want = messages.merge(customers, left_on="to", right_on="phone")
    want = want[want.plan == "enterprise"][["sid", "to", "plan"]]
    want = want.sort_values("sid").reset_index(drop=True)
    assert len(want) > 0
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    off = con.sql(sql, pushdown=False).df().sort_values("sid").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, off)
