"""The ``distillr`` Spark data source over the JIRA sandbox (the shipped ``jira`` template),
checked against the sandbox's request log: one partition per path-parameter value, each read
exactly once; a filter Spark handed over is in the requests; a filter the API only approximates
(``name`` is "contains") still gives the exact answer."""

from __future__ import annotations

from collections import Counter

import pytest

import distillr

# one worker runs every Spark test, so that one JVM serves them all (make test: --dist loadgroup)
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("spark")]

AGILE = "/rest/agile/1.0"


def _read(spark, table, **options):
    reader = spark.read.format("distillr").option("source", "myjira").option("table", table)
    for key, value in options.items():
        reader = reader.option(key, value)
    return reader.load()


def _key(row: dict) -> str:
    return repr(sorted((k, repr(v)) for k, v in row.items()))


def _duckdb(home, sql) -> list[str]:
    with distillr.connect(home=str(home)) as con:
        return sorted(_key(r) for r in con.sql(sql).arrow().to_pylist())


def _sent(jira, path_prefix):
    return [
        (r["path"], dict(r["query"]).get("startAt", "0"))
        for r in jira.requests
        if r["path"].startswith(path_prefix)
    ]


def test_each_board_is_a_split_read_exactly_once(spark, home, registered, jira):
    df = _read(spark, "/board/:boardId/epic", boardId='["1", "2", "3"]')
    assert df.rdd.getNumPartitions() == 2  # 3 splits in local[2]'s 2 partitions
    jira.clear_requests()
    got = sorted(_key(r) for r in df.toArrow().to_pylist())
    pages = Counter(_sent(jira, f"{AGILE}/board/"))
    # every board's first page was asked for, and no page twice (across both executors)
    assert {path for path, start in pages if start == "0"} == {
        f"{AGILE}/board/{n}/epic" for n in (1, 2, 3)
    }
    assert set(pages.values()) == {1}
    assert got == _duckdb(home, "SELECT * FROM myjira.board_epic WHERE boardId IN (1, 2, 3)")


def test_an_accepted_filter_is_in_the_requests(spark, home, registered, jira):
    df = _read(spark, "board").where("type = 'scrum'")
    jira.clear_requests()
    got = sorted(_key(r) for r in df.toArrow().to_pylist())
    sent = [dict(r["query"]) for r in jira.requests if r["path"] == f"{AGILE}/board"]
    assert sent and all(q.get("type") == "scrum" for q in sent)
    assert got == _duckdb(home, "SELECT * FROM myjira.board WHERE type = 'scrum'") and got


@pytest.mark.parametrize("name", ["OPS board", "board"])
def test_an_inexact_filter_gives_the_exact_answer(spark, home, registered, jira, name):
    # the API's name filter is "contains": 'board' matches several boards, none equal to it
    with distillr.connect(home=str(home)) as con:
        containing = con.sql(f"SELECT count(*) FROM myjira.board WHERE name LIKE '%{name}%'")
        assert containing.fetchall()[0][0] >= (1 if name == "OPS board" else 2)
    df = _read(spark, "board").where(f"name = '{name}'")
    jira.clear_requests()
    got = sorted(_key(r) for r in df.toArrow().to_pylist())
    sent = [dict(r["query"]) for r in jira.requests if r["path"] == f"{AGILE}/board"]
    assert sent and all(q.get("name") == name for q in sent)
    assert got == _duckdb(home, f"SELECT * FROM myjira.board WHERE name = '{name}'")
    assert len(got) == (1 if name == "OPS board" else 0)
