"""Every paginator and format against the JIRA sandbox's ``/test`` endpoints, with and without
faults (429 and 503 with Retry-After, 500, dropped connections, bodies cut in half): each time
exactly the sandbox's own issues. A repeated cursor fails clearly."""

from __future__ import annotations

import pytest
from jira_rows import FAST, same_rows

import distillr
from distillr.connectors.http import RetryPolicy
from distillr.connectors.rest import RestConnector
from distillr.errors import SourceError
from distillr.sandbox import JiraSandbox

FAULTS = "429=0.08,500=0.04,503=0.04,drop=0.03,truncate=0.06"
SIZE = 20
PROJECT = {"name": "project"}  # the records hold no top-level project: a parameter column

JSON_KINDS = {
    "offset": {
        "url": "/test/offset/issues",
        "data_path": "items",
        "paginator": {"type": "offset", "size": SIZE, "total_path": "total"},
    },
    "offset_short_page": {
        "url": "/test/offset-nototal/issues",
        "data_path": "items",
        "paginator": {"type": "offset", "size": SIZE, "short_page_ends": True},
    },
    "page": {
        "url": "/test/page/issues",
        "data_path": "data",
        "paginator": {
            "type": "page",
            "size_param": "per_page",
            "size": SIZE,
            "total_pages_path": "total_pages",
        },
    },
    "cursor": {
        "url": "/test/cursor/issues",
        "data_path": "data",
        "paginator": {
            "type": "cursor",
            "cursor_path": "pagination.next_cursor",
            "cursor_param": "cursor",
            "has_more_path": "pagination.has_more",
            "size_param": "limit",
            "size": SIZE,
        },
    },
    "next_url": {
        "url": "/test/next-url/issues",
        "data_path": "issues",
        "paginator": {"type": "next_url", "next_path": "next", "size_param": "limit", "size": SIZE},
    },
    "next_path": {
        "url": "/test/next-path/issues",
        "data_path": "issues",
        "paginator": {
            "type": "next_url",
            "next_path": "links.next",
            "size_param": "limit",
            "size": SIZE,
        },
    },
    "link_header": {
        "url": "/test/link/issues",
        "paginator": {"type": "link_header", "size_param": "per_page", "size": SIZE},
    },
    "array_whole": {"url": "/test/array/issues"},
    "array_offset": {
        "url": "/test/array/issues",
        "paginator": {"type": "offset", "size": SIZE, "short_page_ends": True},
    },
    "ndjson": {
        "url": "/test/ndjson/issues",
        "format": "ndjson",
        "paginator": {"type": "offset", "size": SIZE, "short_page_ends": True},
    },
    "post_json": {
        "url": "/test/search",
        "method": "POST",
        "data_path": "issues",
        "paginator": {"type": "offset", "size": SIZE, "total_path": "total", "location": "body"},
        "params": [{"name": "project", "location": "body"}],
    },
    "post_form": {
        "url": "/test/search",
        "method": "POST",
        "body_format": "form",
        "data_path": "issues",
        "paginator": {"type": "offset", "size": SIZE, "total_path": "total", "location": "body"},
        "params": [{"name": "project", "location": "body"}],
    },
}
FLAT_KINDS = {
    "csv": {
        "url": "/test/csv/issues",
        "format": "csv",
        "paginator": {"type": "offset", "size": SIZE, "short_page_ends": True},
    },
    "xml": {
        "url": "/test/xml/issues",
        "format": "xml",
        "data_path": "issues/issue",
        "paginator": {"type": "offset", "size": SIZE, "short_page_ends": True},
    },
}


@pytest.fixture(scope="module")
def clean():
    with JiraSandbox(seed=11, scale="tiny") as box:
        yield box


@pytest.fixture(scope="module")
def faulty():
    with JiraSandbox(seed=11, scale="tiny", faults=FAULTS) as box:
        yield box


_SCHEMAS: dict[str, dict] = {}


def session_over(sb, tmp_path, endpoint, name="t"):
    """A session with one Custom API source of one endpoint over the sandbox, its schema
    sampled from every page (so the comparison needs no guessing; once per endpoint)."""
    endpoint = {"name": name, "params": [PROJECT], **endpoint}
    key = repr(sorted(endpoint.items()))
    if key in _SCHEMAS:
        endpoint = {**endpoint, "inferred": _SCHEMAS[key]}
    source = RestConnector(
        "src", {"base_url": sb.base_url, "endpoints": [endpoint]}, retry=FAST, sleep=lambda s: None
    )
    if key not in _SCHEMAS:
        _SCHEMAS[key] = source.refresh(pages=100).definition.endpoints[0].inferred
    session = distillr.connect(home=tmp_path)
    session.register("src", source)
    sb.clear_requests()
    return session


def arm(sb, fault=None):
    """Make the sandbox's next request get ``fault`` (any fault if ``None``): faults are drawn
    by arrival number, so skip numbers until the next one draws it."""
    injector = sb.app.injector
    for _ in range(10_000):
        n = injector.number()
        drawn = injector.faults.decide(injector.seed, n + 1)[1]
        if drawn is not None and (fault is None or drawn == fault):
            return
    raise AssertionError(f"no request draws {fault}")


def _project(issue):
    return issue["fields"]["project"]["key"]


@pytest.mark.parametrize("where", ["", " WHERE project = 'WEB'"])
@pytest.mark.parametrize("faults", ["clean", "faulty"])
@pytest.mark.parametrize("kind", sorted(JSON_KINDS))
def test_json_paginators_give_the_sandbox_issues(request, tmp_path, kind, faults, where):
    sb = request.getfixturevalue(faults)
    session = session_over(sb, tmp_path, JSON_KINDS[kind])
    if faults == "faulty":
        arm(sb)
    res = session.sql(f"SELECT * FROM src.t{where}")
    rows = res.arrow().to_pylist()
    want = [i for i in sb.issues() if not where or _project(i) == "WEB"]
    assert len(want) > SIZE
    same_rows(rows, want, drop=("project",))
    log = sb.requests.snapshot()
    if where:
        assert {r["project"] for r in rows} == {"WEB"}
        served = [r for r in log if r["status"] == 200]
        assert all(("project", "WEB") in r["query"] or r["method"] == "POST" for r in served), (
            "the filter travels with every page"
        )
    if faults == "faulty":
        assert log[0]["fault"], "no fault was injected: the test proves nothing"
        retries = sum(t.scan.retries for t in res.stats.tables)
        assert retries == sum(1 for r in log if r["fault"])
    assert res.stats.requests == len(log)  # every request, retried ones too, is counted
    session.close()


@pytest.mark.parametrize("faults", ["clean", "faulty"])
@pytest.mark.parametrize("kind", sorted(FLAT_KINDS))
def test_csv_and_xml_give_the_sandbox_rows(request, tmp_path, kind, faults):
    sb = request.getfixturevalue(faults)
    session = session_over(sb, tmp_path, FLAT_KINDS[kind])
    if faults == "faulty":
        arm(sb)
    res = session.sql("SELECT * FROM src.t ORDER BY id")
    rows = res.arrow().to_pylist()
    want = sb.rows()
    types = {f.name: str(f.type) for f in res.arrow().schema}
    assert types["id"] == "int64" and types["story_points"] == "double"
    assert types["created"].startswith("timestamp") and types["duedate"] == "date32[day]"
    same_rows(rows, want)
    if faults == "faulty":
        assert sb.requests[0]["fault"]
    session.close()


@pytest.mark.parametrize("fault", ["429", "500", "503", "drop", "truncate"])
@pytest.mark.parametrize("kind", ["offset", "ndjson", "csv", "xml", "cursor"])
def test_each_fault_on_each_format(faulty, tmp_path, kind, fault):
    """A page's first answer is the fault; the retried page is whole, nothing is lost."""
    endpoint = {**JSON_KINDS, **FLAT_KINDS}[kind]
    session = session_over(faulty, tmp_path, endpoint)
    arm(faulty, fault)
    res = session.sql("SELECT * FROM src.t").arrow()
    assert faulty.requests[0]["fault"] == fault
    log = faulty.requests.snapshot()
    want = faulty.rows() if kind in FLAT_KINDS else faulty.issues()
    same_rows(res.to_pylist(), want, drop=() if kind in FLAT_KINDS else ("project",))
    assert [dict(r["query"]) for r in log[:2]] == [dict(log[0]["query"])] * 2  # asked again
    session.close()


def test_one_object_is_one_row(clean, tmp_path):
    keys = [i["key"] for i in clean.issues()[:3]]
    endpoint = {
        "url": "/test/object/issues/{key}",
        "params": [{"name": "key", "location": "path", "example": keys[0]}],
    }
    session = session_over(clean, tmp_path, endpoint, name="one")
    rows = session.sql(
        f"SELECT * FROM src.one WHERE key IN ({', '.join(repr(k) for k in keys)}) ORDER BY id"
    ).arrow()
    same_rows(rows.to_pylist(), clean.issues()[:3])
    assert sorted(r["path"] for r in clean.requests) == [f"/test/object/issues/{k}" for k in keys]


def test_a_repeated_cursor_is_a_clear_error(clean, tmp_path):
    endpoint = {
        **JSON_KINDS["cursor"],
        "url": "/test/cursor-loop/issues",
        "params": [],
        "columns": {"id": "string", "key": "string"},
    }
    source = RestConnector(
        "src", {"base_url": clean.base_url, "endpoints": [{"name": "t", **endpoint}]}
    )
    session = distillr.connect(home=tmp_path)
    session.register("src", source)
    clean.clear_requests()
    with pytest.raises(SourceError, match="the same cursor or next page twice") as info:
        session.sql("SELECT key FROM src.t").fetchall()
    assert "/test/cursor-loop/issues?" in str(info.value) and "cursor=A" in str(info.value)
    assert len(clean.requests) == 3  # pages '', A, B; A again is never sent


@pytest.mark.parametrize(("fault", "waited"), [("429", 1.0), ("503", 1.0), ("500", None)])
def test_retry_after_is_honoured_on_429_and_503(faulty, tmp_path, fault, waited):
    sleeps: list[float] = []
    endpoint = {"name": "t", **JSON_KINDS["offset"], "columns": {"id": "string"}}
    source = RestConnector(
        "src",
        {"base_url": faulty.base_url, "endpoints": [endpoint]},
        retry=RetryPolicy(max_retries=8, backoff_base=0.01, retry_after_max=60),
        sleep=sleeps.append,
    )
    session = distillr.connect(home=tmp_path)
    session.register("src", source)
    arm(faulty, fault)
    rows = session.sql("SELECT id FROM src.t").fetchall()
    assert len(rows) == len(faulty.issues())
    assert sleeps, "the fault was retried"
    if waited is None:
        assert sleeps[0] <= 0.01  # no Retry-After: the backoff's first, jittered wait
    else:
        assert sleeps[0] == waited  # the sandbox's Retry-After: 1
    session.close()


@pytest.mark.parametrize("total", [True, False])
def test_an_api_that_ignores_the_paging_parameter_is_a_clear_error(clean, tmp_path, total):
    """A wrong offset parameter: every page is the first again, with a total (pages fetched
    concurrently) or without."""
    paginator = {"type": "offset", "offset_param": "skip", "size": SIZE}
    if total:
        paginator["total_path"] = "total"
    endpoint = {
        "name": "t",
        "url": "/test/offset/issues",
        "data_path": "items",
        "paginator": paginator,
        "columns": {"id": "string"},
    }
    source = RestConnector("src", {"base_url": clean.base_url, "endpoints": [endpoint]})
    session = distillr.connect(home=tmp_path)
    session.register("src", source)
    with pytest.raises(SourceError, match="returned the same page again for GET /test/offset"):
        session.sql("SELECT id FROM src.t").fetchall()
    session.close()


def test_a_data_path_that_matches_nothing_names_what_the_answer_holds(clean, tmp_path):
    endpoint = {"name": "t", "url": "/test/offset/issues", "data_path": "itemz"}
    source = RestConnector("src", {"base_url": clean.base_url, "endpoints": [endpoint]})
    session = distillr.connect(home=tmp_path)
    session.register("src", source)
    clean.clear_requests()
    with pytest.raises(SourceError, match=r"'itemz' matches nothing .*Did you mean 'items'"):
        session.sql("SELECT * FROM src.t").fetchall()
    assert len(clean.requests) == 1  # not retried: the definition is wrong
    session.close()
