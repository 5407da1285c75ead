"""The query window in a real browser (Chromium): tabs that run at once, path parameters,
completion, error markers, the grid, the tree, tabs and charts (test_e2e.py has the basics)."""

from __future__ import annotations

import re

import pytest
from browserhelpers import expand, run_and_wait, type_sql, wait_done, wait_for_completion

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def slow(app_url):
    """A second sandbox, 0.8 s a request, saved as slow_twilio; and the answers it must give.

    Its 20 pages of messages, read one after another, take 16 s: a tab's query is still
    running when a test closes or reloads the tab, however busy the machine."""
    import httpx

    import distillr
    from distillr.sandbox import TwilioSandbox

    with TwilioSandbox(seed=7, messages=20_000, latency_ms=800) as sb:
        res = httpx.post(
            f"{app_url}/api/sources",
            json={
                "type": "twilio",
                "name": "slow_twilio",
                "options": {"account_sid": sb.account_sid, "base_url": sb.base_url},
                "secrets": {"auth_token": sb.auth_token},
                "verify": False,
            },
        )
        assert res.status_code == 201, res.text
        with TwilioSandbox(seed=7, messages=20_000) as fast:
            from distillr.connectors.twilio.connector import TwilioConnector

            session = distillr.connect(None)
            session.register(
                "fast",
                TwilioConnector(
                    account_sid=fast.account_sid,
                    auth_token=fast.auth_token,
                    base_url=fast.base_url,
                ),
            )
            want = session.sql("SELECT COUNT(*) FROM fast.messages").fetchall()[0][0]
            session.close()
        try:
            yield sb, want
        finally:
            httpx.delete(f"{app_url}/api/sources/slow_twilio")


def test_two_tabs_run_at_once_and_cancel_stops_only_its_own(page, source, slow):
    _, want = slow
    type_sql(page, "SELECT COUNT(*) AS n FROM slow_twilio.messages")
    page.click("button.run")
    page.wait_for_selector(".statusbar .dot.running")
    first = page.get_attribute(".tab.active", "data-tab")
    page.click(".tab-new")
    type_sql(page, "SELECT COUNT(*) AS n FROM slow_twilio.calls")
    page.click("button.run")
    page.wait_for_selector(".statusbar .dot.running")
    # both tabs show their spinner: two jobs at once
    page.wait_for_function("() => document.querySelectorAll('.tab .spinner').length === 2")
    # the live figures, as the CLI's progress line
    page.wait_for_selector(".statusbar .st-requests:has-text('API request')", timeout=15_000)
    page.click("button.cancel")
    page.wait_for_selector(".statusbar .dot.cancelled", timeout=15_000)
    assert "cancelled" in page.inner_text(".error-box").lower()
    # the first tab still runs, to its full answer
    page.click(f".tab[data-tab='{first}']")
    status = wait_done(page, 60_000)
    assert "Done" in status and "1 row" in status
    page.wait_for_selector(".tabulator-row")
    cell = page.locator(".tabulator-row").first.locator(".tabulator-cell").nth(1)
    assert cell.inner_text() == str(want)
    assert re.search(r"\d+ pages?", status)


def tab_job_state(page, tab):
    """The state of the newest job of ``tab`` (GET /api/queries lists the caller's jobs)."""
    return page.evaluate(
        "async tab => { const r = await fetch('/api/queries?tab=' + tab);"
        " const jobs = await r.json(); return jobs.length ? jobs[0].state : null; }",
        tab,
    )


@pytest.mark.parametrize("how", ["close", "reload"])
def test_closing_or_reloading_a_tab_cancels_its_query(page, source, slow, how):
    type_sql(page, "SELECT COUNT(*) AS n FROM slow_twilio.messages")
    page.click("button.run")
    page.wait_for_function("() => document.querySelectorAll('.tab .spinner').length === 1")
    # the live figures come from polling the job: the page has its id, so it can cancel it
    page.wait_for_selector(".statusbar .st-requests:has-text('API request')", timeout=15_000)
    tab = page.get_attribute(".tab.active", "data-tab")
    if how == "close":
        page.click(".tab-new")
        page.click(f".tab[data-tab='{tab}'] .tab-close")
    else:
        page.reload()
        page.wait_for_selector("[data-source=my_twilio]")
    for _ in range(50):
        if tab_job_state(page, tab) not in (None, "running"):
            break
        page.wait_for_timeout(200)
    assert tab_job_state(page, tab) == "cancelled"


def test_a_path_parameter_table_opens_with_a_real_value(page, source, sandbox):
    expand(page)
    sandbox.clear_requests()
    page.fill(".tree-filter", "/Calls/:CallSid/Recordings")
    page.wait_for_selector("[data-table=call_recordings] .table-link")
    page.click("[data-table=call_recordings] .table-link")
    # the new tab's SQL first names the parameter while it looks a value up, then has it
    page.wait_for_function(
        "() => { const t = document.querySelector('.cm-content').textContent;"
        " return t.includes('CallSid') && !t.includes('looking up'); }"
    )
    sql = page.inner_text(".cm-content")
    assert re.search(r"`CallSid` = 'CA[0-9a-f]{32}'", sql), sql
    status = run_and_wait(page)
    assert "Done" in status
    assert int(page.get_attribute(".grid-box", "data-rows")) >= 1
    assert not [r["path"] for r in sandbox.requests if "//" in r["path"]]


@pytest.mark.parametrize("value", ["", "...", "CA..."])
def test_an_empty_or_placeholder_parameter_sends_nothing(page, source, sandbox, value):
    sandbox.clear_requests()
    type_sql(
        page, f"SELECT * FROM my_twilio.`/Calls/:CallSid/Recordings` WHERE CallSid = '{value}'"
    )
    status = run_and_wait(page)
    assert "Error" in status
    assert "Missing parameter" in page.inner_text(".error-box")
    assert "CallSid" in page.inner_text(".error-box pre")
    assert len(sandbox.requests) == 0


def test_completion_offers_columns_and_backticked_path_names(page, source):
    page.click(".tab-new")
    page.click(".cm-content")
    page.keyboard.insert_text("FROM my_twilio.messages")
    page.keyboard.press("Home")
    page.keyboard.type("SELECT ")
    page.keyboard.press("ArrowLeft")  # the space after SELECT stays before FROM
    page.keyboard.type(" ")
    for label in ("to", "from", "date_sent"):
        wait_for_completion(page, label)
    labels = page.locator(".cm-completionLabel").all_inner_texts()
    assert "STRAIGHT_JOIN" not in labels and "SQL_CALC_FOUND_ROWS" not in labels  # no MySQL
    # typing narrows, the typed prefix first; Enter takes the highlighted item
    page.keyboard.type("date_s")
    wait_for_completion(page, "date_sent")
    page.wait_for_timeout(150)
    selected = page.inner_text(".cm-tooltip-autocomplete li[aria-selected] .cm-completionLabel")
    assert selected == "date_sent"
    page.keyboard.press("Enter")
    assert page.inner_text(".cm-content") == "SELECT date_sent FROM my_twilio.messages"
    # path names, backticked, after FROM src.
    type_sql(page, "")
    page.keyboard.type("SELECT * FROM my_twilio.")
    wait_for_completion(page, "`/Calls/:CallSid/Recordings`")
    page.keyboard.type("`/Calls/:CallSid/Rec")
    wait_for_completion(page, "`/Calls/:CallSid/Recordings`")
    page.wait_for_timeout(150)  # CodeMirror ignores an Enter right after the list changed
    page.keyboard.press("Enter")
    assert page.inner_text(".cm-content") == "SELECT * FROM my_twilio.`/Calls/:CallSid/Recordings`"
    # functions with their signatures
    type_sql(page, "SELECT ")
    page.keyboard.type("to_tim")
    wait_for_completion(page, "TO_TIMESTAMP")
    assert "yyyy-MM-dd" in page.inner_text(".cm-tooltip-autocomplete")


def test_a_sql_error_is_marked_at_its_line_and_column(page, source):
    type_sql(page, "SELECT sid\nFROM my_twilio.calls\nWHERE status = = 'x'")
    status = run_and_wait(page)
    assert "Error" in status
    page.wait_for_selector(".cm-lintRange-error")
    line = page.evaluate(
        "() => { const m = document.querySelector('.cm-lintRange-error');"
        " const lines = [...document.querySelectorAll('.cm-line')];"
        " return [lines.findIndex(l => l.contains(m)) + 1, m.textContent]; }"
    )
    assert line[0] == 3 and line[1].startswith("="), line
    assert "--debug" not in page.inner_text(".error-box")


def run_calls_sample(page):
    type_sql(
        page, "SELECT sid, date_created, duration, 0.1 + 0.2 AS x FROM my_twilio.calls LIMIT 20"
    )
    assert "20 rows" in run_and_wait(page)
    page.wait_for_function("() => document.querySelectorAll('.tabulator-row').length > 5")
    return page.locator(".tabulator-row").first.locator(".tabulator-cell")


def test_grid_columns_fit_their_values_so_sids_show_whole(page, source):
    row = run_calls_sample(page)
    cut = page.evaluate(
        "() => [...document.querySelectorAll('.tabulator-cell[tabulator-field=c0]')]"
        ".filter(c => c.scrollWidth > c.clientWidth).length"
    )
    assert cut == 0
    assert re.fullmatch(r"CA[0-9a-f]{32}", row.nth(1).inner_text())


def test_grid_headers_show_sql_type_names(page, source):
    run_calls_sample(page)
    heads = page.locator(".tabulator-col .col-type").all_inner_texts()
    assert heads == ["VARCHAR", "TIMESTAMP WITH TIME ZONE", "BIGINT", "DECIMAL(3,1)"], heads


def test_grid_floats_lose_binary_noise(page, source):
    type_sql(page, "SELECT 0.1::DOUBLE + 0.2::DOUBLE AS x, 1 / 3 AS third")
    run_and_wait(page)
    page.wait_for_selector(".tabulator-row")
    row = page.locator(".tabulator-row").first.locator(".tabulator-cell")
    assert row.nth(1).inner_text() == "0.3"  # not 0.30000000000000004
    assert row.nth(2).inner_text() == "0.333333333333333"


def test_grid_timestamps_in_one_format_with_a_utc_local_toggle(page, source):
    row = run_calls_sample(page)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", row.nth(2).inner_text())
    # local time, with its offset, on request; kept for the next results
    page.click(".tz-toggle")
    local = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC[+-]\d\d:\d\d"
    assert re.fullmatch(local, row.nth(2).inner_text())
    row = run_calls_sample(page)
    assert re.fullmatch(local, row.nth(2).inner_text())
    page.click(".tz-toggle")
    assert row.nth(2).inner_text().endswith(" UTC")


def test_grid_filter_viewer_and_copy(page, source, context):
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    type_sql(page, "SELECT sid, status FROM my_twilio.calls LIMIT 100")
    run_and_wait(page)
    page.wait_for_function("() => document.querySelectorAll('.tabulator-row').length > 5")
    first = page.locator(".tabulator-row").first.locator(".tabulator-cell").nth(1).inner_text()
    page.fill(".grid-filter", first)
    page.wait_for_selector(".grid-count:has-text('1 of 100 rows')")
    page.fill(".grid-filter", "")
    page.wait_for_selector(".grid-count:has-text('100 rows')")
    cell = page.locator(".tabulator-row").first.locator(".tabulator-cell").nth(1)
    cell.dblclick()
    assert page.inner_text(".dialog .cell-value") == first
    page.click(".dialog-head button")
    cell.click(button="right")
    page.click(".cell-menu .menu-item:has-text('Copy row')")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied.split("\t")[0] == first and len(copied.split("\t")) == 2


def test_grid_says_more_rows_when_cut(page, source):
    type_sql(page, "SELECT sid FROM my_twilio.calls LIMIT 100")
    run_and_wait(page)
    assert page.inner_text(".grid-count") == "100 rows"


def test_tree_sorted_with_counts_and_full_names(page, source):
    expand(page)
    names = page.locator("[data-source=my_twilio] .node.table > .row .table-link").all_inner_texts()
    plain = [n for n in names if not n.startswith("/")]
    assert plain == sorted(plain, key=str.lower) and len(names) > 20
    count = page.inner_text("[data-source=my_twilio] > .row .count")
    assert int(count) == len(names)


def test_tree_tooltips_give_the_full_name_and_description(page, app_url, source):
    import httpx

    tree = httpx.get(f"{app_url}/api/tree").json()
    src = next(s for s in tree["sources"] if s["name"] == "my_twilio")
    tables = {t["name"]: t for t in src["tables"]}
    expand(page)
    for name in ("messages", "calls"):
        want = "\n".join(x for x in (name, tables[name]["description"]) if x)
        assert tables[name]["description"], name  # the sandbox's tables are described
        assert page.get_attribute(f"[data-table={name}] .table-link", "title") == want
    # a long path name: the tooltip has it whole
    page.fill(".tree-filter", "/Calls/:CallSid/Recordings")
    link = page.locator("[data-table=call_recordings] .table-link")
    assert link.get_attribute("title").split("\n")[0] == tables["call_recordings"]["name"]
    page.fill(".tree-filter", "")
    # a column's tooltip: its name and description
    page.click("[data-table=messages] .caret")
    col = next(c for c in tables["messages"]["columns"] if c.get("description"))
    page.wait_for_selector("[data-table=messages] .column")
    title = page.evaluate(
        "name => [...document.querySelectorAll('[data-table=messages] .column .label')]"
        ".find(e => e.textContent === name).title",
        col["name"],
    )
    assert title == f"{col['name']}\n{col['description']}"


def test_a_tab_is_renamed_by_double_click(page, source):
    page.dblclick(".tab.active .tab-title")
    page.fill(".tab-rename", "first")
    page.keyboard.press("Enter")
    assert page.inner_text(".tab.active .tab-title") == "first"
    page.dblclick(".tab.active .tab-title")
    page.fill(".tab-rename", "not kept")
    page.keyboard.press("Escape")  # Escape keeps the old name
    assert page.inner_text(".tab.active .tab-title") == "first"
    page.reload()
    page.wait_for_selector("[data-source=my_twilio]")
    assert page.inner_text(".tab.active .tab-title") == "first"


def test_a_tab_is_duplicated_with_its_sql(page, source):
    type_sql(page, "SELECT 1 AS one")
    title = page.inner_text(".tab.active .tab-title")
    page.click(".tab.active .tab-menu-btn")
    page.click(".tab-menu .menu-item:has-text('Duplicate')")
    assert page.locator(".tab").count() == 2
    assert page.inner_text(".tab.active .tab-title") == f"{title} (copy)"
    assert page.inner_text(".cm-content") == "SELECT 1 AS one"
    # the copy is a tab of its own: editing it leaves the first as it was
    type_sql(page, "SELECT 2 AS two")
    page.locator(".tab").first.click()
    assert page.inner_text(".cm-content") == "SELECT 1 AS one"


def test_close_others_keeps_one_tab(page, source):
    type_sql(page, "SELECT 3 AS kept")
    first = page.inner_text(".tab.active .tab-title")
    for _ in range(3):
        page.click(".tab-new")
    assert page.locator(".tab").count() == 4
    page.locator(".tab").first.click(button="right")
    page.click(".tab-menu .menu-item:has-text('Close others')")
    assert page.locator(".tab .tab-title").all_inner_texts() == [first]
    assert page.inner_text(".tab.active .tab-title") == first
    assert page.inner_text(".cm-content") == "SELECT 3 AS kept"
    assert page.locator(".tab-new").is_visible()


def test_tabs_reorder_by_dragging_and_keep_the_order(page, source):
    page.click(".tab-new")
    page.click(".tab-new")
    assert page.locator(".tab").count() == 3
    titles = page.locator(".tab .tab-title").all_inner_texts()
    page.locator(".tab").nth(2).drag_to(page.locator(".tab").nth(0))
    moved = page.locator(".tab .tab-title").all_inner_texts()
    assert moved[0] == titles[2] and sorted(moved) == sorted(titles)
    page.reload()
    page.wait_for_selector("[data-source=my_twilio]")
    assert page.locator(".tab .tab-title").all_inner_texts() == moved


PICK = "s => document.querySelector(`select[name=${s}]`).selectedOptions[0].textContent"


def open_chart(page, sql):
    type_sql(page, sql)
    run_and_wait(page)
    page.click(".view-tab[data-view=visualize]")
    page.wait_for_selector("#chart-canvas")


def test_chart_defaults_come_from_the_column_types(page, source):
    open_chart(page, "SELECT date_created, duration, status FROM my_twilio.calls LIMIT 50")
    assert page.evaluate(PICK, "chart-type") == "Line"  # time on X
    assert page.evaluate(PICK, "chart-x") == "date_created"
    assert page.evaluate(PICK, "chart-y") == "duration"  # the first numeric column
    open_chart(page, "SELECT status, COUNT(*) AS n FROM my_twilio.calls GROUP BY status")
    assert page.evaluate(PICK, "chart-type") == "Bar"  # categories on X
    assert page.evaluate(PICK, "chart-x") == "status"
    assert page.evaluate(PICK, "chart-y") == "n"


def test_chart_settings_are_kept_per_tab(page, source):
    open_chart(page, "SELECT date_created, duration, status FROM my_twilio.calls LIMIT 50")
    page.select_option("select[name=chart-type]", "area")
    first = page.get_attribute(".tab.active", "data-tab")
    page.click(".tab-new")
    open_chart(page, "SELECT status, COUNT(*) AS n FROM my_twilio.calls GROUP BY status")
    assert page.evaluate(PICK, "chart-type") == "Bar"  # not the other tab's Area
    page.click(f".tab[data-tab='{first}']")
    page.click(".view-tab[data-view=visualize]")
    assert page.evaluate(PICK, "chart-type") == "Area"  # its own settings


def test_every_chart_type_draws(page, source):
    open_chart(page, "SELECT date_created, duration FROM my_twilio.calls LIMIT 50")
    for kind in ("bar", "line", "area", "scatter", "pie"):
        page.select_option("select[name=chart-type]", kind)
        page.wait_for_selector("#chart-canvas")
        drawn = page.evaluate(
            "() => { const c = document.querySelector('#chart-canvas');"
            " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
            " let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }"
        )
        assert drawn > 500, kind  # painted, not a blank canvas


def test_splitter_resizes_the_editor_and_is_remembered(page, source):
    box = page.locator(".editor-box").bounding_box()
    bar = page.locator(".splitter").bounding_box()
    page.mouse.move(bar["x"] + 50, bar["y"] + 3)
    page.mouse.down()
    page.mouse.move(bar["x"] + 50, bar["y"] + 123, steps=5)
    page.mouse.up()
    grown = page.locator(".editor-box").bounding_box()["height"]
    assert abs(grown - (box["height"] + 120)) < 8
    page.reload()
    page.wait_for_selector(".editor-box")
    assert abs(page.locator(".editor-box").bounding_box()["height"] - grown) < 2
    page.click(".help-btn")
    assert "Ctrl+Enter" in page.inner_text(".dialog")


def test_format_sql_keeps_the_query(page, source):
    type_sql(page, "select sid, status from my_twilio.calls where status = 'completed' limit 3")
    page.click("button.format-btn")
    page.wait_for_function("() => document.querySelectorAll('.cm-line').length > 3")
    text = page.evaluate(
        "() => [...document.querySelectorAll('.cm-line')].map(l => l.textContent).join('\\n')"
    )
    assert text.startswith("SELECT\n  sid,\n  status\nFROM my_twilio.calls")
    assert "3 rows" in run_and_wait(page)


def test_save_a_query_and_run_it_from_the_saved_list(page, source):
    type_sql(page, "SELECT sid FROM my_twilio.calls LIMIT 2")
    page.click("button.save-query-btn")
    page.fill(".dialog .save-name", "two calls")
    page.click(".dialog button[type=submit]")
    page.wait_for_selector(".dialog", state="detached")
    assert page.inner_text(".tab.active .tab-title") == "two calls"
    page.click(".view-tab[data-view=saved]")
    item = page.locator(".saved-item[data-name='two calls']")
    assert "not run yet" in item.inner_text()
    item.locator("button:has-text('Run')").click()
    assert "2 rows" in run_and_wait(page)
    page.click(".view-tab[data-view=saved]")
    page.wait_for_selector(".saved-item[data-name='two calls']:has-text('last run')")
    page.locator(".saved-item[data-name='two calls'] button:has-text('Delete')").click()
    page.click(".dialog button.danger")
    page.wait_for_selector(".saved-item[data-name='two calls']", state="detached")


def test_an_unreachable_base_url_says_so(page, app_url):
    """A source whose base URL answers nothing: the error says the API cannot be reached."""
    import socket

    import httpx

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    res = httpx.post(
        f"{app_url}/api/sources",
        json={
            "type": "twilio",
            "name": "gone",
            "options": {"account_sid": "AC" + "1" * 32, "base_url": f"http://127.0.0.1:{port}"},
            "secrets": {"auth_token": "0" * 32},
            "verify": False,
        },
    )
    assert res.status_code == 201, res.text
    try:
        type_sql(page, "SELECT * FROM gone.calls LIMIT 5")
        page.click("button.run")
        status = wait_done(page, 60_000)
        assert "Error" in status
        box = page.inner_text(".error-box")
        assert box.startswith("Cannot reach the API") and "Traceback" not in box
    finally:
        httpx.delete(f"{app_url}/api/sources/gone")


def test_many_tabs_scroll_and_the_plus_stays_visible(page, source):
    for _ in range(25):
        page.click(".tab-new")
    assert page.locator(".tab").count() == 26
    assert page.locator(".tab-new").is_visible()
    box = page.locator(".tab-new").bounding_box()
    assert box["x"] + box["width"] <= page.viewport_size["width"]
    scrolls = page.evaluate(
        "() => { const l = document.querySelector('.tab-list');"
        " return l.scrollWidth > l.clientWidth; }"
    )
    assert scrolls
    assert page.locator(".tab.active").is_visible()  # the new tab is scrolled into view


def test_a_source_added_in_the_wizard_opens_expanded(page, app_url, source, sandbox):
    import httpx

    page.click("button.add-source")
    page.click("[data-category=api]")
    page.click("[data-type=twilio]")
    page.fill("#f-name", "added_twilio")
    page.fill("#f-account_sid", sandbox.account_sid)
    page.fill("#f-auth_token", sandbox.auth_token)
    page.fill("#f-base_url", sandbox.base_url)
    page.click("button.save")
    try:
        page.wait_for_selector("[data-source=added_twilio][aria-expanded=true]")
        assert page.locator("[data-source=added_twilio] [data-table=calls]").count() == 1
        assert page.get_attribute("[data-source=my_twilio]", "aria-expanded") == "false"
    finally:
        httpx.delete(f"{app_url}/api/sources/added_twilio")


def test_chart_downloads_as_svg(page, source, tmp_path):
    import xml.etree.ElementTree as ET

    type_sql(page, "SELECT status, COUNT(*) AS n FROM my_twilio.calls GROUP BY status")
    run_and_wait(page)
    groups = int(page.get_attribute(".grid-box", "data-rows"))
    page.click(".view-tab[data-view=visualize]")
    page.wait_for_selector("#chart-canvas")
    for kind, shape in (("bar", "rect"), ("pie", "path"), ("line", "polyline")):
        page.select_option("select[name=chart-type]", kind)
        with page.expect_download() as dl:
            page.click("text=Download SVG")
        path = tmp_path / f"{kind}.svg"
        dl.value.save_as(path)
        root = ET.parse(path).getroot()
        ns = "{http://www.w3.org/2000/svg}"
        found = root.findall(f".//{ns}{shape}")
        if kind == "bar":  # the background, then one bar per status
            assert len(found) == groups + 1
        elif kind == "pie":
            assert len(found) + len(root.findall(f".//{ns}circle")) == groups
        else:
            assert len(found) == 1
        text = ET.tostring(root, encoding="unicode")
        assert "completed" in text  # a status, as a label or in the legend
        assert kind == "pie" or "status" in text  # the X axis's name


def test_the_browser_gets_the_bundle_and_tree_compressed(browser, sandbox, tmp_path):
    """As a client off loopback does (compress_loopback stands in for another machine)."""
    import httpx

    from distillr.server import create_app
    from distillr.server.background import BackgroundServer
    from distillr.server.settings import ServerSettings

    app = create_app(tmp_path, settings=ServerSettings(compress_loopback=True))
    with BackgroundServer(app) as url:
        res = httpx.post(
            f"{url}/api/sources",
            json={
                "type": "twilio",
                "name": "tw",
                "options": {"account_sid": sandbox.account_sid, "base_url": sandbox.base_url},
                "secrets": {"auth_token": sandbox.auth_token},
            },
            timeout=60,
        )
        assert res.status_code == 201, res.text
        ctx = browser.new_context()
        pg = ctx.new_page()
        encodings: dict[str, str] = {}
        pg.on(
            "response",
            lambda r: encodings.__setitem__(r.url, r.headers.get("content-encoding", "")),
        )
        try:
            pg.goto(url)
            pg.wait_for_selector("[data-source=tw]")
            sizes = pg.evaluate(
                "() => performance.getEntriesByType('resource')"
                ".filter(e => e.name.endsWith('.js') || e.name.includes('/api/tree'))"
                ".map(e => [e.name, e.encodedBodySize, e.decodedBodySize])"
            )
        finally:
            ctx.close()
    assert any("/api/tree" in name for name, _, _ in sizes)
    for name, wire, body in sizes:
        assert encodings[name] == "gzip", name
        assert wire < body / 2, (name, wire, body)
