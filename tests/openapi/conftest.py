"""Fixtures: the Twilio specs (a copy, with Twilio's MIT notice beside them)."""

from __future__ import annotations

from pathlib import Path

import pytest

SPECS = Path(__file__).resolve().parent / "specs" / "twilio"


@pytest.fixture(scope="session")
def specs_dir() -> Path:
    return SPECS
