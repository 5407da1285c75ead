"""Fixtures: a Twilio sandbox and a session with the connector pointed at it."""

from __future__ import annotations

import pytest
from twilio_helpers import session_for


@pytest.fixture(scope="module")
def sandbox():
    from distillr.sandbox import TwilioSandbox

    with TwilioSandbox(seed=42, scale="tiny") as sb:
        yield sb


@pytest.fixture()
def con(sandbox, tmp_path):
    sandbox.clear_requests()
    session = session_for(sandbox, tmp_path)
    yield session
