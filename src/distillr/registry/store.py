"""``Registry``: add, list, change and remove named data sources; build their connectors.

Rules every route (CLI, web, Python) gets from here:

- A secret stays with the host it was saved for. Changing an option the connector type declares
  identity-bearing (``Connector.identity_options``: a base URL, an account, a key id) needs the
  secrets in the same change, and verification then uses only those: a saved secret is never
  sent anywhere new.
- Base URLs (``Connector.url_options``) are checked with ``connectors.urls.check_base_url``: no
  credentials, query or fragment. With ``allow_private=False`` (web users who are not admins)
  they may not point at private, loopback or link-local addresses.
- Secrets are scrubbed from error messages as whole tokens.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from distillr.errors import CatalogError, ConfigError, DistillrError, did_you_mean
from distillr.home import default_home
from distillr.registry import db, keys
from distillr.registry.types import connector_class

if TYPE_CHECKING:
    from distillr.connectors.base import Learned

NAME_RULE = "^[a-z0-9_]+$"
#: the rule in words, as the web app's form shows it
NAME_HELP = "Lowercase letters, digits and underscores only (used in queries, e.g. my_twilio)."
_NAME_RE = re.compile(NAME_RULE)
DB_FILE = "registry.db"
_COLUMNS = "name, type, options, secrets, secret_masks, created_at, updated_at"


def check_name(name: str) -> str:
    """Return ``name`` if it is a valid data source name, else raise ``ConfigError``."""
    if name == "saved":
        raise ConfigError(
            "'saved' is the schema of saved tables (saved.NAME): pick another source name."
        )
    if isinstance(name, str) and _NAME_RE.match(name):
        return name
    hint = re.sub(r"[^a-z0-9_]+", "_", str(name).lower()).strip("_")
    suggestion = f" such as '{hint}'" if hint and hint != name else ""
    raise ConfigError(
        f"'{name}' is not a valid data source name: use lowercase letters, digits and "
        f"underscores only ({NAME_RULE}){suggestion}. The name is how queries refer to the "
        "source, as in SELECT * FROM my_twilio.calls."
    )


def mask(secret: str) -> str:
    """Show only the last four characters of a secret (none of a short one)."""
    return "****" + (secret[-4:] if len(secret) >= 12 else "")


@dataclass(frozen=True)
class SourceInfo:
    """A saved data source as anyone may see it: secrets are masked (``****a1b2``)."""

    name: str
    type: str
    options: dict[str, Any]
    secrets: dict[str, str] = field(default_factory=dict)
    created: datetime | None = None
    updated: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "options": dict(self.options),
            "secrets": dict(self.secrets),
            "created": self.created.isoformat() if self.created else None,
            "updated": self.updated.isoformat() if self.updated else None,
        }


@dataclass
class _Row:
    name: str
    type: str
    options: dict[str, Any]
    token: str
    masks: dict[str, str]
    created_at: str
    updated_at: str

    def info(self) -> SourceInfo:
        return SourceInfo(
            name=self.name,
            type=self.type,
            options=dict(self.options),
            secrets=dict(self.masks),
            created=datetime.fromisoformat(self.created_at),
            updated=datetime.fromisoformat(self.updated_at),
        )


class Registry:
    """The data sources saved under ``home`` (default ``$DISTILLR_HOME`` or ``~/.distillr``).

    Nothing is written until the first ``add``; every change is one atomic transaction.
    """

    def __init__(self, home: str | os.PathLike[str] | None = None) -> None:
        self.home = Path(home).expanduser() if home is not None else default_home()
        self.path = self.home / DB_FILE

    def __repr__(self) -> str:
        return f"Registry({str(self.home)!r})"

    # -- reading ---------------------------------------------------------------------------

    def list(self) -> list[SourceInfo]:
        """Every saved source, by name."""
        return [row.info() for row in self._rows()]

    def sources(self) -> list[str]:
        """Names of every saved source (what ``Session.sources()`` also offers)."""
        return [row.name for row in self._rows()]

    def get(self, name: str) -> SourceInfo:
        return self._row(name).info()

    def connector(self, name: str) -> Any:
        """Build the connector of a saved source (secrets decrypted in memory only)."""
        row = self._row(name)
        conn = connector_class(row.type).from_source(row.name, row.options, self._decrypt(row))
        seen = [row.updated_at]
        conn.on_learned = lambda learned: self._remember(name, seen, learned)
        return conn

    def _remember(self, name: str, seen: list[str], learned: Learned) -> None:
        """Save what a connector learned while answering a query (``Connector.on_learned``),
        unless the source changed since the connector was built from it: an edit made
        meanwhile is never overwritten. A failure to save fails no query."""
        try:
            row = self._row(name)
            if row.updated_at != seen[0]:
                return
            self.update(name, _replacing(row.options, learned.options), verify=False)
            seen[0] = self._row(name).updated_at
        except DistillrError:
            return  # the schema is sampled again next time

    def cache_identity(self, name: str) -> tuple[dict[str, Any], dict[str, str]]:
        """A source's options and secrets, for the response cache to key its pages by an HMAC
        of them (``connectors.cache.identity``); never shown or stored."""
        row = self._row(name)
        return dict(row.options), self._decrypt(row)

    def definition(self, name: str) -> tuple[str, dict[str, Any], dict[str, str]]:
        """A saved source's type, options and secrets in clear, to build its connector
        elsewhere (a Spark executor). The secrets are never to be printed or logged."""
        row = self._row(name)
        return row.type, dict(row.options), self._decrypt(row)

    def _rows(self, name: str | None = None) -> list[_Row]:
        con = db.read_connection(self.path)
        if con is None:
            return []
        try:
            if name is None:
                cur = con.execute(f"SELECT {_COLUMNS} FROM sources ORDER BY name")
            else:
                cur = con.execute(f"SELECT {_COLUMNS} FROM sources WHERE name = ?", (name,))
            return [_row(r) for r in cur.fetchall()]
        except Exception as exc:
            raise db._fail(self.path, exc) from exc
        finally:
            con.close()

    def _row(self, name: str) -> _Row:
        rows = self._rows(name)
        if rows:
            return rows[0]
        raise self._unknown(name)

    def _unknown(self, name: str) -> CatalogError:
        names = self.sources()
        listing = (
            f" Saved sources: {', '.join(names)}."
            if names
            else " No data sources are saved yet; add one with `distillr source add`."
        )
        return CatalogError(f"No data source named '{name}'.{did_you_mean(name, names)}{listing}")

    # -- writing ---------------------------------------------------------------------------

    def add(
        self,
        type: str,
        name: str,
        options: Mapping[str, Any] | None = None,
        secrets: Mapping[str, str] | None = None,
        verify: bool = True,
        allow_private: bool = True,
    ) -> SourceInfo:
        """Save a new source. With ``verify`` the connector makes one cheap request first;
        if that fails, nothing is saved and the API's message is raised. ``allow_private``
        False refuses base URLs on private, loopback or link-local addresses."""
        check_name(name)
        options = _check_urls(type, _clean_options(options or {}), allow_private)
        secrets = _clean_secrets(secrets or {})
        if self._rows(name):
            raise self._duplicate(name)
        options = self._build(type, name, options, secrets, verify)
        now = _now()
        row = _Row(name, type, options, "", _masks(secrets), now, now)
        with self._write() as (conn, sources):
            from sqlalchemy import insert

            row.token = self._encrypt(secrets)
            if conn.execute(sources.select().where(sources.c.name == name)).first() is not None:
                raise self._duplicate(name)
            conn.execute(insert(sources).values(**_values(row)))
        return row.info()

    def update(
        self,
        name: str,
        options: Mapping[str, Any] | None = None,
        secrets: Mapping[str, str] | None = None,
        verify: bool = True,
        allow_private: bool = True,
    ) -> SourceInfo:
        """Change a source. ``options`` are merged (a ``None`` value removes that option);
        ``secrets``, when given, replace all saved secrets (e.g. an auth token by an API
        key's secret). With ``verify`` the new settings are checked before they are saved.

        A change of an identity-bearing option (see the module's rules) needs ``secrets``."""
        old = self._row(name)
        merged = dict(old.options)
        for key, value in (options or {}).items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        merged = _check_urls(old.type, _clean_options(merged), allow_private)
        changed = _identity_changes(old.type, old.options, merged)
        if changed and secrets is None:
            keys = ", ".join(sorted(old.masks)) or "its secrets"
            raise ConfigError(
                f"Changing {', '.join(changed)} of data source '{name}' needs its secret again"
                f" ({keys}) in the same change: a saved secret is never sent to a new address"
                " or account. Nothing was saved."
            )
        new_secrets = _clean_secrets(secrets) if secrets is not None else self._decrypt(old)
        merged = self._build(old.type, name, merged, new_secrets, verify)
        row = _Row(name, old.type, merged, "", _masks(new_secrets), old.created_at, _now())
        with self._write() as (conn, sources):
            from sqlalchemy import update

            row.token = self._encrypt(new_secrets) if secrets is not None else old.token
            done = conn.execute(
                update(sources)
                .where(sources.c.name == name, sources.c.updated_at == old.updated_at)
                .values(**_values(row))
            )
            if done.rowcount != 1:
                raise ConfigError(
                    f"Data source '{name}' was changed or removed by another process meanwhile;"
                    " nothing was saved. Check it with `distillr source show` and try again."
                )
        return row.info()

    def rename(self, old: str, new: str) -> SourceInfo:
        """Give a source a new name (queries must then use the new name)."""
        check_name(new)
        self._row(old)
        with self._write() as (conn, sources):
            from sqlalchemy import update

            if conn.execute(sources.select().where(sources.c.name == new)).first():
                raise self._duplicate(new)
            done = conn.execute(
                update(sources).where(sources.c.name == old).values(name=new, updated_at=_now())
            )
            if done.rowcount != 1:
                raise self._unknown(old)
        _forget_cache(self.home, old, new)
        return self.get(new)

    def remove(self, name: str) -> None:
        """Forget a source and its secrets."""
        self._row(name)
        with self._write() as (conn, sources):
            from sqlalchemy import delete

            if conn.execute(delete(sources).where(sources.c.name == name)).rowcount != 1:
                raise self._unknown(name)
        _forget_cache(self.home, name)

    @contextmanager
    def _write(self) -> Iterator[tuple[Any, Any]]:
        from sqlalchemy.exc import IntegrityError, SQLAlchemyError

        from distillr.registry.schema import sources

        engine = db.write_engine(self.path)
        try:
            with engine.begin() as conn:
                yield conn, sources
        except IntegrityError as exc:
            raise ConfigError(
                "Another process saved a data source with that name meanwhile; nothing was "
                "saved. Pick another name and try again."
            ) from exc
        except SQLAlchemyError as exc:
            raise db._fail(self.path, exc.orig or exc) from None
        finally:
            engine.dispose()

    def _duplicate(self, name: str) -> ConfigError:
        return ConfigError(
            f"A data source named '{name}' already exists. Pick another name, change it with "
            f"`distillr source update {name}`, or remove it with `distillr source remove {name}`."
        )

    def _build(
        self, type: str, name: str, options: dict[str, Any], secrets: dict[str, str], verify: bool
    ) -> dict[str, Any]:
        """Build the connector (settings checked offline) and, with ``verify``, call check()
        and let it learn what it can (``Connector.learn``: a Custom API's schemas, for the
        tables that have none yet). Returns the options to save."""
        cls = connector_class(type)
        try:
            conn = cls.from_source(name, options, secrets)
            try:
                if verify:
                    conn.check()
                    learned = conn.learn(missing_only=True)
                    if learned is not None:
                        options = _clean_options(learned.options)
            finally:
                conn.close()
        except DistillrError as exc:
            _scrub(exc, secrets.values())
            raise
        return options

    def refresh(
        self, name: str, tables: list[str] | None = None, pages: int = 2
    ) -> tuple[SourceInfo, Learned | None]:
        """Sample a saved source again and save what its connector learns (a Custom API's
        schemas, widened, never narrowed). ``None`` when the type learns nothing."""
        row = self._row(name)
        secrets = self._decrypt(row)
        conn = connector_class(row.type).from_source(row.name, row.options, secrets)
        try:
            learned = conn.learn(tables, pages=pages)
        except DistillrError as exc:
            _scrub(exc, secrets.values())
            raise
        finally:
            conn.close()
        if learned is None:
            return row.info(), None
        return self.update(name, _replacing(row.options, learned.options), verify=False), learned

    def trial(
        self,
        type: str,
        options: Mapping[str, Any],
        secrets: Mapping[str, str] | None = None,
        *,
        source: str | None = None,
        tables: list[str] | None = None,
        allow_private: bool = True,
    ) -> tuple[Any, Learned | None]:
        """Build an unsaved source, check it and let it learn (the web form's Test): returns
        the connector (closed; its ``tables()`` hold what was learned) and what it learned.
        With ``source`` (a saved source being edited) and no ``secrets``, the saved secrets
        are used, but only while the identity-bearing options are unchanged."""
        options = _check_urls(type, _clean_options(dict(options)), allow_private)
        if secrets:
            used = _clean_secrets(secrets)
        elif source is not None:
            row = self._row(source)
            changed = _identity_changes(type, row.options, options)
            if changed or row.type != type:
                raise ConfigError(
                    f"Changing {', '.join(changed) or 'the type'} of data source '{source}'"
                    " needs its secret again: a saved secret is never sent to a new address."
                )
            used = self._decrypt(row)
        else:
            used = {}
        conn = connector_class(type).from_source(source or "draft", options, used)
        try:
            conn.check()
            learned = conn.learn(tables, pages=1)
        except DistillrError as exc:
            _scrub(exc, used.values())
            raise
        finally:
            conn.close()
        return conn, learned

    # -- secrets ---------------------------------------------------------------------------

    def _encrypt(self, secrets: dict[str, str]) -> str:
        if not secrets:
            return ""
        f = keys.fernet(self.home, create=True)
        return f.encrypt(json.dumps(secrets).encode()).decode()

    def _decrypt(self, row: _Row) -> dict[str, str]:
        if not row.token:
            return {}
        from cryptography.fernet import InvalidToken

        f = keys.fernet(self.home, create=False)
        try:
            return json.loads(f.decrypt(row.token.encode()))
        except InvalidToken:
            where = (
                f"${keys.ENV_VAR}" if os.environ.get(keys.ENV_VAR) else self.home / keys.KEY_FILE
            )
            raise ConfigError(
                f"The secrets of data source '{row.name}' cannot be decrypted with this key "
                f"({where})."
                f" Use the key they were saved with, or enter them again with "
                f"`distillr source update {row.name} ...`."
            ) from None


def _forget_cache(home: Path, name: str, new: str | None = None) -> None:
    """A removed source's cached pages go; a renamed one keeps its time to live."""
    from distillr.connectors.cache import ResponseCache

    cache = ResponseCache(home)
    try:
        ttl = cache.ttl(name)
        if ttl is None:
            return
        cache.set_ttl(name, None)
        cache.clear(name)
        if new is not None:
            cache.set_ttl(new, ttl)
    finally:
        cache.close()


def _row(r: tuple) -> _Row:
    return _Row(r[0], r[1], json.loads(r[2]), r[3], json.loads(r[4]), r[5], r[6])


def _values(row: _Row) -> dict[str, Any]:
    return {
        "name": row.name,
        "type": row.type,
        "options": json.dumps(row.options, sort_keys=True),
        "secrets": row.token,
        "secret_masks": json.dumps(row.masks, sort_keys=True),
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def _replacing(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """``after`` as an update of ``before``: options it leaves out are removed."""
    return {**{k: None for k in before if k not in after}, **after}


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _masks(secrets: Mapping[str, str]) -> dict[str, str]:
    return {k: mask(v) for k, v in sorted(secrets.items())}


def _clean_options(options: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in options.items():
        if not isinstance(key, str):
            raise ConfigError(f"Option names must be strings, not {key!r}.")
        try:
            json.dumps(value)
        except TypeError:
            raise ConfigError(
                f"Option '{key}' must be a string, number, boolean, list or mapping."
            ) from None
        out[key] = value
    return out


def _clean_secrets(secrets: Mapping[str, str]) -> dict[str, str]:
    out = {}
    for key, value in secrets.items():
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"Secret '{key}' is empty. Give its value and try again.")
        out[str(key)] = value.strip()
    return out


def scrub(text: str, secrets: Any) -> str:
    """``text`` with every secret in ``secrets`` masked where it stands as a whole token (not
    inside a longer word, so a short secret cannot mangle unrelated words).

    >>> scrub("token abc rejected; abcdef stays", ["abc"])
    'token **** rejected; abcdef stays'
    """
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        pattern = rf"(?<!\w){re.escape(secret)}(?!\w)"
        text = re.sub(pattern, lambda _m, s=secret: mask(s), text)
    return text


def _scrub(exc: DistillrError, secrets: Any) -> None:
    """Defence in depth: never let a secret ride out on an error message."""
    text = scrub(exc.message, list(secrets))
    if text != exc.message:
        exc.message = text
        exc.args = (text,)
    api_message = getattr(exc, "api_message", None)
    if isinstance(api_message, str):
        exc.api_message = scrub(api_message, list(secrets))


def _check_urls(type: str, options: dict[str, Any], allow_private: bool) -> dict[str, Any]:
    """Options as the connector type prepares them (``Connector.prepare_options``), with
    their base URLs checked (and cleaned)."""
    from distillr.connectors.urls import check_base_url, private_host

    cls = connector_class(type)
    prepare = getattr(cls, "prepare_options", None)
    out = dict(prepare(options)) if prepare is not None else dict(options)
    urls: dict[str, str] = {}
    for key in getattr(cls, "url_options", ()):
        if out.get(key) in (None, ""):
            continue
        out[key] = urls[key] = check_base_url(out[key], key)
    addresses = getattr(cls, "addresses", None)
    if addresses is not None:
        urls.update(addresses(out))
    for key, url in urls.items() if not allow_private else ():
        address = private_host(url)
        if address is not None:
            raise ConfigError(
                f"{key} points at a private, loopback or link-local address ({address}):"
                " only an admin of this server may do that."
            )
    return out


def _identity_changes(type: str, before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The identity-bearing options (declared by the connector type) that differ."""
    cls = connector_class(type)
    declared = getattr(cls, "identity_options", None)
    names = set(before) | set(after) if declared is None else set(declared)
    urls = set(getattr(cls, "url_options", ()))

    def value(options: Mapping[str, Any], key: str) -> Any:
        found = options.get(key)
        if key in urls and isinstance(found, str):
            return found.strip().rstrip("/")  # a saved URL as check_base_url cleans it
        return None if found == "" else found

    return sorted(n for n in names if value(before, n) != value(after, n))
