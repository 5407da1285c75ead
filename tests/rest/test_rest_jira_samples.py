"""The product page's five sample JIRA queries, through the shipped JIRA template, against the
JIRA sandbox: the rows the sandbox holds, and exactly the requests expected."""

from __future__ import annotations

import pytest
from jira_rows import FAST, jira_source, same_rows, sent

import distillr
from distillr.sandbox import JiraSandbox

AGILE = "/rest/agile/1.0"
FIRST = {"startAt": "0", "maxResults": "50"}


@pytest.fixture(scope="module")
def sb():
    with JiraSandbox(seed=5, scale="small") as box:
        yield box


@pytest.fixture(scope="module")
def con(sb, tmp_path_factory):
    source = jira_source(sb, retry=FAST)
    refreshed = source.refresh()
    assert refreshed.skipped == {}
    session = distillr.connect(home=tmp_path_factory.mktemp("home"))
    session.register("myjira", source)
    yield session
    session.close()


@pytest.fixture()
def log(sb):
    sb.clear_requests()
    return sb


def test_get_board(con, log):
    res = con.sql("SELECT * FROM `myjira`.`/board/:boardId` WHERE `boardId`='1' LIMIT 100")
    same_rows(res.arrow().to_pylist(), [log.boards()[0]])
    assert sent(log) == [("GET", f"{AGILE}/board/1", {})]
    assert res.stats.requests == 1


def test_get_all_boards(con, log):
    res = con.sql("SELECT * FROM `myjira`.`/board` LIMIT 100")
    same_rows(res.arrow().to_pylist(), log.boards(), drop=("projectKeyOrId",))
    assert sent(log) == [("GET", f"{AGILE}/board", FIRST)]


def test_get_epics(con, log):
    res = con.sql("SELECT * FROM `myjira`.`/board/:boardId/epic` WHERE `boardId`='1' LIMIT 100")
    rows = res.arrow().to_pylist()
    assert {r["boardId"] for r in rows} == {1}
    same_rows(rows, log.epics(1), drop=("boardId",))
    assert sent(log) == [("GET", f"{AGILE}/board/1/epic", FIRST)]


def test_get_issues(con, log):
    res = con.sql("SELECT * FROM `myjira`.`/board/:boardId/issue` WHERE `boardId`='1' LIMIT 100")
    rows = res.arrow().to_pylist()
    assert {r["boardId"] for r in rows} == {1} and {r["jql"] for r in rows} == {None}
    want = log.board_issues(1)
    assert len(want) > 100  # LIMIT 100 stops the paging after one page of 100
    same_rows(rows, want[:100], drop=("boardId", "jql"))
    assert sent(log) == [("GET", f"{AGILE}/board/1/issue", {"startAt": "0", "maxResults": "100"})]


def test_get_issues_with_a_limit_over_two_pages(con, log):
    res = con.sql("SELECT key FROM myjira.`/board/:boardId/issue` WHERE boardId = 1 LIMIT 130")
    assert [r[0] for r in res.fetchall()] == [i["key"] for i in log.board_issues(1)[:130]]
    assert sent(log) == [
        ("GET", f"{AGILE}/board/1/issue", {"startAt": "0", "maxResults": "100"}),
        ("GET", f"{AGILE}/board/1/issue", {"startAt": "100", "maxResults": "30"}),
    ]


def test_get_projects(con, log):
    res = con.sql("SELECT * FROM `myjira`.`/board/:boardId/project` WHERE `boardId`='1' LIMIT 100")
    same_rows(res.arrow().to_pylist(), log.board_projects(1), drop=("boardId",))
    assert sent(log) == [("GET", f"{AGILE}/board/1/project", FIRST)]


def test_every_issue_of_a_board_over_concurrent_pages(con, log):
    rows = con.sql("SELECT key, boardId FROM myjira.board_issue WHERE boardId = 3").fetchall()
    want = log.board_issues(3)
    assert rows == [(i["key"], 3) for i in want]
    starts = sorted(int(q["startAt"]) for _, _, q in sent(log))
    assert starts == list(range(0, len(want), 100))


def test_nested_fields_with_drill_paths(con, log):
    sql = (
        "SELECT t.key, t.fields.status.name AS status, t.fields.assignee.displayName AS who"
        " FROM myjira.`/board/:boardId/issue` t WHERE t.boardId = '2' ORDER BY t.key"
    )
    rows = con.sql(sql).fetchall()
    want = sorted(
        (
            i["key"],
            i["fields"]["status"]["name"],
            (i["fields"]["assignee"] or {}).get("displayName"),
        )
        for i in log.board_issues(2)
    )
    assert rows == want


def test_a_fresh_source_samples_its_schema_on_first_use(sb, tmp_path):
    session = distillr.connect(home=tmp_path)
    session.register("fresh", jira_source(sb, "fresh", retry=FAST))
    sb.clear_requests()
    res = session.sql("SELECT * FROM fresh.`/board/:boardId/epic` WHERE boardId = '1'")
    same_rows(res.arrow().to_pylist(), sb.epics(1), drop=("boardId",))
    # the boards first (board_epic samples its boardId from them), then one epic page to
    # sample, then the query's own page; every request counted in the query's stats
    assert [p for _, p, _ in sent(sb)] == [
        f"{AGILE}/board",
        f"{AGILE}/board/1/epic",
        f"{AGILE}/board/1/epic",
    ]
    assert res.stats.requests == 3
    session.close()


SAMPLES = [
    "SELECT * FROM `myjira`.`/board/:boardId` WHERE `boardId`='1' LIMIT 100",
    "SELECT * FROM `myjira`.`/board` LIMIT 100",
    "SELECT * FROM `myjira`.`/board/:boardId/epic` WHERE `boardId`='1' LIMIT 100",
    "SELECT * FROM `myjira`.`/board/:boardId/issue` WHERE `boardId`='1' LIMIT 100",
    "SELECT * FROM `myjira`.`/board/:boardId/project` WHERE `boardId`='1' LIMIT 100",
]


def _key(row: tuple) -> str:
    return repr(row)


@pytest.mark.parametrize("sql", SAMPLES)
def test_pushdown_never_changes_a_sample_result(con, sql):
    pushed = con.sql(sql).fetchall()
    everything = con.sql(sql.replace(" LIMIT 100", ""), pushdown=False).fetchall()
    # a LIMIT without ORDER BY may return any 100 rows: those must be rows of the whole answer
    assert len(pushed) == min(100, len(everything))
    whole = {_key(r) for r in everything}
    assert all(_key(r) in whole for r in pushed)
    plain = con.sql(sql, pushdown=False).fetchall()
    assert len(plain) == len(pushed) and all(_key(r) in whole for r in plain)
