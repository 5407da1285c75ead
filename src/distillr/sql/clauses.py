"""Walking one query scope: its own nodes, and its clauses split into conjuncts."""

from __future__ import annotations

from sqlglot import exp

__all__ = ["SET_RETURNING", "conjuncts", "disjuncts", "has_query", "own_nodes"]

#: functions that return several rows per input row (a LIMIT above them cannot travel)
SET_RETURNING = {"unnest", "flatten", "generate_series", "range", "generate_subscripts",
                 "json_each", "json_tree", "explode"}


def own_nodes(root: exp.Expr):
    """Nodes of one scope: everything under ``root`` except nested queries."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        for child in node.iter_expressions():
            if isinstance(child, exp.Query):
                continue
            stack.append(child)


def conjuncts(node: exp.Expr | None) -> list[exp.Expr]:
    if node is None:
        return []
    if isinstance(node, exp.Paren):
        return conjuncts(node.this)
    if isinstance(node, exp.And):
        return conjuncts(node.this) + conjuncts(node.expression)
    return [node]


def disjuncts(node: exp.Expr) -> list[exp.Expr]:
    if isinstance(node, exp.Paren):
        return disjuncts(node.this)
    if isinstance(node, exp.Or):
        return disjuncts(node.this) + disjuncts(node.expression)
    return [node]


def has_query(node: exp.Expr) -> bool:
    return any(isinstance(n, exp.Query) for n in node.walk())
