"""Fixtures for the tests of the shared connector toolkit (``connectors/http.py``, ``arrow.py``,
``pages.py``): a Twilio sandbox, whose real pages the page decoder is checked on, and the
Twilio test helpers (``tests/twilio/twilio_helpers.py``) on the import path."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "twilio"))


@pytest.fixture(scope="module")
def sandbox():
    from distillr.sandbox import TwilioSandbox

    with TwilioSandbox(seed=42, scale="tiny") as sb:
        yield sb
