"""The planner's fast tree walkers visit exactly what sqlglot's own walks visit, in the same
order (plans and EXPLAIN reasons depend on the order), so a sqlglot upgrade that stores
children differently fails here rather than changing plans silently."""

from __future__ import annotations

import pytest
from sqlglot import exp

from distillr.sql.clauses import all_nodes, columns_unless_query, has_query, own_nodes
from distillr.sql.dialect import parse

QUERIES = [
    "SELECT c.id, c.status, m.body FROM fake.calls c JOIN fake.messages m ON c.id = m.call_id"
    " AND m.status IN ('sent', 'delivered') LEFT JOIN other.calls o ON o.id = c.id"
    " WHERE c.status = 'busy' AND c.`to` LIKE '+1555%' ORDER BY c.id LIMIT 10",
    "WITH t AS (SELECT id, count(*) AS n FROM fake.calls GROUP BY id) SELECT * FROM t"
    " WHERE n > (SELECT max(id) FROM fake.messages) UNION ALL SELECT 1, 2",
    "SELECT CASE WHEN x BETWEEN 1 AND 2 THEN 'a' ELSE 'b' END, TO_DATE(y, 'yyyy-MM-dd')"
    " FROM (SELECT * FROM fake.calls) d WHERE EXISTS (SELECT 1 FROM fake.messages m"
    " WHERE m.id = d.id) AND (a = 1 OR a IN (2, 3))",
]


def _own_nodes_reference(root: exp.Expr):
    """``own_nodes`` as written with sqlglot's iter_expressions."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        for child in node.iter_expressions():
            if not isinstance(child, exp.Query):
                stack.append(child)


@pytest.mark.parametrize("sql", QUERIES)
def test_all_nodes_is_sqlglot_walk(sql):
    tree = parse(sql)
    assert [id(n) for n in all_nodes(tree)] == [id(n) for n in tree.walk()]


@pytest.mark.parametrize("sql", QUERIES)
def test_own_nodes_stops_at_nested_queries(sql):
    tree = parse(sql)
    for select in all_nodes(tree):
        if isinstance(select, exp.Select):
            ours = list(own_nodes(select))
            assert [id(n) for n in ours] == [id(n) for n in _own_nodes_reference(select)]
            assert not any(isinstance(n, exp.Query) for n in ours[1:])


def test_columns_unless_query():
    where = parse("SELECT 1 FROM s.t WHERE a = 1 AND b IN (SELECT c FROM s.u)").args["where"]
    first, second = where.this.this, where.this.expression
    assert [c.name for c in columns_unless_query(first)] == ["a"]
    assert columns_unless_query(second) is None
    assert has_query(second) and not has_query(first)
    assert columns_unless_query(exp.Literal.number(1)) == []
