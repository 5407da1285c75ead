"""A session: named data sources (the registry plus sources registered in code) and the
query engine over them.

>>> import distillr
>>> con = distillr.connect()                                  # doctest: +SKIP
>>> con.register("fake", my_connector)                        # doctest: +SKIP
>>> con.sql("SELECT status, count(*) FROM fake.calls GROUP BY status").df()  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pyarrow as pa

from distillr.connectors.base import Connector
from distillr.errors import CatalogError, DistillrError, did_you_mean
from distillr.home import default_home
from distillr.sql import exits
from distillr.sql.caps import check_timeout
from distillr.sql.dialect import classify
from distillr.sql.executor import run
from distillr.sql.explain import Explain, explain_plan
from distillr.sql.planner import plan_query
from distillr.sql.result import QueryStats, Result

__all__ = ["DUCKDB_CONFIG", "Explain", "QueryEngine", "Session"]

#: DuckDB's settings for queries: no files, network or extensions (see sql/surface.py)
DUCKDB_CONFIG = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
}


class QueryEngine(Protocol):
    """What runs a session's queries instead of DuckDB (``distillr.connect(engine=...)``):
    ``query`` takes the query's text and returns its ``Result``. ``SHOW``, ``DESCRIBE``,
    ``EXPLAIN`` and saved tables stay with the session."""

    def query(
        self,
        home: Path,
        text: str,
        *,
        pushdown: bool,
        timeout: float | None,
        progress: Callable[[QueryStats], Any] | None,
        probes: bool,
    ) -> Result: ...


class Session:
    """Sources and the engine. Thread-safe: several queries may run at once.

    ``engine`` runs the queries somewhere else than DuckDB (see ``QueryEngine``)."""

    def __init__(
        self,
        home: str | os.PathLike | None = None,
        engine: QueryEngine | None = None,
        **options: Any,
    ) -> None:
        self.home = Path(home).expanduser() if home is not None else default_home()
        self.engine = engine
        self.options = options
        self._registered: dict[str, Connector] = {}
        self._from_registry: dict[str, Connector] = {}
        self._registry: Any = None
        self._registry_loaded = False
        self._lock = threading.Lock()
        self._db: duckdb.DuckDBPyConnection | None = None
        self._db_lock = threading.Lock()
        self._db_opening = False
        self._saved: Connector | None = None

    # -- sources
    def register(self, name: str, connector: Connector) -> None:
        """Make ``connector`` queryable as ``name`` (shadows a registry source of that name)."""
        if not isinstance(connector, Connector):
            raise TypeError("register() needs a distillr.connectors.base.Connector")
        self._registered[name.lower()] = connector

    def _get_registry(self):
        with self._lock:
            if not self._registry_loaded:
                self._registry_loaded = True
                try:
                    from distillr.registry import Registry
                except ModuleNotFoundError as err:
                    if err.name and err.name.startswith("distillr.registry"):
                        return None
                    raise
                self._registry = Registry(self.home)
            return self._registry

    def sources(self) -> list[str]:
        """Names of every source: registered in code and in the registry (and ``saved``, once
        a table is saved)."""
        return list(self._source_types())

    def _source_types(self) -> dict[str, str]:
        types = {name: (c.type or "code") for name, c in self._registered.items()}
        registry = self._get_registry()
        if registry is not None:
            for info in registry.list():
                types.setdefault(info.name.lower(), info.type)
        if "saved" not in types and self._saved_connector().store.names():
            types["saved"] = "saved"
        return dict(sorted(types.items()))

    def _saved_connector(self):
        if self._saved is None:
            from distillr.saved.connector import SavedConnector
            from distillr.saved.store import SavedStore

            self._saved = SavedConnector(SavedStore(self.home))
        return self._saved

    def connector(self, name: str) -> Connector:
        """The connector of a source, by name (case-insensitive)."""
        key = name.lower()
        if key in self._registered:
            return self._registered[key]
        if key == "saved":
            return self._saved_connector()
        with self._lock:
            if key in self._from_registry:
                return self._from_registry[key]
        registry = self._get_registry()
        if registry is not None:
            known = {info.name.lower(): info.name for info in registry.list()}
            if key in known:
                conn = registry.connector(known[key])
                if self.options.get("cache", True):
                    from distillr.connectors.cache import attach

                    name_ = known[key]
                    attach(conn, self.home, name_, lambda: registry.cache_identity(name_))
                with self._lock:
                    return self._from_registry.setdefault(key, conn)
        names = self.sources()
        raise CatalogError(
            f"Unknown source '{name}'.{did_you_mean(name, names)}"
            " Run SHOW DATABASES to list the sources, or add one with `distillr source add`."
        )

    # -- queries
    @property
    def db(self) -> duckdb.DuckDBPyConnection:
        with self._db_lock:
            if self._db is None:
                # queries read API tables only: no files, network or extensions from SQL
                db = duckdb.connect(config=DUCKDB_CONFIG)
                # timestamps compare and print in UTC, as the planner converts literals
                db.execute("SET GLOBAL TimeZone = 'UTC'")
                # and no statement may change any of it afterwards
                db.execute("SET lock_configuration = true")
                self._db = db
            return self._db

    def _open_db_soon(self) -> None:
        """Open DuckDB in a background thread while the query is planned: opening takes tens
        of milliseconds, and DuckDB does not hold the GIL meanwhile."""
        with self._db_lock:
            if self._db is not None or self._db_opening:
                return
            self._db_opening = True
        # not a daemon thread: the interpreter must not exit while it is inside DuckDB
        exits.start(self._open_db_quietly, name="distillr-duckdb-open")

    def _open_db_quietly(self) -> None:
        try:
            _ = self.db
        except Exception:  # noqa: BLE001 - the query's own use of .db reports the error
            pass
        finally:
            self._db_opening = False

    def sql(
        self,
        text: str,
        pushdown: bool = True,
        timeout: float | None = None,
        progress: Callable[[QueryStats], Any] | None = None,
        probes: bool = True,
    ) -> Result:
        """Run one Drill statement and return its result (streaming for queries).

        ``probes=False`` asks the connectors to plan without requests of their own (splits
        may then be less even)."""
        if not isinstance(text, str):
            raise TypeError("sql() needs the SQL text as a string")
        timeout = check_timeout(timeout)
        from distillr.saved.tables import parse_statement, run_statement

        saved = parse_statement(text)
        if saved is not None:
            return run_statement(self, saved)
        stmt = classify(text)
        if stmt.kind == "show_databases":
            types = self._source_types()
            return _static({"SCHEMA_NAME": list(types), "TYPE": list(types.values())})
        if stmt.kind == "show_tables":
            return self._show_tables(stmt.source)
        if stmt.kind == "describe":
            return self._describe(stmt.source, stmt.table)
        if stmt.kind == "explain":
            ex = self.explain(text, pushdown=pushdown, probes=probes)
            return _static({"text": [ex.text], "json": [json.dumps(ex.to_dict(), default=str)]})
        if self.engine is not None:
            return self.engine.query(
                self.home,
                stmt.body,
                pushdown=pushdown,
                timeout=timeout,
                progress=progress,
                probes=probes,
            )
        self._open_db_soon()
        plan = plan_query(
            stmt.body, self.connector, pushdown=pushdown, describe=False, probes=probes
        )
        return run(plan, self.db, timeout=timeout, progress=progress)

    def save(self, name: str, sql: str, **options: Any):
        """Run ``sql`` and keep its result as ``saved.NAME`` (``replace``, ``incremental``
        COLUMN and ``key``: see ``distillr.saved.tables.save``). Returns its ``SavedInfo``."""
        from distillr.saved.tables import save

        return save(self, name, sql, **options)

    def refresh(self, name: str, full: bool = False):
        """Run a saved table's query again (only new rows, if incremental and not ``full``)."""
        from distillr.saved.tables import refresh

        return refresh(self, name, full=full)

    def explain(self, text: str, pushdown: bool = True, probes: bool = True) -> Explain:
        """How a query would run: per table reference, requests, predicates, LIMIT, and the
        probe requests planning sent (none with ``probes=False`` or ``EXPLAIN (probes off)``)."""
        stmt = classify(text)
        if stmt.kind == "explain":
            if stmt.probes is not None:
                probes = stmt.probes
            stmt = classify(stmt.body)
        if stmt.kind != "query":
            raise DistillrError("EXPLAIN works on SELECT queries.")
        plan = plan_query(stmt.body, self.connector, pushdown=pushdown, probes=probes)
        return explain_plan(plan)

    def _show_tables(self, source: str | None) -> Result:
        names = [source] if source else self.sources()
        rows: dict[str, list[str]] = {
            "TABLE_SCHEMA": [],
            "TABLE_NAME": [],
            "DESCRIPTION": [],
            "PARAMETERS": [],
        }
        for name in names:
            for t in self.connector(name).tables():
                rows["TABLE_SCHEMA"].append(name)
                rows["TABLE_NAME"].append(t.name)
                rows["DESCRIPTION"].append(t.description)
                rows["PARAMETERS"].append(",".join(t.parameters))
        return _static(rows)

    def _describe(self, source: str, table: str) -> Result:
        tdef = self.connector(source).table(table)
        columns = list(tdef.columns)
        types = duckdb_type_names([c.type for c in columns])
        return _static(
            {
                "COLUMN_NAME": [c.name for c in columns],
                "DATA_TYPE": types,
                "IS_NULLABLE": ["YES"] * len(columns),
                "DESCRIPTION": [
                    c.description + (" (virtual: not in SELECT *)" if c.virtual else "")
                    for c in columns
                ],
            }
        )

    def close(self) -> None:
        """Close the engine and the connectors opened from the registry."""
        with self._lock:
            conns = list(self._from_registry.values())
            self._from_registry.clear()
        with self._db_lock:
            db, self._db = self._db, None
        for conn in conns:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - closing is best effort
                pass
        if db is not None:
            db.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Session home={str(self.home)!r}>"


def _static(columns: dict[str, list]) -> Result:
    return Result(table=pa.table({k: pa.array(v, type=pa.string()) for k, v in columns.items()}))


def duckdb_type_names(types: list[pa.DataType]) -> list[str]:
    """The DuckDB type name (as DESCRIBE shows it) of each Arrow type."""
    if not types:
        return []
    schema = pa.schema([pa.field(f"c{i}", t) for i, t in enumerate(types)])
    empty = pa.Table.from_batches([], schema=schema)  # Schema.empty_table() imports pandas
    con = duckdb.connect()
    try:
        con.register("t", empty)
        rows = con.execute("DESCRIBE SELECT * FROM t").fetchall()
    finally:
        con.close()
    return [r[1] for r in rows]
