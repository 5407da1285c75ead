"""Fault injection, seeded and repeatable.

A spec is a string like ``"latency=50,jitter=10,429=0.05,500=0.02,503=0.02,slow=0.01,drop=0.01,
truncate=0.01"`` or the same as a dict. ``latency``/``jitter`` are milliseconds added to every
request (jitter is uniform in ±jitter); the others are the share of requests that get that fault.
The n-th request (counting from 0 in arrival order) always gets the same fault for the same seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, fields

from distillr.errors import ConfigError
from distillr.sandbox.twilio import values as V

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
        rng = random.Random(V.seed_int(seed, "faults", n))
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
