"""Saved tables: CREATE TABLE saved.x AS SELECT, refresh (full and incremental), DROP TABLE."""

from __future__ import annotations

import os
import stat

import pytest

import distillr
from distillr.connectors.files import FilesConnector
from distillr.errors import CatalogError, ConfigError, DistillrError, UnsupportedError

HEADER = "id,name,updated\n"


@pytest.fixture
def con(tmp_path):
    d = tmp_path / "data"
    d.mkdir()
    (d / "people.csv").write_text(
        HEADER + "1,Ann,2026-01-01 10:00:00\n2,Bob,2026-01-02 10:00:00\n3,Cy,2026-01-03 10:00:00\n"
    )
    session = distillr.connect(home=str(tmp_path / "home"))
    session.register("crm", FilesConnector("crm", d))
    session.data = d
    yield session
    session.close()


def rows(con, sql):
    return sorted(con.sql(sql).fetchall())


def test_create_table_as_select_writes_parquet_and_remembers_its_sql(con):
    got = con.sql(
        "CREATE TABLE saved.people AS SELECT id, name FROM crm.`/people.csv` WHERE id > 1"
    )
    assert got.fetchall()[0][:2] == ("saved.people", 2)
    assert rows(con, "SELECT * FROM saved.people") == [(2, "Bob"), (3, "Cy")]
    info = con.sql("SHOW TABLES IN saved").fetchall()
    assert info[0][1] == "people"
    assert "2 rows" in info[0][2] and "WHERE id > 1" in info[0][2]
    folder = con.home / "saved"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = sorted(p.name for p in folder.iterdir() if not p.name.endswith(".lock"))
    assert len(files) == 2 and files[1] == "people.json" and files[0].endswith(".parquet")
    for name in files:
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600
    assert "saved" in con.sources()


def test_only_the_saved_schema_is_writable(con):
    with pytest.raises(UnsupportedError, match="saved schema only"):
        con.sql("CREATE TABLE crm.x AS SELECT 1 AS a")
    with pytest.raises(UnsupportedError, match=r"CREATE TABLE saved\.NAME AS SELECT"):
        con.sql("CREATE TABLE saved.x (a INT)")
    with pytest.raises(ConfigError, match="not a valid saved table name"):
        con.sql("CREATE TABLE saved.`../x` AS SELECT 1 AS a")


def test_exists_replace_and_drop(con):
    con.sql("CREATE TABLE saved.t AS SELECT 1 AS a")
    with pytest.raises(ConfigError, match="already exists"):
        con.sql("CREATE TABLE saved.t AS SELECT 2 AS a")
    con.sql("CREATE TABLE IF NOT EXISTS saved.t AS SELECT 3 AS a")
    assert rows(con, "SELECT a FROM saved.t") == [(1,)]
    con.sql("CREATE OR REPLACE TABLE saved.t AS SELECT 2 AS a")
    assert rows(con, "SELECT a FROM saved.t") == [(2,)]
    leftovers = [p for p in (con.home / "saved").iterdir() if p.suffix == ".parquet"]
    assert len(leftovers) == 2  # the current version and the one before (for running readers)
    con.sql("DROP TABLE saved.t")
    with pytest.raises(CatalogError, match="No saved table 't'"):
        con.sql("SELECT * FROM saved.t")
    con.sql("DROP TABLE IF EXISTS saved.t")
    with pytest.raises(CatalogError):
        con.sql("DROP TABLE saved.t")
    assert [p.name for p in (con.home / "saved").iterdir()] == []


def test_duplicate_column_names_are_refused(con):
    with pytest.raises(DistillrError, match="two columns named"):
        con.save(
            "d", "SELECT a.id, b.id FROM crm.`/people.csv` a JOIN crm.`/people.csv` b USING (name)"
        )
    assert "saved" not in con.sources()


def test_refresh_runs_the_query_again(con):
    con.save("p", "SELECT id, name FROM crm.`/people.csv`")
    (con.data / "people.csv").write_text(HEADER + "9,Zed,2026-02-01 00:00:00\n")
    info = con.refresh("p")
    assert info.rows == 1
    assert rows(con, "SELECT * FROM saved.p") == [(9, "Zed")]


def test_incremental_refresh_merges_by_key_and_equals_a_full_save(con):
    sql = "SELECT id, name, updated FROM crm.`/people.csv`"
    con.save("inc", sql, incremental="updated", key="id")
    (con.data / "people.csv").write_text(
        HEADER + "1,Ann,2026-01-01 10:00:00\n2,Bob,2026-01-02 10:00:00\n"
        "3,Cy2,2026-01-05 10:00:00\n4,Di,2026-01-04 10:00:00\n"
    )
    info = con.refresh("inc")
    assert info.rows == 4
    con.save("full", sql)
    assert rows(con, "SELECT * FROM saved.inc") == rows(con, "SELECT * FROM saved.full")
    assert (3, "Cy2") in [r[:2] for r in rows(con, "SELECT * FROM saved.inc")]


def test_incremental_keeps_the_newest_row_of_a_key(con):
    con.save("inc", "SELECT * FROM crm.`/people.csv`", incremental="updated", key="id")
    with (con.data / "people.csv").open("a") as f:
        f.write("3,Cy2,2026-01-05 10:00:00\n3,Cy1,2026-01-04 10:00:00\n")
    con.refresh("inc")
    assert rows(con, "SELECT id, name FROM saved.inc") == [(1, "Ann"), (2, "Bob"), (3, "Cy2")]


def test_a_failed_refresh_leaves_the_old_table(con):
    con.save("p", "SELECT id, name FROM crm.`/people.csv`")
    before = rows(con, "SELECT * FROM saved.p")
    (con.data / "people.csv").unlink()
    with pytest.raises(DistillrError):
        con.refresh("p")
    assert rows(con, "SELECT * FROM saved.p") == before
    assert not [p for p in (con.home / "saved").iterdir() if p.name.endswith(".tmp")]


def test_saved_name_is_reserved_for_sources(tmp_path):
    from distillr.registry import Registry

    with pytest.raises(ConfigError, match="schema of saved tables"):
        Registry(tmp_path).add("files", "saved", {"path": str(tmp_path)})
    assert os.listdir(tmp_path) == []


def test_the_nav_tree_shows_saved_tables_with_rows_size_and_age(con):
    from distillr import tree

    con.save("p", "SELECT id, name FROM crm.`/people.csv`")
    data = tree.build(con, "saved")
    (t,) = data["sources"][0]["tables"]
    assert t["name"] == "p"
    assert t["description"].startswith("3 rows, ") and " saved " in t["description"]
    assert " ago: SELECT id, name" in t["description"]


def test_splits_pickle_for_workers(con):
    import pickle

    from distillr.connectors.base import Pred, ScanRequest

    con.save("p", "SELECT id, name FROM crm.`/people.csv`")
    for source, table in (("saved", "p"), ("crm", "/people.csv")):
        conn = con.connector(source)
        splits = conn.plan(ScanRequest(table, predicates=(Pred("id", "gt", 1),)))
        again = pickle.loads(pickle.dumps(list(splits)))
        rows = [r for s in again for b in conn.read(s) for r in b.to_pylist()]
        assert sorted(r["id"] for r in rows) == [2, 3]
