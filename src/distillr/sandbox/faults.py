"""Fault injection shared by the sandboxes, seeded and repeatable.

A spec is a string like ``"latency=50,jitter=10,429=0.05,500=0.02,503=0.02,slow=0.01,drop=0.01,
truncate=0.01"`` or the same as a dict. ``latency``/``jitter`` are milliseconds added to every
request (jitter is uniform in ±jitter); the others are the share of requests that get that fault.
The n-th request (counting from 0 in arrival order) always gets the same fault for the same seed.

A sandbox's app numbers each request with :class:`FaultInjector` as it arrives, draws the delay
and fault with :meth:`FaultInjector.wait` once the request is authenticated, answers ``429``,
``500`` and ``503`` in its own API's error shape (429 and 503 with ``Retry-After: 1``), and
leaves ``slow``, ``drop`` and ``truncate`` to :func:`distillr.sandbox.asgi.respond`, which applies
them to successful responses only.
"""

from __future__ import annotations

import asyncio
import random
import threading
from dataclasses import dataclass, fields

from distillr.errors import ConfigError
from distillr.sandbox.seeds import seed_int

_KEYS = {
    "latency": "latency",
    "jitter": "jitter",
    "429": "rate_429",
    "500": "rate_500",
    "503": "rate_503",
    "slow": "slow",
    "drop": "drop",
    "truncate": "truncate",
}


@dataclass(frozen=True)
class Faults:
    latency: float = 0.0  # ms
    jitter: float = 0.0  # ms
    rate_429: float = 0.0
    rate_500: float = 0.0
    rate_503: float = 0.0
    slow: float = 0.0
    drop: float = 0.0
    truncate: float = 0.0
    slow_seconds: float = 1.5  # how long a slow body takes

    @classmethod
    def parse(cls, spec: str | dict | Faults | None) -> Faults:
        if spec is None or spec == "":
            return cls()
        if isinstance(spec, Faults):
            return spec
        if isinstance(spec, str):
            items: dict = {}
            for part in spec.split(","):
                part = part.strip()
                if not part:
                    continue
                if "=" not in part:
                    raise ConfigError(
                        f"Bad fault {part!r}: write name=value, e.g. '429=0.05,latency=50'."
                    )
                k, v = part.split("=", 1)
                items[k.strip()] = v.strip()
        elif isinstance(spec, dict):
            items = dict(spec)
        else:
            raise ConfigError("Faults must be a string like '429=0.05,latency=50' or a dict.")
        names = {f.name for f in fields(cls)}
        kw: dict[str, float] = {}
        for k, v in items.items():
            attr = _KEYS.get(str(k), str(k) if str(k) in names else None)
            if attr is None:
                raise ConfigError(
                    f"Unknown fault {k!r}; use {', '.join(_KEYS)}"
                    " (rates from 0 to 1, latency in ms)."
                )
            try:
                num = float(v)
            except (TypeError, ValueError):
                raise ConfigError(f"Fault {k!r} needs a number, not {v!r}.") from None
            if num < 0 or (
                attr.startswith(("rate_", "slow", "drop", "truncate"))
                and attr != "slow_seconds"
                and num > 1
            ):
                raise ConfigError(
                    f"Fault {k!r}={v}: rates go from 0 to 1, latency and jitter are >= 0 ms."
                )
            kw[attr] = num
        total = sum(
            kw.get(a, 0) for a in ("rate_429", "rate_500", "rate_503", "slow", "drop", "truncate")
        )
        if total > 1:
            raise ConfigError(f"Fault rates add up to {total:g}; keep their sum at or below 1.")
        return cls(**kw)

    @property
    def active(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self) if f.name != "slow_seconds")

    def decide(self, seed: int, n: int) -> tuple[float, str | None]:
        """(delay in seconds, fault name or None) for the n-th request."""
        rng = random.Random(seed_int(seed, "faults", n))
        delay = self.latency
        if self.jitter:
            delay += rng.uniform(-self.jitter, self.jitter)
        x = rng.random()
        fault = None
        for name, rate in (
            ("429", self.rate_429),
            ("500", self.rate_500),
            ("503", self.rate_503),
            ("slow", self.slow),
            ("drop", self.drop),
            ("truncate", self.truncate),
        ):
            if x < rate:
                fault = name
                break
            x -= rate
        return max(delay, 0.0) / 1000.0, fault

    def spec(self) -> str:
        inv = {v: k for k, v in _KEYS.items()}
        return ",".join(
            f"{inv[f.name]}={getattr(self, f.name):g}"
            for f in fields(self)
            if f.name in inv and getattr(self, f.name)
        )


#: The faults that end a request with an error status (the app renders the body).
ERROR_FAULTS = ("429", "500", "503")
#: How long a client is told to wait after an injected 429 or 503, in seconds.
RETRY_AFTER = "1"


class FaultInjector:
    """Numbers requests in arrival order and draws each one's delay and fault.

    ``latency_ms`` is a fixed delay added to every request on top of the faults' own latency.
    """

    def __init__(self, faults: Faults | None, seed: int, latency_ms: float = 0.0) -> None:
        self.faults = faults or Faults()
        self.seed = seed
        self.latency = latency_ms / 1000.0
        self._counter = 0
        self._lock = threading.Lock()

    def number(self) -> int:
        """The next request's number (0, 1, 2, ... in arrival order)."""
        with self._lock:
            n = self._counter
            self._counter += 1
        return n

    async def wait(self, n: int) -> str | None:
        """Sleep the n-th request's delay and return its fault (``None``: no fault)."""
        delay, fault = self.faults.decide(self.seed, n) if self.faults.active else (0.0, None)
        delay += self.latency
        if delay > 0:
            await asyncio.sleep(delay)
        return fault
