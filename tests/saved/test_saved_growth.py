"""An incremental refresh after the API's data grows asks only for the new rows (the request
log shows the date bound and only the pages past it) and ends equal to a full re-save."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import parse_qs

import httpx
import pytest

import distillr
from distillr.connectors.rest import RestConnector

PAGE = 10
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


class GrowingApi:
    """Messages in date order; ``?since=`` (ISO 8601) keeps those sent at or after it."""

    def __init__(self, n: int) -> None:
        self.rows: list[dict] = []
        self.log: list[dict] = []
        self.grow(n)

    def grow(self, n: int) -> None:
        for _ in range(n):
            i = len(self.rows) + 1
            sent = START + dt.timedelta(hours=i)
            self.rows.append({"sid": f"SM{i:05d}", "sent": sent.isoformat(), "body": f"m{i}"})

    def __call__(self, request: httpx.Request) -> httpx.Response:
        q = {k: v[0] for k, v in parse_qs(request.url.query.decode()).items()}
        self.log.append(q)
        rows = self.rows
        if "since" in q:
            since = dt.datetime.fromisoformat(q["since"].replace("Z", "+00:00"))
            rows = [r for r in rows if dt.datetime.fromisoformat(r["sent"]) >= since]
        offset, limit = int(q.get("offset", 0)), int(q.get("limit", PAGE))
        body = {"items": rows[offset : offset + limit], "total": len(rows)}
        return httpx.Response(200, content=json.dumps(body).encode())


DEFINITION = {
    "base_url": "http://growing.test",
    "endpoints": [
        {
            "name": "messages",
            "url": "/messages",
            "data_path": "items",
            "paginator": {"type": "offset", "size": PAGE, "total_path": "total"},
            "params": [
                {
                    "name": "since",
                    "column": "sent",
                    "op": "gte",
                    "type": "timestamp",
                    "format": "iso8601",
                }
            ],
            "columns": {"sid": "string", "sent": "timestamp", "body": "string"},
        }
    ],
}


@pytest.fixture
def setup(tmp_path):
    api = GrowingApi(95)
    con = distillr.connect(home=str(tmp_path / "home"))
    con.register("api", RestConnector("api", DEFINITION, {}, transport=httpx.MockTransport(api)))
    yield api, con
    con.close()


def test_an_incremental_refresh_fetches_only_the_new_pages(setup):
    api, con = setup
    sql = "SELECT sid, sent, body FROM api.messages"
    con.save("msgs", sql, incremental="sent", key="sid")
    assert len(api.log) == 10  # 95 rows, 10 a page
    api.grow(23)  # the API's data grows: 23 new messages
    api.log.clear()
    info = con.refresh("msgs")
    assert info.rows == 118
    # every request carries the bound; 24 rows at or past it (the last saved one and 23 new)
    assert api.log and all("since" in q for q in api.log)
    assert len(api.log) == 3
    assert api.log[0]["since"].startswith("2026-01-04T23:00:00")
    con.save("full", sql)
    a = sorted(con.sql("SELECT * FROM saved.msgs").fetchall())
    b = sorted(con.sql("SELECT * FROM saved.full").fetchall())
    assert a == b and len(a) == 118
