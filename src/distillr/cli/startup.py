"""The console script's start-up: Python's cyclic garbage collector waits until the engine
is loaded.

Loading typer, duckdb, pyarrow (with numpy), sqlglot, distillr and the Twilio catalog creates
about 90,000 long-lived objects (modules, classes, functions, the parsed catalog). None of them
is garbage, yet with the collector on, a ``LIMIT 0`` query ran about 140 collections while
loading them, one of them over every object: some 80 ms, a sixth of the time
``import duckdb, pyarrow, sqlglot`` takes (see bench/cli_bench.py).

So ``distillr.cli.main`` calls :func:`pause` first, and :func:`resume` turns the collector
back on as soon as a command is past its start-up: every command but ``query`` before it
starts (the root callback), ``query`` once its statement is planned (``query_and_emit``), so a
long query or an interactive shell runs with the collector on as usual. ``resume`` also
*freezes* what exists by then (:func:`gc.freeze`): later collections, and the one at exit,
skip those objects instead of walking them again.

Both are no-ops unless :func:`pause` was called, so ``distillr.cli.run`` used in-process (by
the tests, or by a program) leaves the host's collector alone.
"""

from __future__ import annotations

import gc

_paused = False


def pause() -> None:
    """Turn the collector off for the start-up of this process (if it was on)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """Start-up is over: freeze what is loaded and turn the collector back on."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()


def paused() -> bool:
    """Whether :func:`pause` turned the collector off and it is not back on yet."""
    return _paused
