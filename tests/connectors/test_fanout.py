"""The shared fan-out: combinations in order, the cap on required dimensions, optional ones
fanned out while they fit and otherwise left to the engine."""

from __future__ import annotations

import pytest

from distillr.connectors.fanout import fan_out
from distillr.errors import TooManyRequests


def test_combinations_vary_the_last_dimension_fastest():
    fan = fan_out("t", [("a", ("x", "y")), ("b", (1, 2, 3))], max_fanout=50)
    assert fan.combinations() == [{"a": a, "b": b} for a in ("x", "y") for b in (1, 2, 3)]
    assert len(fan) == 6 and fan.left == ()


def test_no_dimension_is_one_scan():
    fan = fan_out("t", [], max_fanout=50)
    assert fan.combinations() == [{}] and not fan.fanned()


def test_required_dimensions_are_capped_before_any_combination_is_made():
    big = tuple(range(1001))
    with pytest.raises(TooManyRequests, match=r"1002001 separate scans \(one per account\)"):
        fan_out("t", [("a", big), ("b", big)], max_fanout=50, per="one per account")
    assert len(fan_out("t", [("a", tuple(range(1000)))], max_fanout=50)) == 1000


def test_optional_dimensions_fewest_values_first_while_they_fit():
    fan = fan_out(
        "t",
        [("path", (1, 2))],
        [("wide", tuple(range(30))), ("narrow", ("p", "q")), ("mid", tuple(range(10)))],
        max_fanout=40,
    )
    # 2 paths x 2 narrow x 10 mid = 40 fits; x 30 wide would not
    assert fan.names == ("path", "narrow", "mid") and fan.left == ("wide",)
    assert len(fan.combinations()) == 40


def test_fanned_ignores_the_dimensions_asked_to():
    fan = fan_out("t", [("account", ("A", "B")), ("sid", ("S",))], max_fanout=50)
    assert fan.fanned() and not fan.fanned(ignoring=("account",))
