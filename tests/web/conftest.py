from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

BASE = "http://127.0.0.1:8000"


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
