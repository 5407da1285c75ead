"""Which parameter values to sample an endpoint with, and in which order to sample endpoints.

An endpoint is sampled (its schema inferred) with, per parameter: the value given, else its
``example``, else its default, else (``sample_from: board.id``) a value of that column in the
other endpoint's sampled rows. :func:`sample_values` gives the ``pick``-th choice of those
values, so a sample that came back empty (a scrum board has no epics) can try the next board.
:func:`sample_order` puts the endpoints others sample from first.

>>> from distillr.connectors.rest.definition import EndpointDef
>>> ep = EndpointDef.model_validate({"name": "epic", "url": "/board/{boardId}/epic",
...     "params": [{"name": "boardId", "location": "path", "sample_from": "board.id"}]})
>>> sample_values(ep, {}, {"board": [{"id": 1}, {"id": 1}, {"id": 3}]}, pick=1)
{'boardId': 3}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from distillr.connectors.rest.definition import EndpointDef

__all__ = ["parents", "sample_order", "sample_values"]

#: how many values of a ``sample_from`` column are tried before an empty sample is kept
TRIES = 3

Rows = Mapping[str, list[dict[str, Any]]]


def parents(ep: EndpointDef) -> list[str]:
    """The (lower-cased) endpoints whose rows this one samples its parameter values from."""
    out = []
    for p in ep.all_params():
        if p.sample_from and p.example is None and p.default is None:
            out.append(p.sample_from.split(".")[0].lower())
    return list(dict.fromkeys(out))


def sample_values(
    ep: EndpointDef, given: Mapping[str, Any], rows: Rows, pick: int = 0
) -> dict[str, Any]:
    """Values for the parameters an endpoint needs, to sample it; ``LookupError`` naming the
    first one without a value (or without a ``pick``-th value)."""
    values: dict[str, Any] = {}
    for p in ep.all_params():
        if p.name in given:
            values[p.name] = given[p.name]
        elif p.example is not None:
            values[p.name] = p.example
        elif p.default is not None:
            continue
        elif p.sample_from:
            other, column = p.sample_from.split(".")
            found = list(
                dict.fromkeys(
                    r.get(column) for r in rows.get(other.lower(), []) if r.get(column) is not None
                )
            )
            if len(found) <= pick:
                raise LookupError(f"{p.name}: no value of {p.sample_from} was sampled")
            values[p.name] = found[pick]
        elif p.required or p.location == "path":
            raise LookupError(f"{p.name} has no example value")
    return values


def sample_order(endpoints: Sequence[EndpointDef]) -> list[EndpointDef]:
    """Endpoints whose parameters are sampled from others come after those."""
    by_name = {e.name.lower(): e for e in endpoints}
    done: dict[str, EndpointDef] = {}

    def visit(ep: EndpointDef, trail: tuple[str, ...]) -> None:
        key = ep.name.lower()
        if key in done or key in trail:
            return
        for name in parents(ep):
            other = by_name.get(name)
            if other is not None:
                visit(other, (*trail, key))
        done[key] = ep

    for ep in endpoints:
        visit(ep, ())
    return list(done.values())
