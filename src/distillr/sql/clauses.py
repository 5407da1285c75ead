"""Walking one query scope: its own nodes, and its clauses split into conjuncts.

The walkers read ``node.args`` directly: sqlglot's ``walk``/``find_all`` are generic
generators and cost three times as much, and planning walks trees many times.
"""

from __future__ import annotations

from sqlglot import exp

__all__ = ["SET_RETURNING", "all_nodes", "conjuncts", "disjuncts", "has_query", "own_nodes"]

#: functions that return several rows per input row (a LIMIT above them cannot travel)
SET_RETURNING = {
    "unnest",
    "flatten",
    "generate_series",
    "range",
    "generate_subscripts",
    "json_each",
    "json_tree",
    "explode",
}

_Expr = exp.Expr
_Query = exp.Query


def all_nodes(root: exp.Expr) -> list[exp.Expr]:
    """Every node under ``root`` (itself first), in the order of ``root.walk()`` (breadth first)."""
    out = [root]
    add = out.append
    for node in out:  # grows while iterating: a breadth-first queue
        for value in node.args.values():
            if isinstance(value, _Expr):
                add(value)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, _Expr):
                        add(item)
    return out


def own_nodes(root: exp.Expr):
    """Nodes of one scope: everything under ``root`` except nested queries (depth first)."""
    stack = [root]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        yield node
        for value in node.args.values():
            if isinstance(value, _Expr):
                if not isinstance(value, _Query):
                    push(value)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, _Expr) and not isinstance(item, _Query):
                        push(item)


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
    return any(isinstance(n, _Query) for n in all_nodes(node))


def columns_unless_query(node: exp.Expr) -> list[exp.Column] | None:
    """The column nodes under ``node``, or None if it holds a query (a subquery)."""
    cols = []
    for n in all_nodes(node):
        if isinstance(n, _Query):
            return None
        if isinstance(n, exp.Column):
            cols.append(n)
    return cols
