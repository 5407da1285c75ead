"""The Custom API form in a real browser (Playwright, Debian's Chromium) against the JIRA
sandbox: fill it in, press Test, see the inferred columns, save, query; then edit its
endpoints. Screenshots of failures go to test-artifacts/."""

from __future__ import annotations

import pytest
from browserhelpers import run_and_wait, type_sql

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def jsb():
    from distillr.sandbox import JiraSandbox

    with JiraSandbox(seed=3) as sb:
        yield sb


@pytest.fixture(scope="module")
def viewport():
    return {"width": 1400, "height": 1000}


def run_sql(page, sql):
    type_sql(page, sql)
    return run_and_wait(page)


def test_fill_test_save_query_and_edit_a_custom_api(page, jsb, app_url):
    page.click("button.add-source")
    page.click("[data-category=custom_api]")
    assert page.locator("[data-type=jira]").count() == 1  # the template has its own form
    page.click("[data-type=rest]")
    page.fill("#f-name", "tracker")
    page.fill("#f-base_url", jsb.base_url)
    page.select_option("select[name=auth_type]", "basic")
    page.fill("input[name=auth-username]", jsb.email)
    page.fill("input[name=secret-password]", jsb.api_token)
    ep = page.locator("fieldset.endpoint").nth(0)
    ep.locator("input[name=ep-name]").fill("epics")
    ep.locator("input[name=ep-url]").fill("/rest/agile/1.0/board/{boardId}/epic")
    ep.locator("input[name=ep-data-path]").fill("values")
    ep.locator("textarea[name=ep-required]").fill("boardId=1")
    ep.locator("textarea[name=ep-optional]").fill("done")
    ep.locator("select[name=ep-paginator]").select_option("start_at")
    ep.locator("input[name=pag-total_path]").fill("")
    # Test: one page, and the columns inferred, before anything is saved
    jsb.requests.clear()
    ep.locator("button.test").click()
    page.wait_for_selector("fieldset.endpoint [data-column=name]")
    columns = ep.locator(".column-list li").all_inner_texts()
    assert any(c.startswith("name") and "VARCHAR" in c for c in columns), columns
    assert any(c.startswith("done") and "BOOLEAN" in c for c in columns), columns
    assert [r["path"] for r in jsb.requests.snapshot()][-1] == "/rest/agile/1.0/board/1/epic"
    assert page.locator("[data-source=tracker]").count() == 0
    # a second endpoint with + Add
    page.click("button.add-endpoint")
    second = page.locator("fieldset.endpoint").nth(1)
    second.locator("input[name=ep-name]").fill("board")
    second.locator("input[name=ep-url]").fill("/rest/agile/1.0/board")
    second.locator("input[name=ep-data-path]").fill("values")
    second.locator("select[name=ep-paginator]").select_option("start_at")
    page.click("button.save")
    page.wait_for_selector(".dialog", state="detached")
    page.wait_for_selector("[data-source=tracker]")
    assert jsb.api_token not in page.content()

    status = run_sql(page, "SELECT id, name FROM tracker.epics WHERE boardId = 1")
    assert f"{len(jsb.epics(1))} rows" in status, status
    status = run_sql(page, "SELECT count(*) AS n FROM tracker.board")
    assert "1 row" in status

    # edit: remove an endpoint; the saved secret is kept
    page.hover("[data-source=tracker] > .row")
    page.click("[aria-label='Edit tracker']")
    page.wait_for_selector("fieldset.endpoint")
    assert (
        page.locator("input[name=secret-password]")
        .get_attribute("placeholder")
        .endswith("saved; leave blank to keep")
    )
    page.locator("fieldset.endpoint").nth(1).locator("text=Remove endpoint").click()
    page.click("button.save")
    page.wait_for_selector(".dialog", state="detached")
    import httpx

    saved = httpx.get(f"{app_url}/api/sources/tracker").json()
    assert [e["name"] for e in saved["options"]["endpoints"]] == ["epics"]
    assert saved["secrets"]["password"].endswith(jsb.api_token[-4:])


def test_a_saved_paginator_alias_shows_as_the_paginator_it_names(page, jsb, app_url):
    """A definition saved with paginator ``jira`` (start_at's other name, declared with it)
    opens in the form as start_at, with its settings."""
    import httpx

    res = httpx.post(
        f"{app_url}/api/sources",
        json={
            "type": "rest",
            "name": "aliased",
            "options": {
                "base_url": jsb.base_url,
                "auth": {"type": "basic", "username": jsb.email},
                "endpoints": [
                    {
                        "name": "board",
                        "url": "/rest/agile/1.0/board",
                        "data_path": "values",
                        "paginator": {"type": "jira", "size": 25},
                    }
                ],
            },
            "secrets": {"password": jsb.api_token},
            "verify": False,
        },
    )
    assert res.status_code == 201, res.text
    page.reload()
    page.hover("[data-source=aliased] > .row")
    page.click("[aria-label='Edit aliased']")
    ep = page.locator("fieldset.endpoint").nth(0)
    ep.wait_for()
    assert ep.locator("select[name=ep-paginator]").input_value() == "start_at"
    assert ep.locator("input[name=pag-size]").input_value() == "25"
