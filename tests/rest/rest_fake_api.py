"""A small in-process REST API for the Custom API tests, one route per paginator and format.

Its data (``FakeApi.items``) is what tests compare rows with. Faults are queued per route and
used once each: ``"429"`` (with ``Retry-After: 2``), ``"500"``, ``"truncate"`` (a body cut in
half), ``"401"``. Every request is logged (``FakeApi.log``) before any fault.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from typing import Any

import httpx

BASE = "http://api.test"
#: the fake's record fields as a definition declares them
COLUMNS = {
    "id": "int",
    "name": "string",
    "status": "string",
    "created": "timestamp",
    "score": "float",
    "owner": {"name": "string", "email": "string"},
    "tags": ["string"],
}


def make_items(n: int) -> list[dict[str, Any]]:
    items = []
    for i in range(1, n + 1):
        items.append(
            {
                "id": i,
                "name": f"item {i:03d}",
                "status": ("open", "closed", "stale")[i % 3],
                "created": f"2025-01-{i % 28 + 1:02d}T{i % 24:02d}:15:30.000+0000",
                "score": float(i) / 4 if i % 5 else i,  # ints and floats mixed
                "owner": {"name": f"user{i % 4}", "email": None if i % 2 else f"u{i}@x.test"},
                "tags": [f"t{j}" for j in range(i % 3)],
            }
        )
    return items


class FakeApi:
    """Call it with an ``httpx.Request``: the ``httpx.MockTransport`` handler."""

    def __init__(self, n: int = 57, cap: int = 10) -> None:
        self.items = make_items(n)
        self.cap = cap  # the largest page the server gives, whatever is asked
        self.log: list[httpx.Request] = []
        self.faults: dict[str, list[str]] = defaultdict(list)
        self.tokens_issued = 0
        self.valid_tokens: set[str] = set()

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def fault(self, route: str, *kinds: str) -> None:
        self.faults[route].extend(kinds)

    def paths(self) -> list[str]:
        return [r.url.path for r in self.log]

    def filtered(self, q: dict[str, str]) -> list[dict[str, Any]]:
        items = self.items
        if "status" in q:
            items = [x for x in items if x["status"] == q["status"]]
        if "min_id" in q:
            items = [x for x in items if x["id"] >= int(q["min_id"])]
        if "since" in q:  # epoch seconds: created on or after
            from datetime import datetime

            since = int(q["since"])
            items = [
                x
                for x in items
                if datetime.strptime(x["created"], "%Y-%m-%dT%H:%M:%S.%f%z").timestamp() >= since
            ]
        if "name_like" in q:
            items = [x for x in items if q["name_like"] in x["name"]]
        return items

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.log.append(request)
        route = request.url.path.strip("/").split("/")[0]
        if self.faults.get(route):
            kind = self.faults[route].pop(0)
            if kind == "429":
                return httpx.Response(429, headers={"Retry-After": "2"}, json={"message": "slow"})
            if kind == "500":
                return httpx.Response(500, json={"message": "boom"})
            if kind == "401":
                return httpx.Response(401, json={"errorMessages": ["token expired"]})
            if kind == "truncate":
                good = self.route(route, request)
                return httpx.Response(200, content=good.content[: len(good.content) // 2])
        return self.route(route, request)

    def route(self, route: str, request: httpx.Request) -> httpx.Response:
        q = dict(request.url.params)
        handler = getattr(self, "r_" + route, None)
        if handler is None:
            return httpx.Response(404, json={"errorMessages": [f"no route {route}"]})
        return handler(request, q)

    # -- one route per paginator ----------------------------------------------------------

    def r_offset(self, request, q):
        items = self.filtered(q)
        off, lim = int(q.get("offset", 0)), min(int(q.get("limit", 20)), self.cap)
        return httpx.Response(
            200, json={"data": {"items": items[off : off + lim]}, "total": len(items)}
        )

    def r_offsetnt(self, request, q):  # no total: ends on an empty page
        items = self.filtered(q)
        off, lim = int(q.get("offset", 0)), min(int(q.get("limit", 20)), self.cap)
        return httpx.Response(200, json={"data": {"items": items[off : off + lim]}})

    def r_pages(self, request, q):
        items = self.filtered(q)
        size = min(int(q.get("per_page", 10)), self.cap)
        page = int(q.get("page", 1))
        pages = max(1, -(-len(items) // size))
        return httpx.Response(
            200, json={"results": items[(page - 1) * size : page * size], "total_pages": pages}
        )

    def r_cursor(self, request, q):
        items = self.filtered(q)
        size = min(int(q.get("limit", 10)), self.cap)
        start = int(q["cursor"].removeprefix("c")) if "cursor" in q else 0
        body: dict[str, Any] = {"items": items[start : start + size]}
        if start + size < len(items):
            body["next_cursor"] = f"c{start + size}"
        return httpx.Response(200, json=body)

    def r_loop(self, request, q):  # new rows, but a cursor that never changes
        n = len(self.log)
        return httpx.Response(200, json={"items": self.items[n : n + 3], "next_cursor": "same"})

    def r_ignores(self, request, q):  # ignores the offset: the same page forever
        return httpx.Response(200, json={"data": {"items": self.items[:5]}})

    def r_next(self, request, q):
        items = self.filtered(q)
        after = int(q.get("after", 0))
        page = items[after : after + 7]
        nxt = f"/next?after={after + 7}" if after + 7 < len(items) else None
        return httpx.Response(200, json={"items": page, "links": {"next": nxt}})

    def r_link(self, request, q):
        items = self.filtered(q)
        page = int(q.get("page", 1))
        headers = {}
        if page * 8 < len(items):
            headers["Link"] = (
                f'<{BASE}/link?page={page + 1}>; rel="next", <{BASE}/link>; rel="first"'
            )
        return httpx.Response(200, json=items[(page - 1) * 8 : page * 8], headers=headers)

    def r_jira(self, request, q):
        items = self.filtered(q)
        start = int(q.get("startAt", 0))
        size = min(int(q.get("maxResults", 50)), self.cap)
        page = items[start : start + size]
        return httpx.Response(
            200,
            json={
                "startAt": start,
                "maxResults": size,
                "total": len(items),
                "isLast": start + size >= len(items),
                "values": page,
            },
        )

    def r_items(self, request, q):  # /items/{id}: one object
        ident = request.url.path.rstrip("/").split("/")[-1]
        for x in self.items:
            if str(x["id"]) == ident:
                return httpx.Response(200, json=x)
        return httpx.Response(404, json={"errorMessages": [f"no item {ident}"]})

    def r_search(self, request, q):  # POST, paging in the JSON body
        body = json.loads(request.content or b"{}")
        if body.get("status") is None:
            return httpx.Response(
                400, json={"errorMessages": ["status is required"], "errors": {"status": "missing"}}
            )
        items = self.filtered({"status": body["status"]})
        start, size = int(body.get("startAt", 0)), min(int(body.get("maxResults", 50)), self.cap)
        return httpx.Response(
            200, json={"values": items[start : start + size], "total": len(items)}
        )

    # -- one route per format -------------------------------------------------------------

    def r_ndjson(self, request, q):
        items = self.filtered(q)
        off, lim = int(q.get("offset", 0)), int(q.get("limit", 20))
        text = "".join(json.dumps(x) + "\n" for x in items[off : off + lim])
        return httpx.Response(
            200, content=text.encode(), headers={"Content-Type": "application/x-ndjson"}
        )

    def r_csv(self, request, q):
        items = self.filtered(q)
        page, size = int(q.get("page", 1)), 10
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(["id", "name", "status", "created", "score"])
        for x in items[(page - 1) * size : page * size]:
            w.writerow([x["id"], x["name"], x["status"], x["created"], x["score"]])
        return httpx.Response(
            200, content=out.getvalue().encode(), headers={"Content-Type": "text/csv"}
        )

    def r_xml(self, request, q):
        items = self.filtered(q)
        parts = [f"<feed><meta><count>{len(items)}</count></meta><entries>"]
        for x in items:
            tags = "".join(f"<tag>{t}</tag>" for t in x["tags"])
            parts.append(
                f'<entry id="{x["id"]}"><name>{x["name"]}</name><status>{x["status"]}</status>'
                f"<created>{x['created']}</created><owner><name>{x['owner']['name']}</name>"
                f"</owner>{tags}</entry>"
            )
        parts.append("</entries></feed>")
        return httpx.Response(
            200, content="".join(parts).encode(), headers={"Content-Type": "application/xml"}
        )

    def r_bomb(self, request, q):
        bomb = (
            '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
            "<feed><entries><entry><name>&lol2;</name></entry></entries></feed>"
        )
        return httpx.Response(200, content=bomb.encode())

    # -- auth ----------------------------------------------------------------------------

    def r_token(self, request, q):
        form = dict(httpx.QueryParams(request.content.decode()))
        ok_cc = (
            form.get("grant_type") == "client_credentials"
            and form.get("client_secret") == "cs-secret-value"
        )
        ok_rt = (
            form.get("grant_type") == "refresh_token"
            and form.get("refresh_token") == "rt-secret-value"
        )
        if not (ok_cc or ok_rt):
            return httpx.Response(401, json={"error": "invalid_client"})
        self.tokens_issued += 1
        token = f"tok-{self.tokens_issued}-abcdef"
        self.valid_tokens.add(token)
        return httpx.Response(200, json={"access_token": token, "expires_in": 3600})

    def r_secure(self, request, q):
        auth = request.headers.get("Authorization", "")
        key_ok = (
            request.headers.get("X-Key") == "key-secret-value"
            or q.get("api_key") == "key-secret-value"
        )
        bearer_ok = auth.removeprefix("Bearer ") in self.valid_tokens | {"bearer-secret-value"}
        basic_ok = (
            auth == "Basic " + __import__("base64").b64encode(b"me@x.test:pw-secret-value").decode()
        )
        if not (key_ok or bearer_ok or basic_ok):
            return httpx.Response(401, json={"errorMessages": ["not logged in"]})
        return httpx.Response(200, json={"values": self.items[:3]})
