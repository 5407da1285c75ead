"""``distillr source add rest NAME --openapi SPEC``: the report, --dry-run, saving, errors."""

from __future__ import annotations

import pytest

from distillr.cli import run


@pytest.fixture()
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("DISTILLR_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DISTILLR_SECRET_KEY", raising=False)
    return tmp_path / "home"


@pytest.fixture(scope="module")
def jira():
    from distillr.sandbox import JiraSandbox

    with JiraSandbox(seed=3, scale="tiny") as sb:
        yield sb


def cli(capsys, *args):
    capsys.readouterr()
    code = run([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def sources(capsys):
    return cli(capsys, "source", "list", "--json")[1]


def test_dry_run_prints_the_tables_and_saves_nothing(home, capsys, specs_dir):
    spec = specs_dir / "twilio_api_v2010.json"
    code, out, err = cli(
        capsys, "source", "add", "rest", "tw", "--openapi", spec, "--include", "*/Calls.json",
        "--param", "AccountSid=AC1", "--dry-run",
    )  # fmt: skip
    assert code == 0, err
    assert "1 tables:" in out and "calls (/Calls," in out and "next_url" in out
    assert "not included" in out
    assert "nothing was saved" in err
    assert sources(capsys).strip() == "[]"


def test_add_from_the_sandboxs_url_then_query(home, capsys, jira, monkeypatch):
    monkeypatch.setenv("JIRA_TOKEN", jira.api_token)
    code, out, err = cli(
        capsys, "source", "add", "rest", "jj", "--openapi", jira.base_url + "/openapi.json",
        "--include", "Agile", "--exclude", "*/sprint", "--option", f"username={jira.email}",
        "--secret-env", "password=JIRA_TOKEN",
    )  # fmt: skip
    assert code == 0, err
    assert "Saved data source 'jj' (rest, 5 tables; settings work)" in out
    assert jira.api_token not in out + err
    code, out, err = cli(
        capsys, "query", "SELECT count(*) AS n FROM jj.`/board`", "--format", "csv"
    )
    assert code == 0, err
    assert out.split() == ['"n"', str(len(jira.boards()))]


def test_errors_save_nothing(home, capsys, tmp_path, jira):
    bad = tmp_path / "bad.yaml"
    bad.write_text("openapi: 3.0.0\npaths: [\n")
    code, _, err = cli(capsys, "source", "add", "rest", "x", "--openapi", bad)
    assert code == 1 and "not valid YAML" in err and "Traceback" not in err
    empty = tmp_path / "empty.json"
    empty.write_text('{"openapi": "3.1.0", "servers": [{"url": "https://e.example.com"}], "paths": '
                     '{"/a": {"post": {"responses": {"200": {"description": ""}}}}}}')  # fmt: skip
    code, _, err = cli(capsys, "source", "add", "rest", "x", "--openapi", empty)
    assert code == 1 and "POST /a: only GET" not in err and "has no operation" in err
    dangling = tmp_path / "dangling.yaml"
    dangling.write_text(
        "openapi: 3.0.0\nservers: [{url: 'https://e.example.com'}]\npaths:\n  /a:\n    get:\n"
        "      responses:\n        '200': {$ref: '#/components/responses/Nope'}\n"
    )
    code, _, err = cli(capsys, "source", "add", "rest", "x", "--openapi", dangling)
    assert code == 1 and "GET /a: it refers to #/components/responses/Nope" in err
    assert "Traceback" not in err
    url = jira.base_url + "/openapi.json"
    code, _, err = cli(capsys, "source", "add", "rest", "x", "--openapi", url, "--no-verify")
    assert code == 1 and "--option username=" in err
    code, _, err = cli(capsys, "source", "add", "twilio", "x", "--openapi", url)
    assert code == 2 and "source add rest NAME --openapi" in err
    assert sources(capsys).strip() == "[]"
