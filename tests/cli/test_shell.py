"""`distillr shell`: completion, dot commands, and the real prompt driven in a pseudo-terminal."""

from __future__ import annotations

import re
import sys

import pytest

from distillr.cli.shell import Catalog, Shell, completions, split_statements


class _Session:
    """Enough of a Session for completion: the registry answers sources() and connector()."""

    def __init__(self, home):
        from distillr.registry import Registry

        self.reg = Registry(home)

    def sources(self):
        return self.reg.sources()

    def connector(self, name):
        return self.reg.connector(name)


def _complete(home, text):
    return [c[0] for c in completions(Catalog(_Session(home)), text)]


def test_completion(shop, home):
    assert _complete(home, "SELECT * FROM sh")[0] == "shop"  # sources first, then keywords
    assert _complete(home, "SELECT * FROM shop.it") == ["shop.items", "shop.item_parts"]
    assert _complete(home, "SELECT * FROM shop./It") == [
        "shop.`/Items`",
        "shop.`/Items/:ItemId/Parts`",
    ]
    assert _complete(home, "SELECT * FROM shop.`/Items/") == ["shop.`/Items/:ItemId/Parts`"]
    assert "kind" not in _complete(home, "SELECT ki")  # no table named yet: no columns
    assert "kind" in _complete(home, "SELECT * FROM shop.items WHERE ki")
    assert "ItemId" in _complete(home, "SELECT * FROM shop.`/Items/:ItemId/Parts` WHERE Ite")
    assert "SELECT" in _complete(home, "sel")
    assert _complete(home, ".sch") == [".schema"]
    assert _complete(home, "SELECT * FROM nope.x") == []


def test_split_statements():
    assert split_statements("SELECT 1;\nSELECT ';' -- a ; comment\n;") == [
        "SELECT 1",
        "SELECT ';' -- a ; comment",
    ]
    assert split_statements("-- only a comment") == []


def test_dot_commands_and_queries(shop, home, capsys):
    import distillr

    sh = Shell(distillr.connect(str(home)))
    assert sh.handle(".tables")
    assert "items" in capsys.readouterr().out
    sh.handle(".schema shop.items")
    out = capsys.readouterr().out
    assert "kind" in out and "VARCHAR" in out
    sh.handle(".schema items")
    assert "SOURCE.TABLE" in capsys.readouterr().err
    sh.handle(".format csv")
    sh.handle("SELECT id FROM shop.items ORDER BY id LIMIT 2; SELECT 'x' AS y;")
    assert capsys.readouterr().out.split() == [
        "Output",
        "format:",
        "csv",
        '"id"',
        "1",
        "2",
        '"y"',
        '"x"',
    ]
    sh.handle(".format xml")
    assert "one of table, csv" in capsys.readouterr().err
    sh.handle(".explain on")
    sh.handle("SELECT * FROM shop.items LIMIT 1;")
    assert "GET /items" in capsys.readouterr().out
    sh.handle("SELECT * FROM shop.nope;")
    assert "no table 'nope'" in capsys.readouterr().err
    sh.handle(".frob")
    assert ".help" in capsys.readouterr().err
    assert sh.handle(".quit") is False


def _screen(text: str) -> str:
    """A regex for ``text`` as a terminal shows it: escape codes may sit between characters."""
    esc = r"(?:\x1b\[[0-9;?]*[A-Za-z])*"
    return esc.join(re.escape(ch) for ch in text)


def test_shell_in_a_pseudo_terminal(shop, home, child_env):
    pexpect = pytest.importorskip("pexpect")
    env = child_env | {"PROMPT_TOOLKIT_NO_CPR": "1", "NO_COLOR": "1"}
    child = pexpect.spawn(
        sys.executable,
        ["-m", "distillr.cli", "shell"],
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 120),
    )
    try:
        child.expect(_screen("distillr>"))
        child.send("SELECT part_id FROM shop./Items/")
        child.expect(_screen("shop./Items/"))
        child.send("\t")  # one match: completed in place, backticked
        child.expect(_screen("`/Items/:ItemId/Parts`"))
        child.send("\r")  # no ';' yet: a second line
        child.expect(_screen("...>"))
        child.send("WHERE ItemId = 2;\r")
        child.expect("22")
        child.expect("3 rows")
        child.expect(_screen("distillr>"))
        child.send(".tables\r")
        child.expect("item_parts")
        child.expect(_screen("distillr>"))
        child.send(".quit\r")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    history = (home / "shell_history").read_text()
    assert "+SELECT part_id FROM shop.`/Items/:ItemId/Parts`\n+WHERE ItemId = 2;" in history


def test_piped_input_runs_as_a_script(cli, shop):
    ran = cli(
        "shell",
        "--format",
        "csv",
        input="SELECT id FROM shop.items ORDER BY id LIMIT 2;\nSELECT 'x' AS y;\n",
    )
    assert ran.code == 0 and ran.out.split() == ['"id"', "1", "2", '"y"', '"x"']
    ran = cli("shell", input="SELECT * FROM shop.nope;\nSELECT 1 AS one;\n")
    assert ran.code == 1 and "no table 'nope'" in ran.err and "one" in ran.out
