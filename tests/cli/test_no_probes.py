"""``distillr query --no-probes``: the query and its ``--explain`` plan with
``ScanRequest.probes=False``; without the flag connectors may probe."""

from __future__ import annotations

import pytest


@pytest.fixture
def seen(shop, fake_type, monkeypatch):
    requests = []
    plan = fake_type.FakeConnector.plan

    def recording(self, request, stats=None):
        requests.append(request)
        if request.probes and stats is not None:
            stats.add(requests=1)
            stats.probe(f"GET /{request.table}?PageSize=1")
        return plan(self, request, stats)

    monkeypatch.setattr(fake_type.FakeConnector, "plan", recording)
    return requests


def test_no_probes_reaches_the_connector(cli, seen):
    assert (
        cli("query", "--no-probes", "--format", "csv", "SELECT count(*) FROM shop.items").code == 0
    )
    assert [r.probes for r in seen] == [False]
    assert cli("query", "--format", "csv", "SELECT count(*) FROM shop.items").code == 0
    assert [r.probes for r in seen] == [False, True]


def test_explain_shows_probes_unless_told_not_to(cli, seen):
    ran = cli("query", "--explain", "SELECT * FROM shop.items")
    assert ran.code == 0 and "probes:         1 request sent while planning" in ran.out
    assert "GET /items?PageSize=1" in ran.out
    ran = cli("query", "--explain", "--no-probes", "SELECT * FROM shop.items")
    assert ran.code == 0 and "probes off" in ran.out and "PageSize" not in ran.out
    ran = cli("query", "EXPLAIN (probes off) SELECT * FROM shop.items", "--format", "csv")
    assert ran.code == 0 and "probes off" in ran.out
    assert [r.probes for r in seen] == [True, False, False]
