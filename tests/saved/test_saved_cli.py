"""``distillr save``, ``refresh`` and ``saved`` from the command line."""

from __future__ import annotations

import io
import json
import sys


def test_save_list_refresh_drop(capsys, monkeypatch, tmp_path):
    from distillr.cli import run

    d = tmp_path / "data"
    d.mkdir()
    (d / "a.csv").write_text("id,v\n1,x\n2,y\n")
    monkeypatch.setenv("DISTILLR_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))

    def cli(*args):
        capsys.readouterr()
        code = run(list(args))
        out = capsys.readouterr()
        return code, out.out + out.err

    assert cli("source", "add", "files", "crm", "--path", str(d))[0] == 0
    code, text = cli("save", "two", "SELECT * FROM crm.`/a.csv`")
    assert code == 0 and "Saved saved.two: 2 rows" in text, text
    code, text = cli("save", "two", "SELECT 1 AS a")
    assert code == 1 and "already exists" in text
    code, text = cli("save", "bad", "SELECT 1 AS a", "--incremental", "a")
    assert code == 2 and "--key" in text
    (d / "a.csv").write_text("id,v\n1,x\n2,y\n3,z\n")
    code, text = cli("refresh", "saved.two")
    assert code == 0 and "3 rows" in text
    code, text = cli("saved", "--json")
    assert [t["name"] for t in json.loads(text)] == ["two"]
    code, text = cli("query", "--format", "json", "SELECT count(*) AS n FROM saved.two")
    assert code == 0 and '"n": 3' in text.replace(" ", " ")
    assert cli("saved", "drop", "two")[0] == 0
    code, text = cli("saved")
    assert "No saved tables yet" in text
