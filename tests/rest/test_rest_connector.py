"""Parameters, pushdown, errors, schemas and stats of the Custom API connector."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import httpx
import pytest
from rest_fake_api import COLUMNS

from distillr.connectors.base import ScanRequest
from distillr.connectors.http import RateLimit
from distillr.errors import MissingParameter, SourceError, SqlError, TooManyRequests

ONE = {
    "name": "item",
    "url": "/items/{itemId}",
    "aliases": ["/items/:itemId"],
    "columns": COLUMNS,
    "params": [{"name": "itemId", "location": "path", "column": "id", "type": "integer"}],
}
LIST = {
    "name": "items",
    "url": "/jira",
    "data_path": "values",
    "columns": COLUMNS,
    "paginator": {"type": "start_at", "size": 20},
    "params": [
        {"name": "status"},
        {"name": "min_id", "column": "id", "op": "gte", "type": "integer"},
        {"name": "since", "column": "created", "op": "gte", "type": "timestamp", "format": "epoch"},
        {"name": "name_like", "column": "name", "exact": False},
    ],
}
SEARCH = {
    "name": "search",
    "url": "/search",
    "method": "POST",
    "data_path": "values",
    "columns": COLUMNS,
    "paginator": {
        "type": "offset",
        "offset_param": "startAt",
        "size_param": "maxResults",
        "size": 50,
        "total_path": "total",
        "location": "body",
    },
    "params": [{"name": "status", "location": "body", "required": True}],
}


@pytest.fixture()
def con(make):
    session, _, _ = make([ONE, LIST, SEARCH], error_path="errorMessages")
    return session


def test_path_parameter_bound_from_where_and_the_path_name(con, api):
    rows = con.sql("SELECT id, name FROM fake.`/items/:itemId` WHERE itemId = '7'").fetchall()
    assert rows == [(7, "item 007")]
    assert api.paths() == ["/items/7"]


def test_in_fans_out_one_request_per_value(con, api):
    rows = con.sql("SELECT id FROM fake.item WHERE id IN (3, 5, 8) ORDER BY id").fetchall()
    assert rows == [(3,), (5,), (8,)]
    assert sorted(api.paths()) == ["/items/3", "/items/5", "/items/8"]


def test_bind_join_reads_the_other_side_first(con, api):
    sql = (
        "SELECT i.id, d.name FROM fake.items i JOIN fake.item d ON d.itemId = i.id"
        " WHERE i.status = 'stale' ORDER BY 1"
    )
    want = [(x["id"], x["name"]) for x in api.items if x["status"] == "stale"]
    assert con.sql(sql).fetchall() == want


def test_missing_path_parameter_sends_nothing(con, api):
    with pytest.raises(MissingParameter, match="itemId"):
        con.sql("SELECT * FROM fake.item").fetchall()
    assert api.log == []


def test_missing_required_body_parameter_sends_nothing(con, api):
    with pytest.raises(MissingParameter, match="status"):
        con.sql("SELECT * FROM fake.search").fetchall()
    assert api.log == []


def test_wrong_value_type_sends_nothing(con, api, make):
    session, _conn, _ = make(
        [
            {
                **ONE,
                "params": [{"name": "itemId", "location": "path", "type": "integer"}],
                "columns": {"itemId": "string"},
            }
        ]
    )
    with pytest.raises(SqlError, match="takes a whole number, not 'abc'"):
        session.sql("SELECT * FROM fake.item WHERE itemId = 'abc'").fetchall()
    with pytest.raises(SqlError, match="takes whole numbers, not 'abc'"):  # an int column
        con.sql("SELECT * FROM fake.item WHERE itemId = 'abc'").fetchall()
    assert api.log == []


@pytest.mark.parametrize("value", ["..", ".", ""])
def test_path_values_cannot_change_the_path(make, api, value):
    session, _, _ = make([{**ONE, "params": []}])
    with pytest.raises((SqlError, MissingParameter)):
        session.sql(f"SELECT * FROM fake.`/items/:itemId` WHERE itemId = '{value}'").fetchall()
    assert api.log == []
    with pytest.raises(SourceError, match="HTTP 404"):  # one segment, percent-encoded
        session.sql("SELECT * FROM fake.item WHERE itemId = '1/../2?x=1'").fetchall()
    assert api.log[0].url.raw_path == b"/items/1%2F..%2F2%3Fx%3D1"


def test_post_body_fields_from_where_and_paging_in_the_body(con, api):
    rows = con.sql("SELECT id FROM fake.search WHERE status = 'open' ORDER BY id").fetchall()
    assert rows == [(x["id"],) for x in api.items if x["status"] == "open"]
    assert all(r.method == "POST" for r in api.log)
    assert len(api.log) == 2  # 19 rows, pages of at most 10 (second fetched from the total)


def test_comparison_parameters_formatted_per_parameter(con, api):
    rows = con.sql(
        "SELECT id FROM fake.items WHERE created >= TIMESTAMP '2025-01-20 00:00:00'"
        " AND id >= 30 ORDER BY id"
    ).fetchall()
    since = int(datetime(2025, 1, 20).timestamp()) - 0  # naive: UTC in SQL
    assert api.log[0].url.params["min_id"] == "30"
    assert int(api.log[0].url.params["since"]) == since + (
        datetime(2025, 1, 20).astimezone().utcoffset().total_seconds() * 0
    )
    assert rows == [
        (x["id"],) for x in api.items if x["id"] >= 30 and x["created"][:10] >= "2025-01-20"
    ]


def test_inexact_parameter_keeps_limit_local(con, api):
    plan = con.explain("SELECT * FROM fake.items WHERE name = 'item 001' LIMIT 1").text
    assert "name_like=item+001" in plan or "name_like=item%20001" in plan
    assert "limit:          pushed" not in plan
    rows = con.sql("SELECT id FROM fake.items WHERE name = 'item 001' LIMIT 1").fetchall()
    assert rows == [(1,)]


def test_exact_filters_let_limit_travel_as_page_size(con, api):
    con.sql("SELECT * FROM fake.items WHERE status = 'open' LIMIT 4").fetchall()
    assert len(api.log) == 1 and api.log[0].url.params["maxResults"] == "4"


def test_fan_out_is_capped(make, api):
    _session, conn, _ = make([ONE])
    conn.max_fanout = 2
    with pytest.raises(TooManyRequests):
        conn.plan(
            ScanRequest(
                "item",
                predicates=tuple(
                    __import__("distillr").connectors.base.Pred("id", "in", tuple(range(50)))
                    for _ in [0]
                ),
            )
        )


QUERIES = [
    "SELECT id FROM fake.items WHERE status = 'open'",
    "SELECT id FROM fake.items WHERE status IN ('open', 'stale') AND id >= 20",
    "SELECT id FROM fake.items WHERE id > 20 AND id < 40",
    "SELECT id FROM fake.items WHERE id >= 10 AND id >= 15",
    "SELECT id FROM fake.items WHERE created >= TIMESTAMP '2025-01-10 05:00:00'",
    "SELECT id FROM fake.items WHERE name = 'item 010' OR status = 'closed'",
    "SELECT id FROM fake.items WHERE status = 'open' AND status = 'closed'",
    "SELECT id FROM fake.items WHERE name = 'item 011'",
    "SELECT status, count(*) FROM fake.items WHERE id >= 5 GROUP BY 1",
    "SELECT id FROM fake.items WHERE status = 'open' ORDER BY id LIMIT 5",
    "SELECT i.id FROM fake.items i LEFT JOIN fake.items j ON j.id = i.id AND j.status = 'open'"
    " WHERE j.id IS NULL",
    "SELECT id FROM fake.item WHERE id IN (1, 2, 5)",
]


@pytest.mark.parametrize("sql", QUERIES)
def test_pushdown_never_changes_a_result(con, sql):
    pushed = Counter(con.sql(sql).fetchall())
    plain = Counter(con.sql(sql, pushdown=False).fetchall())
    assert pushed == plain


def test_http_errors_show_status_api_message_and_path(con, api):
    with pytest.raises(SourceError) as info:
        con.sql("SELECT * FROM fake.item WHERE id = 999").fetchall()
    text = str(info.value)
    assert "HTTP 404" in text and "no item 999" in text and "GET http://api.test/items/999" in text
    assert info.value.status == 404 and info.value.path == "/items/999"


def test_give_up_after_retries(make, api):
    session, _conn, sleeps = make([ONE])
    api.fault("items", *["500"] * 10)
    with pytest.raises(
        SourceError,
        match=r"GET http://api.test/items/1 failed after 7 attempts; last: HTTP 500: boom",
    ):
        session.sql("SELECT * FROM fake.item WHERE id = 1").fetchall()
    assert len(sleeps) == 6


def test_schema_is_inferred_once_and_counted(make, api):
    session, conn, _ = make([{k: v for k, v in LIST.items() if k != "columns"}])
    res = session.sql("SELECT id, created, score, owner FROM fake.items WHERE status = 'open'")
    types = {f.name: str(f.type) for f in res.arrow().schema}
    assert types["id"] == "int64" and types["created"] == "timestamp[us, tz=UTC]"
    assert types["score"] == "double"  # ints and floats: float
    assert types["owner"].startswith("struct<name: string, email: string")
    assert res.stats.requests == len(api.log) and len(api.log) == 3  # 1 sample + 2 pages
    api.log.clear()
    session.sql("SELECT id FROM fake.items WHERE status = 'open'").fetchall()
    assert len(api.log) == 2  # not sampled again
    assert conn.definition.endpoint("items").inferred["created"] == "timestamp"


def test_a_later_page_with_new_fields_or_wider_types_loses_nothing(make, api):
    session, conn, _ = make([{k: v for k, v in LIST.items() if k != "columns"}])
    conn.refresh()  # learns id: int, owner: struct<name, email>, ...
    api.items[40]["id"] = 40.5  # wider than int
    api.items[41]["owner"]["phone"] = "555"  # a new nested field
    api.items[42]["brand_new"] = {"x": [1, 2]}  # a new field
    api.items[43]["created"] = 1735689600  # a number where a timestamp was
    rows = session.sql("SELECT id, _extra FROM fake.items ORDER BY name").fetchall()
    assert len(rows) == len(api.items)
    import json

    extras = {i: json.loads(e) for i, (_, e) in enumerate(rows) if e}
    assert extras == {
        40: {"id": 40.5},
        41: {"owner": {"phone": "555"}},
        42: {"brand_new": {"x": [1, 2]}},
        43: {"created": 1735689600},
    }
    assert rows[40][0] is None
    result = conn.refresh(pages=10)
    assert result.definition.endpoint("items").inferred["id"] == "float"
    assert "brand_new" in result.definition.endpoint("items").inferred
    rows = session.sql("SELECT id FROM fake.items ORDER BY name").fetchall()
    assert rows[40][0] == 40.5


def test_refresh_samples_dependants_from_their_parents(make, api):
    child = {
        "name": "item",
        "url": "/items/{itemId}",
        "params": [{"name": "itemId", "location": "path", "sample_from": "items.id"}],
    }
    _session, conn, _ = make([{k: v for k, v in LIST.items() if k != "columns"}, child])
    result = conn.refresh()
    assert result.sampled == ["items", "item"] and result.skipped == {}
    assert result.definition.endpoint("item").inferred["name"] == "string"


def test_planning_requests_are_counted_and_noted(make, api):
    session, _conn, _ = make([{k: v for k, v in LIST.items() if k != "columns"}])
    res = session.sql("SELECT count(*) FROM fake.items")
    res.fetchall()
    assert res.stats.requests == len(api.log)


def test_requests_per_second_limit():
    clock = [0.0]
    rate = RateLimit(2, clock=lambda: clock[0])
    delays = [rate.delay() for _ in range(5)]
    assert delays[:2] == [0.0, 0.0] and delays[2:] == [0.5, 1.0, 1.5]
    clock[0] = 10.0
    assert rate.delay() == 0.0


def test_rate_limit_applies_to_every_request(make, api):
    session, conn, _sleeps = make([LIST], requests_per_second=1000)
    assert conn.http.rate.per_second == 1000
    session.sql("SELECT * FROM fake.items").fetchall()
    assert len(api.log) == 6


def test_connector_check_makes_one_request(make, api):
    _, conn, _ = make([ONE, LIST])
    conn.check()
    assert api.paths() == ["/jira"]
    api.log.clear()
    api.fault("jira", "401")
    with pytest.raises(SourceError, match="token expired"):
        conn.check()


def test_transport_errors_are_retried(make, api):
    calls = []

    def flaky(request):
        calls.append(1)
        if len(calls) == 1:
            raise httpx.ConnectError("refused")
        return api(request)

    from distillr.connectors.rest import RestConnector

    conn = RestConnector(
        "fake",
        {"base_url": "http://api.test", "endpoints": [ONE]},
        transport=httpx.MockTransport(flaky),
        sleep=lambda s: None,
    )
    split = conn.plan(
        ScanRequest(
            "item", predicates=(__import__("distillr").connectors.base.Pred("id", "eq", 2),)
        )
    )[0]
    assert sum(b.num_rows for b in conn.read(split)) == 1
