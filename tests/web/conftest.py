"""Fixtures of the web tests: the app on loopback, and for the browser tests (``-m browser``)
one Chromium per module, one context per module and a fresh page per test, opened at the
module's ``server`` (``app_url`` when that fixture gives more than the URL)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from webhelpers import CHROMIUM, CHROMIUM_ARGS, require_browser

BASE = "http://127.0.0.1:8000"
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.delenv("DISTILLR_SECRET_KEY", raising=False)
    monkeypatch.setenv("DISTILLR_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def client(home, fake_type):
    """The web app on loopback (no login), with the ``fake`` source type installed."""
    from distillr.server import create_app

    with TestClient(create_app(home), base_url=BASE) as c:
        yield c


@pytest.fixture
def good(fake_type):
    return fake_type.GOOD_TOKEN


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item (the browser fixture screenshots failures)."""
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


@pytest.fixture(scope="module")
def browser():
    sync_api = require_browser()
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def context(browser):
    """One browser context for the module, so the built files load from its cache after the
    first test; each test's page still starts with empty localStorage (its own tabs, history
    and tree state), which a reload keeps."""
    ctx = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 900})
    ctx.add_init_script(
        "if (!sessionStorage.getItem('distillr.test.page')) {"
        " localStorage.clear(); sessionStorage.setItem('distillr.test.page', '1'); }"
    )
    yield ctx
    ctx.close()


@pytest.fixture(scope="module")
def app_url(server):
    """The web app's URL: the module's ``server`` (a module whose server gives more overrides
    this)."""
    return server


@pytest.fixture
def page(context, app_url, request):
    """A new page at the app; fails the test on an error in the page, and saves a screenshot
    of a failed test in test-artifacts/."""
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(app_url)
    yield pg
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    pg.close()
    assert not errors, f"errors in the page: {errors}"
