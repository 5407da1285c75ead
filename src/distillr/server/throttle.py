"""Login throttling: growing delays per user name and per client address, and a bound on the
password hashes computed at once.

Every try counts against both its user name and its client address *before* the password is
checked (so a burst of tries at once is throttled too); a correct password clears the user
name's count and takes its own try off the address's. After ``free`` tries, each further try
must wait ``delay * 2**k`` seconds after the last one (at most ``max_delay``); a refused try
answers 429 with ``Retry-After`` and costs no hash. Counts are forgotten after a quiet spell
of twice ``max_delay``.

An Argon2id check costs about 64 MiB and tens of milliseconds of CPU, so ``HashGate`` runs at
most ``hashes`` at once on its own threads (never the request threads), with at most
``waiting`` more in line; past that, 429 too.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

__all__ = ["Busy", "HashGate", "LoginThrottle"]

_MAX_KEYS = 10_000


class Busy(Exception):
    """Refused for now; try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: float, reason: str) -> None:
        super().__init__(reason)
        self.retry_after = max(1, math.ceil(retry_after))
        self.reason = reason


class LoginThrottle:
    def __init__(
        self,
        free: int = 5,
        delay: float = 1.0,
        max_delay: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free, self.delay, self.max_delay = free, delay, max_delay
        self._clock = clock
        self._tries: OrderedDict[str, tuple[int, float]] = OrderedDict()  # key -> (count, last)
        self._lock = threading.Lock()

    def _wait(self, count: int) -> float:
        if count < self.free:
            return 0.0
        return min(self.max_delay, self.delay * 2 ** min(count - self.free, 30))

    def attempt(self, *keys: str) -> None:
        """Count one try against every key, or raise ``Busy`` if one must wait first."""
        now = self._clock()
        with self._lock:
            self._forget(now)
            wait = 0.0
            for key in keys:
                count, last = self._tries.get(key, (0, now))
                wait = max(wait, last + self._wait(count) - now)
            if wait > 0:
                raise Busy(wait, "Too many login attempts. Wait a moment, then try again.")
            for key in keys:
                count, _ = self._tries.pop(key, (0, now))
                self._tries[key] = (count + 1, now)
            while len(self._tries) > _MAX_KEYS:
                self._tries.popitem(last=False)

    def succeeded(self, user_key: str, *other_keys: str) -> None:
        """A correct password: the user name's count is cleared, and this try no longer counts
        against the other keys (an address where many people log in is not slowed down)."""
        with self._lock:
            self._tries.pop(user_key, None)
            for key in other_keys:
                count, last = self._tries.get(key, (1, 0.0))
                if count <= 1:
                    self._tries.pop(key, None)
                else:
                    self._tries[key] = (count - 1, last)

    def _forget(self, now: float) -> None:
        horizon = now - 2 * self.max_delay
        while self._tries:
            key, (_, last) = next(iter(self._tries.items()))
            if last >= horizon:
                break
            del self._tries[key]


class HashGate:
    """Runs password checks on ``hashes`` threads of its own, ``waiting`` more in line."""

    def __init__(self, hashes: int = 1, waiting: int = 8) -> None:
        self._pool = ThreadPoolExecutor(max_workers=hashes, thread_name_prefix="distillr-hash")
        self._slots = hashes + waiting
        self._busy = 0
        self._lock = threading.Lock()

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        with self._lock:
            if self._busy >= self._slots:
                raise Busy(1, "The server is checking many logins at once; try again shortly.")
            self._busy += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)
        finally:
            with self._lock:
                self._busy -= 1

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
