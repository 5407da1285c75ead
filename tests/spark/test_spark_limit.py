"""LIMIT on Spark: ``distillr.spark.sql`` passes a query's LIMIT to its table's view when the
result is the first rows of that table's scan, filtered exactly by the API, so the connector
asks the API for that many rows and stops; anything else (an inexact filter, one left to
Spark, a join, an aggregate, ORDER BY) reads whole pages, as without pushdown. Either way the
rows are a correct answer: as many as the same query gives without pushdown, each a row of
its answer (and in Spark's order under ORDER BY)."""

from __future__ import annotations

import datetime

import pytest
from pyspark.sql.datasource import EqualTo, GreaterThan, IsNotNull, LessThan

import distillr
import distillr.spark
from distillr.spark.limits import FILTERS_OPTION, LIMIT_OPTION

# one worker runs every Spark test, so that one JVM serves them all (make test: --dist loadgroup)
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("spark")]

#: the connector's own page size, asked for when no limit travels
PAGE = 1000


@pytest.fixture(scope="module")
def to(home, registered):
    with distillr.connect(home=str(home)) as con:
        return con.sql("SELECT `to` FROM my_twilio.messages LIMIT 1").fetchall()[0][0]


def _run(spark, sandbox, query, pushdown=True):
    """The query's rows (in Spark's order) and the query strings of the requests it sent."""
    sandbox.clear_requests()
    rows = [
        tuple(r.values())
        for r in distillr.spark.sql(spark, query, pushdown=pushdown).toArrow().to_pylist()
    ]
    return rows, [dict(r["query"]) for r in sandbox.requests if r["path"].endswith(".json")]


def _answer(spark, query):
    """All the rows the query could return without its LIMIT (no pushdown)."""
    text = query.rsplit(" LIMIT ", 1)[0]
    return [
        tuple(r.values())
        for r in distillr.spark.sql(spark, text, pushdown=False).toArrow().to_pylist()
    ]


def _a_correct_answer(spark, query, rows, unpushed):
    """Rows of a LIMIT without ORDER BY are any rows of the answer, as many as Spark's."""
    assert len(rows) == len(unpushed) > 0
    left = _answer(spark, query)
    for row in rows:
        assert row in left
        left.remove(row)


PUSHED = [
    # query, rows the API is asked for per request, requests (one per split)
    ("SELECT * FROM my_twilio.messages LIMIT 5", 5, 1),
    ("SELECT sid, status FROM my_twilio.calls WHERE status = 'completed' LIMIT 3", 3, 1),
    ("SELECT sid FROM my_twilio.calls WHERE status IN ('completed', 'busy') LIMIT 4", 4, 2),
    ("SELECT sid, body FROM my_twilio.messages WHERE `to` = '{to}' LIMIT 2", 2, 1),
    ("SELECT upper(status) AS s, sid FROM my_twilio.calls WHERE status = 'busy' LIMIT 2", 2, 1),
    ("SELECT * FROM my_twilio.messages LIMIT 5 OFFSET 3", 8, 1),
]


@pytest.mark.parametrize(("query", "size", "requests"), PUSHED)
def test_a_limit_over_an_exactly_filtered_scan_travels(
    spark, sandbox, registered, to, query, size, requests
):
    query = query.format(to=to)
    rows, sent = _run(spark, sandbox, query)
    unpushed, sent_unpushed = _run(spark, sandbox, query, pushdown=False)
    _a_correct_answer(spark, query, rows, unpushed)
    assert [int(q["PageSize"]) for q in sent] == [size] * requests
    assert [int(q["PageSize"]) for q in sent_unpushed] == [PAGE]  # the whole table


NOT_PUSHED = [
    # an inexact filter (the API compares whole UTC days), one Spark alone applies, two
    # conditions of which one stays in Spark
    "SELECT sid FROM my_twilio.messages WHERE date_sent >= TIMESTAMP '2025-06-01 12:30:00' LIMIT 5",
    "SELECT sid FROM my_twilio.messages WHERE `from` <> `to` LIMIT 5",
    "SELECT sid FROM my_twilio.calls WHERE status = 'completed' AND duration > 10 LIMIT 3",
    "SELECT sid FROM my_twilio.calls WHERE lower(status) = 'completed' LIMIT 3",
    "SELECT sid FROM my_twilio.calls WHERE status = 'completed' OR status = 'busy' LIMIT 3",
    # the first rows of the scan are not the first rows of the result
    "SELECT m.sid FROM my_twilio.messages m JOIN my_twilio.calls c ON m.`to` = c.`to` LIMIT 5",
    "SELECT status, count(*) AS n FROM my_twilio.calls GROUP BY status LIMIT 2",
    "SELECT count(*) AS n FROM my_twilio.calls LIMIT 1",
    "SELECT DISTINCT direction FROM my_twilio.calls LIMIT 1",
    "SELECT sid, row_number() OVER (ORDER BY sid) AS r FROM my_twilio.calls LIMIT 3",
    "SELECT sid FROM my_twilio.calls WHERE sid IN"
    " (SELECT sid FROM my_twilio.calls WHERE status = 'busy') LIMIT 3",
    "WITH c AS (SELECT sid FROM my_twilio.calls) SELECT sid FROM c LIMIT 3",
    "SELECT sid FROM my_twilio.calls UNION ALL SELECT sid FROM my_twilio.messages LIMIT 3",
]


@pytest.mark.parametrize("query", NOT_PUSHED)
def test_a_limit_that_could_drop_rows_does_not_travel(spark, sandbox, registered, query):
    rows, sent = _run(spark, sandbox, query)
    unpushed, _ = _run(spark, sandbox, query, pushdown=False)
    _a_correct_answer(spark, query, rows, unpushed)
    assert sent and all(int(q["PageSize"]) == PAGE for q in sent)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT sid FROM my_twilio.calls ORDER BY sid LIMIT 5",
        "SELECT sid, duration FROM my_twilio.calls WHERE status = 'completed'"
        " ORDER BY duration DESC, sid LIMIT 4",
        "SELECT sid FROM my_twilio.messages ORDER BY sid DESC LIMIT 3 OFFSET 2",
    ],
)
def test_order_by_limit_is_spark_s(spark, sandbox, registered, query):
    rows, sent = _run(spark, sandbox, query)
    assert rows == _run(spark, sandbox, query, pushdown=False)[0]
    assert sent and all(int(q["PageSize"]) == PAGE for q in sent)


def _reader(spark, slots, limit="3"):
    from distillr.spark import _REGISTERED
    from distillr.spark.source import DistillrDataSource

    cls = type(
        "Source", (DistillrDataSource,), {"sources": _REGISTERED[spark.sparkContext.applicationId]}
    )
    options = {"source": "my_twilio", "table": "calls", FILTERS_OPTION: slots}
    if limit is not None:
        options[LIMIT_OPTION] = limit
    source = cls(options)
    return source.reader(source.schema())


@pytest.mark.parametrize(
    ("filters", "pushed"),
    [
        ([EqualTo(("status",), "completed")], 3),
        ([IsNotNull(("status",)), EqualTo(("status",), "completed")], 3),
        ([], None),  # the filter the query holds did not reach the reader
        ([EqualTo(("to",), "+1555")], None),  # another filter than the query's
        ([EqualTo(("status",), "completed"), GreaterThan(("duration",), 10)], None),
        ([EqualTo(("status",), "completed"), IsNotNull(("duration",))], None),
        ([EqualTo(("status",), "completed"), GreaterThan(("start_time",), "2025-01-01")], None),
    ],
)
def test_the_reader_passes_the_limit_only_for_the_filters_it_was_told_of(
    spark, registered, filters, pushed
):
    reader = _reader(spark, '[["status", "eq"]]')
    assert reader.request().limit is None  # before Spark pushed anything
    reader.pushFilters(filters)
    assert reader.request().limit == pushed


def test_without_filters_the_limit_needs_none_pushed(spark, registered):
    reader = _reader(spark, "[]", limit="7")
    assert reader.request().limit == 7
    reader.pushFilters([LessThan(("end_time",), datetime.datetime(2025, 1, 1))])  # inexact
    assert reader.request().limit is None


def test_a_limit_reads_one_page_of_a_large_table(spark, slow_sandbox, registered):
    # 50,000 messages in pages of 1,000 at 300 ms each: one request of 5 rows instead
    rows, sent = _run(spark, slow_sandbox, "SELECT sid FROM slow_twilio.messages LIMIT 5")
    assert len(rows) == 5
    assert [int(q["PageSize"]) for q in sent] == [5]
