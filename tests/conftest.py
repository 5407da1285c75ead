"""Fixtures shared by several test folders."""

from __future__ import annotations

from pathlib import Path

import pytest

PLUGIN = Path(__file__).parent / "cli" / "plugin"


@pytest.fixture
def fake_type(monkeypatch):
    """Install the test connector type ``fake`` (tests/cli/plugin) through a real entry point,
    the way a third-party package would."""
    from distillr.registry import types

    monkeypatch.syspath_prepend(str(PLUGIN))
    types._entry_points.cache_clear()
    yield __import__("distillr_fake")
    types._entry_points.cache_clear()
