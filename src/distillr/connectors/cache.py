"""A response cache on disk, opt-in per source (``distillr cache ttl SOURCE 15m``).

Pages live in one SQLite file (``DISTILLR_HOME/cache.db``, WAL mode, so several processes share
it safely), zlib-compressed, with the total size bounded: past ``max_bytes`` the least recently
used pages go. A page's key is a SHA-256 over the method, the URL without its query, the query
sorted, the body, and the source's identity: an HMAC (keyed by a random salt kept in the cache)
of its identity options and secrets, so a change of credentials or of any parameter misses, and
neither the key nor the file holds a credential.

Only what ``HttpClient`` has read completely and decoded is stored (a page cut short fails to
decode and is retried, never cached); errors and retries are never stored. A hit counts as a
page ``cached`` in the query's stats, not as a request, with the time it was stored, so a
result can say how old its oldest page is.

A page of a scan, read through a ``PageCodec`` (:mod:`distillr.connectors.pagecodec`), is
stored as what the connector made of it: its Arrow batch (an Arrow IPC stream, compressed by
Arrow) and a small JSON remainder (the paging fields), so a hit decodes no JSON at all. The
codec's tag (the batch's schema and the values filled in from the request) is part of the key,
so a page is only ever served to a reader that would have made the same batch of it. Other
requests (probes, checks, sampling) keep the raw body, zlib-compressed. The cache knows no
connector type: each type says through its codec how its page splits into a batch and a
remainder and back.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import sqlite3
import threading
import time
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distillr.errors import ConfigError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "FILE",
    "CacheBinding",
    "ResponseCache",
    "attach",
    "describe",
    "parse_ttl",
    "show_ttl",
]

FILE = "cache.db"
DEFAULT_MAX_BYTES = 512 * 1024 * 1024
_UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}
_SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    key TEXT PRIMARY KEY, source TEXT NOT NULL, body BLOB NOT NULL, meta TEXT NOT NULL,
    size INTEGER NOT NULL, stored REAL NOT NULL, used REAL NOT NULL);
CREATE INDEX IF NOT EXISTS pages_used ON pages (used);
CREATE INDEX IF NOT EXISTS pages_source ON pages (source);
CREATE TABLE IF NOT EXISTS sources (source TEXT PRIMARY KEY, ttl REAL NOT NULL);
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def parse_ttl(text: str | float | int) -> float:
    """Seconds from ``15m``, ``1h``, ``30s``, ``2d`` or a number of seconds."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        seconds = float(text)
    else:
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d)?\s*", str(text))
        if not m:
            raise ConfigError(
                f"'{text}' is not a time to live: write a number with s, m, h or d, e.g. 15m."
            )
        seconds = float(m.group(1)) * _UNITS[m.group(2) or "s"]
    if seconds <= 0:
        raise ConfigError("A time to live must be more than zero (use `cache off` instead).")
    return seconds


def show_ttl(seconds: float) -> str:
    for unit, length in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= length and seconds % length == 0:
            return f"{int(seconds // length)}{unit}"
    return f"{seconds:g}s"


class ResponseCache:
    """The cache file under ``home`` (created on first write)."""

    def __init__(self, home: str | os.PathLike[str], max_bytes: int | None = None) -> None:
        self.path = Path(home).expanduser() / FILE
        self._max = max_bytes
        self._lock = threading.Lock()
        self._con: sqlite3.Connection | None = None
        self._puts = 0

    def _db(self) -> sqlite3.Connection:
        if self._con is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fresh = not self.path.exists()
            con = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            if fresh:
                os.chmod(self.path, 0o600)
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")
            con.executescript(_SCHEMA)
            self._con = con
        return self._con

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None

    @property
    def max_bytes(self) -> int:
        if self._max is not None:
            return self._max
        value = self._setting("max_bytes")
        return int(value) if value else DEFAULT_MAX_BYTES

    def _setting(self, name: str) -> str | None:
        row = self._db().execute("SELECT value FROM settings WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def salt(self) -> bytes:
        with self._lock:
            con = self._db()
            value = self._setting("salt")
            if value is None:
                con.execute(
                    "INSERT OR IGNORE INTO settings VALUES ('salt', ?)", (secrets.token_hex(32),)
                )
                con.commit()
                value = self._setting("salt")
            return bytes.fromhex(value)

    # -- per-source time to live
    def ttl(self, source: str) -> float | None:
        if not self.path.exists():
            return None
        with self._lock:
            row = self._db().execute("SELECT ttl FROM sources WHERE source = ?", (source,))
            found = row.fetchone()
        return found[0] if found else None

    def set_ttl(self, source: str, ttl: float | None) -> None:
        with self._lock:
            con = self._db()
            if ttl is None:
                con.execute("DELETE FROM sources WHERE source = ?", (source,))
            else:
                con.execute("INSERT OR REPLACE INTO sources VALUES (?, ?)", (source, ttl))
            con.commit()

    def ttls(self) -> dict[str, float]:
        if not self.path.exists():
            return {}
        with self._lock:
            return dict(self._db().execute("SELECT source, ttl FROM sources ORDER BY source"))

    # -- pages
    def get(self, key: str, ttl: float) -> tuple[bytes, dict, float] | None:
        """(body, meta, stored time) of a page younger than ``ttl`` seconds, or ``None``."""
        now = time.time()
        with self._lock:
            con = self._db()
            row = con.execute(
                "SELECT body, meta, stored FROM pages WHERE key = ? AND stored >= ?",
                (key, now - ttl),
            ).fetchone()
            if row is None:
                return None
            con.execute("UPDATE pages SET used = ? WHERE key = ?", (now, key))
            con.commit()
        try:
            meta = json.loads(row[1])
            body = row[0] if meta.get("arrow") else zlib.decompress(row[0])
            return body, meta, row[2]
        except (zlib.error, ValueError):
            return None

    def put(self, key: str, source: str, body: bytes, meta: Mapping[str, Any]) -> None:
        """Store a page: ``body`` zlib-compressed, unless ``meta`` marks it an Arrow IPC stream
        (compressed by Arrow already)."""
        packed = bytes(body) if meta.get("arrow") else zlib.compress(body, 6)
        now = time.time()
        with self._lock:
            con = self._db()
            con.execute(
                "INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?, ?, ?)",
                (key, source, packed, json.dumps(dict(meta)), len(packed), now, now),
            )
            con.commit()
            self._puts += 1
            if self._puts % 16 == 1:
                self._evict(con)

    def _evict(self, con: sqlite3.Connection) -> None:
        limit = self.max_bytes
        total = con.execute("SELECT COALESCE(SUM(size), 0) FROM pages").fetchone()[0]
        if total <= limit:
            return
        goal = total - int(limit * 0.9)
        freed = 0
        doomed = []
        for key, size in con.execute("SELECT key, size FROM pages ORDER BY used"):
            doomed.append((key,))
            freed += size
            if freed >= goal:
                break
        con.executemany("DELETE FROM pages WHERE key = ?", doomed)
        con.commit()

    def stats(self, source: str | None = None) -> dict[str, Any]:
        """Pages, stored bytes (compressed) and the oldest page's age, per source."""
        if not self.path.exists():
            return {}
        where, args = ("WHERE source = ?", (source,)) if source else ("", ())
        with self._lock:
            rows = (
                self._db()
                .execute(
                    f"SELECT source, COUNT(*), SUM(size), MIN(stored) FROM pages {where}"
                    " GROUP BY source ORDER BY source",
                    args,
                )
                .fetchall()
            )
        now = time.time()
        return {
            s: {"pages": n, "bytes": b, "oldest_seconds": round(now - oldest, 1)}
            for s, n, b, oldest in rows
        }

    def clear(self, source: str | None = None) -> int:
        if not self.path.exists():
            return 0
        with self._lock:
            con = self._db()
            if source is None:
                n = con.execute("DELETE FROM pages").rowcount
            else:
                n = con.execute("DELETE FROM pages WHERE source = ?", (source,)).rowcount
            con.commit()
        return n


@dataclass
class CacheBinding:
    """One source's view of the cache, set on its ``HttpClient`` as ``client.cache``."""

    cache: ResponseCache
    source: str
    ttl: float
    identity: str

    def key(
        self, method: str, url: str, params: Any = None, body: Any = None, tag: str = ""
    ) -> str:
        """The page's key; ``tag`` (a codec's) keeps apart entries made by other readers."""
        from urllib.parse import parse_qsl, urlsplit

        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        if params:
            items = params.items() if isinstance(params, Mapping) else params
            query += [(str(k), str(v)) for k, v in items]
        text = json.dumps(
            [
                self.identity,
                method.upper(),
                f"{parts.scheme}://{parts.netloc}{parts.path}",
                sorted(query),
                body,
                *([tag] if tag else []),
            ],
            default=str,
            sort_keys=True,
        )
        return hashlib.sha256(text.encode()).hexdigest()

    def get(self, key: str) -> tuple[bytes, dict, float] | None:
        return self.cache.get(key, self.ttl)

    def put(self, key: str, body: bytes, meta: Mapping[str, Any] | None = None) -> None:
        self.cache.put(key, self.source, body, meta or {})


def identity(salt: bytes, options: Mapping[str, Any], secrets_: Mapping[str, str]) -> str:
    """An HMAC of a source's settings and secrets: equal for equal credentials, and
    useless to anyone who reads the cache."""
    text = json.dumps([dict(options), dict(secrets_)], sort_keys=True, default=str)
    return hmac.new(salt, text.encode(), hashlib.sha256).hexdigest()


def describe(connector: Any) -> str | None:
    """EXPLAIN's line on the cache of ``connector``'s source, or ``None`` when it is off."""
    for client in http_clients(connector):
        binding = client.cache
        if binding is not None:
            stats = binding.cache.stats(binding.source).get(binding.source, {})
            return (
                f"on (ttl {show_ttl(binding.ttl)}; {stats.get('pages', 0):,} pages stored):"
                " pages stored within the ttl are served without a request"
            )
    return None


def http_clients(connector: Any) -> Sequence[Any]:
    from distillr.connectors.http import HttpClient

    return [v for v in vars(connector).values() if isinstance(v, HttpClient)]


def attach(
    connector: Any,
    home: str | os.PathLike[str],
    source: str,
    settings: Any,
) -> CacheBinding | None:
    """Turn the cache on for ``connector`` if its source has a time to live.

    ``settings()`` returns the source's ``(options, secrets)``, asked for only when the cache
    is on."""
    cache = ResponseCache(home)
    ttl = cache.ttl(source)
    clients = http_clients(connector) if ttl else []
    if not clients:
        cache.close()
        return None
    options, secret_values = settings()
    binding = CacheBinding(cache, source, ttl, identity(cache.salt(), options, secret_values))
    for client in clients:
        client.cache = binding
    return binding
