from __future__ import annotations

from pathlib import Path

import pytest

PLUGIN = Path(__file__).parents[1] / "cli" / "plugin"


@pytest.fixture
def fake_type(monkeypatch):
    """Install the test connector type ``fake`` (an entry point, like a third-party package)."""
    from distillr.registry import types

    monkeypatch.syspath_prepend(str(PLUGIN))
    types._entry_points.cache_clear()
    yield __import__("distillr_fake")
    types._entry_points.cache_clear()


@pytest.fixture
def reg(tmp_path, fake_type, monkeypatch):
    from distillr.registry import Registry

    monkeypatch.delenv("DISTILLR_SECRET_KEY", raising=False)
    return Registry(tmp_path / "home")
