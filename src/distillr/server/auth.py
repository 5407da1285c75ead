"""Users, API tokens and login sessions of the web app, in their own SQLite file.

The file is ``$DISTILLR_HOME/web_auth.sqlite``, separate from the data source registry.
Passwords are hashed with Argon2id (argon2-cffi); API tokens and session ids are random
256-bit strings stored only as SHA-256 digests, so the file holds nothing that logs a user in.
Removing a user removes their tokens and sessions with them.

Each user has a role, ``admin`` or ``analyst`` (``ROLES``); tokens and sessions act with their
user's role as it is at each request. The first user added is an admin unless told otherwise,
later ones analysts. A file from before roles gets the column on first use, and its users
become admins (they could do everything before).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from distillr.errors import ConfigError
from distillr.home import default_home, private_file

__all__ = ["ROLES", "SESSION_TTL", "AuthStore", "LoginSession", "TokenInfo", "UserInfo"]

#: how long a login lasts without activity, in seconds
SESSION_TTL = 12 * 3600
TOKEN_PREFIX = "dst_"
_USER_RE = re.compile(r"^[a-z0-9_.@-]{1,64}$")
#: the roles, most powerful first
ROLES = ("admin", "analyst")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_at REAL NOT NULL,
    role TEXT NOT NULL DEFAULT 'analyst',
    scram TEXT
);
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY,
    user_name TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY,
    user_name TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    expires_at REAL NOT NULL
);
"""


@dataclass(frozen=True)
class UserInfo:
    name: str
    created_at: float
    tokens: int = 0
    role: str = "analyst"


@dataclass(frozen=True)
class TokenInfo:
    id: str
    user: str
    label: str
    created_at: float


@dataclass(frozen=True)
class LoginSession:
    user: str
    csrf: str
    role: str = "analyst"


def _scram_verifier(password: str) -> str:
    """What a PostgreSQL SCRAM-SHA-256 login is checked against: derived from the password
    (PBKDF2 with a random salt), from which the password cannot be recovered."""
    import scramp

    salt, stored, server, iterations = scramp.ScramMechanism("SCRAM-SHA-256").make_auth_info(
        password, iteration_count=4096
    )
    encode = base64.b64encode
    return (
        f"{iterations}${encode(salt).decode()}${encode(stored).decode()}${encode(server).decode()}"
    )


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class AuthStore:
    """Web users, their API tokens and their login sessions."""

    def __init__(self, home: str | os.PathLike | None = None) -> None:
        self.path = default_home(home) / "web_auth.sqlite"
        self._hasher = PasswordHasher()
        self._lock = threading.Lock()
        self._ready = False

    def _connect(self) -> sqlite3.Connection:
        private_file(self.path)  # mode 0600 before SQLite writes a byte
        con = sqlite3.connect(self.path, timeout=10)
        con.execute("PRAGMA foreign_keys = ON")
        if not self._ready:
            with self._lock:
                con.executescript(_SCHEMA)
                columns = {row[1] for row in con.execute("PRAGMA table_info(users)")}
                if "role" not in columns:  # a file from before roles: its users were admins
                    with con:
                        con.execute(
                            "ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'admin'"
                        )
                if "scram" not in columns:  # from before PostgreSQL logins
                    with con:
                        con.execute("ALTER TABLE users ADD COLUMN scram TEXT")
                self._ready = True
        return con

    def _run(self, sql: str, args: tuple = ()) -> list[tuple]:
        con = self._connect()
        try:
            with con:
                return con.execute(sql, args).fetchall()
        finally:
            con.close()

    # users -------------------------------------------------------------------------------
    def has_users(self) -> bool:
        if not self.path.exists():
            return False
        return bool(self._run("SELECT 1 FROM users LIMIT 1"))

    def add_user(self, name: str, password: str, role: str | None = None) -> UserInfo:
        """Add a user; ``role`` defaults to admin for the first user, analyst after."""
        if role is not None:
            _check_role(role)
        if not _USER_RE.match(name or ""):
            raise ConfigError(
                f"User name '{name}' is not allowed: use 1 to 64 lowercase letters, digits or"
                " the characters _ . @ -."
            )
        if len(password or "") < 8:
            raise ConfigError("The password is too short: use at least 8 characters.")
        if self._run("SELECT 1 FROM users WHERE name = ?", (name,)):
            raise ConfigError(
                f"User '{name}' already exists."
                f" Remove it first with `distillr users remove {name}`."
            )
        now = time.time()
        if role is None:
            role = "analyst" if self.has_users() else "admin"
        self._run(
            "INSERT INTO users (name, password_hash, created_at, role, scram)"
            " VALUES (?, ?, ?, ?, ?)",
            (name, self._hasher.hash(password), now, role, _scram_verifier(password)),
        )
        return UserInfo(name, now, 0, role)

    def set_role(self, name: str, role: str) -> None:
        """Change a user's role; their tokens and logins act with it from the next request."""
        _check_role(role)
        self._require_user(name)
        self._run("UPDATE users SET role = ? WHERE name = ?", (role, name))

    def role(self, name: str) -> str | None:
        rows = self._run("SELECT role FROM users WHERE name = ?", (name,))
        return rows[0][0] if rows else None

    def set_password(self, name: str, password: str) -> None:
        if len(password or "") < 8:
            raise ConfigError("The password is too short: use at least 8 characters.")
        self._require_user(name)
        self._run(
            "UPDATE users SET password_hash = ?, scram = ? WHERE name = ?",
            (self._hasher.hash(password), _scram_verifier(password), name),
        )
        self._run("DELETE FROM sessions WHERE user_name = ?", (name,))

    def remove_user(self, name: str) -> None:
        self._require_user(name)
        self._run("DELETE FROM users WHERE name = ?", (name,))

    def users(self) -> list[UserInfo]:
        rows = self._run(
            "SELECT u.name, u.created_at, COUNT(t.id), u.role FROM users u"
            " LEFT JOIN tokens t ON t.user_name = u.name GROUP BY u.name ORDER BY u.name"
        )
        return [UserInfo(*r) for r in rows]

    def _require_user(self, name: str) -> None:
        if not self._run("SELECT 1 FROM users WHERE name = ?", (name,)):
            raise ConfigError(f"There is no user '{name}'. See `distillr users list`.")

    def scram(self, name: str) -> tuple[bytes, bytes, bytes, int] | None:
        """The SCRAM-SHA-256 verifier of ``name`` (salt, stored key, server key, iterations)
        for PostgreSQL logins; None for unknown users and users whose password was set before
        distillr kept verifiers (``distillr users passwd`` makes one)."""
        rows = self._run("SELECT scram FROM users WHERE name = ?", (name or "",))
        if not rows or not rows[0][0]:
            return None
        iterations, salt, stored, server = rows[0][0].split("$")
        decode = base64.b64decode
        return decode(salt), decode(stored), decode(server), int(iterations)

    def check_password(self, name: str, password: str) -> bool:
        """True when ``password`` is ``name``'s password. Takes the same time for unknown users."""
        rows = self._run("SELECT password_hash FROM users WHERE name = ?", (name or "",))
        stored = rows[0][0] if rows else _DUMMY_HASH
        try:
            ok = self._hasher.verify(stored, password or "")
        except (VerificationError, InvalidHashError):
            return False
        if ok and rows and self._hasher.check_needs_rehash(stored):
            self._run(
                "UPDATE users SET password_hash = ? WHERE name = ?",
                (self._hasher.hash(password), name),
            )
        return ok and bool(rows)

    # API tokens --------------------------------------------------------------------------
    def create_token(self, user: str, label: str = "") -> tuple[TokenInfo, str]:
        """A new API token for ``user``; the clear token is returned once, never stored."""
        self._require_user(user)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        info = TokenInfo(secrets.token_hex(4), user, label, time.time())
        self._run(
            "INSERT INTO tokens (id, user_name, token_hash, label, created_at) VALUES (?,?,?,?,?)",
            (info.id, user, _digest(token), label, info.created_at),
        )
        return info, token

    def tokens(self, user: str | None = None) -> list[TokenInfo]:
        sql = "SELECT id, user_name, label, created_at FROM tokens"
        rows = (
            self._run(sql + " WHERE user_name = ? ORDER BY created_at", (user,))
            if user
            else self._run(sql + " ORDER BY user_name, created_at")
        )
        return [TokenInfo(*r) for r in rows]

    def revoke_token(self, token_id: str) -> None:
        if not self._run("SELECT 1 FROM tokens WHERE id = ?", (token_id,)):
            raise ConfigError(f"There is no token '{token_id}'. See `distillr users tokens`.")
        self._run("DELETE FROM tokens WHERE id = ?", (token_id,))

    def user_for_token(self, token: str) -> str | None:
        found = self.identity_for_token(token)
        return found[0] if found else None

    def identity_for_token(self, token: str) -> tuple[str, str] | None:
        """``(user, role)`` of a valid API token, else ``None``."""
        if not token or not token.startswith(TOKEN_PREFIX) or not self.path.exists():
            return None
        rows = self._run(
            "SELECT u.name, u.role FROM tokens t JOIN users u ON u.name = t.user_name"
            " WHERE t.token_hash = ?",
            (_digest(token),),
        )
        return (rows[0][0], rows[0][1]) if rows else None

    # login sessions ----------------------------------------------------------------------
    def start_session(self, user: str) -> tuple[str, LoginSession]:
        """A new login session; returns the cookie value (clear, never stored) and the session."""
        sid = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        now = time.time()
        self._run("DELETE FROM sessions WHERE expires_at < ?", (now,))
        self._run(
            "INSERT INTO sessions (id_hash, user_name, csrf, expires_at) VALUES (?,?,?,?)",
            (_digest(sid), user, csrf, now + SESSION_TTL),
        )
        return sid, LoginSession(user, csrf, self.role(user) or "analyst")

    def session(self, sid: str) -> LoginSession | None:
        if not sid or not self.path.exists():
            return None
        rows = self._run(
            "SELECT s.user_name, s.csrf, s.expires_at, u.role FROM sessions s"
            " JOIN users u ON u.name = s.user_name WHERE s.id_hash = ?",
            (_digest(sid),),
        )
        if not rows or rows[0][2] < time.time():
            return None
        self._run(
            "UPDATE sessions SET expires_at = ? WHERE id_hash = ?",
            (time.time() + SESSION_TTL, _digest(sid)),
        )
        return LoginSession(rows[0][0], rows[0][1], rows[0][3])

    def end_session(self, sid: str) -> None:
        if sid:
            self._run("DELETE FROM sessions WHERE id_hash = ?", (_digest(sid),))


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ConfigError(f"Unknown role '{role}': use one of {', '.join(ROLES)}.")


def same_secret(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


_DUMMY_HASH = PasswordHasher().hash(secrets.token_urlsafe(16))
