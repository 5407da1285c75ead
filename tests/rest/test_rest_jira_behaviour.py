"""What Drill users ask of an HTTP source, shown on the JIRA template against the JIRA sandbox:
required parameters, IN fanned out (capped), wrong-typed values refused before any request,
errors that name the request and say why, parameter columns with the value sent (pushdown on or
off), and pushdown that never changes a result."""

from __future__ import annotations

from collections import Counter

import pytest
from jira_rows import FAST, jira_source, sent

import distillr
from distillr.connectors.http import RetryPolicy
from distillr.errors import MissingParameter, SourceError, SqlError, TooManyRequests
from distillr.sandbox import JiraSandbox

AGILE = "/rest/agile/1.0"


@pytest.fixture(scope="module")
def sb():
    with JiraSandbox(seed=19, scale="small") as box:
        yield box


@pytest.fixture(scope="module")
def source(sb):
    src = jira_source(sb, retry=FAST)
    src.refresh()
    return src


@pytest.fixture()
def con(source, sb, tmp_path):
    session = distillr.connect(home=tmp_path)
    session.register("myjira", source)
    sb.clear_requests()
    yield session
    session.close()


@pytest.mark.parametrize(
    ("sql", "parameter"),
    [
        ("SELECT * FROM myjira.`/board/:boardId/epic`", "boardId"),
        ("SELECT * FROM myjira.`/search/jql` WHERE key = 'ENG-1'", "jql"),
        ("SELECT * FROM myjira.`/issue/:issueIdOrKey`", "issueIdOrKey"),
    ],
)
def test_a_missing_required_parameter_fails_before_any_request(con, sb, sql, parameter):
    for pushdown in (True, False):
        with pytest.raises(MissingParameter, match=parameter) as info:
            con.sql(sql, pushdown=pushdown).fetchall()
        assert "WHERE" in str(info.value)
    assert sent(sb) == []


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT * FROM myjira.board_epic WHERE boardId = 'abc'", "boardId takes whole numbers"),
        ("SELECT * FROM myjira.board_epic WHERE boardId = 1.5", "takes whole numbers, not 1.5"),
        ("SELECT * FROM myjira.board_epic WHERE boardId IN (1, 'x')", "not 'x'"),
        ("SELECT * FROM myjira.board_epic WHERE boardId = 1 AND done = 'maybe'", "done takes"),
    ],
)
def test_a_wrong_typed_value_fails_before_any_request(con, sb, sql, message):
    for pushdown in (True, False):
        with pytest.raises(SqlError, match=message) as info:
            con.sql(sql, pushdown=pushdown).fetchall()
        assert "nothing was sent" in str(info.value)
    assert sent(sb) == []


def test_in_fans_out_one_request_per_value(con, sb):
    rows = con.sql(
        "SELECT boardId, key FROM myjira.`/board/:boardId/epic` WHERE boardId IN (1, 3, 6)"
        " ORDER BY boardId, key"
    ).fetchall()
    want = sorted((b, e["key"]) for b in (1, 3, 6) for e in sb.epics(b))
    assert rows == want
    assert sorted(p for _, p, _ in sent(sb)) == [f"{AGILE}/board/{b}/epic" for b in (1, 3, 6)]


def test_in_is_capped_before_any_request(source, sb, tmp_path):
    session = distillr.connect(home=tmp_path)
    session.register("myjira", source)
    old, source.max_fanout = source.max_fanout, 3
    try:
        sb.clear_requests()
        with pytest.raises(TooManyRequests, match="limit for source 'myjira' is 3"):
            session.sql("SELECT * FROM myjira.board_epic WHERE boardId IN (1, 2, 3, 4)").fetchall()
        assert sent(sb) == []
    finally:
        source.max_fanout = old
        session.close()


def test_a_refused_request_is_named_with_its_status_and_the_api_message(con, sb):
    with pytest.raises(SourceError) as info:
        con.sql("SELECT * FROM myjira.board_epic WHERE boardId = 999").fetchall()
    text = str(info.value)
    assert f"HTTP 404 to GET {sb.base_url}{AGILE}/board/999/epic?" in text
    assert "Board does not exist or you do not have permission to see it" in text
    assert info.value.status == 404 and info.value.path.startswith(f"{AGILE}/board/999/epic")
    assert sb.api_token not in text
    with pytest.raises(SourceError, match="The value 'NOPE' does not exist for the field"):
        con.sql("SELECT key FROM myjira.search WHERE jql = 'project = NOPE'").fetchall()


def test_a_request_that_keeps_failing_is_named_with_its_last_answer(tmp_path):
    with JiraSandbox(seed=3, scale="tiny", faults="503=1") as box:
        src = jira_source(box, retry=RetryPolicy(max_retries=2, retry_after_max=0))
        src.definition = src.definition.model_copy(
            update={"endpoints": [src.definition.endpoint("board_epic")]}
        )
        src._tables.clear()
        session = distillr.connect(home=tmp_path)
        session.register("myjira", src)
        with pytest.raises(SourceError) as info:
            session.sql("SELECT * FROM myjira.board_epic WHERE boardId = 1").fetchall()
        text = str(info.value)
        assert f"GET {box.base_url}{AGILE}/board/1/epic" in text
        assert "failed after 3 attempts; last: HTTP 503" in text and box.api_token not in text
        assert info.value.status == 503
        session.close()


def test_an_api_key_in_the_query_never_shows_in_an_error(sb, tmp_path):
    from distillr.connectors.rest import RestConnector

    endpoint = {
        "name": "t",
        "url": "/test/auth/query/offset/issues",
        "data_path": "items",
        "columns": {"id": "string"},
        "params": [{"name": "status"}],
    }
    src = RestConnector(
        "src",
        {
            "base_url": sb.base_url,
            "auth": {"type": "api_key", "name": "api_key", "location": "query"},
            "endpoints": [endpoint],
        },
        {"api_key": sb.api_key[::-1]},  # wrong: 401
        retry=FAST,
    )
    session = distillr.connect(home=tmp_path)
    session.register("src", src)
    with pytest.raises(SourceError) as info:
        session.sql("SELECT id FROM src.t WHERE status = 'Done'").fetchall()
    text = str(info.value)
    assert "HTTP 401" in text and "/test/auth/query/offset/issues?status=Done" in text
    assert sb.api_key not in text and sb.api_key[::-1] not in text and "api_key=" not in text
    session.close()


@pytest.mark.parametrize("pushdown", [True, False])
def test_parameter_columns_hold_the_value_sent(con, sb, pushdown):
    rows = con.sql(
        "SELECT boardId, jql, key FROM myjira.board_issue"
        " WHERE boardId = '2' AND jql = 'status = Done' ORDER BY key",
        pushdown=pushdown,
    ).fetchall()
    done = sorted(i["key"] for i in sb.board_issues(2) if i["fields"]["status"]["name"] == "Done")
    assert rows == [(2, "status = Done", k) for k in done] and rows
    assert {q.get("jql") for _, _, q in sent(sb)} == {"status = Done"}


PUSHED = [
    "SELECT id, name FROM myjira.board WHERE type = 'scrum'",
    "SELECT id FROM myjira.board WHERE projectKeyOrId = 'WEB'",
    "SELECT id FROM myjira.board WHERE name = 'ENG board'",
    "SELECT key, boardId FROM myjira.board_epic WHERE boardId IN (3, 6) AND done = true",
    "SELECT key FROM myjira.board_epic WHERE boardId = 6 AND done = false",
    "SELECT name FROM myjira.board_sprint WHERE boardId = 1 AND state = 'active'",
    "SELECT key FROM myjira.board_issue WHERE boardId = 3 AND jql = 'priority = High'",
    "SELECT key FROM myjira.board_issue WHERE boardId = 3 LIMIT 7",
    "SELECT count(*) FROM myjira.board_issue WHERE boardId IN (1, 2)",
    "SELECT key, jql FROM myjira.search WHERE jql = 'project = WEB AND status = Done'",
    "SELECT key FROM myjira.issue WHERE issueIdOrKey IN ('ENG-1', 'WEB-2')",
    "SELECT e.key, b.name FROM myjira.board b JOIN myjira.board_epic e ON e.boardId = b.id"
    " WHERE b.type = 'kanban'",
]


@pytest.mark.parametrize("sql", PUSHED)
def test_pushdown_never_changes_a_result(con, sql):
    pushed = con.sql(sql).fetchall()
    plain = con.sql(sql, pushdown=False).fetchall()
    if "LIMIT" in sql:  # any 7 rows of the board: each one of the whole answer
        whole = set(con.sql(sql.split(" LIMIT")[0], pushdown=False).fetchall())
        assert len(pushed) == len(plain) == 7 and set(pushed) <= whole >= set(plain)
    else:
        assert Counter(pushed) == Counter(plain) and pushed


def test_refresh_skips_an_endpoint_the_api_refuses_and_goes_on(sb):
    src = jira_source(sb, retry=FAST)
    result = src.refresh(samples={"board_epic": {"boardId": 999}})
    assert "HTTP 404" in result.skipped["board_epic"]
    assert "board_epic" not in result.sampled and "board_issue" in result.sampled
    wrong = jira_source(sb, retry=FAST)
    wrong.auth.bind({"password": "not-the-token"})
    from distillr.errors import AuthError

    with pytest.raises(AuthError, match="HTTP 401"):
        wrong.refresh()
