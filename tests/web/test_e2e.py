"""End to end in a real browser: Playwright drives Debian's Chromium against the web app and
the Twilio sandbox. Screenshots of failures go to test-artifacts/."""

from __future__ import annotations

import csv
import re

import pytest
from browserhelpers import expand, run_and_wait, type_sql, wait_for_completion

pytestmark = pytest.mark.browser


def test_wizard_inline_errors_then_create(page, sandbox):
    # the first run says what to do, with a button that opens the wizard
    page.wait_for_selector(".tree-empty:has-text('No data sources yet')")
    assert page.locator(".empty.first-run button").is_visible()
    page.click(".tree-empty button")
    page.click(".dialog-head button")  # close it: the top bar's + Add opens it too
    page.wait_for_selector(".dialog", state="detached")
    page.click("button.add-source")
    assert not page.locator("[data-category=files]").is_disabled()
    assert not page.locator("[data-category=custom_api]").is_disabled()
    page.click("[data-category=api]")
    page.click("[data-type=twilio]")
    # a bad name: the rule and an inline error, live
    assert "Lowercase letters, digits and underscores" in page.inner_text("[data-field=name]")
    page.fill("#f-name", "My-Twilio")
    page.wait_for_selector("#err-name:has-text('not a valid name')")
    assert page.get_attribute("#f-auth_token", "type") == "password"
    page.fill("#f-account_sid", sandbox.account_sid)
    page.fill("#f-auth_token", "not-the-token-0000000000")
    page.fill("#f-base_url", sandbox.base_url)
    page.click("button.save")
    assert "not a valid name" in page.inner_text("#err-name")  # nothing was sent
    # a good name but a wrong token: the error appears under Auth Token, nothing is saved
    page.fill("#f-name", "my_twilio")
    page.wait_for_function("() => document.querySelector('#err-name').textContent === ''")
    page.click("button.save")
    page.wait_for_selector("#err-auth_token:has-text('rejected the credentials')")
    assert page.locator(".dialog").is_visible()
    assert page.locator("[data-source=my_twilio]").count() == 0
    # the right token: saved, and the tree shows the source with calls and messages
    page.fill("#f-auth_token", sandbox.auth_token)
    page.click("button.save")
    page.wait_for_selector(".dialog", state="detached")
    page.wait_for_selector("[data-source=my_twilio]")
    assert "twilio" in page.inner_text("[data-source=my_twilio] .badge").lower()
    expand(page)
    assert page.locator("[data-source=my_twilio] [data-table=calls]").count() == 1
    assert page.locator("[data-source=my_twilio] [data-table=messages]").count() == 1
    assert page.locator(".tree-empty").count() == 0
    # required path parameters as users write them, not the declared snake_case
    assert page.inner_text("[data-table=call_events] .params") == ":CallSid"
    # the saved secret never comes back to the page
    assert sandbox.auth_token not in page.content()


def test_open_table_and_run_the_sample_query(page, source):
    expand(page)
    page.click("[data-table=calls] .table-link")
    assert "FROM `my_twilio`.`calls`" in page.inner_text(".cm-content")
    assert page.inner_text(".tab.active .tab-title") == "calls"
    status = run_and_wait(page)
    assert "Done" in status and "100 rows" in status and "1 API request" in status
    assert page.get_attribute(".grid-box", "data-rows") == "100"
    # the grid shows rows (virtually; Tabulator builds the table asynchronously)
    page.wait_for_function("() => document.querySelectorAll('.tabulator-row').length > 5")
    # the sample queries: one click away
    page.click("[data-table=calls] .samples-btn")
    page.click(".popover-item:has-text('Recent calls')")
    status = run_and_wait(page)
    assert "100 rows" in status


def test_filter_messages_by_to_from_and_date_sent(page, source):
    expand(page)
    page.click("[data-table=messages] .samples-btn")
    page.click(".popover-item:has-text('Messages by to, from and date sent')")
    status = run_and_wait(page)
    assert "Done" in status
    sql = page.inner_text(".cm-content")
    to = re.search(r"`to` = '([^']+)'", sql).group(1)
    frm = re.search(r"`from` = '([^']+)'", sql).group(1)
    rows = int(page.get_attribute(".grid-box", "data-rows"))
    assert rows >= 1
    # the same filters typed by hand, in the product page's spelling
    day = re.search(r"DATE '(\d{4}-\d\d-\d\d)'", sql).group(1)
    type_sql(
        page,
        f"SELECT `to`, `from`, date_sent FROM my_twilio.messages "
        f"WHERE `to` = '{to}' AND `from` = '{frm}' AND dateSent >= DATE '{day}'",
    )
    status = run_and_wait(page)
    assert f"{rows} row" in status
    cells = page.locator(".tabulator-row").first.locator(".tabulator-cell")
    assert cells.nth(1).inner_text() == to and cells.nth(2).inner_text() == frm


def test_export_csv_and_read_it_back(page, source, tmp_path):
    type_sql(page, "SELECT sid, status, direction FROM my_twilio.calls LIMIT 100")
    assert "100 rows" in run_and_wait(page)
    with page.expect_download() as dl:
        page.click(".export button[data-format=csv]")
    path = tmp_path / "calls.csv"
    dl.value.save_as(path)
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 100 and set(rows[0]) == {"sid", "status", "direction"}
    assert all(r["sid"].startswith("CA") for r in rows)


def test_draw_a_chart_and_download_png(page, source, tmp_path):
    type_sql(page, "SELECT status, COUNT(*) AS n FROM my_twilio.calls GROUP BY status")
    assert "Done" in run_and_wait(page)
    page.click(".view-tab[data-view=visualize]")
    page.select_option("select[name=chart-x]", label="status")
    page.select_option("select[name=chart-y]", label="n")
    for kind in ("line", "pie", "bar"):
        page.select_option("select[name=chart-type]", kind)
        page.wait_for_selector("#chart-canvas")
    drawn = page.evaluate(
        "() => { const c = document.querySelector('#chart-canvas');"
        " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 200) n++; return n; }"
    )
    assert drawn > 500  # bars were painted, not just a blank canvas
    with page.expect_download() as dl:
        page.click("text=Download PNG")
    png = tmp_path / "chart.png"
    dl.value.save_as(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_tabs_survive_a_reload_and_history_keeps_queries(page, source):
    page.click(".tab-new")
    type_sql(page, "SELECT COUNT(*) AS n FROM my_twilio.calls")
    run_and_wait(page)
    tabs = page.locator(".tab").count()
    page.reload()
    page.wait_for_selector("[data-source=my_twilio]")
    assert page.locator(".tab").count() == tabs
    assert "COUNT(*) AS n" in page.inner_text(".cm-content")
    # the tab's last result comes back too, while the server keeps it
    page.wait_for_selector(".grid-box[data-rows='1']")
    assert "1 row" in page.inner_text(".statusbar")
    page.click(".view-tab[data-view=history]")
    assert "COUNT(*) AS n FROM my_twilio.calls" in page.inner_text(".history")


def test_tree_filter_and_sql_completion(page, source):
    page.fill(".tree-filter", "date_sent")
    page.wait_for_selector("[data-table=messages] .column")
    assert page.locator("[data-table=calls]").count() == 0
    page.fill(".tree-filter", "")
    page.click(".tab-new")
    page.click(".cm-content")
    page.keyboard.type("SELECT * FROM my_twi")  # sources
    wait_for_completion(page, "my_twilio")
    page.keyboard.type("lio.mess")  # tables of the source
    wait_for_completion(page, "messages")
    page.locator(".cm-completionLabel").filter(has_text=re.compile(r"^messages$")).click()
    assert page.inner_text(".cm-content") == "SELECT * FROM my_twilio.messages"
    page.keyboard.type(" m WHERE m.date_s")  # columns, through the alias
    wait_for_completion(page, "date_sent")


def test_sql_error_cancel_and_explain(page, source):
    type_sql(page, "SELECT * FROM my_twilio.mesages")
    status = run_and_wait(page)
    assert "Error" in status
    assert "Did you mean 'messages'" in page.inner_text(".error-box")
    type_sql(page, "SELECT * FROM my_twilio.messages WHERE `to` = '+15005550006' LIMIT 5")
    page.click("button.explain-btn")
    page.wait_for_selector("pre.explain")
    assert "+15005550006" in page.inner_text("pre.explain")


def test_live_progress_and_cancel(page, app_url):
    """A slow API (1.5 s a request): the status bar shows the query running; Cancel stops it."""
    import httpx

    from distillr.sandbox import TwilioSandbox

    with TwilioSandbox(seed=7, latency_ms=1500) as slow:
        res = httpx.post(
            f"{app_url}/api/sources",
            json={
                "type": "twilio",
                "name": "slow_twilio",
                "options": {"account_sid": slow.account_sid, "base_url": slow.base_url},
                "secrets": {"auth_token": slow.auth_token},
                "verify": False,
            },
        )
        assert res.status_code == 201, res.text
        try:
            type_sql(page, "SELECT COUNT(*) FROM slow_twilio.messages")
            page.click("button.run")
            page.wait_for_selector(".statusbar .dot.running")
            assert page.inner_text(".statusbar .st-status") == "Running…"
            page.wait_for_timeout(400)
            assert page.inner_text(".statusbar .st-elapsed").endswith(" s")
            page.click("button.cancel")
            page.wait_for_selector(".statusbar .dot.cancelled", timeout=15_000)
            assert "cancelled" in page.inner_text(".error-box").lower()
        finally:
            httpx.delete(f"{app_url}/api/sources/slow_twilio")


def test_grid_sorts_by_a_column_header(page, source):
    type_sql(page, "SELECT sid, duration FROM my_twilio.calls LIMIT 100")
    assert "100 rows" in run_and_wait(page)
    page.wait_for_function("() => document.querySelectorAll('.tabulator-row').length > 5")
    sids = page.evaluate(
        "() => [...document.querySelectorAll('.tabulator-row')].map(r =>"
        " r.querySelectorAll('.tabulator-cell')[1].textContent)"
    )
    page.click(".tabulator-col[tabulator-field=c0] .tabulator-col-title")
    first = page.locator(".tabulator-row").first.locator(".tabulator-cell").nth(1)
    assert first.inner_text() == min(sids + [first.inner_text()])
    page.click(".tabulator-col[tabulator-field=c0] .tabulator-col-title")
    page.wait_for_timeout(200)
    assert first.inner_text() > min(sids)


def test_edit_rename_and_delete_a_source(page, app_url, sandbox):
    import httpx

    res = httpx.post(
        f"{app_url}/api/sources",
        json={
            "type": "twilio",
            "name": "tmp_src",
            "options": {"account_sid": sandbox.account_sid, "base_url": sandbox.base_url},
            "secrets": {"auth_token": sandbox.auth_token},
        },
        timeout=60,
    )
    assert res.status_code == 201
    page.reload()
    page.hover("[data-source=tmp_src] > .row")
    page.click("[aria-label='Edit tmp_src']")
    token = page.locator("#f-auth_token")
    assert token.input_value() == "" and "saved" in token.get_attribute("placeholder")
    assert sandbox.auth_token not in page.content()
    page.fill("#f-name", "tmp_src2")
    page.click("button.save")  # the saved token is kept and tested again
    page.wait_for_selector("[data-source=tmp_src2]")
    assert page.locator("[data-source=tmp_src]").count() == 0
    page.hover("[data-source=tmp_src2] > .row")
    page.click("[aria-label='Delete tmp_src2']")
    page.click(".dialog button.danger")
    page.wait_for_selector("[data-source=tmp_src2]", state="detached")
    names = [s["name"] for s in httpx.get(f"{app_url}/api/sources").json()]
    assert "tmp_src" not in names and "tmp_src2" not in names


def test_login_page_when_authentication_is_on(browser, sandbox, tmp_path):
    """With users configured, the page asks for a login; the page's own requests then carry
    the session cookie and the CSRF token."""
    import httpx

    from distillr.server import create_app
    from distillr.server.auth import AuthStore
    from distillr.server.background import BackgroundServer

    store = AuthStore(tmp_path)
    store.add_user("ada", "a long password")
    _, token = store.create_token("ada")
    with BackgroundServer(create_app(tmp_path, require_auth=True)) as url:
        res = httpx.post(
            f"{url}/api/sources",
            headers={"authorization": f"Bearer {token}"},
            json={
                "type": "twilio",
                "name": "tw",
                "options": {"account_sid": sandbox.account_sid, "base_url": sandbox.base_url},
                "secrets": {"auth_token": sandbox.auth_token},
            },
            timeout=60,
        )
        assert res.status_code == 201, res.text
        context = browser.new_context()
        pg = context.new_page()
        try:
            pg.goto(url)
            pg.fill("input[name=username]", "ada")
            pg.fill("input[name=password]", "wrong password")
            pg.click("button[type=submit]")
            pg.wait_for_selector(".login-box .form-error:has-text('Wrong user name or password')")
            pg.fill("input[name=password]", "a long password")
            pg.click("button[type=submit]")
            pg.wait_for_selector("[data-source=tw]")
            assert pg.inner_text(".topbar .user") == "ada"
            type_sql(pg, "SELECT sid FROM tw.calls LIMIT 3")  # a POST: needs the CSRF token
            assert "3 rows" in run_and_wait(pg)
            cookies = {c["name"]: c for c in context.cookies()}
            assert cookies["distillr_session"]["httpOnly"]
            assert cookies["distillr_session"]["sameSite"] == "Strict"
            pg.click("text=Log out")
            pg.wait_for_selector(".login-box")
        finally:
            context.close()


def test_analysts_query_but_do_not_manage_sources(browser, sandbox, tmp_path):
    """An analyst's page has no add, edit or delete; the API refuses them with 403 anyway."""
    import httpx

    from distillr.server import create_app
    from distillr.server.auth import AuthStore
    from distillr.server.background import BackgroundServer

    store = AuthStore(tmp_path)
    store.add_user("root", "a long password", "admin")
    store.add_user("ana", "a long password", "analyst")
    _, token = store.create_token("root")
    with BackgroundServer(create_app(tmp_path, require_auth=True, secure_cookies=False)) as url:
        res = httpx.post(
            f"{url}/api/sources",
            headers={"authorization": f"Bearer {token}"},
            json={
                "type": "twilio",
                "name": "tw",
                "options": {"account_sid": sandbox.account_sid, "base_url": sandbox.base_url},
                "secrets": {"auth_token": sandbox.auth_token},
            },
            timeout=60,
        )
        assert res.status_code == 201, res.text
        context = browser.new_context()
        pg = context.new_page()
        try:
            pg.goto(url)
            pg.fill("input[name=username]", "ana")
            pg.fill("input[name=password]", "a long password")
            pg.click("button[type=submit]")
            pg.wait_for_selector("[data-source=tw]")
            assert pg.locator("button.add-source").count() == 0
            pg.hover("[data-source=tw] > .row")
            assert pg.locator("[aria-label='Edit tw'], [aria-label='Delete tw']").count() == 0
            type_sql(pg, "SELECT sid FROM tw.calls LIMIT 2")
            assert "2 rows" in run_and_wait(pg)
            assert sandbox.auth_token not in pg.content()
        finally:
            context.close()


def test_api_docs_work_with_no_network(browser, app_url):
    """/docs shows the API's operations with every request off this machine refused."""
    context = browser.new_context()
    remote: list[str] = []

    def only_local(route):
        url = route.request.url
        if url.startswith(app_url):
            route.continue_()
        else:
            remote.append(url)
            route.abort("internetdisconnected")

    context.route("**/*", only_local)
    pg = context.new_page()
    try:
        pg.goto(f"{app_url}/docs")
        pg.wait_for_selector(".opblock-summary-path", timeout=20_000)
        paths = pg.locator(".opblock-summary-path").all_inner_texts()
        assert "/api/sources" in paths and "/api/queries/{job_id}/result" in paths
        assert "distillr" in pg.inner_text(".info .title")
        assert not remote, f"/docs asked the network for {remote}"
    finally:
        context.close()
