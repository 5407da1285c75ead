"""Errors, faults, the request log, determinism, related data, and the large scale."""

import asyncio
import datetime as dt
import json
import re

import httpx
import numpy as np
import pytest

from distillr.errors import ConfigError
from distillr.sandbox import Faults, JiraSandbox, RequestLog
from distillr.sandbox.twilio.app import RequestLog as TwilioRequestLog
from distillr.sandbox.twilio.faults import Faults as TwilioFaults

JIRA_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$")


@pytest.mark.parametrize(
    "method,path,params,status,needle",
    [
        ("GET", "/rest/agile/1.0/board/999", {}, 404, "Board does not exist"),
        ("GET", "/rest/agile/1.0/board/abc", {}, 404, "Board does not exist"),
        ("GET", "/rest/agile/1.0/board/0/epic", {}, 404, "Board does not exist"),
        ("GET", "/rest/api/3/issue/ENG-99999", {}, 404, "Issue does not exist"),
        (
            "GET",
            "/rest/agile/1.0/board",
            {"startAt": "-1"},
            400,
            "'startAt' parameter must be at least 0",
        ),
        (
            "GET",
            "/rest/agile/1.0/board",
            {"maxResults": "ten"},
            400,
            "'maxResults' parameter must be a whole number",
        ),
        (
            "GET",
            "/rest/agile/1.0/board",
            {"type": "agile"},
            400,
            "use one of: scrum, kanban, simple",
        ),
        (
            "GET",
            "/rest/agile/1.0/board",
            {"projectKeyOrId": "NOPE"},
            400,
            "No project could be found",
        ),
        ("GET", "/rest/agile/1.0/board/1/epic", {"done": "maybe"}, 400, "must be true or false"),
        ("GET", "/rest/agile/1.0/board/1/sprint", {"state": "open"}, 400, "future, active, closed"),
        ("GET", "/rest/agile/1.0/board/3/sprint", {}, 400, "The board does not support sprints"),
        ("GET", "/rest/api/3/project/search", {"orderBy": "owner"}, 400, "'orderBy' parameter"),
        ("GET", "/rest/api/3/search", {"jql": "project = ENG"}, 410, "/rest/api/3/search/jql"),
        ("POST", "/rest/api/3/search", {}, 410, "removed"),
        ("POST", "/rest/agile/1.0/board", {}, 405, "use GET"),
        ("DELETE", "/rest/api/3/issue/ENG-1", {}, 405, "use GET"),
        ("GET", "/rest/api/2/issue/ENG-1", {}, 404, "No endpoint at /rest/api/2/issue/ENG-1"),
    ],
)
def test_errors_in_jiras_shape(jira, method, path, params, status, needle):
    r = jira.request(method, path, params=params)
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"errorMessages", "errors"}
    assert any(needle in m for m in body["errorMessages"]), body
    if status == 405:
        assert r.headers["allow"] == "GET"


def test_post_search_body_errors(jira):
    for body, needle in [
        (b"{", "not valid JSON"),
        (b"[1]", "must be a JSON object"),
        (b'{"jql": "project = ENG", "maxResults": -1}', "maxResults"),
        (b'{"jql": "project = ENG", "fields": "summary"}', "list of field names"),
    ]:
        r = jira.post(
            "/rest/api/3/search/jql", content=body, headers={"content-type": "application/json"}
        )
        assert r.status_code == 400 and needle in r.json()["errorMessages"][0], r.text


def test_request_log(jsb, jira):
    jsb.clear_requests()
    jira.get("/rest/agile/1.0/board/1/epic", params=[("done", "false"), ("maxResults", "2")])
    jira.post("/rest/api/3/search/jql", json={"jql": "project = ENG", "maxResults": 1})
    log = list(jsb.requests)
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("GET", "/rest/agile/1.0/board/1/epic", 200),
        ("POST", "/rest/api/3/search/jql", 200),
    ]
    assert log[0]["query"] == [("done", "false"), ("maxResults", "2")]
    assert log[0]["auth"] == "basic" and log[0]["fault"] is None
    assert log[1]["body"] == {"jql": "project = ENG", "maxResults": 1}
    assert isinstance(jsb.requests, RequestLog)


def test_the_faults_and_the_log_are_the_shared_ones():
    assert TwilioFaults is Faults and TwilioRequestLog is RequestLog


def _statuses(seed, faults, n=40):
    sb = JiraSandbox(seed=seed, scale="tiny", faults=faults)

    async def go():
        transport = httpx.ASGITransport(app=sb.app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://x", auth=(sb.email, sb.api_token)
        ) as c:
            out = []
            for _ in range(n):
                r = await c.get("/rest/agile/1.0/board/1/issue", params={"maxResults": 5})
                try:
                    json.loads(r.content)
                    shape = "json"
                except ValueError:
                    shape = "truncated"
                out.append((r.status_code, shape, r.headers.get("retry-after")))
            return out, list(sb.requests)

    return asyncio.run(go())


def test_faults_are_seeded_and_in_jiras_shape():
    spec = "429=0.2,500=0.1,503=0.1,truncate=0.1"
    (a, log), (b, _) = _statuses(11, spec), _statuses(11, spec)
    assert a == b
    assert {200, 429, 500, 503} <= {s for s, _, _ in a}
    assert any(shape == "truncated" and s == 200 for s, shape, _ in a)
    assert all(ra == "1" for s, _, ra in a if s in (429, 503))
    assert [e["fault"] for e in log if e["status"] == 429] == ["429"] * sum(
        s == 429 for s, _, _ in a
    )
    assert _statuses(12, spec)[0] != a


def test_rate_limited_body_and_latency():
    sb = JiraSandbox(scale="tiny", faults={"429": 1.0})
    transport = httpx.ASGITransport(app=sb.app)

    async def go():
        async with httpx.AsyncClient(
            transport=transport, base_url="http://x", auth=(sb.email, sb.api_token)
        ) as c:
            return await c.get("/rest/agile/1.0/board")

    r = asyncio.run(go())
    assert r.status_code == 429 and r.headers["retry-after"] == "1"
    assert r.json() == {"errorMessages": ["Rate limit exceeded."], "errors": {}}
    assert JiraSandbox(scale="tiny", latency_ms=50).app.injector.latency == 0.05
    with pytest.raises(ConfigError):
        JiraSandbox(scale="tiny", faults="429=2")


def test_dropped_and_slow_connections():
    with JiraSandbox(scale="tiny", faults={"drop": 1.0}) as sb, pytest.raises(httpx.HTTPError):
        httpx.get(sb.base_url + "/rest/agile/1.0/board", auth=(sb.email, sb.api_token), timeout=10)
    with JiraSandbox(scale="tiny", faults={"slow": 1.0, "slow_seconds": 0.2}) as sb:
        r = httpx.get(
            sb.base_url + "/rest/agile/1.0/board", auth=(sb.email, sb.api_token), timeout=10
        )
        assert r.status_code == 200 and r.json()["values"] == sb.boards()


def test_in_process_urls_follow_the_host():
    sb = JiraSandbox(scale="tiny")
    transport = httpx.ASGITransport(app=sb.app)

    async def go():
        async with httpx.AsyncClient(
            transport=transport, base_url="http://jira.test", auth=(sb.email, sb.api_token)
        ) as c:
            return (await c.get("/rest/agile/1.0/board")).json()

    body = asyncio.run(go())
    assert body["values"] == sb.boards(base_url="http://jira.test")
    assert body["values"][0]["self"] == "http://jira.test/rest/agile/1.0/board/1"


def test_deterministic_from_seed():
    a = JiraSandbox(seed=3, scale="tiny")
    b = JiraSandbox(seed=3, scale="tiny")
    c = JiraSandbox(seed=4, scale="tiny")
    assert a.issues() == b.issues() and a.api_token == b.api_token
    assert a.issues() != c.issues() and a.api_token != c.api_token


def test_given_credentials_and_bad_arguments():
    sb = JiraSandbox(scale="tiny", email="me@corp.example", api_token="tok")
    assert sb.email == "me@corp.example" and sb.api_token == "tok"
    assert sb.data.users[0].json["emailAddress"] == "me@corp.example"
    for kwargs in (
        {"scale": "huge"},
        {"email": "nope"},
        {"api_token": ""},
        {"issues": -1},
        {"latency_ms": -1},
        {"now": "soon"},
    ):
        with pytest.raises(ConfigError):
            JiraSandbox(**{"scale": "tiny", **kwargs})


def test_related_data(jsb):
    issues = {i["key"]: i for i in jsb.issues()}
    boards = jsb.boards()
    assert len(jsb.data.projects) == 5 and len(issues) == 2000
    for i in issues.values():
        fl = i["fields"]
        assert isinstance(i["id"], str) and i["id"].isdigit()
        assert JIRA_TIME.match(fl["created"]) and JIRA_TIME.match(fl["updated"])
        assert fl["created"] <= fl["updated"] and i["key"].startswith(fl["project"]["key"] + "-")
        done = fl["status"]["statusCategory"]["key"] == "done"
        assert (fl["resolution"] is not None) == done == (fl["resolutiondate"] is not None)
        if done:
            assert fl["created"] <= fl["resolutiondate"] <= fl["updated"]
        if fl["parent"]:
            epic = issues[fl["parent"]["key"]]
            assert epic["fields"]["issuetype"]["name"] == "Epic"
            assert epic["fields"]["project"]["key"] == fl["project"]["key"]
            assert int(epic["id"]) < int(i["id"])  # created before its children
        for s in fl["customfield_10020"] or []:
            board = next(b for b in boards if b["id"] == s["boardId"])
            assert (
                board["location"]["projectKey"] == fl["project"]["key"] and board["type"] == "scrum"
            )
    assert any(i["fields"]["assignee"] is None for i in issues.values())
    assert any(
        not i["fields"]["assignee"]["active"] for i in issues.values() if i["fields"]["assignee"]
    )
    # agile issues add sprint, closedSprints, flagged and epic
    agile = jsb.board_issues(1)
    carried = [i for i in agile if i["fields"]["closedSprints"] and i["fields"]["sprint"]]
    assert carried and all(i["fields"]["sprint"]["state"] != "closed" for i in carried)
    assert all((i["fields"]["epic"] is None) == (i["fields"]["parent"] is None) for i in agile)
    assert all(
        i["fields"]["epic"]["id"] == int(i["fields"]["parent"]["id"])
        for i in agile
        if i["fields"]["epic"]
    )


def test_now_moves_the_data():
    sb = JiraSandbox(scale="tiny", now=dt.date(2026, 1, 1))
    latest = max(i["fields"]["updated"] for i in sb.issues())
    assert latest.startswith("2025-12") and sb.data.now == 1767225600000


@pytest.mark.slow
def test_large_scale_has_50000_issues():
    sb = JiraSandbox(scale="large")
    iss = sb.data.issues
    assert len(iss) == 50_000 and len(sb.data.projects) == 8
    assert np.all(np.diff(iss.created) >= 0)
    rows = sb.app.searcher.run("project = ENG AND status = Done", "search", sb.app.search_order)
    assert len(rows) == int(((iss.project == 0) & (iss.status == 3)).sum())
