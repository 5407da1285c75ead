"""Fan-out: one stream of pages per combination of the values a request takes one at a time.

An API takes one value per path parameter (``/Calls/{CallSid}/Recordings``, an account in the
path) and often one per filter, so a query's ``IN (...)`` becomes one split per combination of
values. :func:`fan_out` lists the combinations, in order (the first dimension varies slowest):

- ``required`` dimensions (path parameters, accounts) are always fanned out; more than
  ``20 * max_fanout`` combinations is a :class:`~distillr.errors.TooManyRequests` error saying
  what the scans are one per, counted before any combination is made;
- ``optional`` dimensions (a filter the engine applies again anyway) are fanned out, fewest
  values first, while the combinations stay within ``max_fanout``; the others are left to the
  engine (:attr:`FanOut.left`), which then sees more rows than the query keeps, so a LIMIT can
  no longer travel.

>>> f = fan_out("t", [("board", (1, 2))], [("state", ("open", "done", "new"))], max_fanout=4)
>>> f.combinations(), f.left
([{'board': 1}, {'board': 2}], ('state',))
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from distillr.errors import TooManyRequests

__all__ = ["FanOut", "fan_out"]

#: required dimensions may make this many times ``max_fanout`` scans before it is an error
REQUIRED_FACTOR = 20


@dataclass(frozen=True)
class FanOut:
    """The dimensions fanned out (``names``, with their values), and those left to the engine."""

    names: tuple[Hashable, ...]
    values: tuple[Sequence[Any], ...]
    left: tuple[Hashable, ...] = ()

    def __len__(self) -> int:
        return math.prod(len(v) for v in self.values)

    def combos(self) -> list[tuple[Any, ...]]:
        """Every combination, as a tuple in the order of ``names``."""
        return list(itertools.product(*self.values))

    def combinations(self) -> list[dict[Hashable, Any]]:
        """Every combination, as ``{name: value}``."""
        return [dict(zip(self.names, combo, strict=True)) for combo in self.combos()]

    def fanned(self, ignoring: Sequence[Hashable] = ()) -> bool:
        """Whether any dimension (but those ``ignoring``) has more than one value."""
        return any(
            len(v) > 1 for n, v in zip(self.names, self.values, strict=True) if n not in ignoring
        )


def fan_out(
    table: str,
    required: Sequence[tuple[Hashable, Sequence[Any]]],
    optional: Sequence[tuple[Hashable, Sequence[Any]]] = (),
    *,
    max_fanout: int,
    per: str = "one per combination of parameter values",
) -> FanOut:
    """The combinations of ``required`` and of as many ``optional`` dimensions as fit (see the
    module's notes). ``per`` says, in the error, what one scan is for."""
    count = math.prod(len(values) for _, values in required)
    if count > max(max_fanout, 1) * REQUIRED_FACTOR:
        raise TooManyRequests(
            f"Reading '{table}' would take {count} separate scans ({per}). Narrow the query:"
            " fewer values in IN (...)."
        )
    dims = list(required)
    left = []
    for name, values in sorted(optional, key=lambda nv: len(nv[1])):
        if count * len(values) <= max_fanout:
            dims.append((name, values))
            count *= len(values)
        else:
            left.append(name)
    return FanOut(tuple(n for n, _ in dims), tuple(tuple(v) for _, v in dims), tuple(left))
