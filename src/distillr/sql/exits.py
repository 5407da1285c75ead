"""Clean exits: no thread is inside DuckDB when the interpreter exits.

A daemon thread that is still inside a C extension (``duckdb.connect()`` takes tens of
milliseconds) when the interpreter finalizes makes the process abort (``terminate called
after throwing ...``, exit code 134) instead of exiting with its own code. So every thread
the engine starts to do DuckDB work is a non-daemon thread started here: the interpreter
joins it before it finalizes, and ``wait()`` joins the ones still running on demand.
Such threads must be short (opening DuckDB, not running a query).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

__all__ = ["start", "wait"]

_running: set[threading.Thread] = set()
_lock = threading.Lock()


def start(target: Callable[[], object], name: str) -> threading.Thread:
    """Run ``target`` in a non-daemon thread, tracked until it returns."""

    def body() -> None:
        try:
            target()
        finally:
            with _lock:
                _running.discard(thread)

    thread = threading.Thread(target=body, name=name, daemon=False)
    with _lock:
        _running.add(thread)
    thread.start()
    return thread


def wait(timeout: float | None = None) -> bool:
    """Join every thread started here; True if none is left running."""
    with _lock:
        threads = list(_running)
    for thread in threads:
        if thread is not threading.current_thread():
            thread.join(timeout)
    with _lock:
        return not any(t.is_alive() for t in _running)
