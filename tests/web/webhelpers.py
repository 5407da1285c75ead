"""Helpers shared by the web tests."""

from __future__ import annotations


def add_fake(client, name="shop", token=None, rows=30, delay=0.0, headers=None, **kw):
    from distillr_fake import GOOD_TOKEN

    return client.post(
        "/api/sources",
        headers=headers,
        json={
            "type": "fake",
            "name": name,
            "options": {"account": "acme", "rows": rows, "delay": delay},
            "secrets": {"token": token or GOOD_TOKEN},
            **kw,
        },
    )


#: Debian's Chromium, which the browser tests drive through Playwright
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require_browser():
    """Skip the calling test module without Chromium or Playwright; Playwright's sync API."""
    import os

    import pytest

    if not os.path.exists(CHROMIUM):
        pytest.skip(
            f"{CHROMIUM} is missing (scripts/test_setup.py installs it)", allow_module_level=True
        )
    return pytest.importorskip("playwright.sync_api")
