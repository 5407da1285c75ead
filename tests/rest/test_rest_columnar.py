"""The columnar reader gives exactly the batch the usual way gives, on every page of the JIRA
sandbox, and declines every page where it would not."""

from __future__ import annotations

import httpx
import msgspec
import pytest
from jira_rows import jira_source

from distillr.connectors.rest import RestConnector
from distillr.sandbox import JiraSandbox


@pytest.fixture(scope="module")
def sb():
    with JiraSandbox(seed=17, scale="tiny") as box:
        yield box


@pytest.fixture(scope="module")
def source(sb):
    src = jira_source(sb)
    src.refresh(pages=1)  # one page each: later pages hold fields and values it has not seen
    return src


@pytest.fixture(scope="module")
def client(sb):
    with httpx.Client(base_url=sb.base_url, auth=(sb.email, sb.api_token)) as c:
        yield c


def usual(t, body, constants):
    return t.convert(t.format.parse(body).records, constants)


PAGES = [
    ("board", "/rest/agile/1.0/board", {}, {}),
    ("board_issue", "/rest/agile/1.0/board/{b}/issue", {"maxResults": 100}, {"boardId": 0}),
    ("board_epic", "/rest/agile/1.0/board/{b}/epic", {}, {"boardId": 0}),
    ("board_sprint", "/rest/agile/1.0/board/{b}/sprint", {}, {"boardId": 0}),
    ("board_project", "/rest/agile/1.0/board/{b}/project", {}, {"boardId": 0}),
    ("project", "/rest/api/3/project/search", {}, {}),
    (
        "search",
        "/rest/api/3/search/jql",
        {"jql": "created >= -400d", "fields": "*all", "maxResults": 100},
        {"jql": "created >= -400d"},
    ),
]


@pytest.mark.parametrize(("table", "path", "params", "constants"), PAGES)
def test_every_page_as_the_usual_way_makes_it(sb, source, client, table, path, params, constants):
    t = source.rest_table(table)
    assert t.columnar is not None
    read = declined = 0
    for board in [b["id"] for b in sb.boards()] if "{b}" in path else [None]:
        consts = {k: (board if k == "boardId" else v) for k, v in constants.items()}
        start = 0
        while True:
            query = {**params, "startAt": start} if "startAt" not in path else params
            reply = client.get(path.format(b=board), params=query)
            if reply.status_code != 200:
                break  # a kanban board has no sprints
            body = reply.content
            want = usual(t, body, consts)
            got = t.columnar.read(body, consts)
            if got is None:
                declined += 1  # something did not fit, or a json column held a value
            else:
                read += 1
                assert got[1].equals(want), table
                document = msgspec.json.decode(body)
                records = document.pop(t.format.path)
                assert got[0] == document and got[1].num_rows == len(records)
            start += want.num_rows
            if not want.num_rows or table in ("project", "search"):
                break
            if start >= msgspec.json.decode(body).get("total", start):
                break
    # a project's `properties` is only ever {} (a json column): every page is declined
    assert read > 0 if table != "project" else declined > 0


def test_what_does_not_fit_declines_and_reaches_extra(sb, tmp_path):
    endpoint = {
        "name": "t",
        "url": "/test/offset/issues",
        "data_path": "items",
        "paginator": {"type": "offset", "size": 50, "total_path": "total"},
        "columns": {"id": "string", "key": "string", "fields": {"summary": "string"}},
    }
    src = RestConnector("src", {"base_url": sb.base_url, "endpoints": [endpoint]})
    t = src.rest_table("t")
    body = httpx.get(sb.base_url + "/test/offset/issues", params={"limit": 3}).content
    assert t.columnar.read(body, {}) is None  # more fields than columns: the usual way
    extra = usual(t, body, {}).column("_extra").to_pylist()
    assert all(e and "self" in e and "status" in e for e in extra)


CASES = {
    "an unknown nested field": b'{"v":[{"a":1,"s":{"x":"q","new":1}}]}',
    "another JSON type": b'{"v":[{"a":"1","s":{"x":"q"}}]}',
    "a fraction in an int": b'{"v":[{"a":1.5,"s":null}]}',
    "a record that is null": b'{"v":[null]}',
    "records that are not a list": b'{"v":{"a":1}}',
    "no records at the path": b'{"w":[]}',
    "a bad timestamp": b'{"v":[{"a":1,"when":"yesterday"}]}',
    "a value in a json column": b'{"v":[{"a":1,"j":{"any":"thing"}}]}',
    "bad UTF-8": b'{"v":[{"a":1,"s":{"x":"\xff"}}]}',
    "a body cut short": b'{"v":[{"a":1,"s":{"x":"q"}}',
    "an integer beyond 64 bits": b'{"v":[{"a":123456789012345678901234567890}]}',
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_pages_it_cannot_be_sure_of_are_declined(case):
    definition = {
        "base_url": "http://api.test",
        "endpoints": [
            {
                "name": "t",
                "url": "/v",
                "data_path": "v",
                "columns": {
                    "a": "int",
                    "s": {"x": "string"},
                    "when": "timestamp",
                    "j": "json",
                },
            }
        ],
    }
    t = RestConnector("src", definition).rest_table("t")
    assert t.columnar.read(CASES[case], {}) is None


def test_it_reads_what_fits_with_nulls_and_constants():
    definition = {
        "base_url": "http://api.test",
        "endpoints": [
            {
                "name": "t",
                "url": "/v/{k}",
                "data_path": "d.v",
                "params": [{"name": "k", "location": "path", "type": "integer"}],
                "columns": {
                    "a": "int",
                    "s": {"x": "string", "at": "timestamp"},
                    "l": [{"d": "date"}],
                    "j": "json",
                },
            }
        ],
    }
    t = RestConnector("src", definition).rest_table("t")
    body = (
        b'{"total":3,"d":{"more":true,"v":[{"a":1,"s":{"x":"q","at":"2025-03-01T10:15:30.000+0000"},'
        b'"l":[{"d":"2025-03-10"},{"d":null}]},{"a":null,"s":null,"l":null,"j":null},{}]}}'
    )
    got = t.columnar.read(body, {"k": 7})
    assert got is not None
    assert got[0] == {"total": 3, "d": {"more": True}}
    assert got[1].equals(usual(t, body, {"k": 7}))
    assert got[1].column("k").to_pylist() == [7, 7, 7]


@pytest.mark.parametrize(
    ("body", "read"),
    [
        (b'{"a":1}\n\n{"a":2}\n', True),
        (b'{"a":1}\r\n{"a":2}\r\n', True),
        (b'{"a":1} {"a":2}\n', False),  # two on one line: the usual way refuses it
        (b'{"a":1}\n{"a":\n2}\n', False),  # one over two lines: likewise
        (b"[1]\n", False),
        (b'{"a":1,"b":2}\n', False),
    ],
)
def test_ndjson_pages_are_read_only_line_for_line(body, read):
    definition = {
        "base_url": "http://api.test",
        "endpoints": [{"name": "t", "url": "/v", "format": "ndjson", "columns": {"a": "int"}}],
    }
    t = RestConnector("src", definition).rest_table("t")
    got = t.columnar.read(body, {})
    assert (got is not None) == read
    if read:
        assert got[1].equals(usual(t, body, {}))
