"""The calls Apache Superset makes on a ``distillr://`` database, made the way Superset makes
them: Superset 6.1 pins SQLAlchemy 1.4 and distillr needs SQLAlchemy 2, so the two cannot
share a virtual environment, and these are its calls on SQLAlchemy 2 (docs/clients.md)."""

from __future__ import annotations

from contextlib import closing

import pytest
import sqlalchemy as sa


@pytest.fixture
def engine(home):
    eng = sa.create_engine(f"distillr:///{home}")
    yield eng
    eng.dispose()


def test_test_connection(engine):
    # Superset: with closing(engine.raw_connection()) as conn: engine.dialect.do_ping(conn)
    with closing(engine.raw_connection()) as conn:
        assert engine.dialect.do_ping(conn)


def test_schema_and_table_lists_of_the_sql_lab_and_dataset_pages(engine):
    insp = sa.inspect(engine)
    assert "tw" in insp.get_schema_names()
    assert "messages" in insp.get_table_names(schema="tw")
    assert insp.get_view_names(schema="tw") == []


def test_dataset_metadata(engine):
    insp = sa.inspect(engine)
    columns = insp.get_columns("messages", schema="tw")
    assert {c["name"] for c in columns} >= {"sid", "status", "date_sent"}
    assert insp.get_pk_constraint("messages", "tw") == {"constrained_columns": [], "name": None}
    assert insp.get_foreign_keys("messages", "tw") == []
    assert insp.get_indexes("messages", "tw") == []
    assert insp.get_table_comment("messages", "tw")["text"]


def test_a_chart_query_as_superset_builds_it(engine):
    # a bar chart: status on the x axis, COUNT(*) as the metric, a row limit
    tbl = sa.table("messages", sa.column("status"), sa.column("date_sent"), schema="tw")
    status = sa.literal_column("status").label("status")
    count = sa.func.count("*").label("count")
    query = (
        sa.select(status, count)
        .select_from(tbl)
        .where(sa.literal_column("date_sent") >= sa.literal_column("'2000-01-01'"))
        .group_by(sa.literal_column("status"))
        .order_by(sa.desc(count))
        .limit(10000)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).fetchall()
        total = conn.exec_driver_sql(
            "SELECT count(*) FROM tw.messages WHERE date_sent >= '2000-01-01'"
        ).scalar()
    assert sum(r[1] for r in rows) == total > 0
    assert [r[1] for r in rows] == sorted((r[1] for r in rows), reverse=True)


def test_sql_lab_runs_text_with_a_limit(engine):
    with engine.connect() as conn:
        result = conn.exec_driver_sql("SELECT sid FROM tw.messages LIMIT 1001")
        assert result.keys() == ["sid"]
        rows = result.fetchall()
    total = len(rows)
    assert 0 < total <= 1001
