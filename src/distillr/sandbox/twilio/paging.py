"""Paging: ``PageSize`` checks, opaque page tokens, and the two list envelopes.

A page token is ``PA`` (rows after) or ``PB`` (rows before) followed by the key of a row: its SID
when the table has one (as Twilio's own ``PASM...`` tokens), else ``r`` and the row number with
check digits. Paging is keyset paging over the table's fixed order, so a token stays valid whatever
filters come with it, and a malformed or unknown one is refused with 21481.
"""

from __future__ import annotations

import json
import zlib
from urllib.parse import quote

import numpy as np

from distillr.sandbox.twilio.errors import bad_request, shown
from distillr.sandbox.twilio.table import Table

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


def page_size(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_PAGE_SIZE
    text = raw.strip()
    if text.isdigit() and len(text) > 6:  # (and beyond int()'s digit limit)
        raise bad_request(
            20007, f"PageSize {shown(text, 12)} is too large; the maximum is {MAX_PAGE_SIZE}"
        )
    try:
        size = int(raw)
    except ValueError:
        raise bad_request(
            20001, f"Invalid PageSize {shown(raw)}: use a whole number from 1 to 1000"
        ) from None
    if size > MAX_PAGE_SIZE:
        raise bad_request(20007, f"PageSize {size} is too large; the maximum is {MAX_PAGE_SIZE}")
    if size < 1:
        raise bad_request(20001, f"Invalid PageSize {size}: use a whole number from 1 to 1000")
    return size


def page_number(raw: str | None) -> int:
    try:
        return max(0, int(raw)) if raw else 0
    except ValueError:
        return 0


def row_key(table: Table, row: int) -> str:
    if "sid" in table.columns:
        sid = table.columns["sid"].take(np.array([row]))[0]
        if isinstance(sid, str) and sid:
            return sid
    return f"r{row:x}{zlib.crc32(f'{table.name}:{row}'.encode()) % 97:02d}"


def token_row(table: Table, key: str) -> int | None:
    if key.startswith("r") and len(key) > 3:  # (SIDs start with two capitals)
        try:
            row = int(key[1:-2], 16)
        except ValueError:
            return None
        ok = key[-2:] == f"{zlib.crc32(f'{table.name}:{row}'.encode()) % 97:02d}"
        return row if ok and 0 <= row < table.n else None
    return table.find(key)


def select_page(table: Table, rows: np.ndarray, size: int, token: str | None, desc: bool = False):
    """Rows of this page (indexes into ``rows``' table) and the offset of its first row.

    ``rows`` ascend (the table's own order), or descend when ``desc``.
    """
    if not token:
        pos = 0
        return rows[:size], pos
    if len(token) < 4 or token[:2] not in ("PA", "PB"):
        raise bad_request(
            21481, f"Invalid PageToken {shown(token)}; follow next_page_uri from a list response"
        )
    anchor = token_row(table, token[2:])
    if anchor is None:
        raise bad_request(
            21481, f"Invalid PageToken {shown(token)}; follow next_page_uri from a list response"
        )
    keys, anchor = (-rows, -anchor) if desc else (rows, anchor)
    if token[:2] == "PA":
        pos = int(np.searchsorted(keys, anchor, side="right"))
        return rows[pos : pos + size], pos
    end = int(np.searchsorted(keys, anchor, side="left"))
    pos = max(0, end - size)
    return rows[pos:end], pos


def encode_query(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)


def envelope(
    *,
    style: str,
    key: str,
    records: str,
    count: int,
    path: str,
    base: str,
    filters: list[tuple[str, str]],
    size: int,
    page: int,
    pos: int,
    next_token: str | None,
    prev_token: str | None,
    token: str | None,
) -> str:
    """The list response text. ``path`` is the request path as the client sent it."""

    def link(pg: int, tok: str | None) -> str:
        pairs = filters + [("PageSize", str(size)), ("Page", str(pg))]
        if tok:
            pairs.append(("PageToken", tok))
        return f"{path}?{encode_query(pairs)}"

    first = link(0, None)
    this = link(page, token)
    nxt = link(page + 1, next_token) if next_token else None
    prev = link(max(page - 1, 0), prev_token) if prev_token else None
    body = records
    if style == "v2010":
        start, end = (pos, pos + count - 1) if count else (0, 0)
        return (
            f'{{"first_page_uri": {json.dumps(first)}, "end": {end}, '
            f'"previous_page_uri": {json.dumps(prev)}, {json.dumps(key)}: {body}, '
            f'"uri": {json.dumps(this)}, "page_size": {size}, "start": {start}, '
            f'"next_page_uri": {json.dumps(nxt)}, "page": {page}}}'
        )
    meta = {
        "page": page,
        "page_size": size,
        "first_page_url": base + first,
        "previous_page_url": base + prev if prev else None,
        "url": base + this,
        "next_page_url": base + nxt if nxt else None,
        "key": key,
    }
    return f'{{{json.dumps(key)}: {body}, "meta": {json.dumps(meta)}}}'
