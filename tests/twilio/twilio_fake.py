"""A tiny in-memory Twilio for plan()/read() unit tests (httpx.MockTransport).

Serves API 2010 ``Messages.json`` (To/From/DateSent filters, PageSize, next_page_uri paging),
``Accounts.json``, ``Accounts/{sid}.json`` and Monitor's ``/v1/Alerts`` (meta envelope).
"""

from __future__ import annotations

import email.utils
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

import httpx

ACCOUNT = "AC" + "1" * 32
SUB = "AC" + "2" * 32
TOKEN = "tok-" + "9" * 28
START = datetime(2025, 1, 1, tzinfo=UTC)


def rfc(t: datetime | None) -> str | None:
    return email.utils.format_datetime(t) if t else None


def messages(n: int, account: str = ACCOUNT, null_every: int = 0) -> list[dict]:
    rows = []
    for i in range(n):
        t = START + timedelta(hours=7 * i, seconds=i)
        rows.append(
            {
                "sid": f"SM{i:032x}",
                "account_sid": account,
                "to": f"+1555000{i % 7:04d}",
                "from": "+15559990000",
                "body": f"hello {i}",
                "status": "delivered",
                "num_segments": "1",
                "num_media": "0",
                "price": "-0.00790",
                "error_code": None,
                "date_created": rfc(t),
                "date_updated": rfc(t),
                "date_sent": None if null_every and i % null_every == 0 else rfc(t),
                "subresource_uris": {"media": "/x"},
            }
        )
    rows.sort(
        key=lambda r: (
            r["date_sent"] is not None,
            email.utils.parsedate_to_datetime(r["date_created"]),
        ),
        reverse=True,
    )
    return rows


class FakeTwilio:
    def __init__(self, n: int = 0, null_every: int = 0, sub_n: int = 0):
        self.data = {ACCOUNT: messages(n, ACCOUNT, null_every), SUB: messages(sub_n, SUB)}
        self.requests: list[httpx.Request] = []
        self.alerts = [
            {
                "sid": f"NO{i:032x}",
                "account_sid": ACCOUNT,
                "log_level": "error",
                "date_generated": (START + timedelta(days=i)).isoformat().replace("+00:00", "Z"),
            }
            for i in range(5)
        ]

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def query_of(self, i: int) -> dict[str, str]:
        return dict(parse_qsl(self.requests[i].url.query.decode(), keep_blank_values=True))

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        auth = request.headers.get("authorization", "")
        expected = httpx.BasicAuth(ACCOUNT, TOKEN)._auth_header
        if auth != expected:
            return httpx.Response(
                401, json={"code": 20003, "message": "Authenticate", "status": 401}
            )
        path = request.url.path
        q = dict(parse_qsl(request.url.query.decode(), keep_blank_values=True))
        if path == "/2010-04-01/Accounts.json":
            return httpx.Response(
                200,
                json={
                    "accounts": [
                        {"sid": ACCOUNT, "status": "active"},
                        {"sid": SUB, "status": "active"},
                    ],
                    "next_page_uri": None,
                },
            )
        if path == f"/2010-04-01/Accounts/{ACCOUNT}.json":
            return httpx.Response(200, json={"sid": ACCOUNT})
        if path.endswith("/Messages.json"):
            account = path.split("/")[3]
            return self.page(path, q, self.filter(self.data.get(account, []), q), "messages")
        if path == "/monitor/v1/Alerts":
            size = int(q.get("PageSize", 50))
            return httpx.Response(
                200,
                json={
                    "alerts": self.alerts[:size],
                    "meta": {"key": "alerts", "next_page_url": None, "page_size": size},
                },
            )
        return httpx.Response(404, json={"code": 20404, "message": "not found", "status": 404})

    def filter(self, rows, q):
        out = []
        for r in rows:
            if "To" in q and r["to"] != q["To"]:
                continue
            if "From" in q and r["from"] != q["From"]:
                continue
            sent = r["date_sent"]
            day = email.utils.parsedate_to_datetime(sent).date() if sent else None
            if any(k in q for k in ("DateSent", "DateSent>", "DateSent<")) and day is None:
                continue
            if "DateSent" in q and day != date.fromisoformat(q["DateSent"]):
                continue
            if "DateSent>" in q and day < date.fromisoformat(q["DateSent>"]):
                continue
            if "DateSent<" in q and day > date.fromisoformat(q["DateSent<"]):  # inclusive
                continue
            out.append(r)
        return out

    def page(self, path, q, rows, key):
        size = int(q.get("PageSize", 50))
        if size > 1000:
            return httpx.Response(400, json={"code": 20007, "message": "too big", "status": 400})
        start = int(q.get("PageToken", "0") or 0)
        chunk = rows[start : start + size]
        nxt = None
        if start + size < len(rows):
            nq = {k: v for k, v in q.items() if k not in ("PageToken", "Page")}
            nq.update(Page=str(start // size + 1), PageToken=str(start + size))
            nxt = f"{path}?{urlencode(nq)}"
        return httpx.Response(
            200,
            json={
                key: chunk,
                "next_page_uri": nxt,
                "page_size": size,
                "start": start,
                "end": start + len(chunk) - 1,
            },
        )
