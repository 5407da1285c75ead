"""EXPLAIN shows the requests a connector sent while planning (its probes) and counts them;
``EXPLAIN (probes off)``, ``probes=False`` and ``--no-probes`` plan with
``ScanRequest.probes=False``, so that nothing is sent."""

from __future__ import annotations

import json

import pytest

import distillr
from distillr.errors import SqlError

from .fakes import FakeConnector


class ProbingConnector(FakeConnector):
    """Looks before it plans, as a connector balancing date-range splits does: reads page
    one and probes two days, when the request allows it."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.sent: list[str] = []

    def plan(self, request, stats=None):
        if request.probes:
            for line in (f"GET /{request.table}?PageSize=50", f"GET /{request.table}?Day=1"):
                self.sent.append(line)
                if stats is not None:
                    stats.add(requests=1, pages=1)
                    stats.probe(line)
        return super().plan(request, stats)


@pytest.fixture()
def fake():
    return ProbingConnector(page_size=7)


@pytest.fixture()
def con(tmp_path, fake):
    session = distillr.connect(home=tmp_path)
    session.register("fake", fake)
    yield session
    session.close()


SQL = "SELECT count(*) FROM fake.calls c JOIN fake.messages m ON c.id = m.call_id"


def test_explain_lists_and_counts_the_probes(con, fake):
    ex = con.explain(SQL)
    assert len(fake.sent) == 4
    assert ex.text.count("probes:         2 requests sent while planning") == 2
    assert "      - GET /calls?PageSize=50" in ex.text and "      - GET /messages?Day=1" in ex.text
    assert "Planning sent 4 requests to the API(s) (probes)" in ex.text
    data = ex.to_dict()
    assert data["stats"] == {"requests": 4, "probes": 4} and data["probes"] is True
    assert [t["probes"] for t in data["tables"]] == [fake.sent[:2], fake.sent[2:]]
    assert [t["probe_requests"] for t in data["tables"]] == [2, 2]


@pytest.mark.parametrize(
    "run",
    [
        lambda con: con.explain(SQL, probes=False),
        lambda con: con.explain("EXPLAIN (probes off) " + SQL),
        lambda con: con.sql("EXPLAIN (PROBES OFF) " + SQL),
        lambda con: con.sql("explain ( probes false ) plan for " + SQL),
        lambda con: con.sql("EXPLAIN " + SQL, probes=False),
    ],
)
def test_probes_off_plans_without_requests(con, fake, run):
    out = run(con)
    text = out.text if hasattr(out, "text") else out.fetchall()[0][0]
    data = out.to_dict() if hasattr(out, "to_dict") else json.loads(out.fetchall()[0][1])
    assert fake.sent == []
    assert fake.requests and all(r.probes is False for r in fake.requests)
    assert text.startswith("Query plan (pushdown on, probes off)")
    assert "probes:" not in text and "Planning sent" not in text
    assert data["stats"] == {"requests": 0, "probes": 0} and data["probes"] is False


def test_probes_on_is_the_default_and_can_be_said(con, fake):
    con.explain("EXPLAIN (probes on) " + SQL)
    assert len(fake.sent) == 4 and all(r.probes for r in fake.requests)


def test_queries_run_without_probes(con, fake):
    assert con.sql(SQL, probes=False).fetchall() == con.sql(SQL).fetchall()
    assert [r.probes for r in fake.requests] == [False, False, True, True]


def test_queries_count_their_probes_in_stats(con, fake):
    res = con.sql("SELECT count(*) FROM fake.calls")
    res.fetchall()
    assert res.stats.tables[0].scan.probes == ["GET /calls?PageSize=50", "GET /calls?Day=1"]


def test_an_unknown_explain_option_says_what_works(con):
    with pytest.raises(SqlError, match=r"EXPLAIN \(probes off\)"):
        con.sql("EXPLAIN (format json) SELECT 1")
