"""`distillr source add rest|jira`, `export`, `edit` and `refresh` against the JIRA sandbox.

The main flow runs in fresh processes, as a user would: add from a file, query (the saved
schemas mean no sampling request), export, re-add from the export (equal), refresh.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from distillr.sandbox import JiraSandbox

DEFINITION = """\
base_url: {base_url}
description: Boards and epics
auth: {{type: basic, username: {email}}}
error_path: errorMessages
endpoints:
  - name: board
    url: /rest/agile/1.0/board
    data_path: values
    paginator: {{type: start_at, size: 50}}
  - name: board_epic
    aliases: [/board/:boardId/epic]
    url: /rest/agile/1.0/board/{{boardId}}/epic
    data_path: values
    paginator: {{type: start_at, size: 50, total_path: null}}
    params:
      - {{name: boardId, location: path, type: integer, sample_from: board.id}}
"""


@pytest.fixture(scope="module")
def jsb():
    with JiraSandbox(seed=11) as sb:
        yield sb


@pytest.fixture
def jira_env(home, jsb):
    env = dict(os.environ, DISTILLR_HOME=str(home), JIRA_TOKEN=jsb.api_token, COLUMNS="200")
    env.pop("DISTILLR_SECRET_KEY", None)
    return env


@pytest.fixture
def definition(tmp_path, jsb):
    path = tmp_path / "tracker.yaml"
    path.write_text(DEFINITION.format(base_url=jsb.base_url, email=jsb.email))
    return path


def distillr(env, *args, input=None):
    done = subprocess.run(
        [sys.executable, "-m", "distillr.cli", *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        input=input,
        timeout=120,
    )
    return done


@pytest.mark.slow
def test_add_query_export_readd_refresh_in_fresh_processes(jira_env, jsb, definition, tmp_path):
    ran = distillr(jira_env, "source", "add", "rest", "tracker", "--config", definition,
                   "--password-env", "JIRA_TOKEN")  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert "Saved data source 'tracker'" in ran.stdout and jsb.api_token not in ran.stdout

    shown = json.loads(distillr(jira_env, "source", "show", "tracker", "--json").stdout)
    endpoints = {e["name"]: e for e in shown["options"]["endpoints"]}
    assert endpoints["board_epic"]["schema"]["name"] == "string"  # inferred and saved
    assert shown["secrets"] == {"password": "****" + jsb.api_token[-4:]}

    jsb.requests.clear()
    sql = "SELECT id, name FROM tracker.`/board/:boardId/epic` WHERE boardId = '1' ORDER BY id"
    ran = distillr(jira_env, "query", sql, "--format", "json")
    assert ran.returncode == 0, ran.stderr
    want = sorted((e["id"], e["name"]) for e in jsb.epics(1))
    assert [(r["id"], r["name"]) for r in json.loads(ran.stdout)] == want and want
    paths = [r["path"] for r in jsb.requests.snapshot()]
    assert paths == ["/rest/agile/1.0/board/1/epic"]  # no sampling: the schema was saved

    exported = distillr(jira_env, "source", "export", "tracker")
    assert exported.returncode == 0 and "schema:" in exported.stdout
    assert jsb.api_token not in exported.stdout and "password" not in exported.stdout
    copy = tmp_path / "exported.yaml"
    copy.write_text(exported.stdout)
    jsb.requests.clear()
    ran = distillr(jira_env, "source", "add", "rest", "copy", "--config", copy,
                   "--password-env", "JIRA_TOKEN")  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert len(jsb.requests) == 1  # the credentials check; the schemas came with the file
    again = distillr(jira_env, "source", "export", "copy", "--json")
    import yaml

    assert json.loads(again.stdout) == yaml.safe_load(exported.stdout)

    ran = distillr(jira_env, "source", "refresh", "copy")
    assert ran.returncode == 0 and "2 table(s) sampled (board, board_epic)" in ran.stdout
    registry = Path(jira_env["DISTILLR_HOME"]) / "registry.db"
    assert jsb.api_token.encode() not in registry.read_bytes()


def test_bad_files_name_the_file_line_and_field(cli, home, tmp_path, jsb, monkeypatch):
    monkeypatch.setenv("JIRA_TOKEN", jsb.api_token)
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        textwrap.dedent(f"""\
        base_url: {jsb.base_url}
        auth: {{type: basic, username: me}}
        endpoints:
          - name: board
            url: /rest/agile/1.0/board
          - name: epics
            url: /board/{{boardId/epic
            data_pth: values
        """)
    )
    ran = cli("source", "add", "rest", "t", "--config", bad, "--password-env", "JIRA_TOKEN")
    assert ran.code == 1 and "Traceback" not in ran.err
    assert "bad.yaml, line 7, endpoints[1].url: '{' at position 7" in ran.err
    assert "bad.yaml, line 8, endpoints[1].data_pth: unknown field 'data_pth'" in ran.err
    assert "Did you mean 'data_path'?" in ran.err
    broken = tmp_path / "broken.json"
    broken.write_text('{"base_url": "http://x",\n "endpoints": [}\n')
    ran = cli("source", "add", "rest", "t", "--config", broken, "--password-env", "JIRA_TOKEN")
    assert ran.code == 1 and "broken.json, line 2: not valid JSON" in ran.err
    ran = cli("source", "add", "rest", "t", "--config", tmp_path / "nope.yaml")
    assert ran.code == 1 and "Cannot read the definition file" in ran.err
    secret = tmp_path / "secret.yaml"
    secret.write_text(f"base_url: {jsb.base_url}\nauth: {{type: basic, password: x}}\n")
    ran = cli("source", "add", "rest", "t", "--config", secret)
    assert ran.code == 1 and "'password' is a secret" in ran.err
    assert "No data sources yet" in cli("source", "list").out


def test_usage_errors(cli, home, definition, monkeypatch, jsb):
    ran = cli("source", "add", "rest", "t")
    assert ran.code == 2 and "--config FILE" in ran.err
    ran = cli("source", "add", "rest", "t", "--config", definition)  # no secret, no terminal
    assert ran.code == 2 and "--password-env VAR" in ran.err
    assert "never accepted as a plain argument" in ran.err
    ran = cli("source", "add", "jira", "j", "--email", "a@b.c")
    assert ran.code == 2 and "--domain" in ran.err
    helped = cli("source", "add", "rest", "--help")
    assert helped.code == 0 and "--config FILE" in helped.out and "--password-env" in helped.out
    listed = cli("source", "add", "--help")
    assert listed.code == 0 and "jira" in listed.out and "twilio" in listed.out


def test_edit_keeps_secrets_unless_the_address_changes(cli, home, definition, jsb, monkeypatch):
    monkeypatch.setenv("JIRA_TOKEN", jsb.api_token)
    ran = cli("source", "add", "rest", "t", "--config", definition, "--password-env", "JIRA_TOKEN")
    assert ran.code == 0, ran.err
    text = definition.read_text() + (
        "  - name: project\n    url: /rest/api/3/project/search\n    data_path: values\n"
    )
    definition.write_text(text)
    ran = cli("source", "edit", "t", "--config", definition)
    assert ran.code == 0, ran.err
    shown = json.loads(cli("source", "show", "t", "--json").out)
    names = [e["name"] for e in shown["options"]["endpoints"]]
    assert names == ["board", "board_epic", "project"]
    assert "schema" in shown["options"]["endpoints"][2]  # the new endpoint was sampled
    ran = cli("query", "SELECT count(*) AS n FROM t.project", "--format", "json")
    assert json.loads(ran.out) == [{"n": len(jsb.projects())}]

    moved = text.replace(jsb.base_url, jsb.base_url.replace("127.0.0.1", "localhost"))
    definition.write_text(moved)
    ran = cli("source", "edit", "t", "--config", definition)
    assert ran.code == 1 and "needs its secret again" in ran.err
    ran = cli("source", "edit", "t", "--config", definition, "--password-env", "JIRA_TOKEN")
    assert ran.code == 0, ran.err

    definition.write_text(text.replace("description: Boards and epics\n", ""))
    assert cli("source", "edit", "t", "--config", definition, "--no-verify").code == 1  # url again
    ran = cli("source", "export", "t")
    assert "description" in ran.out  # nothing was saved
    assert cli("source", "edit", "nope", "--config", definition).code == 1

    # no auth any more: nothing to send, so the saved secret is forgotten
    definition.write_text(
        f"base_url: {jsb.base_url.replace('127.0.0.1', 'localhost')}\nendpoints:\n"
        "  - {name: issues, url: /test/array/issues, query: {limit: 3}}\n"
    )
    ran = cli("source", "edit", "t", "--config", definition)
    assert ran.code == 0, ran.err
    assert json.loads(cli("source", "show", "t", "--json").out)["secrets"] == {}


def test_jira_template_and_types_without_a_file(cli, home, jsb, monkeypatch):
    monkeypatch.setenv("JIRA_TOKEN", jsb.api_token)
    ran = cli("source", "add", "jira", "jira", "--domain", jsb.base_url, "--email", jsb.email,
              "--api-token-env", "JIRA_TOKEN")  # fmt: skip
    assert ran.code == 0, ran.err
    ran = cli("query", "SELECT count(*) AS n FROM jira.`/board`", "--format", "json")
    assert json.loads(ran.out) == [{"n": len(jsb.boards())}]
    assert "name: board_epic" in cli("source", "export", "jira").out
    monkeypatch.setenv("WRONG", "x" * 24)
    ran = cli("source", "add", "jira", "bad", "--domain", jsb.base_url, "--email", jsb.email,
              "--api-token-env", "WRONG")  # fmt: skip
    assert ran.code == 1 and "HTTP 401" in ran.err


def test_export_of_a_type_without_a_file(cli, shop):
    ran = cli("source", "export", "shop")
    assert ran.code == 2 and "no definition file" in ran.err
    ran = cli("source", "refresh", "shop")
    assert ran.code == 0 and "nothing to refresh" in ran.out
