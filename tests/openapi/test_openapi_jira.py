"""The JIRA sandbox's own OpenAPI document, imported from its URL: the product page's five
sample queries give the same rows as the hand-written JIRA template."""

from __future__ import annotations

import pytest
from openapi_rows import row_set

import distillr
from distillr.connectors.http import RetryPolicy
from distillr.connectors.rest import RestConnector, template
from distillr.connectors.rest.openapi import import_openapi, load_spec

FAST = RetryPolicy(max_retries=8, backoff_base=0.001, backoff_max=0.005, retry_after_max=0.005)
SAMPLES = [
    "SELECT * FROM src.`/board/:boardId` WHERE `boardId` = '1' LIMIT 100",
    "SELECT * FROM src.`/board` LIMIT 100",
    "SELECT * FROM src.`/board/:boardId/epic` WHERE `boardId` = '1' LIMIT 100",
    "SELECT * FROM src.`/board/:boardId/issue` WHERE `boardId` = '1' LIMIT 100",
    "SELECT * FROM src.`/board/:boardId/project` WHERE `boardId` = '1' LIMIT 100",
]


@pytest.fixture(scope="module")
def jira():
    from distillr.sandbox import JiraSandbox

    with JiraSandbox(seed=5, scale="small") as sb:
        yield sb


@pytest.fixture(scope="module")
def imported(jira):
    return import_openapi(
        load_spec(jira.base_url + "/openapi.json"), options={"username": jira.email}
    )


@pytest.fixture(scope="module")
def sessions(jira, imported, tmp_path_factory):
    secrets = {"password": jira.api_token}
    mine = distillr.connect(home=tmp_path_factory.mktemp("mine"))
    mine.register("src", RestConnector("src", imported.source_def(), secrets, retry=FAST))
    hand = template("jira")
    written = hand.definition({"domain": jira.base_url, "email": jira.email})
    theirs = distillr.connect(home=tmp_path_factory.mktemp("theirs"))
    theirs.register("src", RestConnector("src", written, secrets, retry=FAST))
    yield mine, theirs
    mine.close()
    theirs.close()


def test_the_base_url_comes_from_the_documents_relative_server(imported, jira):
    assert imported.definition["base_url"].rstrip("/") == jira.base_url.rstrip("/")
    assert imported.definition["auth"] == {"type": "basic", "username": jira.email}
    assert imported.definition["error_path"] == "errorMessages"  # from the 4xx schemas


def test_the_paging_is_jiras_with_what_each_answer_has(imported):
    by_alias = {a: t for t in imported.source_def().endpoints for a in t.aliases}
    assert by_alias["/board"].paginator["type"] == "start_at"
    assert by_alias["/board/:boardId/epic"].paginator["total_path"] is None  # no total
    assert by_alias["/board/:boardId/issue"].paginator["last_path"] is None  # no isLast
    assert by_alias["/search/jql"].paginator["type"] == "cursor"
    skipped = {(s.method, s.path): s.reason for s in imported.report.skipped}
    assert "2xx" in skipped[("GET", "/rest/api/3/search")]  # it answers 410 Gone


@pytest.mark.parametrize("sql", SAMPLES)
def test_sample_query_gives_the_templates_rows(sessions, sql):
    mine, theirs = sessions
    got = row_set(mine.sql(sql))
    assert got
    assert got == row_set(theirs.sql(sql))


def test_an_error_answer_shows_jiras_message(sessions):
    from distillr.errors import DistillrError

    mine, _ = sessions
    with pytest.raises(DistillrError, match="404") as err:
        mine.sql("SELECT * FROM src.`/board/:boardId` WHERE boardId = 999999").fetchall()
    assert "999999" in str(err.value)


def test_the_nav_tree_shows_descriptions_and_enums(sessions):
    import distillr.tree

    mine, _ = sessions
    tree = distillr.tree.build(mine, source="src", table="/board")
    (table,) = tree["sources"][0]["tables"]
    help_of = {c["name"]: c["description"] for c in table["columns"]}
    assert help_of["type"] == "One of: scrum, kanban, simple."
    assert table["description"].endswith("(GET /rest/agile/1.0/board)")
    assert len(table["description"]) > len("(GET /rest/agile/1.0/board)")  # the summary
