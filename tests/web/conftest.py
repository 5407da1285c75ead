"""Fixtures of the web tests: the app in a test client (``client``), and for the browser tests
the app on a port (``app_url``), Debian's Chromium driven by Playwright (``browser``,
``context``, ``page``) and the Twilio sandbox saved as a source (``sandbox``, ``source``).
A failed browser test leaves a screenshot in test-artifacts/."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from webhelpers import CHROMIUM, CHROMIUM_ARGS

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
    """Keep each phase's report on the test item (the page fixture screenshots failures)."""
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


@pytest.fixture(scope="module")
def app_home(tmp_path_factory):
    """The home folder of the module's web app."""
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def app_url(app_home):
    """The web app (no login) on a free loopback port, one per test module."""
    from distillr.server import create_app
    from distillr.server.background import BackgroundServer

    os.environ.pop("DISTILLR_SECRET_KEY", None)
    with BackgroundServer(create_app(app_home)) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless; the test is skipped where it or Playwright is missing."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing (scripts/test_setup.py installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def viewport():
    return {"width": 1400, "height": 900}


@pytest.fixture(scope="module")
def context(browser, viewport):
    """One browser context for the module, so the built files load from its cache after the
    first test; each test's page still starts with empty localStorage (its own tabs, history
    and tree state), which a reload keeps."""
    ctx = browser.new_context(accept_downloads=True, viewport=viewport)
    ctx.add_init_script(
        "if (!sessionStorage.getItem('distillr.test.page')) {"
        " localStorage.clear(); sessionStorage.setItem('distillr.test.page', '1'); }"
    )
    yield ctx
    ctx.close()


@pytest.fixture
def page(context, app_url, request):
    """A new page on the web app. The test fails if the page throws; a failure leaves a
    screenshot in test-artifacts/."""
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


@pytest.fixture(scope="module")
def sandbox():
    """The Twilio sandbox (a module may define its own)."""
    from distillr.sandbox import TwilioSandbox

    with TwilioSandbox(seed=42) as sb:
        yield sb


@pytest.fixture
def source(page, app_url, sandbox):
    """The sandbox saved as my_twilio (through the API when no earlier test saved it), shown
    in the page's tree."""
    import httpx

    names = [s["name"] for s in httpx.get(f"{app_url}/api/sources").json()]
    if "my_twilio" not in names:
        res = httpx.post(
            f"{app_url}/api/sources",
            json={
                "type": "twilio",
                "name": "my_twilio",
                "options": {"account_sid": sandbox.account_sid, "base_url": sandbox.base_url},
                "secrets": {"auth_token": sandbox.auth_token},
            },
            timeout=60,
        )
        assert res.status_code == 201, res.text
        page.reload()
    page.wait_for_selector("[data-source=my_twilio]")
    return "my_twilio"
