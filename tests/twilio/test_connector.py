"""plan() and read() against a tiny in-memory Twilio (no engine, no sandbox)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pyarrow as pa
import pytest
from twilio_fake import ACCOUNT, SUB, TOKEN, FakeTwilio

from distillr.connectors.base import Pred, ScanRequest
from distillr.connectors.http import RetryPolicy
from distillr.connectors.twilio import TwilioConnector
from distillr.errors import AuthError, ConfigError, MissingParameter

UTC = UTC


def connector(fake, **kw):
    return TwilioConnector(
        "tw",
        account_sid=ACCOUNT,
        auth_token=kw.pop("token", TOKEN),
        base_url="http://twilio.test",
        transport=fake.transport,
        retry=RetryPolicy(max_retries=1, backoff_base=0.0),
        **kw,
    )


def scan(con, table, preds=(), limit=None):
    splits = con.plan(ScanRequest(table, predicates=tuple(preds), limit=limit))
    batches = [b for s in splits for b in con.read(s)]
    schema = con.table(table).schema
    return splits, pa.Table.from_batches(batches, schema=schema)


def test_limit_makes_one_request_with_that_page_size():
    fake = FakeTwilio(2500)
    con = connector(fake)
    splits, t = scan(con, "messages", limit=100)
    assert len(splits) == 1 and t.num_rows == 100
    assert len(fake.requests) == 1
    assert fake.query_of(0)["PageSize"] == "100"


def test_full_scan_pages_by_1000_and_follows_next_page_uri():
    fake = FakeTwilio(2500)
    _, t = scan(connector(fake), "messages")
    assert t.num_rows == 2500 and len(set(t.column("sid").to_pylist())) == 2500
    assert [fake.query_of(i)["PageSize"] for i in range(len(fake.requests))] == ["1000"] * 3


def test_limit_stops_paging_as_soon_as_met():
    fake = FakeTwilio(2500)
    _, t = scan(connector(fake), "messages", limit=1500)
    assert t.num_rows == 1500 and len(fake.requests) == 2


def test_typed_columns_and_account_sid():
    fake = FakeTwilio(3)
    _, t = scan(connector(fake), "messages")
    assert t.schema.field("date_sent").type == pa.timestamp("us", tz="UTC")
    assert t.schema.field("num_segments").type == pa.int64()
    assert t.column("account_sid").to_pylist() == [ACCOUNT] * 3
    assert "DateSent" not in t.schema.names  # virtual columns are not data


def test_equality_is_sent_on_every_request():
    fake = FakeTwilio(9000)
    _, t = scan(connector(fake), "messages", [Pred("to", "eq", "+15550000003")])
    assert t.num_rows > 1000
    assert set(t.column("to").to_pylist()) == {"+15550000003"}
    assert all(fake.query_of(i)["To"] == "+15550000003" for i in range(len(fake.requests)))


def test_in_fans_out_one_split_per_value():
    fake = FakeTwilio(100)
    con = connector(fake)
    splits, t = scan(con, "messages", [Pred("TO", "in", ("+15550000001", "+15550000002"))])
    assert len(splits) == 2
    assert sorted(fake.query_of(i)["To"] for i in range(2)) == ["+15550000001", "+15550000002"]
    assert set(t.column("to").to_pylist()) == {"+15550000001", "+15550000002"}


def test_dates_are_widened_to_whole_days():
    fake = FakeTwilio(50)
    con = connector(fake, parallel_scans=False)
    lo = datetime(2025, 1, 3, 12, 30, tzinfo=UTC)
    hi = datetime(2025, 1, 5, 6, 0, tzinfo=UTC)
    _, t = scan(con, "messages", [Pred("date_sent", "gte", lo), Pred("date_sent", "lt", hi)])
    q = fake.query_of(0)
    assert q["DateSent>"] == "2025-01-03" and q["DateSent<"] == "2025-01-06"
    sent = t.column("date_sent").to_pylist()
    assert min(sent) < lo and max(sent) >= hi  # a superset: the engine re-applies the filter
    exact = [s for s in sent if lo <= s < hi]
    expected = [r for r in fake.data[ACCOUNT] if r["date_sent"]]
    assert len(exact) == sum(
        1
        for r in expected
        if lo <= datetime.strptime(r["date_sent"], "%a, %d %b %Y %H:%M:%S %z") < hi
    )


def test_day_spelling_of_the_product_page():
    fake = FakeTwilio(50)
    con = connector(fake)
    _, t = scan(
        con,
        "messages",
        [
            Pred("dateSent", "eq", date(2025, 1, 4)),
            Pred("To", "eq", "+15550000001"),
            Pred("From", "eq", "+15559990000"),
        ],
        limit=10,
    )
    q = fake.query_of(0)
    assert q["DateSent"] == "2025-01-04" and q["To"] == "+15550000001"
    assert q["From"] == "+15559990000" and q["PageSize"] == "10"
    assert all(s.date() == date(2025, 1, 4) for s in t.column("date_sent").to_pylist())


def test_contradictions_and_limit_zero_make_no_request():
    fake = FakeTwilio(10)
    con = connector(fake)
    assert (
        con.plan(
            ScanRequest("messages", predicates=(Pred("to", "eq", "+1"), Pred("to", "eq", "+2")))
        )
        == []
    )
    assert con.plan(ScanRequest("messages", limit=0)) == []
    assert (
        con.plan(
            ScanRequest(
                "messages",
                predicates=(
                    Pred("DateSent", "gt", date(2025, 2, 1)),
                    Pred("DateSent", "lt", date(2025, 1, 1)),
                ),
            )
        )
        == []
    )
    assert fake.requests == []


def test_bounded_scan_is_split_into_date_ranges_equal_to_a_sequential_scan():
    fake = FakeTwilio(6000, null_every=7)
    preds = [Pred("date_sent", "gte", datetime(2025, 1, 20, 5, tzinfo=UTC))]
    par = connector(fake, max_concurrency=4)
    splits, t_par = scan(par, "messages", preds)
    assert len(splits) > 1
    seq_fake = FakeTwilio(6000, null_every=7)
    _, t_seq = scan(connector(seq_fake, parallel_scans=False), "messages", preds)
    cut = datetime(2025, 1, 20, 5, tzinfo=UTC)

    def answer(t):
        return sorted(
            s
            for s, d in zip(
                t.column("sid").to_pylist(), t.column("date_sent").to_pylist(), strict=True
            )
            if d is not None and d >= cut
        )

    par_sids = t_par.column("sid").to_pylist()
    assert len(par_sids) == len(set(par_sids))  # no duplicates across ranges
    assert answer(t_par) == answer(t_seq) and len(answer(t_seq)) > 1000


def test_unbounded_scan_of_a_nullable_date_stays_sequential():
    fake = FakeTwilio(3000, null_every=5)
    splits, t = scan(connector(fake), "messages")
    assert len(splits) == 1 and t.num_rows == 3000
    assert t.column("date_sent").null_count == 600


def test_small_bounded_scan_reuses_its_first_page():
    fake = FakeTwilio(30)
    _, t = scan(connector(fake), "messages", [Pred("DateSent", "gte", date(2025, 1, 2))])
    assert len(fake.requests) == 1 and t.num_rows > 0


def test_nested_table_needs_its_parameter():
    con = connector(FakeTwilio())
    with pytest.raises(MissingParameter) as info:
        con.plan(ScanRequest("/Calls/:CallSid/Recordings"))
    assert info.value.parameter == "call_sid" and "CallSid" in str(info.value)
    splits = con.plan(
        ScanRequest("call_recordings", predicates=(Pred("CallSid", "in", ("CA1", "CA2")),))
    )
    assert [s.params["path"] for s in splits] == [{"CallSid": "CA1"}, {"CallSid": "CA2"}]
    assert "/Calls/CA1/Recordings.json" in splits[0].describe


def test_account_sid_picks_the_account_and_subaccounts_walks_them_all():
    fake = FakeTwilio(5, sub_n=3)
    _, t = scan(connector(fake), "messages", [Pred("account_sid", "eq", SUB)])
    assert t.num_rows == 3 and f"/Accounts/{SUB}/Messages.json" in fake.requests[0].url.path
    fake = FakeTwilio(5, sub_n=3)
    splits, t = scan(connector(fake, subaccounts=True), "messages")
    assert len(splits) == 2 and t.num_rows == 8
    assert sorted(set(t.column("account_sid").to_pylist())) == sorted([ACCOUNT, SUB])


def test_meta_envelope_products_share_the_base_url():
    fake = FakeTwilio()
    _, t = scan(connector(fake), "alerts", limit=3)
    assert t.num_rows == 3
    assert fake.requests[0].url.path == "/monitor/v1/Alerts"
    assert t.column("account_sid").to_pylist() == [ACCOUNT] * 3


def test_check_and_bad_credentials():
    connector(FakeTwilio()).check()
    with pytest.raises(AuthError, match="Authenticate"):
        connector(FakeTwilio(), token="wrong").check()


def test_from_source_options_and_secrets():
    con = TwilioConnector.from_source(
        "tw",
        {
            "account_sid": ACCOUNT,
            "base_url": "http://x",
            "subaccounts": "true",
            "max_concurrency": "4",
        },
        {"auth_token": TOKEN},
    )
    assert con.subaccounts is True and con.max_concurrency == 4 and con.base_url == "http://x"
    assert TOKEN not in repr(con)
    with pytest.raises(ConfigError, match="Did you mean 'subaccounts'"):
        TwilioConnector.from_source(
            "tw", {"account_sid": ACCOUNT, "subacounts": True}, {"auth_token": TOKEN}
        )
    with pytest.raises(ConfigError, match="auth_token"):
        TwilioConnector.from_source("tw", {"account_sid": ACCOUNT}, {})
    with pytest.raises(ConfigError, match="secret"):
        TwilioConnector.from_source("tw", {"account_sid": ACCOUNT, "auth_token": "x"}, {})
    with pytest.raises(ConfigError, match="account_sid"):
        TwilioConnector.from_source("tw", {}, {"auth_token": TOKEN})
    key = TwilioConnector.from_source(
        "tw", {"account_sid": ACCOUNT, "api_key": "SKx"}, {"api_secret": "shh"}
    )
    assert key.api_key == "SKx"


def test_in_on_a_day_is_one_widened_range():
    fake = FakeTwilio(100)
    scan(
        connector(fake, parallel_scans=False),
        "messages",
        [Pred("DateSent", "in", (date(2025, 1, 2), date(2025, 1, 5)))],
    )
    q = fake.query_of(0)
    assert q["DateSent>"] == "2025-01-02" and q["DateSent<"] == "2025-01-06"
