"""`distillr query`: inputs, formats, errors, the progress line and Ctrl-C."""

from __future__ import annotations

import json
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from distillr.cli import render, writers

ITEMS = "SELECT * FROM shop.items ORDER BY id LIMIT 3"


def test_table_output(cli, shop):
    ran = cli("query", ITEMS)
    assert ran.code == 0, ran.text
    lines = ran.out.splitlines()
    assert lines[0].split() == ["id", "name", "kind"]
    assert "item 3" in ran.out and "3 rows" in ran.out


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "markdown"])
def test_text_formats(cli, shop, fmt):
    ran = cli("query", ITEMS, "--format", fmt)
    assert ran.code == 0, ran.text
    out = ran.out
    if fmt == "csv":
        assert out.splitlines() == [
            '"id","name","kind"',
            '1,"item 1","odd"',
            '2,"item 2","even"',
            '3,"item 3","odd"',
        ]
    elif fmt == "json":
        assert json.loads(out)[2] == {"id": 3, "name": "item 3", "kind": "odd"}
    elif fmt == "jsonl":
        assert [json.loads(x)["id"] for x in out.splitlines()] == [1, 2, 3]
    else:
        assert out.splitlines()[:3] == [
            "| id | name | kind |",
            "| --- | --- | --- |",
            "| 1 | item 1 | odd |",
        ]


def test_output_files(cli, shop, tmp_path):
    for fmt in ("parquet", "csv", "json", "table"):
        target = tmp_path / f"out.{fmt}"
        ran = cli("query", ITEMS, "--format", fmt, "--output", target)
        assert ran.code == 0 and "Wrote 3 rows" in ran.err
    assert pq.read_table(tmp_path / "out.parquet").column("id").to_pylist() == [1, 2, 3]
    assert (tmp_path / "out.csv").read_text().startswith('"id","name","kind"')
    assert len(json.loads((tmp_path / "out.json").read_text())) == 3
    assert "item 3" in (tmp_path / "out.table").read_text()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp files


def test_failed_query_leaves_no_output_file(cli, shop, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    ran = cli("query", "SELECT * FROM shop.nope", "--format", "csv", "--output", out / "a.csv")
    assert ran.code == 1 and list(out.iterdir()) == []


def test_sql_from_file_and_stdin(cli, shop, tmp_path):
    f = tmp_path / "q.sql"
    f.write_text(ITEMS + ";\n")
    assert "item 3" in cli("query", "-f", f, "--format", "csv").out
    assert "item 3" in cli("query", "--format", "csv", input=ITEMS).out


def test_usage_errors(cli, shop, tmp_path):
    missing = cli("query", "-f", tmp_path / "missing.sql")
    assert missing.code == 2 and "cannot read" in missing.err
    binary = tmp_path / "bin.sql"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    assert cli("query", "-f", binary).code == 2
    assert cli("query", "-f", tmp_path).code == 2  # a folder
    assert cli("query", ITEMS, "-f", binary).code == 2
    assert cli("query", "   ").code == 2
    assert cli("query", ITEMS, "--format", "xml").code == 2


def test_query_errors_exit_1_with_a_hint(cli, shop):
    ran = cli("query", "SELEC * FROM shop.items")
    assert ran.code == 1 and "line 1" in ran.err and "^" in ran.err
    ran = cli("query", "SELECT * FROM shpo.items")
    assert ran.code == 1 and "shpo" in ran.err
    ran = cli("query", "SELECT * FROM shop.itmes")
    assert ran.code == 1 and "itmes" in ran.err
    ran = cli("query", "SELECT * FROM shop.`/Items/:ItemId/Parts`")
    assert ran.code == 1 and "ItemId" in ran.err
    for r in (ran,):
        assert "Traceback" not in r.err


def test_path_parameter_query(cli, shop):
    ran = cli(
        "query",
        "SELECT part_id FROM shop.`/Items/:ItemId/Parts` WHERE ItemId = 2",
        "--format",
        "csv",
    )
    assert ran.code == 0, ran.text
    assert ran.out.split() == ['"part_id"', "20", "21", "22"]


def test_explain(cli, shop):
    ran = cli("query", "--explain", "SELECT * FROM shop.items LIMIT 3")
    assert ran.code == 0 and "shop.items" in ran.out and "GET /items" in ran.out


def test_wide_tables_fit_the_terminal():
    from rich.console import Console

    table = pa.table({f"column_{i}": [f"value {i}" * 3] for i in range(20)})
    con = Console(width=80, record=True, color_system=None)
    render.terminal_table(table, con)
    text = con.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "column_0" in text and "17 more columns not shown" in text and "column_3," in text


def test_cells_are_exact():
    import datetime as dt
    import decimal

    assert render.cell(decimal.Decimal("0.10")) == "0.10"
    assert render.cell(None) == "NULL"
    assert render.cell(dt.datetime(2024, 1, 2, 3, 4, 5)) == "2024-01-02 03:04:05"
    assert render.cell([1, {"a": 2}]) == '[1, {"a": 2}]'


def test_ctrl_c_cancels_cleanly(cli, home, fake_type, child_env):
    """Ctrl-C while a slow query reads pages: exit 1, one line, no traceback."""
    pexpect = pytest.importorskip("pexpect")
    assert (
        cli(
            "source",
            "add",
            "fake",
            "slowshop",
            "-o",
            "account=a",
            "-o",
            "delay=0.05",
            "--secret-env",
            "token=FAKE_TOKEN",
        ).code
        == 0
    )
    child = pexpect.spawn(
        sys.executable,
        ["-m", "distillr.cli", "query", "SELECT count(*) FROM slowshop.slow"],
        env=child_env,
        encoding="utf-8",
        timeout=60,
        dimensions=(40, 120),
    )
    child.expect(r"\d+ requests · \d+ pages")  # the query is reading pages now
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert "cancelled (ctrl-c)" in child.before.lower() and "Traceback" not in child.before


def test_progress_line_on_a_terminal(home, fake_type, cli, child_env):
    pexpect = pytest.importorskip("pexpect")
    assert (
        cli(
            "source",
            "add",
            "fake",
            "slowshop",
            "-o",
            "account=a",
            "-o",
            "delay=0.02",
            "--secret-env",
            "token=FAKE_TOKEN",
        ).code
        == 0
    )
    child = pexpect.spawn(
        sys.executable,
        [
            "-m",
            "distillr.cli",
            "query",
            "SELECT count(*) AS n FROM (SELECT * FROM slowshop.slow LIMIT 60)",
        ],
        env=child_env,
        encoding="utf-8",
        timeout=60,
        dimensions=(40, 120),
    )
    child.expect(r"\d+ requests · \d+ pages · [\d,]+ rows · \d+\.\d s")
    child.expect("60")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_nested_values_render_as_json():
    import io

    t = pa.table(
        {
            "m": pa.array([[("a", "1")], None], pa.map_(pa.string(), pa.string())),
            "l": pa.array([[1, 2], []], pa.list_(pa.int64())),
        }
    )
    out = io.StringIO()
    writers.write_batches(t.to_batches(), lambda: t.schema, "jsonl", out)
    assert out.getvalue().splitlines() == ['{"m": {"a": "1"}, "l": [1, 2]}', '{"m": null, "l": []}']
    buf = io.BytesIO()
    writers.write_batches(t.to_batches(), lambda: t.schema, "csv", buf)
    assert buf.getvalue().decode().splitlines()[1] == '"{""a"": ""1""}","[1, 2]"'
