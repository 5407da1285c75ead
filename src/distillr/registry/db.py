"""The registry's SQLite file: schema migrations (Alembic), writes (SQLAlchemy), reads.

Every write is one ``BEGIN IMMEDIATE`` transaction, so several processes can add, rename and
remove sources at once: SQLite serialises them and a busy writer is waited for (30 s).
Reads are one plain ``SELECT`` through the standard library's ``sqlite3``: importing
SQLAlchemy costs about a third of a second, which ``distillr query`` should not pay on every
run. SQLAlchemy and Alembic are imported only to create or upgrade the file and to write.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Any

from distillr.errors import ConfigError
from distillr.home import private_file

#: The newest Alembic revision in ``migrations/versions`` (a test keeps the two in step).
HEAD = "0001"
BUSY_TIMEOUT_S = 30.0
MIGRATIONS = Path(__file__).parent / "migrations"


def _fail(path: Path, exc: Exception) -> ConfigError:
    return ConfigError(
        f"Cannot use the data source registry at {path}: {exc}. Check that the file and its "
        "folder are readable and writable, or set DISTILLR_HOME to another folder."
    )


def read_connection(path: Path) -> sqlite3.Connection | None:
    """A read connection to an up-to-date registry, or ``None`` when there is no file yet."""
    if not path.exists():
        return None
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)
        version = _version(con)
    except sqlite3.Error as exc:
        raise _fail(path, exc) from exc
    if version == HEAD:
        return con
    con.close()
    migrate(path)
    try:
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)
    except sqlite3.Error as exc:
        raise _fail(path, exc) from exc


def _version(con: sqlite3.Connection) -> str | None:
    try:
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return None
        raise
    return row[0] if row else None


def write_engine(path: Path) -> Any:
    """A SQLAlchemy engine whose transactions start with ``BEGIN IMMEDIATE``; the file is
    created and upgraded to the newest schema first."""
    migrate(path)
    return _engine(path)


def _engine(path: Path) -> Any:
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import NullPool

    engine = create_engine(
        f"sqlite:///{path}", poolclass=NullPool, connect_args={"timeout": BUSY_TIMEOUT_S}
    )

    @event.listens_for(engine, "connect")
    def _connect(dbapi_con: sqlite3.Connection, _record: Any) -> None:
        dbapi_con.isolation_level = None  # let the "begin" hook below own transactions

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def migrate(path: Path) -> None:
    """Create the registry file or upgrade it to ``HEAD``, safely from several processes."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        private_file(path)  # mode 0600 before SQLite writes a byte
        engine = _engine(path)
        try:
            with engine.begin() as conn:  # holds the write lock while checking and upgrading
                current = _version(conn.connection.driver_connection)
                if current == HEAD:
                    return
                if current is not None and current not in _known_revisions():
                    raise ConfigError(
                        f"The data source registry at {path} was written by a newer distillr "
                        f"(schema {current}). Upgrade distillr, or set DISTILLR_HOME to another "
                        "folder."
                    )
                _upgrade(conn)
        finally:
            engine.dispose()
    except (SQLAlchemyError, sqlite3.Error, OSError) as exc:
        raise _fail(path, exc) from exc


def _known_revisions() -> set[str]:
    return {p.stem.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("*.py")}


def _alembic_config(connection: Any = None) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def _upgrade(conn: Any) -> None:
    from alembic import command

    command.upgrade(_alembic_config(conn), "head")


def head_revision() -> str:
    """The newest revision as Alembic sees it (for the test that pins ``HEAD``)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def _new_revision(message: str) -> None:  # pragma: no cover - a development helper
    from alembic import command

    command.revision(_alembic_config(), message=message, rev_id=f"{int(HEAD) + 1:04d}")


if __name__ == "__main__":  # pragma: no cover
    if len(sys.argv) == 3 and sys.argv[1] == "revision":
        _new_revision(sys.argv[2])
    else:
        sys.exit("usage: python -m distillr.registry.db revision MESSAGE")
