"""Saved queries of the web app's users: a name, the SQL, and when it last ran.

They live in ``$DISTILLR_HOME/web_queries.sqlite`` (beside the web's users, apart from the
data source registry), one list per user; without a login (loopback) the local user has one
list of its own. Names are unique per user: saving a name again replaces its SQL.
"""

from __future__ import annotations

import os
import sqlite3
import time
from typing import Any

from distillr.errors import CatalogError, ConfigError
from distillr.home import default_home

__all__ = ["LOCAL", "MAX_NAME", "MAX_SAVED", "SavedQueries"]

LOCAL = ""  # no user name is empty, so no login shares the local user's list
MAX_NAME = 120
MAX_SAVED = 500  # per user

_SCHEMA = """
CREATE TABLE IF NOT EXISTS saved_queries (
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    sql TEXT NOT NULL,
    saved_at REAL NOT NULL,
    last_run REAL,
    PRIMARY KEY (owner, name)
)
"""


class SavedQueries:
    def __init__(self, home: str | os.PathLike | None) -> None:
        self.path = default_home(home) / "web_queries.sqlite"

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=10)
        con.execute(_SCHEMA)
        return con

    def list(self, owner: str | None) -> list[dict[str, Any]]:
        con = self._connect()
        try:
            rows = con.execute(
                "SELECT name, sql, saved_at, last_run FROM saved_queries WHERE owner = ?"
                " ORDER BY lower(name)",
                (owner or LOCAL,),
            ).fetchall()
        finally:
            con.close()
        return [{"name": n, "sql": s, "saved_at": a, "last_run": r} for n, s, a, r in rows]

    def save(self, owner: str | None, name: str, sql: str) -> dict[str, Any]:
        name = name.strip()
        if not name or len(name) > MAX_NAME:
            raise ConfigError(f"A saved query needs a name of 1 to {MAX_NAME} characters.")
        if not sql.strip():
            raise ConfigError("The query is empty: type one before saving it.")
        con = self._connect()
        try:
            with con:
                count = con.execute(
                    "SELECT count(*) FROM saved_queries WHERE owner = ? AND name != ?",
                    (owner or LOCAL, name),
                ).fetchone()[0]
                if count >= MAX_SAVED:
                    raise ConfigError(
                        f"You have {count} saved queries, the most kept for one user."
                        " Delete some first."
                    )
                con.execute(
                    "INSERT INTO saved_queries (owner, name, sql, saved_at) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (owner, name) DO UPDATE SET sql = excluded.sql,"
                    " saved_at = excluded.saved_at",
                    (owner or LOCAL, name, sql, time.time()),
                )
        finally:
            con.close()
        return next(q for q in self.list(owner) if q["name"] == name)

    def ran(self, owner: str | None, name: str) -> None:
        """Record that the saved query ``name`` was run now."""
        con = self._connect()
        try:
            with con:
                con.execute(
                    "UPDATE saved_queries SET last_run = ? WHERE owner = ? AND name = ?",
                    (time.time(), owner or LOCAL, name),
                )
        finally:
            con.close()

    def delete(self, owner: str | None, name: str) -> None:
        con = self._connect()
        try:
            with con:
                gone = con.execute(
                    "DELETE FROM saved_queries WHERE owner = ? AND name = ?",
                    (owner or LOCAL, name),
                ).rowcount
        finally:
            con.close()
        if not gone:
            raise CatalogError(f"There is no saved query '{name}'.")
