"""How a list operation pages, read from its query parameters and its response schema.

Checked in this order, the first that fits wins (names compared case-insensitively):

1. JIRA's ``startAt`` (+ ``maxResults``): ``start_at``, with ``total`` and ``isLast`` paths
   only where the response has them;
2. a cursor: a token in the body sent back under the same name (``nextPageToken``), or a
   ``cursor``/``page_token`` parameter with ``next_cursor``-like body fields; Stripe's
   ``starting_after`` + ``has_more`` (the cursor is the last record's ``id``);
3. a next link in the body: ``next``, ``next_page_url``, ``next_page_uri``, ``nextPage``,
   ``links.next`` (``.href`` when it is an object), ``meta.next_page_url`` ...: ``next_url``;
4. ``offset`` (+ ``limit``): ``offset``, with a total or has-more path if the body has one;
5. ``page`` (+ ``per_page``, ``page_size``): ``page``, with a total, a number of pages or a
   has-more path; the first page is 0 when the parameter's minimum or default is 0;
6. a ``Link`` response header: ``link_header``.

The page size asked for is the size parameter's default, else 100 (lowered to its maximum).
For ``offset`` and ``page``, a size parameter with a declared maximum also makes a page
shorter than asked the last one (the API promised pages of that size), so an API that
ignores the page number (Twilio's country list) stops after one page.
Parameters of the paging vocabulary (``PageToken``, ``page``, ``limit`` ...) are the
paginator's, never filters, once a paginator is found.
"""

from __future__ import annotations

from typing import Any

__all__ = ["PAGING_NAMES", "detect"]

_SIZE = ("maxresults", "limit", "per_page", "perpage", "page_size", "pagesize", "size", "count")
_NEXT = (
    "next",
    "next_page_url",
    "next_page_uri",
    "nextpage",
    "next_url",
    "nexturl",
    "nextlink",
    "next_link",
    "nextpageurl",
    "next_page",
)
_CURSOR_BODY = (
    "nextpagetoken",
    "next_page_token",
    "next_cursor",
    "nextcursor",
    "cursor",
    "next_token",
    "nexttoken",
    "continuation_token",
)
_CURSOR_PARAMS = ("cursor", "page_token", "pagetoken", "next_token", "continuation_token")
_NESTS = ("links", "_links", "meta", "paging", "pagination", "page_info", "response_metadata")
_TOTAL = ("total", "total_count", "totalcount", "total_results", "totalresults", "totalitems")
_TOTAL_PAGES = ("total_pages", "totalpages", "page_count", "pagecount", "num_pages", "pages")
_HAS_MORE = ("has_more", "hasmore", "has_next", "hasnext", "more")
#: parameters that page, not filter
PAGING_NAMES = frozenset(
    {
        *_SIZE,
        *_CURSOR_PARAMS,
        *_CURSOR_BODY,
        "startat",
        "offset",
        "page",
        "page_number",
        "pagenumber",
        "starting_after",
        "ending_before",
    }
)


def _find(names: dict[str, str], wanted: tuple[str, ...]) -> str | None:
    for w in wanted:
        if w in names:
            return names[w]
    return None


def _size(params: dict[str, dict[str, Any]], name: str | None) -> dict[str, Any]:
    if name is None:
        return {}
    schema = params[name]
    default = schema.get("default")
    size = default if isinstance(default, int) and default > 0 else 100
    maximum = schema.get("maximum")
    if isinstance(maximum, int | float) and maximum >= 1:
        size = min(size, int(maximum))
    return {"size_param": name, "size": size}


def _short_ends(params: dict[str, dict[str, Any]], size: str | None) -> dict[str, Any]:
    """``short_page_ends`` when the size parameter declares a maximum: a page shorter than a
    size within it is the last (an API that ignores the page number then stops at once)."""
    if size is None:
        return {}
    maximum = params[size].get("maximum")
    return {"short_page_ends": True} if isinstance(maximum, int | float) and maximum >= 1 else {}


def _body_paths(props: dict[str, dict[str, Any]], nested: dict[str, dict[str, Any]]):
    """lower-cased name -> dotted path, for the body's fields and those one level down."""
    out: dict[str, str] = {}
    for parent, children in nested.items():
        for key, schema in children.items():
            path = f"{parent}.{key}"
            if schema.get("href"):
                path += ".href"
            out.setdefault(key.lower(), path)
    for key in props:
        out[key.lower()] = key  # top-level names win
    return out


def detect(
    params: dict[str, dict[str, Any]],
    props: dict[str, Any],
    nested: dict[str, dict[str, Any]],
    headers: set[str],
    data_path: str | None,
) -> dict[str, Any] | None:
    """The paginator of a list operation, as a definition writes it, or ``None``.

    ``params``: query parameter name -> schema; ``props``: the response object's fields;
    ``nested``: for its objects among :data:`_NESTS`, their fields (each a dict saying whether
    it holds an ``href``); ``headers``: the response headers, lower-cased.
    """
    names = {n.lower(): n for n in params}
    body = _body_paths(props, {k: v for k, v in nested.items() if k.lower() in _NESTS})
    size = _find(names, _SIZE)
    total = _find(body, _TOTAL)
    more = _find(body, _HAS_MORE)
    if "startat" in names:
        out: dict[str, Any] = {"type": "start_at", "start_param": names["startat"]}
        out.update(_size(params, size) or {"size_param": None})
        out["total_path"] = body.get("total")
        out["last_path"] = body.get("islast")
        return out
    cursor = _cursor(names, body, size, params)
    if cursor:
        return cursor
    if "starting_after" in names and more:
        last = f"{data_path}.-1.id" if data_path else "-1.id"
        return {
            "type": "cursor",
            "cursor_path": last,
            "cursor_param": names["starting_after"],
            "has_more_path": more,
            **_size(params, size),
        }
    nxt = _find(body, _NEXT)
    if nxt:
        return {"type": "next_url", "next_path": nxt, **_size(params, size)}
    if "offset" in names:
        out = {"type": "offset", "offset_param": names["offset"]}
        out.update(_size(params, size) or {"size_param": None, "size": None})
        out.update({k: v for k, v in (("total_path", total), ("has_more_path", more)) if v})
        return {**out, **_short_ends(params, size)}
    page = _find(names, ("page", "page_number", "pagenumber"))
    if page:
        out = {"type": "page", "page_param": page, **_size(params, size)}
        schema = params[page]
        if schema.get("minimum") == 0 or schema.get("default") == 0:
            out["start"] = 0
        pages = _find(body, _TOTAL_PAGES)
        extra = (("total_path", total), ("total_pages_path", pages), ("has_more_path", more))
        out.update({k: v for k, v in extra if v})
        return {**out, **_short_ends(params, size)}
    if "link" in headers:
        return {"type": "link_header", **_size(params, size)}
    return None


def _cursor(names, body, size, params) -> dict[str, Any] | None:
    for low, name in names.items():
        if low in _CURSOR_BODY and low in body:  # sent back under its own name
            return {
                "type": "cursor",
                "cursor_path": body[low],
                "cursor_param": name,
                **_size(params, size),
            }
    param = _find(names, _CURSOR_PARAMS)
    found = _find(body, _CURSOR_BODY)
    if param and found:
        out = {"type": "cursor", "cursor_path": found, "cursor_param": param}
        more = _find(body, _HAS_MORE)
        if more:
            out["has_more_path"] = more
        return {**out, **_size(params, size)}
    return None
