"""A Custom API whose later pages drift from the schema learnt from the first (a wider type, new
fields, a number where a timestamp was) reads the same from the response cache as live: the
batches the cache keeps are the ones the live path made, ``_extra`` and all."""

from __future__ import annotations

import json

from rest_fake_api import BASE, FakeApi

import distillr
from distillr.connectors.cache import CacheBinding, ResponseCache
from distillr.connectors.rest import RestConnector

ITEMS = {
    "name": "items",
    "url": "/jira",
    "data_path": "values",
    "paginator": {"type": "start_at", "size": 20},
    "params": [{"name": "status"}],
}
SQLS = [
    "SELECT * FROM fake.items ORDER BY id, name",
    "SELECT id, _extra FROM fake.items WHERE status = 'open' ORDER BY name",
]


def _drifting_api() -> FakeApi:
    api = FakeApi()
    api.items[40]["id"] = 40.5  # wider than int
    api.items[41]["owner"]["phone"] = "555"  # a new nested field
    api.items[42]["brand_new"] = {"x": [1, 2]}  # a new field
    api.items[43]["created"] = 1735689600  # a number where a timestamp was
    return api


def test_pages_that_drift_from_the_schema_read_the_same_from_the_cache(tmp_path):
    api = _drifting_api()
    cache = ResponseCache(tmp_path / "cache")
    runs = []
    for cached in (False, True, True):
        conn = RestConnector(
            "fake", {"base_url": BASE, "endpoints": [ITEMS]}, None, transport=api.transport()
        )
        conn.refresh(pages=1)  # learnt from the first page only: the later ones drift
        if cached:
            conn.http.cache = CacheBinding(cache, "fake", 900.0, "identity")
        con = distillr.connect(home=str(tmp_path / "home"))
        con.register("fake", conn)
        before = len(api.log)
        runs.append(([con.sql(sql).arrow() for sql in SQLS], len(api.log) - before))
        con.close()
    (live, sent), (filled, sent_filling), (again, sent_again) = runs
    assert sent > 0 and sent_filling == sent and sent_again == 0
    for sql, a, b, c in zip(SQLS, live, filled, again, strict=True):
        assert c.schema.equals(a.schema, check_metadata=True), sql
        assert b.equals(a) and c.equals(a), sql
    extras = [json.loads(e) for e in live[0].column("_extra").to_pylist() if e]
    assert len(extras) == 4, "the pages did not drift: the test proves nothing"
