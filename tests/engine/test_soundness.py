"""Pushdown never changes a result.

Hypothesis writes queries over the fake API (comparisons, ranges, IN, OR, NOT, LIKE, IS NULL,
joins including outer joins, ORDER BY/LIMIT/OFFSET, aggregates, subqueries, bind joins) and
each runs twice: with pushdown, and with pushdown off (every table fully fetched, only path
parameters sent). The answers must be equal as multisets, in order when ORDER BY fixes the
order, and where LIMIT leaves the choice of rows open, both must be that many rows of the
full answer.

``DISTILLR_SOUNDNESS_EXAMPLES`` sets the number of cases (default 2000).
"""

from __future__ import annotations

import functools
import os
from collections import Counter
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import distillr
from distillr.errors import DistillrError

from .fakes import FakeConnector

EXAMPLES = int(os.environ.get("DISTILLR_SOUNDNESS_EXAMPLES", "2000"))


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    session = distillr.connect(home=tmp_path_factory.mktemp("home"))
    session.register("fake", FakeConnector(page_size=7, max_fanout=12))
    yield session
    session.close()


# --------------------------------------------------------------------------- predicates

INTS = st.integers(min_value=-2, max_value=46)
DAYS = st.sampled_from([f"2025-01-0{d}" for d in range(1, 8)])
TIMES = st.builds(
    lambda d, h, m: f"{d} {h:02d}:{m:02d}:00",
    DAYS,
    st.integers(0, 23),
    st.sampled_from([0, 15, 30, 59]),
)
CMP = st.sampled_from(["=", "<>", "<", "<=", ">", ">="])


def _q(a: str | None, col: str) -> str:
    name = f"`{col}`" if col in ("to",) else col
    return f"{a}.{name}" if a else name


@st.composite
def cmp_pred(draw, col: str, values, a: str | None):
    op = draw(CMP)
    lit = draw(values)
    if draw(st.booleans()):
        flipped = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(op, op)
        return f"{lit} {flipped} {_q(a, col)}"
    return f"{_q(a, col)} {op} {lit}"


def _lit(v) -> str:
    return f"'{v}'"


@functools.cache
def calls_pred(a: str | None) -> st.SearchStrategy[str]:
    return _combine(calls_leaf(a))


@functools.cache
def messages_pred(a: str | None) -> st.SearchStrategy[str]:
    return _combine(messages_leaf(a))


@functools.cache
def calls_leaf(a: str | None) -> st.SearchStrategy[str]:
    int_lits = INTS.map(str)
    status = st.sampled_from(["completed", "busy", "failed", "no-answer", "queued"])
    leaves = st.one_of(
        cmp_pred("id", int_lits, a),
        cmp_pred("duration", int_lits.map(lambda s: str(int(s) * 3)), a),
        cmp_pred("date_created", st.one_of(DAYS, TIMES).map(_lit), a),
        cmp_pred("date_created", TIMES.map(lambda t: f"TIMESTAMP '{t}'"), a),
        cmp_pred("DateCreated", DAYS.map(_lit), a),
        cmp_pred("price", st.sampled_from(["0.25", "0.5", "1"]), a),
        st.builds(lambda v: f"{_q(a, 'status')} = '{v}'", status),
        st.builds(
            lambda v: f"{_q(a, 'direction')} = '{v}'",
            st.sampled_from(["inbound", "Inbound", "outbound-api", "OUTBOUND-API"]),
        ),
        st.builds(
            lambda vs: f"{_q(a, 'id')} IN ({', '.join(map(str, vs))})",
            st.lists(INTS, min_size=1, max_size=15),
        ),
        st.builds(
            lambda vs: f"{_q(a, 'status')} IN ({', '.join(map(_lit, vs))})",
            st.lists(status, min_size=1, max_size=4),
        ),
        st.builds(
            lambda x, y: f"({_q(a, 'status')} = '{x}' OR {_q(a, 'status')} = '{y}')", status, status
        ),
        st.builds(lambda x, y: f"{_q(a, 'id')} BETWEEN {x} AND {y}", INTS, INTS),
        st.builds(
            lambda p: f"{_q(a, 'to')} LIKE '{p}'",
            st.sampled_from(["+1555%", "+1%", "+44%", "%5%", "+1_55%", "+1555"]),
        ),
        st.builds(
            lambda c: f"{_q(a, c)} IS NULL",
            st.sampled_from(["status", "duration", "date_created", "answered"]),
        ),
        st.builds(lambda c: f"{_q(a, c)} IS NOT NULL", st.sampled_from(["status", "duration"])),
        st.sampled_from(
            [_q(a, "answered"), f"NOT {_q(a, 'answered')}", f"{_q(a, 'answered')} = true"]
        ),
        st.builds(lambda v: f"{_q(a, 'sid')} = 'CA{v:04d}'", INTS),
    )
    return leaves


@functools.cache
def messages_leaf(a: str | None) -> st.SearchStrategy[str]:
    leaves = st.one_of(
        cmp_pred("num_segments", st.integers(0, 4).map(str), a),
        cmp_pred("date_sent", st.one_of(DAYS, TIMES).map(_lit), a),
        cmp_pred("call_id", INTS.map(str), a),
        st.builds(
            lambda vs: f"{_q(a, 'status')} IN ({', '.join(map(_lit, vs))})",
            st.lists(st.sampled_from(["sent", "delivered", "failed"]), min_size=1, max_size=3),
        ),
        st.builds(
            lambda p: f"{_q(a, 'body')} LIKE '{p}'",
            st.sampled_from(["he%", "He%", "hel%", "%e%", "bye"]),
        ),
        st.builds(lambda c: f"{_q(a, c)} IS NULL", st.sampled_from(["status", "call_id"])),
    )
    return leaves


def _combine(leaves: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.builds(lambda x, y: f"({x} AND {y})", inner, inner),
            st.builds(lambda x, y: f"({x} OR {y})", inner, inner),
            st.builds(lambda x: f"NOT ({x})", inner),
        ),
        max_leaves=4,
    )


# --------------------------------------------------------------------------- queries


@dataclass
class Case:
    sql: str
    unlimited: str | None = None  # the same query without LIMIT/OFFSET
    ordered: bool = False  # ORDER BY fixes the row order
    limit: int | None = None
    offset: int = 0


@st.composite
def single_calls(draw):
    a = draw(st.sampled_from([None, "c"]))
    frm = "fake.calls" + (" c" if a else "")
    where = draw(st.lists(st.one_of(calls_leaf(a), calls_leaf(a), calls_pred(a)), max_size=3))
    w = f" WHERE {' AND '.join(where)}" if where else ""
    shape = draw(st.sampled_from(["star", "cols", "star", "cols", "agg", "distinct", "window"]))
    if shape == "agg":
        sql = (
            "SELECT status, count(*) AS n, sum(duration) AS d, min(date_created) AS m"
            f" FROM {frm}{w} GROUP BY status"
        )
        having = draw(st.sampled_from(["", " HAVING count(*) > 1"]))
        return Case(sql + having)
    if shape == "distinct":
        return Case(f"SELECT DISTINCT status, answered FROM {frm}{w}")
    if shape == "window":
        return Case(
            f"SELECT id, row_number() OVER (PARTITION BY status ORDER BY id) AS rn FROM {frm}{w}"
        )
    proj = "*" if shape == "star" else f"{_q(a, 'id')}, {_q(a, 'status')}, DateCreated"
    base = f"SELECT {proj} FROM {frm}{w}"
    order = draw(
        st.sampled_from(
            ["", " ORDER BY id", " ORDER BY id DESC", " ORDER BY status, id", " ORDER BY duration"]
        )
    )
    limit = draw(st.one_of(st.none(), st.integers(0, 12), st.integers(1, 12)))
    if limit is None:
        return Case(base + order, ordered=bool(order) and "id" in order)
    offset = draw(st.sampled_from([0, 0, 2, 5]))
    tail = f" LIMIT {limit}" + (f" OFFSET {offset}" if offset else "")
    if draw(st.booleans()) and offset == 0:
        tail = f" FETCH FIRST {limit} ROWS ONLY"
    return Case(
        base + order + tail,
        unlimited=base + order,
        ordered="id" in order,
        limit=limit,
        offset=offset,
    )


PUSHABLE_CALLS = st.one_of(
    st.builds(lambda op, v: f"id {op} {v}", st.sampled_from(["=", "<", "<=", ">", ">="]), INTS),
    st.builds(lambda v: f"status = '{v}'", st.sampled_from(["completed", "busy", "failed"])),
    st.builds(
        lambda op, v: f"date_created {op} '{v}'",
        st.sampled_from(["<", "<=", ">", ">="]),
        st.one_of(DAYS, TIMES),
    ),
    st.builds(
        lambda v: f"direction = '{v}'", st.sampled_from(["inbound", "Inbound", "outbound-api"])
    ),
    st.builds(lambda p: f"`to` LIKE '{p}'", st.sampled_from(["+1555%", "+1%", "+44%"])),
    st.builds(lambda op, v: f"DateCreated {op} '{v}'", st.sampled_from(["=", "<", ">="]), DAYS),
    st.builds(
        lambda op, v: f"duration {op} {v}", st.sampled_from(["<", ">="]), st.integers(0, 120)
    ),
)
PUSHABLE_MESSAGES = st.one_of(
    st.builds(
        lambda op, v: f"num_segments {op} {v}", st.sampled_from(["<=", ">="]), st.integers(0, 4)
    ),
    st.builds(
        lambda op, v: f"date_sent {op} '{v}'", st.sampled_from(["<", ">="]), st.one_of(DAYS, TIMES)
    ),
    st.builds(lambda p: f"body LIKE '{p}'", st.sampled_from(["he%", "He%", "b%"])),
    st.builds(lambda v: f"status IN ('{v}', 'failed')", st.sampled_from(["sent", "delivered"])),
)


@st.composite
def limit_case(draw):
    """Single-table LIMIT queries where every condition can travel: LIMIT may be pushed."""
    if draw(st.booleans()):
        where = draw(st.lists(PUSHABLE_CALLS, max_size=3))
        frm, order = "fake.calls", draw(st.sampled_from(["", " ORDER BY id"]))
    else:
        where = draw(st.lists(PUSHABLE_MESSAGES, max_size=3))
        frm, order = "fake.messages", draw(st.sampled_from(["", " ORDER BY date_sent DESC"]))
    w = f" WHERE {' AND '.join(where)}" if where else ""
    base = f"SELECT * FROM {frm}{w}{order}"
    limit = draw(st.integers(0, 12))
    offset = draw(st.sampled_from([0, 0, 1, 3]))
    tail = f" LIMIT {limit}" + (f" OFFSET {offset}" if offset else "")
    return Case(
        base + tail, unlimited=base, ordered=order == " ORDER BY id", limit=limit, offset=offset
    )


@st.composite
def single_messages(draw):
    where = draw(st.lists(st.one_of(messages_leaf(None), messages_pred(None)), max_size=3))
    w = f" WHERE {' AND '.join(where)}" if where else ""
    base = f"SELECT id, status, date_sent FROM fake.messages{w}"
    order = draw(st.sampled_from(["", " ORDER BY date_sent DESC", " ORDER BY date_sent DESC, id"]))
    limit = draw(st.one_of(st.none(), st.integers(0, 9), st.integers(1, 9)))
    if limit is None:
        return Case(base + order)
    return Case(f"{base}{order} LIMIT {limit}", unlimited=base + order, ordered=False, limit=limit)


@st.composite
def join_case(draw):
    kind = draw(
        st.sampled_from(["JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN", "LEFT OUTER JOIN"])
    )
    on = "c.id = m.call_id"
    if draw(st.booleans()):
        on += f" AND {draw(messages_pred('m'))}"
    if draw(st.booleans()):
        on += f" AND {draw(calls_pred('c'))}"
    where = []
    if draw(st.booleans()):
        where.append(draw(calls_pred("c")))
    if draw(st.booleans()):
        where.append(draw(messages_pred("m")))
    if draw(st.booleans()):
        where.append(
            draw(
                st.sampled_from(
                    [
                        "m.id IS NULL",
                        "c.id IS NULL",
                        "(m.status IS NULL OR m.status = 'sent')",
                        "COALESCE(m.status, 'x') = 'x'",
                    ]
                )
            )
        )
    w = f" WHERE {' AND '.join(where)}" if where else ""
    if draw(st.booleans()):
        return Case(
            f"SELECT c.status, count(m.id) AS n FROM fake.calls c {kind} fake.messages m"
            f" ON {on}{w} GROUP BY c.status"
        )
    return Case(
        f"SELECT c.id, c.status, m.id AS mid, m.body FROM fake.calls c {kind}"
        f" fake.messages m ON {on}{w}"
    )


@st.composite
def subquery_case(draw):
    p = draw(calls_pred(None))
    q = draw(messages_pred(None))
    form = draw(
        st.sampled_from(
            ["in", "notin", "exists", "derived", "cte", "union", "scalar", "through", "through"]
        )
    )
    if form == "in":
        return Case(
            f"SELECT id, status FROM fake.calls WHERE {p} AND id IN"
            f" (SELECT call_id FROM fake.messages WHERE {q})"
        )
    if form == "notin":
        return Case(
            f"SELECT id FROM fake.calls WHERE {p} AND id NOT IN"
            f" (SELECT call_id FROM fake.messages WHERE {q} AND call_id IS NOT NULL)"
        )
    if form == "exists":
        return Case(
            f"SELECT c.id FROM fake.calls c WHERE {draw(calls_pred('c'))} AND NOT EXISTS"
            f" (SELECT 1 FROM fake.messages m WHERE m.call_id = c.id AND"
            f" {draw(messages_pred('m'))})"
        )
    if form == "derived":
        outer = draw(
            st.sampled_from(
                [
                    "t.id > 3",
                    "t.s = 'busy'",
                    "t.s IN ('busy', 'failed')",
                    "t.s IS NULL",
                    "(t.s = 'busy' OR t.id = 2)",
                ]
            )
        )
        return Case(
            f"SELECT s, count(*) AS n FROM (SELECT status AS s, id FROM fake.calls"
            f" WHERE {p}) t WHERE {outer} GROUP BY s"
        )
    if form == "cte":
        return Case(
            f"WITH x AS (SELECT id, status FROM fake.calls WHERE {p})"
            f" SELECT a.id, b.status FROM x a JOIN x b ON a.id = b.id + 1"
            f" WHERE {draw(st.sampled_from(['a.status = ' + _lit('busy'), 'a.id < 20']))}"
        )
    if form == "through":
        kind = draw(st.sampled_from(["JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN"]))
        on_extra = draw(st.sampled_from(["", " AND t.status = 'busy'", " AND t.id > 5"]))
        outer = draw(calls_pred("t"))
        where = f" WHERE {outer}" if draw(st.booleans()) else ""
        return Case(
            f"WITH t AS (SELECT *, DateCreated FROM fake.calls WHERE {p})"
            f" SELECT t.id, t.status, m.id AS mid FROM fake.messages m {kind} t"
            f" ON m.call_id = t.id{on_extra}{where}"
        )
    if form == "scalar":
        return Case(
            f"SELECT id, (SELECT count(*) FROM fake.messages m WHERE m.call_id = c.id"
            f" AND {draw(messages_pred('m'))}) AS n FROM fake.calls c WHERE"
            f" {draw(calls_pred('c'))}"
        )
    return Case(
        f"SELECT id, 'c' AS t FROM fake.calls WHERE {p} UNION ALL"
        f" SELECT id, 'm' FROM fake.messages WHERE {q}"
    )


@st.composite
def bind_case(draw):
    p = draw(calls_pred("c"))
    extra = draw(st.sampled_from(["", " AND r.duration >= 20", " AND r.status = 'completed'"]))
    kind = draw(st.sampled_from(["JOIN", "LEFT JOIN"]))
    if kind == "LEFT JOIN":
        return Case(
            f"SELECT c.id, r.sid FROM fake.calls c LEFT JOIN fake.recordings r"
            f" ON r.CallSid = c.sid{extra} WHERE {p}"
        )
    return Case(
        f"SELECT c.id, r.sid, r.CallSid FROM fake.calls c JOIN fake.recordings r"
        f" ON r.CallSid = c.sid WHERE {p}{extra}"
    )


CASES = st.one_of(
    single_calls(),
    single_calls(),
    limit_case(),
    limit_case(),
    single_messages(),
    join_case(),
    subquery_case(),
    bind_case(),
)


# --------------------------------------------------------------------------- checking


def _run(con, sql, pushdown):
    try:
        return con.sql(sql, pushdown=pushdown).fetchall(), None
    except DistillrError as err:
        return None, type(err).__name__


def _key(row):
    return tuple((v is None, str(type(v)), v if v is not None else 0) for v in row)


def _multiset(rows):
    return Counter(rows)


@pytest.mark.slow
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(case=CASES)
def test_pushdown_never_changes_a_result(con, case):
    pushed, err_p = _run(con, case.sql, True)
    full, err_f = _run(con, case.sql, False)
    assert err_p == err_f, (case.sql, err_p, err_f)
    if err_p:
        assert err_p == "TooManyRequests", (case.sql, err_p)
        return
    if case.limit is not None and not case.ordered:
        everything, _ = _run(con, case.unlimited, False)
        expected = max(0, min(case.limit, len(everything) - case.offset))
        assert len(pushed) == len(full) == expected, case.sql
        assert not (_multiset(pushed) - _multiset(everything)), case.sql
        assert not (_multiset(full) - _multiset(everything)), case.sql
    elif case.ordered:
        assert pushed == full, case.sql
    else:
        assert _multiset(pushed) == _multiset(full), case.sql
