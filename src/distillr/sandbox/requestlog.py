"""The log of requests a sandbox served, for tests that assert what a client sent.

Each entry is a dict with at least ``method``, ``path``, ``query`` (the list of ``(name,
value)`` pairs, in order, as sent), ``status`` and ``fault`` (the injected fault or ``None``);
a sandbox may add keys of its own. The log keeps the latest ``limit`` entries, so a
long-running sandbox does not grow without end. It is safe to use from any thread.
"""

from __future__ import annotations

import threading
from collections import deque


class RequestLog:
    """A thread-safe log of served requests (see the module docstring for an entry's keys)."""

    def __init__(self, limit: int = 100_000) -> None:
        self._lock = threading.Lock()
        self._items: deque[dict] = deque(maxlen=limit)

    def add(self, item: dict) -> None:
        with self._lock:
            self._items.append(item)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __iter__(self):
        return iter(self.snapshot())

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __getitem__(self, i):
        with self._lock:
            return self._items[i]

    def snapshot(self) -> list[dict]:
        with self._lock:
            return list(self._items)
