"""The /test endpoints: every paginator and format walked to the same issues as the data,
with the filters, and a cursor that repeats."""

import csv
import io
import json
import xml.etree.ElementTree as ET

import httpx
import pytest

MAX_PAGES = 1000


@pytest.fixture()
def open_client(jsb):
    with httpx.Client(base_url=jsb.base_url, timeout=30) as c:
        yield c


@pytest.fixture(scope="module")
def every(jsb):
    return jsb.issues()


def web_since(every, since="2025-03-01"):
    return [
        i
        for i in every
        if i["fields"]["project"]["key"] == "WEB" and i["fields"]["updated"][:10] >= since
    ]


def walk(client, first_url, step):
    """Follow pages: ``step(response)`` gives (records, next request params or URL or None)."""
    out, req, pages = [], first_url, 0
    while req is not None:
        pages += 1
        assert pages < MAX_PAGES
        r = client.get(req) if isinstance(req, str) else client.get(req[0], params=req[1])
        assert r.status_code == 200, r.text
        records, req = step(r)
        out.extend(records)
    return out, pages


FILTERS = {"project": "WEB", "updated_since": "2025-03-01"}


@pytest.mark.parametrize("filters", [{}, FILTERS])
def test_offset_with_total(open_client, every, filters):
    want = web_since(every) if filters else every

    def step(r):
        b = r.json()
        assert b["total"] == len(want)
        nxt = b["offset"] + b["limit"]
        return b["items"], (
            None
            if nxt >= b["total"]
            else ("/test/offset/issues", {**filters, "offset": nxt, "limit": 37})
        )

    got, pages = walk(open_client, ("/test/offset/issues", {**filters, "limit": 37}), step)
    assert got == want and pages == max(1, -(-len(want) // 37))


def test_offset_without_total_stops_on_a_short_page(open_client, every):
    def step(r):
        b = r.json()
        assert set(b) == {"items"}
        off = int(r.request.url.params["offset"]) + len(b["items"])
        return b["items"], (
            None
            if len(b["items"]) < 100
            else ("/test/offset-nototal/issues", {"offset": off, "limit": 100})
        )

    got, pages = walk(
        open_client, ("/test/offset-nototal/issues", {"offset": 0, "limit": 100}), step
    )
    assert got == every and pages == len(every) // 100 + 1  # 2,000 rows: a last, empty page


def test_page_number(open_client, every):
    def step(r):
        b = r.json()
        nxt = b["page"] + 1
        return b["data"], (
            None if nxt > b["total_pages"] else ("/test/page/issues", {"page": nxt, "per_page": 45})
        )

    got, pages = walk(open_client, ("/test/page/issues", {"per_page": 45}), step)
    assert got == every and pages == -(-len(every) // 45)


@pytest.mark.parametrize("filters", [{}, FILTERS])
def test_cursor_and_has_more(open_client, every, filters):
    def step(r):
        p = r.json()["pagination"]
        assert (p["next_cursor"] is None) == (not p["has_more"])
        nxt = ("/test/cursor/issues", {**filters, "cursor": p["next_cursor"], "limit": 64})
        return r.json()["data"], nxt if p["has_more"] else None

    got, _ = walk(open_client, ("/test/cursor/issues", {**filters, "limit": 64}), step)
    assert got == (web_since(every) if filters else every)


def test_a_repeating_cursor_comes_back(open_client):
    seen, params = [], {"limit": 10}
    for _ in range(4):
        body = open_client.get("/test/cursor-loop/issues", params=params).json()
        assert body["pagination"]["has_more"] is True
        seen.append(body["pagination"]["next_cursor"])
        params = {"limit": 10, "cursor": seen[-1]}
    assert seen == ["A", "B", "A", "B"]


@pytest.mark.parametrize("filters", [{}, FILTERS])
def test_next_url_absolute(jsb, open_client, every, filters):
    def step(r):
        b = r.json()
        if b["next"]:
            assert b["next"].startswith(jsb.base_url + "/test/next-url/issues?")
            assert all(f"{k}=" in b["next"] for k in filters)
        return b["issues"], b["next"]

    got, _ = walk(open_client, ("/test/next-url/issues", {**filters, "limit": 99}), step)
    assert got == (web_since(every) if filters else every)


def test_next_path_relative(open_client, every):
    def step(r):
        nxt = r.json()["links"]["next"]
        assert nxt is None or nxt.startswith("/test/next-path/issues?")
        return r.json()["issues"], nxt

    got, _ = walk(open_client, ("/test/next-path/issues", {"limit": 100}), step)
    assert got == every


def test_link_header(jsb, open_client, every):
    first = open_client.get("/test/link/issues", params={"per_page": 100})
    assert 'rel="last"' in first.headers["link"] and 'rel="prev"' not in first.headers["link"]

    def step(r):
        nxt = r.links.get("next", {}).get("url")
        assert nxt is None or nxt.startswith(jsb.base_url)
        return r.json(), nxt

    got, pages = walk(open_client, ("/test/link/issues", {"per_page": 100}), step)
    assert got == every and pages == 20
    last = open_client.get("/test/link/issues", params={"page": 20, "per_page": 100})
    assert "next" not in last.links and "prev" in last.links


def test_formats(jsb, open_client, every):
    rows = jsb.rows()
    assert open_client.get("/test/array/issues").json() == every
    r = open_client.get("/test/array/issues", params={"offset": 10, "limit": 5})
    assert r.json() == every[10:15]
    r = open_client.get("/test/ndjson/issues")
    assert r.headers["content-type"] == "application/x-ndjson"
    assert [json.loads(line) for line in r.text.splitlines()] == every
    r = open_client.get("/test/csv/issues", params={"project": "OPS"})
    assert r.headers["content-type"].startswith("text/csv")
    parsed = list(csv.DictReader(io.StringIO(r.text)))
    ops = [x for x in rows if x["project"] == "OPS"]
    assert parsed == [{k: "" if v is None else str(v) for k, v in x.items()} for x in ops]
    r = open_client.get("/test/xml/issues", params={"status": "in review"})
    root = ET.fromstring(r.content)
    got = [{c.tag: c.text for c in issue} for issue in root.findall("./issues/issue")]
    review = [x for x in rows if x["status"] == "In Review"]
    assert int(root.findtext("total")) == len(review) == len(got) > 0
    assert got == [{k: str(v) for k, v in x.items() if v is not None} for x in review]
    one = open_client.get("/test/object/issues/ENG-4").json()
    assert one == next(i for i in every if i["key"] == "ENG-4")
    assert open_client.get("/test/object/issues/ENG-0").status_code == 404


@pytest.mark.parametrize("form", [False, True])
def test_post_search(open_client, every, form):
    want, got, offset = web_since(every), [], 0
    while True:
        body = {**FILTERS, "offset": offset, "limit": 40}
        r = (
            open_client.post("/test/search", data=body)
            if form
            else open_client.post("/test/search", json=body)
        )
        assert r.status_code == 200, r.text
        page = r.json()
        got.extend(page["issues"])
        offset += len(page["issues"])
        if offset >= page["total"]:
            break
    assert got == want


def test_test_endpoint_errors(open_client):
    bad = [
        ("/test/offset/issues", {"limit": "x"}),
        ("/test/offset/issues", {"offset": "-1"}),
        ("/test/offset/issues", {"updated_since": "soon"}),
        ("/test/cursor/issues", {"cursor": "bogus"}),
        ("/test/page/issues", {"page": "0"}),
    ]
    for path, params in bad:
        r = open_client.get(path, params=params)
        assert r.status_code == 400, (path, params, r.text)
        assert r.json()["error"] == "bad_request" and r.json()["message"]
    r = open_client.post("/test/search", json={"projekt": "WEB"})
    assert r.status_code == 400 and "projekt" in r.json()["message"]
    r = open_client.post(
        "/test/search", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert r.status_code == 400
    assert open_client.get("/test/search").status_code == 405
    # the limit is lowered to 100
    assert open_client.get("/test/offset/issues", params={"limit": 1000}).json()["limit"] == 100
