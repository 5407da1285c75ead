"""The SQLAlchemy dialect: URLs, compiled SQL, the inspector, and pandas.read_sql giving the
same frame as the session."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

import distillr


@pytest.fixture
def engine(home):
    eng = sa.create_engine(f"distillr:///{home}")
    yield eng
    eng.dispose()


def test_the_entry_points_register_both_urls():
    assert sa.create_engine("distillr://").dialect.name == "distillr"
    assert sa.create_engine("distillr+http://localhost:1").dialect.driver == "http"


def test_url_options_are_checked():
    with pytest.raises(ValueError, match="Unknown distillr URL option"):
        sa.create_engine("distillr://?nope=1").connect()
    with pytest.raises(ValueError, match="host"):
        sa.create_engine("distillr://somehost/x").connect()


def test_a_token_in_the_url_is_masked_when_shown():
    eng = sa.create_engine("distillr+http://:dst_secret123@localhost:1")
    assert "dst_secret123" not in repr(eng.url) and "dst_secret123" not in str(eng)


def test_compiles_drill_style_with_backticks(engine):
    table = sa.table("/Calls/:CallSid/Recordings", sa.column("sid"), schema="tw")
    sql = str(
        sa.select(table.c.sid).where(table.c.sid == "x").limit(5).compile(dialect=engine.dialect)
    )
    assert "tw.`/Calls/:CallSid/Recordings`" in sql
    assert "LIMIT ?" in sql and '"' not in sql


def test_inspector_lists_sources_tables_and_typed_columns(engine):
    insp = sa.inspect(engine)
    assert "tw" in insp.get_schema_names()
    tables = insp.get_table_names(schema="tw")
    assert "messages" in tables and "calls" in tables
    assert "available_phone_numbers_local" in tables
    columns = {c["name"]: c for c in insp.get_columns("messages", schema="tw")}
    assert isinstance(columns["sid"]["type"], sa.String)
    assert isinstance(columns["num_segments"]["type"], sa.BigInteger)
    assert isinstance(columns["date_sent"]["type"], sa.DateTime)
    assert columns["date_sent"]["type"].timezone
    assert isinstance(columns["price"]["type"], sa.Numeric)
    assert columns["sid"]["comment"]
    assert insp.has_table("messages", schema="tw") and not insp.has_table("nope", schema="tw")
    assert insp.get_pk_constraint("messages", schema="tw")["constrained_columns"] == []
    assert insp.get_foreign_keys("messages", schema="tw") == []


def test_path_parameter_tables_say_so_in_their_comment(engine):
    comment = sa.inspect(engine).get_table_comment("available_phone_numbers_local", schema="tw")
    assert "country_code = '...'" in comment["text"]
    assert sa.inspect(engine).get_table_comment("messages", schema="tw")["text"]


def test_reflect_a_table_and_select_from_it(engine):
    meta = sa.MetaData()
    messages = sa.Table("messages", meta, schema="tw", autoload_with=engine)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(messages.c.sid, messages.c.status).order_by(messages.c.sid).limit(3)
        ).fetchall()
    assert len(rows) == 3 and rows[0][0] < rows[1][0]


def test_pandas_read_sql_gives_the_session_frame(engine, home):
    with distillr.connect(home=str(home)) as session:
        status = session.sql("SELECT status FROM tw.messages LIMIT 1").fetchall()[0][0]
        sql = (
            "SELECT sid, status, num_segments, date_sent FROM tw.messages"
            f" WHERE status = '{status}' ORDER BY sid"
        )
        expected = session.sql(sql).df()
    got = pd.read_sql(sql, engine)
    assert len(got) > 0
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    with engine.connect() as conn:
        bound = pd.read_sql(
            sa.text(
                "SELECT sid, status, num_segments, date_sent FROM tw.messages"
                " WHERE status = :s ORDER BY sid"
            ),
            conn,
            params={"s": status},
        )
    pd.testing.assert_frame_equal(bound, expected, check_dtype=False)


def test_errors_reach_sqlalchemy_as_dbapi_errors(engine):
    with engine.connect() as conn, pytest.raises(sa.exc.ProgrammingError, match="nosuch"):
        conn.exec_driver_sql("SELECT * FROM nosuch.calls")


def test_core_query_on_a_path_parameter_table(engine):
    with engine.connect() as conn:
        call_sid = conn.exec_driver_sql("SELECT sid FROM tw.calls LIMIT 1").scalar()
        table = sa.table(
            "/Calls/:CallSid/Recordings", sa.column("sid"), sa.column("CallSid"), schema="tw"
        )
        rows = conn.execute(sa.select(table.c.sid).where(table.c.CallSid == call_sid)).fetchall()
        expected = conn.exec_driver_sql(
            f"SELECT sid FROM tw.recordings WHERE call_sid = '{call_sid}'"
        ).fetchall()
    assert sorted(rows) == sorted(expected)
