import os

import httpx
import pytest

from distillr.sandbox import TwilioSandbox


@pytest.fixture(scope="session")
def sb():
    """One small sandbox over HTTP for the whole sandbox test session."""
    for var in ("TWILIO_EDGE", "TWILIO_REGION"):
        os.environ.pop(var, None)
    with TwilioSandbox(seed=7, scale="small") as box:
        yield box


@pytest.fixture(scope="session")
def tiny():
    """A tiny sandbox used in-process through httpx.ASGITransport (no server)."""
    return TwilioSandbox(seed=3, scale="tiny")


@pytest.fixture()
def http(sb):
    with httpx.Client(base_url=sb.base_url, auth=(sb.account_sid, sb.auth_token), timeout=30) as c:
        yield c
