"""``distillr source add files NAME --path DIR`` and queries over it from the command line."""

from __future__ import annotations

import io
import sys

import pytest


@pytest.fixture
def cli(capsys, monkeypatch, tmp_path):
    from distillr.cli import run

    monkeypatch.setenv("DISTILLR_HOME", str(tmp_path / "home"))

    def invoke(*args: str):
        capsys.readouterr()
        monkeypatch.setattr(sys, "stdin", io.StringIO(""))
        code = run([str(a) for a in args])
        out = capsys.readouterr()
        return code, out.out + out.err

    return invoke


def test_add_a_files_source_with_a_relative_path(cli, data_dir, monkeypatch):
    monkeypatch.chdir(data_dir.parent)
    code, text = cli("source", "add", "files", "crm", "--path", "data", "-o", "header=true")
    assert code == 0, text
    assert f"path={data_dir.resolve()}" in text
    monkeypatch.chdir("/")
    code, text = cli(
        "query", "--format", "csv", "SELECT name FROM crm.`/customers.csv` WHERE id = 2"
    )
    assert code == 0, text
    assert "Bob" in text and "Ann" not in text


@pytest.mark.parametrize(
    "name", ["/../outside.csv", "/%2e%2e/outside.csv", "//etc/passwd.csv", "/link.csv"]
)
def test_escapes_are_refused_from_the_cli(cli, data_dir, tmp_path, name):
    (tmp_path / "outside.csv").write_text("secret\n1\n")
    (data_dir / "link.csv").symlink_to(tmp_path / "outside.csv")
    assert cli("source", "add", "files", "crm", "--path", str(data_dir))[0] == 0
    code, text = cli("query", f"SELECT * FROM crm.`{name}`")
    assert code == 1
    assert text.startswith("Error: Table path") and "secret" not in text
    assert "Traceback" not in text


def test_a_missing_directory_is_a_clear_error(cli, tmp_path):
    code, text = cli("source", "add", "files", "crm", "--path", str(tmp_path / "nope"))
    assert code == 1 and "is not a directory" in text
