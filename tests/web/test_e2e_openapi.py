"""The wizard's OpenAPI import in a real browser (Chromium) against the JIRA sandbox: upload
the sandbox's own OpenAPI document, untick some tables, point it at the sandbox, Test one,
Save; the tree shows exactly the ticked tables, a query gives the sandbox's rows, and the
source is the one the CLI's import saves for the same ticks. A bad spec is shown in the form.
The browser and the page come from conftest.py."""

from __future__ import annotations

import json

import httpx
import pytest
from webhelpers import require_browser

pytestmark = [pytest.mark.browser, pytest.mark.slow]

require_browser()

SPEC_HOST = "https://jira.invalid"  # the spec's own server, which the form's base URL overrides


@pytest.fixture(scope="module")
def jsb():
    from distillr.sandbox import JiraSandbox

    with JiraSandbox(seed=3, scale="tiny") as sb:
        yield sb


@pytest.fixture(scope="module")
def home(app_home):
    return app_home


@pytest.fixture(scope="module")
def server(app_url):
    return app_url


@pytest.fixture(scope="module")
def spec(jsb, tmp_path_factory):
    """The sandbox's OpenAPI document, its server named as a JIRA site would be."""
    doc = httpx.get(jsb.base_url + "/openapi.json").json()
    doc["servers"] = [{"url": SPEC_HOST}]
    path = tmp_path_factory.mktemp("specs") / "jira-openapi.json"
    path.write_text(json.dumps(doc))
    return path


def open_import(page):
    page.click("button.add-source")
    page.click("[data-category=custom_api]")
    page.click("[data-import=openapi]")
    page.wait_for_selector("form.openapi-import")


def shown_tables(page):
    return page.locator(".spec-tables li:not([hidden])").evaluate_all(
        "items => items.map(i => i.dataset.table)"
    )


def run_sql(page, sql):
    page.locator(".cm-content").focus()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(sql)
    page.keyboard.press("Escape")
    page.click("button.run")
    page.wait_for_function(
        "() => !document.querySelector('.dot.running') && "
        "document.querySelector('.statusbar .st-status').textContent !== 'Running…'"
    )
    return page.inner_text(".statusbar")


def test_a_bad_spec_is_shown_in_the_form(page, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("openapi: 3.0.0\npaths: [\n")
    open_import(page)
    page.set_input_files("input[name=spec]", str(bad))
    error = page.wait_for_selector(".spec-error")
    assert "not valid YAML" in error.inner_text() and "line" in error.inner_text()
    assert "Traceback" not in page.content()
    assert page.locator("button.save").is_disabled()
    assert page.locator(".spec-tables li").count() == 0


def test_a_spec_without_a_full_server_asks_for_the_base_url(page, spec, tmp_path):
    doc = json.loads(spec.read_text())
    doc["servers"] = [{"url": "/"}]
    relative = tmp_path / "relative.json"
    relative.write_text(json.dumps(doc))
    open_import(page)
    page.fill("#f-name", "rel")
    page.set_input_files("input[name=spec]", str(relative))
    page.wait_for_selector(".spec-tables li")
    assert "none (give one below)" in page.inner_text(".spec-summary")
    page.click("button.save")
    page.wait_for_function(
        "() => document.querySelector('.field:has(#f-base_url) .field-error').textContent"
    )
    assert "Give the base URL" in page.inner_text(".field:has(#f-base_url) .field-error")
    assert page.locator(".dialog").count() == 1


def test_upload_untick_test_save_then_query(page, jsb, spec, server, home, monkeypatch):
    open_import(page)
    page.fill("#f-name", "jira_api")
    page.set_input_files("input[name=spec]", str(spec))
    page.wait_for_selector(".spec-tables li")
    everything = shown_tables(page)
    assert "board" in everything and "board_sprint" in everything and len(everything) == 9
    assert SPEC_HOST in page.inner_text(".spec-summary")
    row = page.locator(".spec-tables li[data-table=board]")
    assert "/board" in row.inner_text() and "start_at" in row.inner_text()
    assert "Get all boards" in row.inner_text()
    assert "type (query, string, filters type)" in row.inner_text()
    assert page.inner_text(".tick-count") == "9 of 9 tables ticked"

    # the filter box and None: untick the sprint and single-issue tables
    page.fill(".table-filter", "sprint")
    assert shown_tables(page) == ["board_sprint"]
    page.click("button.select-none")
    page.fill(".table-filter", "")
    page.locator("li[data-table=issue_by_id_or_key] input[type=checkbox]").uncheck()
    page.locator("li[data-table=search_jql] input[type=checkbox]").uncheck()
    assert page.inner_text(".tick-count") == "6 of 9 tables ticked"
    ticked = page.locator(".spec-tables input:checked").evaluate_all(
        "boxes => boxes.map(b => b.closest('li').dataset.table)"
    )
    assert ticked == ["board", "board_by_id", "board_epic", "board_issue", "board_project",
                      "project_search"]  # fmt: skip

    page.fill("#f-base_url", jsb.base_url)
    page.fill("input[name=auth-username]", jsb.email)
    page.fill("input[name=secret-password]", jsb.api_token)
    # Test: one page of the chosen table, its columns shown, nothing saved
    page.select_option("select[name=test-table]", label="board")
    jsb.requests.clear()
    page.click("button.test")
    page.wait_for_selector(".columns [data-column=name]")
    columns = page.locator(".columns .column-list li").all_inner_texts()
    assert any(c.startswith("name") and "VARCHAR" in c for c in columns), columns
    assert "/rest/agile/1.0/board" in [r["path"] for r in jsb.requests.snapshot()]
    # a table with a required parameter: tested with the value given, not saved with it
    page.select_option("select[name=test-table]", label="board_epic")
    hint = page.get_attribute("input[name=test-values]", "placeholder")
    assert hint == "values to test with: boardId=...", hint
    page.click("button.test")
    page.wait_for_selector(".test-error:has-text('board_epic was not fetched')")
    assert "boardId" in page.inner_text(".test-error")
    page.fill("input[name=test-values]", "boardId=1")
    jsb.requests.clear()
    page.click("button.test")
    page.wait_for_selector(".columns-head:has-text('board_epic: ')")
    assert "inferred from one page" in page.inner_text(".columns-head")
    assert page.inner_text(".test-error") == ""
    assert "/rest/agile/1.0/board/1/epic" in [r["path"] for r in jsb.requests.snapshot()]
    assert httpx.get(f"{server}/api/sources").json() == []

    page.click("button.save")
    page.wait_for_selector(".dialog", state="detached")
    page.wait_for_selector("[data-source=jira_api] [data-table]")
    assert jsb.api_token not in page.content()
    in_tree = page.locator("[data-source=jira_api] [data-table]").evaluate_all(
        "nodes => nodes.map(n => n.dataset.table)"
    )
    assert sorted(in_tree) == sorted(ticked)

    # the CLI's import of the same spec with the same ticks saves the same source
    from distillr.cli import run
    from distillr.registry import Registry

    monkeypatch.setenv("DISTILLR_HOME", str(home.parent / "cli-home"))
    monkeypatch.setenv("JIRA_TOKEN", jsb.api_token)
    report = httpx.post(
        f"{server}/api/openapi/preview",
        files={"spec": (spec.name, spec.read_bytes(), "application/json")},
    ).json()["report"]
    includes = [
        a for t in report["tables"] if t["name"] in ticked for a in ("--include", t["path"])
    ]
    code = run(
        ["source", "add", "rest", "jira_api", "--openapi", str(spec), *includes,
         "--base-url", jsb.base_url, "--option", f"username={jsb.email}",
         "--secret-env", "password=JIRA_TOKEN"]
    )  # fmt: skip
    assert code == 0
    web = Registry(home).get("jira_api")
    cli = Registry(home.parent / "cli-home").get("jira_api")
    assert web.options == cli.options
    assert web.secrets == cli.secrets

    status = run_sql(page, "SELECT id, name FROM jira_api.board ORDER BY id")
    boards = sorted(jsb.boards(), key=lambda b: b["id"])
    assert f"{len(boards)} row" in status, status
    page.wait_for_selector(".tabulator-row")
    first = page.locator(".tabulator-row").first.locator(".tabulator-cell")
    assert [first.nth(1).inner_text(), first.nth(2).inner_text()] == [  # after the row number
        str(boards[0]["id"]),
        boards[0]["name"],
    ]
    # every row the page's query got is the sandbox's
    job = httpx.get(f"{server}/api/queries").json()[0]["id"]
    got = httpx.get(f"{server}/api/queries/{job}/result", params={"format": "json"}).json()
    assert got["rows"] == [[b["id"], b["name"]] for b in boards]
