"""How distillr reads names: unquoted ``to``/``from`` columns, double-quoted identifiers,
and Drill's ``EXPR$n`` names for unnamed computed columns."""

from __future__ import annotations

import pyarrow as pa
import pytest

import distillr
from distillr.connectors.base import Column, Pred, TableDef
from distillr.errors import CatalogError, SqlError
from distillr.sql.dialect import parse, to_duckdb

from .fakes import CALLS, FakeConnector, make_rows

SMS = TableDef(
    name="sms",
    description="Messages with Twilio's reserved-word column names",
    columns=(
        Column("id", pa.int64(), "Row id", {"eq": True}),
        Column("to", pa.string(), "To", {"eq": True}),
        Column("from", pa.string(), "From", {"eq": True}),
        Column("status", pa.string(), "Status", {"eq": True}),
    ),
)

SMS_ROWS = [
    {"id": i, "to": f"+1555{i % 3}", "from": f"+1666{i % 4}", "status": ["sent", "failed"][i % 2]}
    for i in range(24)
]


@pytest.fixture()
def fake():
    rows = make_rows()
    rows["sms"] = SMS_ROWS
    return FakeConnector(rows=rows, tables=(CALLS, SMS))


@pytest.fixture()
def con(tmp_path, fake):
    session = distillr.connect(home=tmp_path)
    session.register("fake", fake)
    yield session
    session.close()


def duck(sql: str) -> str:
    return to_duckdb(parse(sql))


# --------------------------------------------------------------------------- to / from


@pytest.mark.parametrize(
    "sql, want",
    [
        (
            "SELECT a FROM t WHERE to = 1 AND from = 2",
            'SELECT a FROM t WHERE "to" = 1 AND "from" = 2',
        ),
        ("SELECT to, from FROM t", 'SELECT "to", "from" FROM t'),
        ("SELECT from FROM t", 'SELECT "from" FROM t'),
        (
            "SELECT from AS sender, m.from FROM t AS m",
            'SELECT "from" AS sender, m."from" FROM t AS m',
        ),
        (
            "SELECT a FROM t WHERE from IN ('x', 'y') AND from NOT LIKE 'z%' AND from IS NOT NULL",
            "SELECT a FROM t WHERE \"from\" IN ('x', 'y') AND \"from\" NOT LIKE 'z%'"
            ' AND NOT "from" IS NULL',
        ),
        (
            "SELECT a FROM t WHERE from BETWEEN 'a' AND 'b' OR from <> 'c' OR from >= 'd'",
            "SELECT a FROM t WHERE \"from\" BETWEEN 'a' AND 'b' OR \"from\" <> 'c'"
            " OR \"from\" >= 'd'",
        ),
        (
            "SELECT a FROM t JOIN u ON t.from = u.to AND from = to",
            'SELECT a FROM t JOIN u ON t."from" = u."to" AND "from" = "to"',
        ),
        (
            "SELECT from, count(*) FROM t GROUP BY from ORDER BY from DESC LIMIT 3",
            'SELECT "from", COUNT(*) FROM t GROUP BY "from" ORDER BY "from" DESC LIMIT 3',
        ),
        (
            "SELECT CASE WHEN from = 'x' THEN from ELSE to END FROM t",
            'SELECT CASE WHEN "from" = \'x\' THEN "from" ELSE "to" END FROM t',
        ),
        (
            "SELECT coalesce(from, to), from || '!' FROM t",
            'SELECT COALESCE("from", "to"), "from" || \'!\' FROM t',
        ),
        (
            "SELECT a FROM t WHERE a IS DISTINCT FROM from",
            'SELECT a FROM t WHERE a IS DISTINCT FROM "from"',
        ),
    ],
)
def test_to_and_from_are_columns_where_the_grammar_is_unambiguous(sql, want):
    assert duck(sql) == want


@pytest.mark.parametrize(
    "sql, want",
    [
        ("SELECT * FROM t", "SELECT * FROM t"),
        ("SELECT count(*) FROM (SELECT 1 AS x) AS d", "SELECT COUNT(*) FROM (SELECT 1 AS x) AS d"),
        ("SELECT EXTRACT(year FROM d) FROM t", "SELECT EXTRACT(YEAR FROM d) FROM t"),
        (
            "SELECT a FROM t WHERE a IS DISTINCT FROM b",
            "SELECT a FROM t WHERE a IS DISTINCT FROM b",
        ),
        ("SELECT a FROM t UNION SELECT b FROM u", "SELECT a FROM t UNION SELECT b FROM u"),
        ("SELECT TRIM(LEADING FROM x), TRIM(FROM x) FROM t", "SELECT LTRIM(x), TRIM(x) FROM t"),
        ("SELECT SUBSTRING(x FROM 1 FOR 2) FROM t", "SELECT SUBSTRING(x, 1, 2) FROM t"),
    ],
)
def test_from_clauses_read_as_before(sql, want):
    assert duck(sql) == want


def test_a_missing_table_is_still_a_syntax_error():
    with pytest.raises(SqlError) as err:
        parse("SELECT a FROM")
    assert "Token" not in str(err.value) and "SENTINEL" not in str(err.value)


def test_product_page_spelling_pushes_to_and_from(con, fake):
    got = con.sql(
        "SELECT id FROM fake.sms WHERE to = '+15551' AND from = '+16661' ORDER BY id"
    ).fetchall()
    want = [(r["id"],) for r in SMS_ROWS if r["to"] == "+15551" and r["from"] == "+16661"]
    assert got == want and want
    (request,) = fake.requests
    assert set(request.predicates) == {Pred("to", "eq", "+15551"), Pred("from", "eq", "+16661")}


# --------------------------------------------------------------------------- double quotes


def test_double_quotes_delimit_identifiers_not_strings():
    assert duck('SELECT "to" FROM t WHERE "to" = \'x\'') == 'SELECT "to" FROM t WHERE "to" = \'x\''
    assert (
        duck('SELECT "a""b" FROM "my src"."/Calls/:CallSid/Recordings"')
        == 'SELECT "a""b" FROM "my src"."/Calls/:CallSid/Recordings"'
    )
    assert duck("SELECT 'it''s' FROM t") == "SELECT 'it''s' FROM t"


def test_double_quoted_names_resolve_like_backticks(con, fake):
    a = con.sql('SELECT "id", "from" FROM "fake"."sms" WHERE "To" = \'+15552\' ORDER BY "ID"')
    b = con.sql("SELECT `id`, `from` FROM fake.sms WHERE `to` = '+15552' ORDER BY id")
    assert a.fetchall() == b.fetchall()
    assert a.columns == ["id", "from"]
    assert Pred("to", "eq", "+15552") in fake.requests[0].predicates


def test_a_double_quoted_word_is_never_taken_for_a_string(con):
    with pytest.raises(CatalogError):
        con.sql('SELECT id FROM fake.sms WHERE status = "sent"').fetchall()


# --------------------------------------------------------------------------- nav tree


def test_tree_shows_a_parameter_by_its_api_spelling():
    from distillr import tree

    from .fakes import CALL_RECORDINGS, RECORDINGS

    # Twilio's shape: the parameter is the column call_sid, aliased as CallSid in the path
    data = tree.table_data(CALL_RECORDINGS)
    assert data["parameters"] == ["CallSid"]
    assert data["parameter_columns"] == ["call_sid"]
    # the parameter is itself the virtual column: nothing to translate
    data = tree.table_data(RECORDINGS)
    assert data["parameters"] == data["parameter_columns"] == ["CallSid"]
    # no alias at all: the parameter's own name
    plain = TableDef(
        name="t", columns=(Column("sid", pa.string(), "", {"eq": True}),), parameters=("sid",)
    )
    assert tree.table_data(plain)["parameters"] == ["sid"]


def test_the_spelling_the_tree_shows_binds_the_parameter(tmp_path):
    from distillr import tree

    from .fakes import CALL_RECORDINGS

    fake = FakeConnector(tables=(CALLS, CALL_RECORDINGS))
    session = distillr.connect(home=tmp_path)
    session.register("fake", fake)
    try:
        (param,) = tree.table_data(CALL_RECORDINGS)["parameters"]
        sid = fake.rows["recordings"][0]["call_sid"]
        got = session.sql(f"SELECT sid FROM fake.call_recordings WHERE {param} = '{sid}'")
        assert got.fetchall()
        assert fake.requests[-1].predicates == (Pred("CallSid", "eq", sid),)
    finally:
        session.close()


# --------------------------------------------------------------------------- EXPR$n


def test_unnamed_computed_columns_are_named_as_drill_names_them(con):
    res = con.sql("SELECT status, count(*) FROM fake.calls GROUP BY status ORDER BY count(*) DESC")
    assert res.columns == ["status", "EXPR$1"]
    want = {}
    for r in make_rows()["calls"]:
        want[r["status"]] = want.get(r["status"], 0) + 1
    assert dict(res.fetchall()) == want
    res = con.sql(
        "SELECT (c.status), c.id, lower(status), 1, id + 1 AS next_id, DateCreated"
        " FROM fake.calls c LIMIT 1"
    )
    assert res.columns == ["status", "id", "EXPR$2", "EXPR$3", "next_id", "DateCreated"]
    assert con.sql("SELECT 1 UNION ALL SELECT 2").columns == ["EXPR$0"]


def test_an_outer_query_can_use_a_derived_tables_expr_name(con):
    res = con.sql(
        "SELECT EXPR$0 * 2 AS twice, EXPR$1 FROM (SELECT count(*), max(id) FROM fake.calls)"
    )
    assert res.columns == ["twice", "EXPR$1"]
    assert res.fetchall() == [(80, 40)]


def test_names_after_a_star_are_left_alone(con):
    # Drill would count the columns * expands to; the engine does not guess
    res = con.sql("SELECT *, id + 1 FROM fake.calls LIMIT 1")
    assert res.columns[:9] == [
        "id",
        "sid",
        "status",
        "direction",
        "to",
        "duration",
        "price",
        "date_created",
        "answered",
    ]
    assert len(res.columns) == 10 and not res.columns[9].startswith("EXPR$")


def test_a_missing_parameter_is_named_as_users_write_it(tmp_path):
    from distillr.errors import MissingParameter

    from .fakes import CALL_RECORDINGS

    session = distillr.connect(home=tmp_path)
    session.register("fake", FakeConnector(tables=(CALLS, CALL_RECORDINGS)))
    try:
        with pytest.raises(MissingParameter) as err:
            session.sql("SELECT * FROM fake.call_recordings r")
        assert err.value.parameter == "call_sid"
        assert "path parameter CallSid (call_sid)" in str(err.value)
        assert "WHERE r.CallSid = '...'" in str(err.value)
    finally:
        session.close()
