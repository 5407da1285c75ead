"""Test endpoints under ``/test/``: the same seeded issues through every other paginator,
format and auth scheme a generic REST client meets, so its tests compare rows with the data.

Every endpoint serves the issues in id order as ``/rest/api/3/issue/{key}`` shows them (the CSV
and XML ones one level deep, :data:`~distillr.sandbox.jira.render.FLAT_COLUMNS`), filtered by
the optional ``project`` (a key), ``status`` (a name, any case) and ``updated_since`` (an ISO
date or date-time, inclusive) parameters. Page sizes default to 50 and are lowered to 100; the
format endpoints return every row unless given ``limit``. Under ``/test/auth/{scheme}/...``
each of them asks for that scheme (see :mod:`.auth`). Next links keep the path the client used
and repeat the filters. ``/test/cursor-loop/issues`` hands back its first cursor on its third
page, forever: a client must notice and stop.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
from urllib.parse import urlencode
from xml.sax.saxutils import escape

import msgspec
import numpy as np

from distillr.sandbox.jira import render as R
from distillr.sandbox.jira import values as V
from distillr.sandbox.jira.errors import oauth, plain, shown
from distillr.sandbox.jira.params import Param
from distillr.sandbox.jira.routing import Ctx, Endpoint, Reply, encode

FILTERS = [
    Param("project", "string", "Only issues of this project (its key)."),
    Param("status", "string", "Only issues with this status (its name, any case)."),
    Param(
        "updated_since",
        "string",
        "Only issues updated at or after this ISO 8601 date or date-time (UTC unless it says).",
    ),
]
PAGE_MAX = 100
FORMAT_MAX = 1000


def _limit(default: int | None = 50, maximum: int = PAGE_MAX, name: str = "limit") -> Param:
    return Param(
        name,
        "integer",
        f"Records per page (lowered to {maximum})" + ("." if default else "; default: all."),
        default=default,
        minimum=0 if default is None else 1,
        maximum=maximum,
        format="int32",
    )


def _offset() -> Param:
    return Param("offset", "integer", "Rows to skip.", default=0, minimum=0, format="int64")


def _when(text: str) -> int:
    raw = text.strip()
    try:
        when = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise plain(
            400,
            "bad_request",
            f"updated_since={shown(text)} is not an ISO 8601 date or date-time "
            "(e.g. 2025-01-31 or 2025-01-31T09:30:00Z).",
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return int(when.timestamp() * 1000)


def matching_rows(ctx: Ctx, filters: dict | None = None) -> np.ndarray:
    """The rows a request's filters select, in id order."""
    a = filters if filters is not None else ctx.args.values
    data = ctx.app.data
    iss = data.issues
    mask = np.ones(len(iss), dtype=bool)
    if a.get("project"):
        p = data.project(str(a["project"]))
        mask &= iss.project == (p.index if p else -2)
    if a.get("status"):
        names = [s.name.lower() for s in V.STATUSES]
        want = str(a["status"]).lower()
        mask &= iss.status == (names.index(want) if want in names else -2)
    if a.get("updated_since"):
        mask &= iss.updated >= _when(str(a["updated_since"]))
    return np.flatnonzero(mask)


def _issues(ctx: Ctx, rows) -> msgspec.Raw:
    return msgspec.Raw(ctx.app.encoder.issues(rows))


def _filters(ctx: Ctx) -> list[tuple[str, str]]:
    return [(p.name, str(ctx.args[p.name])) for p in FILTERS if ctx.args[p.name]]


def _link(ctx: Ctx, pairs, absolute: bool) -> str:
    path = f"{ctx.req.path}?{urlencode(_filters(ctx) + pairs)}"
    return V.BASE + path if absolute else path


# ---------------------------------------------------------------------- paginators
def offset_total(ctx: Ctx) -> Reply:
    rows = matching_rows(ctx)
    off, lim = ctx.args["offset"], ctx.args["limit"]
    sel = rows[off : off + lim]
    body = {"total": len(rows), "offset": off, "limit": lim, "items": _issues(ctx, sel)}
    return Reply(encode(body))


def offset_no_total(ctx: Ctx) -> Reply:
    rows = matching_rows(ctx)
    off, lim = ctx.args["offset"], ctx.args["limit"]
    return Reply(encode({"items": _issues(ctx, rows[off : off + lim])}))


def page_number(ctx: Ctx) -> Reply:
    rows = matching_rows(ctx)
    page, size = ctx.args["page"], ctx.args["per_page"]
    sel = rows[(page - 1) * size : page * size]
    body = {
        "page": page,
        "per_page": size,
        "total_pages": -(-len(rows) // size),
        "total": len(rows),
        "data": _issues(ctx, sel),
    }
    return Reply(encode(body))


def _after(ctx: Ctx, rows: np.ndarray, name: str = "after") -> int:
    """The position after the row whose issue id the ``after`` parameter names."""
    raw = ctx.args[name]
    if raw is None:
        return 0
    return int(np.searchsorted(rows, int(raw) - 10_000, side="right"))


def _cursor_position(ctx: Ctx, rows: np.ndarray) -> int:
    token = ctx.args["cursor"]
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        if text.startswith("after:") and text[6:].isdigit():
            return int(np.searchsorted(rows, int(text[6:]) - 10_000, side="right"))
    except (ValueError, UnicodeDecodeError):
        pass
    raise plain(400, "bad_request", f"cursor={shown(token)} is not a cursor this endpoint gave.")


def _cursor_for(row: int) -> str:
    return base64.urlsafe_b64encode(f"after:{row + 10_000}".encode()).decode().rstrip("=")


def cursor(ctx: Ctx) -> Reply:
    rows = matching_rows(ctx)
    start, lim = _cursor_position(ctx, rows), ctx.args["limit"]
    sel = rows[start : start + lim]
    more = start + len(sel) < len(rows)
    nxt = _cursor_for(int(sel[-1])) if more and len(sel) else None
    body = {"data": _issues(ctx, sel), "pagination": {"next_cursor": nxt, "has_more": more}}
    return Reply(encode(body))


def cursor_loop(ctx: Ctx) -> Reply:
    rows = matching_rows(ctx)
    lim = ctx.args["limit"]
    token = ctx.args["cursor"] or ""
    page = {"": 0, "A": 1, "B": 2}.get(token)
    if page is None:
        raise plain(
            400, "bad_request", f"cursor={shown(token)} is not a cursor this endpoint gave."
        )
    sel = rows[page * lim : (page + 1) * lim]
    nxt = "B" if page == 1 else "A"  # page 2's cursor is page 1's again: it never ends
    body = {"data": _issues(ctx, sel), "pagination": {"next_cursor": nxt, "has_more": True}}
    return Reply(encode(body))


def _keyset(ctx: Ctx, absolute: bool) -> tuple[np.ndarray, str | None]:
    """A page after the ``after`` issue, and the link to the next one (``None``: last)."""
    rows = matching_rows(ctx)
    start, lim = _after(ctx, rows), ctx.args["limit"]
    sel = rows[start : start + lim]
    if start + len(sel) >= len(rows):
        return sel, None
    after = [("after", str(int(sel[-1]) + 10_000)), ("limit", str(lim))]
    return sel, _link(ctx, after, absolute=absolute)


def next_url(ctx: Ctx) -> Reply:
    sel, nxt = _keyset(ctx, absolute=True)
    return Reply(encode({"issues": _issues(ctx, sel), "next": nxt}))


def next_path(ctx: Ctx) -> Reply:
    sel, nxt = _keyset(ctx, absolute=False)
    return Reply(encode({"issues": _issues(ctx, sel), "links": {"next": nxt}}))


def link_header(ctx: Ctx) -> Reply:
    rows = matching_rows(ctx)
    page, size = ctx.args["page"], ctx.args["per_page"]
    last = max(1, -(-len(rows) // size))
    sel = rows[(page - 1) * size : page * size]
    links = []
    for rel, target in (("next", page + 1), ("prev", page - 1), ("first", 1), ("last", last)):
        if (rel == "next" and page >= last) or (rel == "prev" and page <= 1):
            continue
        url = _link(ctx, [("page", str(target)), ("per_page", str(size))], absolute=True)
        links.append(f'<{url}>; rel="{rel}"')
    return Reply(ctx.app.encoder.issues(sel), headers={"link": ", ".join(links)})


# ---------------------------------------------------------------------- formats
def _slice(ctx: Ctx) -> np.ndarray:
    rows = matching_rows(ctx)
    off, lim = ctx.args["offset"], ctx.args["limit"]
    return rows[off:] if lim is None else rows[off : off + lim]


def as_array(ctx: Ctx) -> Reply:
    return Reply(ctx.app.encoder.issues(_slice(ctx)))


def as_ndjson(ctx: Ctx) -> Reply:
    enc = ctx.app.encoder
    body = b"".join(enc.issue(int(r)) + b"\n" for r in _slice(ctx))
    return Reply(body, content_type="application/x-ndjson")


def as_csv(ctx: Ctx) -> Reply:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(R.FLAT_COLUMNS)
    data = ctx.app.data
    for r in _slice(ctx):
        row = R.flat_row(data, int(r))
        writer.writerow(["" if row[c] is None else row[c] for c in R.FLAT_COLUMNS])
    return Reply(out.getvalue().encode(), content_type="text/csv; charset=utf-8")


def as_xml(ctx: Ctx) -> Reply:
    data = ctx.app.data
    rows = _slice(ctx)
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<response>', f"<total>{len(rows)}</total>"]
    parts.append("<issues>")
    for r in rows:
        row = R.flat_row(data, int(r))
        cells = "".join(
            f"<{c}>{escape(str(row[c]))}</{c}>" for c in R.FLAT_COLUMNS if row[c] is not None
        )
        parts.append(f"<issue>{cells}</issue>")
    parts.append("</issues></response>\n")
    return Reply("".join(parts).encode(), content_type="application/xml; charset=utf-8")


def as_object(ctx: Ctx) -> Reply:
    row = ctx.app.data.row(ctx.path["key"])
    if row is None:
        raise plain(404, "not_found", f"No issue {shown(ctx.path['key'])}.")
    return Reply(ctx.app.encoder.issue(row))


def post_search(ctx: Ctx) -> Reply:
    body = _form_or_json(ctx.body, ctx.req.headers.get("content-type", ""))
    unknown = sorted(set(body) - {"project", "status", "updated_since", "offset", "limit"})
    if unknown:
        raise plain(400, "bad_request", f"Unknown body field(s): {', '.join(unknown)}.")
    off = _body_int(body, "offset", 0, 0)
    lim = min(_body_int(body, "limit", 50, 1), PAGE_MAX)
    rows = matching_rows(ctx, body)
    sel = rows[off : off + lim]
    return Reply(
        encode({"total": len(rows), "offset": off, "limit": lim, "issues": _issues(ctx, sel)})
    )


def _body_int(body: dict, name: str, default: int, minimum: int) -> int:
    value = body.get(name, default)
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise plain(400, "bad_request", f"'{name}' must be a whole number >= {minimum}.")
    return value


def _form_or_json(raw: bytes, content_type: str) -> dict:
    if "application/x-www-form-urlencoded" in content_type:
        from urllib.parse import parse_qsl

        return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    try:
        body = msgspec.json.decode(raw or b"{}")
    except msgspec.DecodeError:
        raise plain(400, "bad_request", "The body is not valid JSON (or send a form).") from None
    if not isinstance(body, dict):
        raise plain(400, "bad_request", "The body must be a JSON object.")
    return body


# ---------------------------------------------------------------------- OAuth 2.0
def token(ctx: Ctx) -> Reply:
    from distillr.sandbox.jira.auth import basic_pair, same

    app = ctx.app
    creds = app.creds
    form = _form_or_json(ctx.body, ctx.req.headers.get("content-type", ""))
    pair = basic_pair(ctx.req.headers) or (form.get("client_id", ""), form.get("client_secret", ""))
    if not (same(str(pair[0]), creds.client_id) and same(str(pair[1]), creds.client_secret)):
        raise oauth(
            401,
            "invalid_client",
            "Unknown client: send client_id and client_secret (HTTP Basic or in the form).",
            {"www-authenticate": 'Basic realm="oauth"'},
        )
    grant = form.get("grant_type")
    out = {"token_type": "Bearer", "expires_in": int(app.tokens.ttl), "scope": "read:issues"}
    if grant == "client_credentials":
        return Reply(encode({"access_token": app.tokens.issue(), **out}))
    if grant == "refresh_token":
        given = str(form.get("refresh_token", ""))
        if not same(given, creds.refresh_token):
            raise oauth(400, "invalid_grant", "The refresh token is not valid.")
        body = {"access_token": app.tokens.issue(), **out, "refresh_token": creds.refresh_token}
        return Reply(encode(body))
    raise oauth(
        400,
        "unsupported_grant_type",
        "grant_type must be client_credentials or refresh_token.",
    )


def endpoints() -> list[Endpoint]:
    page = [_offset(), _limit()]
    fmt = [*FILTERS, _offset(), _limit(None, FORMAT_MAX)]
    per_page = [
        Param("page", "integer", "The page number (from 1).", default=1, minimum=1, format="int32"),
        _limit(50, PAGE_MAX, "per_page"),
    ]
    cur = [Param("cursor", "string", "The cursor of the previous page."), _limit()]
    keyset = [
        Param(
            "after",
            "integer",
            "The id of the last issue of the previous page.",
            minimum=0,
            format="int64",
        ),
        _limit(),
    ]

    def ep(path, handler, summary, params, schema, method="GET", **kw):
        return Endpoint(
            method, path, handler, summary, params, schema, auth="none", tag="test", **kw
        )

    return [
        ep(
            "/test/offset/issues",
            offset_total,
            "offset/limit, with a total",
            [*FILTERS, *page],
            "TestOffsetPage",
        ),
        ep(
            "/test/offset-nototal/issues",
            offset_no_total,
            "offset/limit, no total",
            [*FILTERS, *page],
            "TestItems",
        ),
        ep(
            "/test/page/issues",
            page_number,
            "page number/size",
            [*FILTERS, *per_page],
            "TestPageNumber",
        ),
        ep(
            "/test/cursor/issues",
            cursor,
            "a cursor and has_more in the body",
            [*FILTERS, *cur],
            "TestCursorPage",
        ),
        ep(
            "/test/cursor-loop/issues",
            cursor_loop,
            "a cursor that repeats",
            [*FILTERS, *cur],
            "TestCursorPage",
        ),
        ep(
            "/test/next-url/issues",
            next_url,
            "an absolute next URL in the body",
            [*FILTERS, *keyset],
            "TestNextUrl",
        ),
        ep(
            "/test/next-path/issues",
            next_path,
            "a next path in the body",
            [*FILTERS, *keyset],
            "TestNextPath",
        ),
        ep(
            "/test/link/issues",
            link_header,
            "an RFC 8288 Link header",
            [*FILTERS, *per_page],
            "IssueList",
        ),
        ep("/test/array/issues", as_array, "a top-level JSON array", fmt, "IssueList"),
        ep("/test/ndjson/issues", as_ndjson, "NDJSON, one issue a line", fmt, None),
        ep("/test/csv/issues", as_csv, "CSV with a header row", fmt, None),
        ep("/test/xml/issues", as_xml, "XML, records at response/issues/issue", fmt, None),
        ep(
            "/test/object/issues/{key}",
            as_object,
            "one issue as one object",
            [Param("key", "string", "The issue's key or id.", location="path")],
            "Issue",
        ),
        ep(
            "/test/search",
            post_search,
            "search with a JSON or form body",
            [],
            "TestSearchPage",
            method="POST",
        ),
        Endpoint(
            "POST",
            "/test/oauth/token",
            token,
            "OAuth 2.0 token endpoint",
            [],
            "TokenResponse",
            auth="none",
            tag="oauth",
        ),
    ]
