"""The web server's limits, in one place (``distillr serve`` options set the main ones).

Every limit has a default that fits one machine shared by a few users; ``docs/web.md`` lists
them with what happens past each:

- request bodies: ``max_body`` bytes, checked before a body is read (413); file uploads
  (``POST /api/sources/NAME/files``) and an uploaded OpenAPI spec (``/api/openapi/preview``)
  ``max_upload`` bytes a request;
- queries: ``query_timeout`` seconds by default and at most; ``max_running`` queries run at
  once in all, ``max_running_per_user`` for one user; the rest wait in a queue, at most
  ``max_queued_per_user`` per user (past it 429);
- kept results: at most ``result_rows`` rows and ``result_bytes`` bytes each (past it the query
  fails with a message, nothing is cut silently); ``results_memory`` bytes of them in memory in
  all, the rest spilled to Arrow IPC files in a private temporary folder, ``results_disk``
  bytes of those at most (the oldest results expire first);
- logins: ``login_free_attempts`` tries per user name and per client address, then growing
  delays from ``login_delay`` up to ``login_max_delay`` seconds (429 with ``Retry-After``);
  ``login_hashes`` password hashes at once, ``login_waiting`` more waiting (past it 429);
- the page's grid: at most ``grid_rows`` rows of a result (the row count then says "more rows"
  and that an export holds every row);
- compression: text answers go gzip-compressed to clients off loopback (``compress.py``), and
  to loopback ones too with ``compress_loopback``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

__all__ = ["MIB", "ServerSettings"]

MIB = 1024 * 1024


@dataclass(frozen=True)
class ServerSettings:
    max_body: int = 1 * MIB
    max_upload: int = 100 * MIB
    query_timeout: float = 300.0
    max_running: int = 4
    max_running_per_user: int = 2
    max_queued_per_user: int = 50
    keep_results: int = 20
    result_rows: int = 10_000_000
    result_bytes: int = 256 * MIB
    results_memory: int = 256 * MIB
    results_disk: int = 4096 * MIB
    results_dir: str | None = None
    login_free_attempts: int = 5
    login_delay: float = 1.0
    login_max_delay: float = 300.0
    login_hashes: int = 1
    login_waiting: int = 8
    compress_loopback: bool = False
    grid_rows: int = 500_000

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("results_dir", "compress_loopback"):
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{f.name} must be a number, not {value!r}")
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{f.name} must be a finite number >= 0, not {value!r}")
        for name in (
            "max_body",
            "max_upload",
            "query_timeout",
            "max_running",
            "max_running_per_user",
            "grid_rows",
        ):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be more than 0")
        if self.login_hashes < 1:
            raise ValueError("login_hashes must be at least 1")
