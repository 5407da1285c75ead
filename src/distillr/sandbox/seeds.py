"""Seeded randomness shared by the sandboxes: stable across processes and runs.

Python's ``hash`` is salted per process, so every seed here is derived with BLAKE2b from the
``repr`` of its parts: the same parts give the same number on every machine, every run.
"""

from __future__ import annotations

import hashlib

import numpy as np


def seed_int(*parts: object) -> int:
    """A stable 64-bit integer from any parts."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def rng_for(*parts: object) -> np.random.Generator:
    """A numpy generator seeded from ``parts`` (see :func:`seed_int`)."""
    return np.random.default_rng(seed_int(*parts))


def secret(*parts: object, length: int = 32) -> str:
    """A deterministic hex string of ``length`` digits (a test fixture, never a real secret)."""
    digest = hashlib.blake2b(repr(("secret",) + parts).encode(), digest_size=32).hexdigest()
    while len(digest) < length:
        digest += hashlib.blake2b(digest.encode(), digest_size=32).hexdigest()
    return digest[:length]
