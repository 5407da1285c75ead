"""Page walkers written from JIRA's documented paging rules, independent of the sandbox code."""

from __future__ import annotations

MAX_PAGES = 10_000


def walk_start_at(client, path, key="values", size=7, params=None, expect_total=None):
    """Follow startAt/maxResults until isLast (or, without isLast, until total is reached).

    ``expect_total``: True if every page must have ``total``, False if none may.
    Returns (records, number of requests)."""
    out, start, pages = [], 0, 0
    while True:
        pages += 1
        assert pages < MAX_PAGES
        r = client.get(path, params={**(params or {}), "startAt": start, "maxResults": size})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["startAt"] == start and body["maxResults"] == size
        if expect_total is not None:
            assert ("total" in body) == expect_total
        got = body[key]
        assert len(got) <= size
        out.extend(got)
        start += len(got)
        if "total" in body and "isLast" in body:
            assert body["isLast"] == (start >= body["total"])
        done = body["isLast"] if "isLast" in body else start >= body["total"]
        if done:
            return out, pages
        assert len(got) == size, "a short page that is not the last"
