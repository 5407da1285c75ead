"""The files source: tables named by path, every format, globs, pushdown that changes nothing."""

from __future__ import annotations

import pytest

from distillr.connectors.files import FilesConnector
from distillr.errors import CatalogError, ConfigError


def rows(con, sql, pushdown=True):
    return sorted(con.sql(sql, pushdown=pushdown).fetchall(), key=repr)


def test_every_file_is_a_table_named_by_its_path(files_con):
    names = [t.name for t in files_con.connector("crm").tables()]
    assert names == [
        "/customers.csv",
        "/events.ndjson",
        "/list.json",
        "/plans.tsv",
        "/exports/part1.parquet",
        "/exports/part2.parquet",
    ]


def test_csv_schema_follows_duckdb_inference(files_con):
    t = files_con.connector("crm").table("/customers.csv")
    types = {c.name: str(c.type) for c in t.columns}
    assert types == {
        "id": "int64",
        "name": "string",
        "phone": "string",
        "plan": "string",
        "joined": "date32[day]",
    }
    got = files_con.sql("SELECT name FROM crm.`/customers.csv` WHERE joined > DATE '2026-03-01'")
    assert sorted(r[0] for r in got.fetchall()) == ["Cy", "Di"]


def test_tsv_json_ndjson(files_con):
    assert rows(files_con, "SELECT plan, seats FROM crm.`/plans.tsv`") == [
        ("enterprise", 100),
        ("free", 1),
    ]
    assert rows(files_con, "SELECT count(*), sum(n) FROM crm.`/events.ndjson`") == [(30, 652.5)]
    assert rows(files_con, "SELECT a, b FROM crm.`/list.json`") == [(1, "x"), (2, "y")]


def test_excel(data_dir, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "First"
    book.active.append(["id", "name"])
    book.active.append([1, "one"])
    other = book.create_sheet("Other")
    other.append(["k", "v"])
    other.append(["a", 2.5])
    other.append(["b", 3.5])
    book.save(data_dir / "book.xlsx")
    first = FilesConnector("x", data_dir)
    import distillr

    con = distillr.connect(home=str(tmp_path / "h"))
    con.register("x", first)
    con.register("y", FilesConnector("y", data_dir, sheet="Other"))
    assert con.sql("SELECT id, name FROM x.`/book.xlsx`").fetchall() == [(1, "one")]
    assert con.sql("SELECT k FROM y.`/book.xlsx` WHERE v > 3").fetchall() == [("b",)]


def test_glob_is_one_table_over_many_files(files_con):
    got = files_con.sql("SELECT count(*), min(id), max(id) FROM crm.`/exports/*.parquet`")
    assert got.fetchall() == [(20_000, 0, 19_999)]
    deep = files_con.sql("SELECT count(*) FROM crm.`/**/*.parquet`").fetchall()
    assert deep == [(20_000,)]


def test_reader_options_delimiter_and_header(tmp_path):
    d = tmp_path / "semi"
    d.mkdir()
    (d / "a.csv").write_text("1;2\n3;4\n")
    conn = FilesConnector("s", d, delimiter=";", header=False)
    t = conn.table("/a.csv")
    assert len(t.columns) == 2
    import distillr

    con = distillr.connect(home=str(tmp_path / "h"))
    con.register("s", conn)
    assert con.sql("SELECT * FROM s.`/a.csv`").fetchall() == [(1, 2), (3, 4)]


QUERIES = [
    "SELECT id, grp FROM crm.`/exports/*.parquet` WHERE id BETWEEN 4321 AND 4400",
    "SELECT count(*) FROM crm.`/exports/*.parquet` WHERE grp = 'g3' AND id < 9000",
    "SELECT id FROM crm.`/exports/part2.parquet` WHERE grp IN ('g1', 'g2') AND id > 19990",
    "SELECT id FROM crm.`/exports/part1.parquet` WHERE grp LIKE 'g6%' AND id >= 9990",
    "SELECT id, x FROM crm.`/exports/part1.parquet` WHERE x > 3000 AND id < 9005",
    "SELECT name FROM crm.`/customers.csv` WHERE plan = 'enterprise' AND phone LIKE '+1555%'",
    "SELECT name FROM crm.`/customers.csv` WHERE phone IS NULL OR id = 1",
    "SELECT kind, count(*) FROM crm.`/events.ndjson` WHERE n >= 10 GROUP BY kind",
    "SELECT * FROM crm.`/customers.csv` LIMIT 2",
    "SELECT id FROM crm.`/exports/part1.parquet` WHERE id > 100 LIMIT 5",
]


@pytest.mark.parametrize("sql", QUERIES)
def test_pushdown_on_and_off_agree(files_con, sql):
    assert rows(files_con, sql, True) == rows(files_con, sql, False)


def test_parquet_filter_skips_row_groups(files_con):
    ex = files_con.explain("SELECT id FROM crm.`/exports/*.parquet` WHERE id >= 19500")
    reqs = ex.to_dict()["tables"][0]["requests"]
    # part1 holds ids 0..9999: no row group may match, so it is not read at all
    assert reqs == [
        "read /exports/part2.parquet (parquet): 1 of 10 row groups (9 skipped by statistics)"
    ]
    res = files_con.sql("SELECT count(*) FROM crm.`/exports/*.parquet` WHERE id >= 19500")
    assert res.fetchall() == [(500,)]
    assert res.stats.tables[0].scan.rows == 500  # the reader sent only matching rows


def test_column_pruning_reaches_the_reader(files_con):
    conn = files_con.connector("crm")
    from distillr.connectors.base import ScanRequest

    (split,) = conn.plan(ScanRequest("/exports/part1.parquet", columns=("grp",), limit=3))
    (batch,) = list(conn.read(split))
    assert batch.schema.names == ["grp"] and batch.num_rows == 3


ESCAPES = [
    "/../outside.csv",
    "/exports/../../outside.csv",
    "../outside.csv",
    "/%2e%2e/outside.csv",
    "/%2E%2E%2Foutside.csv",
    "//etc/passwd.csv",
    "~/outside.csv",
    "C:/x.csv",
    "/exports\\..\\x.csv",
    "/.hidden.csv",
    "/x.csv\x00",
]


@pytest.mark.parametrize("name", ESCAPES)
def test_path_escapes_are_refused(files_con, data_dir, name):
    (data_dir.parent / "outside.csv").write_text("secret\n1\n")  # what an escape would reach
    with pytest.raises(CatalogError, match=r"^Table path"):
        files_con.connector("crm").table(name)
    with pytest.raises(CatalogError, match=r"^Table path"):
        files_con.sql(f"SELECT * FROM crm.`{name}`").fetchall()


def test_absolute_path_of_the_directory_is_refused(files_con, data_dir):
    with pytest.raises(CatalogError, match="absolute path"):
        files_con.connector("crm").table(str(data_dir / "customers.csv"))


def test_symlink_out_is_refused_and_not_listed(files_con, data_dir, tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n")
    (data_dir / "link.csv").symlink_to(secret)
    (data_dir / "inside.csv").symlink_to(data_dir / "customers.csv")
    (data_dir / "linkdir").symlink_to(tmp_path)
    conn = files_con.connector("crm")
    names = [t.name for t in conn.tables()]
    assert "/link.csv" not in names and "/inside.csv" in names
    assert not any(n.startswith("/linkdir") for n in names)
    with pytest.raises(CatalogError, match="leads outside"):
        conn.table("/link.csv")
    with pytest.raises(CatalogError, match="leads outside"):
        conn.table("/linkdir/secret.csv")
    with pytest.raises(CatalogError, match="leads outside"):
        files_con.sql("SELECT * FROM crm.`/link.csv`").fetchall()


def test_private_reader_cannot_leave_the_directory(data_dir, tmp_path):
    from distillr.connectors.files.readers import private_db

    (tmp_path / "secret.csv").write_text("a\n1\n")
    con = private_db(data_dir)
    try:
        with pytest.raises(Exception, match="disabled"):
            con.sql("SELECT * FROM read_csv($1)", params=[str(tmp_path / "secret.csv")]).fetchall()
        with pytest.raises(Exception, match="locked"):
            con.execute("SET enable_external_access = true")
    finally:
        con.close()


def test_unknown_types_and_missing_files(files_con):
    conn = files_con.connector("crm")
    with pytest.raises(CatalogError, match="not a supported file type"):
        conn.table("/notes.md")
    with pytest.raises(CatalogError, match=r"no file '/customer\.csv'.*customers\.csv"):
        conn.table("/customer.csv")
    with pytest.raises(CatalogError, match=r"No file .* matches"):
        conn.table("/nothing/*.csv")


def test_the_engine_keeps_external_access_off(files_con, data_dir):
    from distillr.errors import UnsupportedError

    with pytest.raises(UnsupportedError):
        files_con.sql(f"SELECT * FROM read_csv('{data_dir / 'customers.csv'}')").fetchall()


def test_registry_resolves_the_path_when_saved(data_dir, tmp_path, monkeypatch):
    from distillr.registry import Registry

    monkeypatch.chdir(data_dir.parent)
    reg = Registry(tmp_path / "home")
    info = reg.add("files", "crm", {"path": "./data", "header": "true"})
    assert info.options == {"path": str(data_dir.resolve()), "header": True}
    with pytest.raises(ConfigError, match="not a directory"):
        reg.add("files", "bad", {"path": str(tmp_path / "missing")})
    with pytest.raises(ConfigError, match="Unknown setting 'delimter'"):
        reg.add("files", "bad", {"path": "./data", "delimter": ";"})
    monkeypatch.chdir(tmp_path)
    assert reg.connector("crm").table("/customers.csv").name == "/customers.csv"


def test_an_upload_past_the_limit_leaves_nothing(data_dir):
    import io

    from distillr.connectors.files.uploads import TooLarge

    conn = FilesConnector("crm", data_dir)
    before = sorted(p.name for p in data_dir.iterdir())
    body = io.BytesIO(b"a\n" + b"1\n" * 3_000_000)
    with pytest.raises(TooLarge, match="larger than the upload limit"):
        conn.store_upload("big.csv", body.read, max_bytes=2_000_000)
    assert sorted(p.name for p in data_dir.iterdir()) == before
    assert conn.store_upload("new/ok.csv", io.BytesIO(b"a\n1\n").read) == "/new/ok.csv"
    with pytest.raises(CatalogError, match="symlink"):
        (data_dir / "out").symlink_to(data_dir.parent)
        conn.store_upload("out/x.csv", io.BytesIO(b"a\n1\n").read)
