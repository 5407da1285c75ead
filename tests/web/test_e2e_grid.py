"""The results grid in a real browser (Chromium), a test for each of its points not covered in
test_e2e_window.py: the "more rows" note when the grid's row cap cuts a result (this module's
server shows at most 40 rows), the cell viewer's pretty JSON and Copy, copying a cell and a
column as TSV, and decimals as the API gives them."""

from __future__ import annotations

import csv
import json
import re

import pytest
from browserhelpers import run_and_wait, type_sql

pytestmark = pytest.mark.browser

GRID_ROWS = 40


@pytest.fixture(scope="module")
def app_url(app_home):
    """The web app with a grid of at most GRID_ROWS rows."""
    import os

    from distillr.server import create_app
    from distillr.server.background import BackgroundServer
    from distillr.server.settings import ServerSettings

    os.environ.pop("DISTILLR_SECRET_KEY", None)
    app = create_app(app_home, settings=ServerSettings(grid_rows=GRID_ROWS))
    with BackgroundServer(app) as url:
        yield url


def wait_rows(page):
    page.wait_for_function("() => document.querySelectorAll('.tabulator-row').length > 0")


def test_a_result_cut_by_the_row_cap_says_more_rows_and_how_to_get_them(page, source, tmp_path):
    type_sql(page, "SELECT sid FROM my_twilio.calls LIMIT 100")
    status = run_and_wait(page)
    assert "100 rows" in status  # the whole result, in the status bar
    assert page.get_attribute(".grid-box", "data-rows") == str(GRID_ROWS)
    note = page.inner_text(".grid-count")
    assert note == (
        f"{GRID_ROWS} rows · more rows: the first {GRID_ROWS} of 100 are shown;"
        " export the result for every row"
    )
    # the export the note points to has them all
    with page.expect_download() as dl:
        page.click(".export button[data-format=csv]")
    path = tmp_path / "calls.csv"
    dl.value.save_as(path)
    with open(path, newline="") as f:
        assert len(list(csv.DictReader(f))) == 100
    # a result within the cap has no note
    type_sql(page, "SELECT sid FROM my_twilio.calls LIMIT 10")
    run_and_wait(page)
    assert page.inner_text(".grid-count") == "10 rows"


def test_the_cell_viewer_shows_a_map_as_pretty_json_with_copy(page, source, context):
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    type_sql(page, "SELECT subresource_uris FROM my_twilio.messages LIMIT 1")
    run_and_wait(page)
    wait_rows(page)
    cell = page.locator(".tabulator-row").first.locator(".tabulator-cell").nth(1)
    shown = cell.inner_text()
    cell.dblclick()
    text = page.inner_text(".dialog .cell-value")
    assert "\n  " in text  # laid out, two spaces a level
    value = json.loads(text)
    assert set(value) >= {"media", "feedback"} and value["media"].endswith("/Media.json")
    assert json.loads(shown) == value  # the grid's one-line text is the same value
    page.click(".dialog .cell-viewer button:has-text('Copy')")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert json.loads(copied) == value


def test_copy_a_cell_and_a_column_as_tsv(page, source, context):
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    type_sql(page, "SELECT sid, status FROM my_twilio.calls ORDER BY sid LIMIT 5")
    run_and_wait(page)
    wait_rows(page)
    sids = page.evaluate(
        "() => [...document.querySelectorAll('.tabulator-cell[tabulator-field=c0]')]"
        ".map(c => c.textContent)"
    )
    assert len(sids) == 5
    cell = page.locator(".tabulator-row").nth(1).locator(".tabulator-cell").nth(1)
    cell.click(button="right")
    page.click(".cell-menu .menu-item:has-text('Copy value')")
    assert page.evaluate("() => navigator.clipboard.readText()") == sids[1]
    cell.click(button="right")
    page.click(".cell-menu .menu-item:has-text('Copy column')")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied.split("\n") == ["sid", *sids]


def test_decimals_are_shown_as_the_api_gives_them(page, source, sandbox):
    import httpx

    type_sql(page, "SELECT sid, price FROM my_twilio.messages WHERE price IS NOT NULL LIMIT 5")
    run_and_wait(page)
    wait_rows(page)
    shown = page.evaluate(
        "() => Object.fromEntries([...document.querySelectorAll('.tabulator-row')].map(r => {"
        " const c = r.querySelectorAll('.tabulator-cell'); return [c[1].textContent,"
        " c[2].textContent]; }))"
    )
    assert len(shown) == 5
    # the API's own text for each price
    res = httpx.get(
        f"{sandbox.base_url}/2010-04-01/Accounts/{sandbox.account_sid}/Messages.json",
        params={"PageSize": 1000},
        auth=(sandbox.account_sid, sandbox.auth_token),
    )
    given = {m["sid"]: m["price"] for m in res.json()["messages"]}
    for sid, price in shown.items():
        # the API's digits, not DuckDB's DECIMAL(38, 10) padding (-0.0079000000)
        assert re.fullmatch(r"-?\d+(\.\d*[1-9])?", price), price
        assert price == given[sid].rstrip("0").rstrip("."), (sid, price, given[sid])
