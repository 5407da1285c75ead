"""Pages after the first, and IN fanned out, are fetched concurrently, never beyond the source's
concurrency; the rows come in the API's order all the same."""

from __future__ import annotations

import threading

import httpx
import pytest
from jira_rows import FAST, jira_source

import distillr
from distillr.connectors.rest import RestConnector, template
from distillr.sandbox import JiraSandbox


class Counting(httpx.HTTPTransport):
    """A transport that records the most requests it had in flight at once."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.now = self.most = self.total = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.now += 1
            self.total += 1
            self.most = max(self.most, self.now)
        try:
            response = super().handle_request(request)
            response.read()
            return response
        finally:
            with self.lock:
                self.now -= 1


@pytest.fixture(scope="module")
def sb():
    with JiraSandbox(seed=23, scale="tiny", latency_ms=40) as box:
        yield box


def session_with(sb, tmp_path, concurrency, page=10):
    counting = Counting()
    definition = jira_source(sb).definition
    endpoints = []
    for ep in definition.endpoints:
        if ep.name == "board_issue":
            ep = ep.model_copy(update={"paginator": {"type": "start_at", "size": page}})
        endpoints.append(ep)
    definition = definition.model_copy(update={"endpoints": endpoints, "concurrency": concurrency})
    t = template("jira")
    source = RestConnector(
        "myjira",
        definition,
        t.source_secrets({"api_token": sb.api_token}),
        transport=counting,
        retry=FAST,
    )
    source.refresh(endpoints=["board"])
    session = distillr.connect(home=tmp_path)
    session.register("myjira", source)
    return session, counting


@pytest.mark.parametrize("concurrency", [1, 3])
def test_pages_after_the_first_are_fetched_at_the_source_concurrency(sb, tmp_path, concurrency):
    session, counting = session_with(sb, tmp_path, concurrency)
    board = next(b["id"] for b in sb.boards() if b["name"] == "All work")
    counting.most = counting.total = 0
    rows = session.sql(f"SELECT key FROM myjira.board_issue WHERE boardId = {board}").fetchall()
    assert [r[0] for r in rows] == [i["key"] for i in sb.board_issues(board)]  # rank order
    pages = -(-len(rows) // 10)
    assert counting.total == pages + 1  # + one page sampled for the schema
    assert counting.most == concurrency  # the window is full, and never more
    session.close()


def test_in_values_are_fetched_concurrently_within_the_limit(sb, tmp_path):
    session, counting = session_with(sb, tmp_path, 2)
    session.sql("SELECT count(*) FROM myjira.board_project WHERE boardId = 1").fetchall()
    counting.most = counting.total = 0
    boards = [b["id"] for b in sb.boards()]
    sql = f"SELECT boardId, key FROM myjira.board_project WHERE boardId IN {tuple(boards)}"
    rows = session.sql(sql).fetchall()
    want = [(b, p["key"]) for b in boards for p in sb.board_projects(b)]
    assert sorted(rows) == sorted(want)
    assert counting.total == len(boards) and counting.most == 2
    session.close()


def test_flatten_a_list_of_nested_values(sb, tmp_path):
    session, _ = session_with(sb, tmp_path, 3)
    rows = session.sql(
        "SELECT t.key, FLATTEN(t.fields.labels) AS label FROM myjira.board_issue t"
        " WHERE t.boardId = 1 ORDER BY 1, 2"
    ).fetchall()
    want = sorted((i["key"], x) for i in sb.board_issues(1) for x in i["fields"]["labels"])
    assert rows == want and rows
    session.close()
