from __future__ import annotations

import pytest


@pytest.fixture
def reg(tmp_path, fake_type, monkeypatch):
    from distillr.registry import Registry

    monkeypatch.delenv("DISTILLR_SECRET_KEY", raising=False)
    return Registry(tmp_path / "home")
