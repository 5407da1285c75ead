"""Fixtures: the fake API, and a helper that builds a Custom API source over it."""

from __future__ import annotations

import pytest
from rest_fake_api import BASE, FakeApi

import distillr
from distillr.connectors.rest import RestConnector


@pytest.fixture()
def api():
    return FakeApi()


@pytest.fixture()
def make(api, tmp_path):
    """``make(endpoints, **source)`` -> (session, connector, sleeps) over the fake API."""
    made = []

    def build(endpoints, secrets=None, **source):
        sleeps: list[float] = []
        definition = {"base_url": BASE, "endpoints": endpoints, **source}
        conn = RestConnector(
            "fake", definition, secrets, transport=api.transport(), sleep=sleeps.append
        )
        session = distillr.connect(home=tmp_path / "home")
        session.register("fake", conn)
        made.append(session)
        return session, conn, sleeps

    yield build
    for s in made:
        s.close()


def rows_of(api, **filters):
    return api.filtered({k: str(v) for k, v in filters.items()})
