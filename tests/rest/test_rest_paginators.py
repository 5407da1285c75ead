"""Every paginator against the fake API, with and without faults, rows compared with its data."""

from __future__ import annotations

import pytest
from rest_fake_api import COLUMNS

from distillr.connectors.paginators import PAGINATORS, make_paginator
from distillr.connectors.settings import SettingError
from distillr.errors import SourceError

PAGED = {
    "offset": {
        "url": "/offset",
        "data_path": "data.items",
        "paginator": {"type": "offset", "size": 10, "total_path": "total"},
    },
    "offset_no_total": {
        "url": "/offsetnt",
        "data_path": "data.items",
        "paginator": {"type": "offset", "size": 10},
    },
    "page": {
        "url": "/pages",
        "data_path": "results",
        "paginator": {
            "type": "page",
            "size_param": "per_page",
            "size": 10,
            "total_pages_path": "total_pages",
        },
    },
    "cursor": {
        "url": "/cursor",
        "data_path": "items",
        "paginator": {
            "type": "cursor",
            "cursor_path": "next_cursor",
            "cursor_param": "cursor",
            "size_param": "limit",
            "size": 10,
        },
    },
    "next_url": {
        "url": "/next",
        "data_path": "items",
        "paginator": {"type": "next_url", "next_path": "links.next"},
    },
    "link_header": {"url": "/link", "paginator": "link_header"},
    "start_at": {
        "url": "/jira",
        "data_path": "values",
        "paginator": {"type": "start_at", "size": 50},
    },
}


def endpoint(kind, **extra):
    return {"name": "t", "columns": COLUMNS, **PAGED[kind], **extra}


def ids(result):
    return [r[0] for r in result.fetchall()]


@pytest.mark.parametrize("kind", sorted(PAGED))
def test_every_paginator_reads_every_row(make, api, kind):
    con, _, _ = make([endpoint(kind)])
    res = con.sql("SELECT id, name, status FROM fake.t")
    want = [(x["id"], x["name"], x["status"]) for x in api.items]
    assert sorted(res.fetchall()) == want
    assert res.stats.requests == len(api.log)
    assert len(api.log) >= 6  # 57 rows, pages of at most 10


@pytest.mark.parametrize("kind", sorted(PAGED))
@pytest.mark.parametrize("fault", ["429", "500", "truncate"])
def test_faults_are_retried_and_rows_stay_exact(make, api, kind, fault):
    route = PAGED[kind]["url"].strip("/")
    api.fault(route, fault, fault)
    con, _, sleeps = make([endpoint(kind)])
    res = con.sql("SELECT id FROM fake.t ORDER BY id")
    assert ids(res) == [x["id"] for x in api.items]
    assert res.stats.requests == len(api.log)
    if fault == "429":
        assert sleeps[:2] == [2.0, 2.0]  # Retry-After honoured


def test_filters_pushed_through_paging(make, api):
    con, _, _ = make([endpoint("start_at", params=[{"name": "status"}])])
    res = con.sql("SELECT id FROM fake.t WHERE status = 'open' ORDER BY id")
    assert ids(res) == [x["id"] for x in api.items if x["status"] == "open"]
    assert all(r.url.params["status"] == "open" for r in api.log)


def test_pages_with_a_total_are_fetched_concurrently_and_in_order(make, api):
    con, conn, _ = make([endpoint("start_at")], concurrency=3)
    seen = []
    real = conn.http.request

    def spy(*a, **k):
        import threading

        seen.append(threading.current_thread().name)
        return real(*a, **k)

    conn.http.request = spy
    res = con.sql("SELECT id FROM fake.t")
    assert ids(res) == [x["id"] for x in api.items]  # the API's order, kept
    assert sum(n.startswith("distillr-rest-page") for n in seen) == 5  # pages 2..6
    starts = [int(r.url.params["startAt"]) for r in api.log]
    assert sorted(starts) == list(range(0, 57, 10))  # each page once, server cap of 10 honoured


def test_limit_travels_as_page_size_and_stops_paging(make, api):
    con, _, _ = make([endpoint("cursor")])
    res = con.sql("SELECT id FROM fake.t LIMIT 3")
    assert ids(res) == [1, 2, 3]
    assert len(api.log) == 1 and api.log[0].url.params["limit"] == "3"
    api.log.clear()
    res = con.sql("SELECT id FROM fake.t LIMIT 25")
    assert len(ids(res)) == 25 and len(api.log) == 3


def test_concurrent_paging_stops_at_the_limit(make, api):
    con, _, _ = make([endpoint("offset")], concurrency=2)
    res = con.sql("SELECT id FROM fake.t LIMIT 25")
    assert ids(res) == list(range(1, 26))
    assert len(api.log) == 3


def test_a_repeated_cursor_fails_clearly(make, api):
    con, _, _ = make(
        [
            {
                "name": "t",
                "url": "/loop",
                "data_path": "items",
                "columns": COLUMNS,
                "paginator": {
                    "type": "cursor",
                    "cursor_path": "next_cursor",
                    "cursor_param": "cursor",
                },
            }
        ]
    )
    with pytest.raises(SourceError, match="same cursor or next page twice"):
        con.sql("SELECT * FROM fake.t").fetchall()
    assert len(api.log) == 2


def test_a_paginator_that_never_ends_fails_clearly(make, api):
    con, _, _ = make(
        [
            {
                "name": "t",
                "url": "/ignores",
                "data_path": "data.items",
                "columns": COLUMNS,
                "paginator": {"type": "offset", "size": 5},
            }
        ]
    )
    with pytest.raises(SourceError, match="same page again"):
        con.sql("SELECT * FROM fake.t").fetchall()
    assert len(api.log) == 2


def test_max_pages_bounds_a_walk(make, api):
    con, _, _ = make([endpoint("cursor", max_pages=2)])
    with pytest.raises(SourceError, match="more than 2 pages"):
        con.sql("SELECT * FROM fake.t").fetchall()


def test_a_next_url_on_another_host_is_refused(make, api):
    def other(request, q):
        import httpx

        return httpx.Response(200, json={"items": [], "links": {"next": "http://evil.test/x"}})

    api.r_next = other
    con, _, _ = make([endpoint("next_url")])
    with pytest.raises(SourceError, match="another server"):
        con.sql("SELECT * FROM fake.t").fetchall()
    assert all(r.url.host == "api.test" for r in api.log)


def test_factory_takes_a_name_a_dict_or_an_instance():
    p = make_paginator({"type": "cursor", "cursor_path": "a", "cursor_param": "b"})
    assert make_paginator(p) is p
    assert type(make_paginator("jira")) is PAGINATORS["start_at"]
    with pytest.raises(SettingError, match="Valid paginators: none, offset, page"):
        make_paginator("pages_please")
    with pytest.raises(SettingError, match="cursor_path is required"):
        make_paginator("cursor")
    with pytest.raises(SettingError, match="size: must be at least 1"):
        make_paginator({"type": "offset", "size": 0})
