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


def test_add_from_a_fresh_process_takes_the_generated_path_flag(data_dir, tmp_path):
    import subprocess

    env = {**__import__("os").environ, "DISTILLR_HOME": str(tmp_path / "fresh")}
    args = [sys.executable, "-m", "distillr.cli", "source", "add", "files", "crm", "--path", "data"]
    done = subprocess.run(args, cwd=data_dir.parent, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert f"path={data_dir.resolve()}" in done.stdout
    helped = subprocess.run(
        [sys.executable, "-m", "distillr.cli", "source", "add", "files", "--help"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert "--path DIR" in helped.stdout and "--cache-ttl" in helped.stdout


def test_cache_ttl_on_add_and_update(cli, data_dir, tmp_path):
    from distillr.connectors.cache import ResponseCache

    code, text = cli("source", "add", "files", "crm", "--path", data_dir, "--cache-ttl", "15m")
    assert code == 0, text
    assert "cached for 15m" in text
    home = tmp_path / "home"
    assert ResponseCache(home).ttl("crm") == 900
    code, text = cli("source", "update", "crm", "--cache-ttl", "1h")
    assert code == 0, text
    assert ResponseCache(home).ttl("crm") == 3600
    code, text = cli("source", "update", "crm", "--cache-ttl", "soon")
    assert code == 2 and "not a time to live" in text and "Traceback" not in text
    assert ResponseCache(home).ttl("crm") == 3600
    code, text = cli("source", "add", "files", "crm2", "--path", data_dir, "--cache-ttl", "0")
    assert code == 2 and "more than zero" in text
    assert cli("source", "show", "crm2")[0] == 1  # nothing saved
