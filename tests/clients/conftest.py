"""Fixtures: a registry with a Twilio source ``tw`` over a sandbox, for every client."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def sandbox():
    from distillr.sandbox import TwilioSandbox

    with TwilioSandbox(seed=7, scale="tiny") as sb:
        yield sb


@pytest.fixture(scope="session")
def registry_home(sandbox, tmp_path_factory):
    """A DISTILLR_HOME with the source ``tw`` saved in its registry."""
    from distillr.registry import Registry

    home = tmp_path_factory.mktemp("clients") / "home"
    reg = Registry(home)
    reg.add(
        "twilio",
        "tw",
        {"account_sid": sandbox.account_sid, "base_url": sandbox.base_url},
        {"auth_token": sandbox.auth_token},
        verify=False,
    )
    return home


@pytest.fixture
def home(registry_home, monkeypatch):
    monkeypatch.setenv("DISTILLR_HOME", str(registry_home))
    monkeypatch.delenv("DISTILLR_SECRET_KEY", raising=False)
    return registry_home
