"""The dialect: Drill-style SQL with backticks, reads only, and an inspector that asks
distillr itself (``SHOW DATABASES``, ``SHOW TABLES IN``, ``DESCRIBE``), so it works the same
over the local registry and over a server.

URLs:

- ``distillr://`` the registry of ``$DISTILLR_HOME`` (or ``~/.distillr``);
  ``distillr:///path/to/home`` another one.
- ``distillr+http://host:port`` a ``distillr serve`` server (``distillr+https://`` with TLS).
  The API token goes in the password (``distillr+http://:dst_...@host:port``, which SQLAlchemy
  masks when it shows the URL) or, better, in an environment variable named by
  ``?token_env=NAME``.

Options for both: ``?pushdown=false``, ``?timeout=SECONDS``.
"""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy.engine import default
from sqlalchemy.engine.url import URL
from sqlalchemy.sql import compiler

from distillr.sqlalchemy.types import type_of

__all__ = ["DistillrDialect", "DistillrHttpDialect", "DistillrHttpsDialect"]


class DrillIdentifierPreparer(compiler.IdentifierPreparer):
    """Names in backticks, as Drill writes them (``my_twilio`.`/Calls/:CallSid/Recordings``)."""

    def __init__(self, dialect: default.DefaultDialect) -> None:
        super().__init__(dialect, initial_quote="`", escape_quote="`")

    def _requires_quotes(self, value: str) -> bool:
        # distillr's names are case-insensitive, so plain lower or upper names need no quotes
        return super()._requires_quotes(value.lower())


class DrillCompiler(compiler.SQLCompiler):
    """SQLAlchemy's generic SQL, with ``LIMIT n OFFSET m`` as distillr reads it."""

    def limit_clause(self, select: Any, **kw: Any) -> str:
        text = ""
        if select._limit_clause is not None:
            text += "\n LIMIT " + self.process(select._limit_clause, **kw)
        if select._offset_clause is not None:
            text += "\n OFFSET " + self.process(select._offset_clause, **kw)
        return text


class DistillrDialect(default.DefaultDialect):
    """``distillr://``: queries run in this process, on the local registry."""

    name = "distillr"
    driver = "local"
    preparer = DrillIdentifierPreparer
    statement_compiler = DrillCompiler
    paramstyle = "qmark"
    supports_statement_cache = True
    supports_native_boolean = True
    supports_native_decimal = True
    supports_alter = False
    supports_sequences = False
    supports_default_values = False
    supports_empty_insert = False
    supports_multivalues_insert = False
    supports_sane_rowcount = False
    supports_sane_multi_rowcount = False
    postfetch_lastrowid = False
    returns_native_bytes = True
    default_schema_name = None

    @classmethod
    def import_dbapi(cls):
        from distillr import dbapi

        return dbapi

    def create_connect_args(self, url: URL) -> tuple[list, dict[str, Any]]:
        kwargs = _common_options(url)
        if url.host:
            raise ValueError(
                "distillr:// runs queries here: give no host (distillr:///path/to/home for"
                " another home), or use distillr+http://host:port for a server."
            )
        if url.database:
            kwargs["home"] = url.database
        return [], kwargs

    # -- reads only: nothing to commit or roll back
    def do_rollback(self, dbapi_connection: Any) -> None:
        pass

    def do_commit(self, dbapi_connection: Any) -> None:
        pass

    def get_isolation_level(self, dbapi_connection: Any) -> str:
        return "AUTOCOMMIT"

    def get_default_isolation_level(self, dbapi_conn: Any) -> str:
        return "AUTOCOMMIT"

    def _get_default_schema_name(self, connection: Any) -> None:
        return None

    # -- the inspector
    def _rows(self, connection: Any, sql: str) -> list[tuple]:
        return list(connection.exec_driver_sql(sql).fetchall())

    def get_schema_names(self, connection: Any, **kw: Any) -> list[str]:
        return [row[0] for row in self._rows(connection, "SHOW DATABASES")]

    def _tables(self, connection: Any, schema: str | None) -> list[tuple]:
        if schema is None:
            return []
        quoted = self.identifier_preparer.quote_identifier(schema)
        return self._rows(connection, f"SHOW TABLES IN {quoted}")

    def get_table_names(self, connection: Any, schema: str | None = None, **kw: Any) -> list[str]:
        return [row[1] for row in self._tables(connection, schema)]

    def get_view_names(self, connection: Any, schema: str | None = None, **kw: Any) -> list[str]:
        return []

    def has_table(
        self, connection: Any, table_name: str, schema: str | None = None, **kw: Any
    ) -> bool:
        return table_name.lower() in {t.lower() for t in self.get_table_names(connection, schema)}

    def get_columns(
        self, connection: Any, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[dict[str, Any]]:
        prep = self.identifier_preparer
        name = f"{prep.quote_identifier(schema)}.{prep.quote_identifier(table_name)}"
        columns = []
        for col, data_type, nullable, description in self._rows(connection, f"DESCRIBE {name}"):
            columns.append(
                {
                    "name": col,
                    "type": type_of(data_type),
                    "nullable": nullable == "YES",
                    "default": None,
                    "comment": description or None,
                }
            )
        return columns

    def get_table_comment(
        self, connection: Any, table_name: str, schema: str | None = None, **kw: Any
    ) -> dict[str, Any]:
        for row in self._tables(connection, schema):
            if row[1].lower() == table_name.lower():
                text = row[2] or ""
                params = row[3] if len(row) > 3 else ""
                if params:
                    wheres = " AND ".join(f"{p} = '...'" for p in params.split(","))
                    text = f"{text} Needs path parameters: WHERE {wheres}.".strip()
                return {"text": text or None}
        return {"text": None}

    def get_pk_constraint(self, connection: Any, table_name: str, schema=None, **kw: Any):
        return {"constrained_columns": [], "name": None}

    def get_foreign_keys(self, connection: Any, table_name: str, schema=None, **kw: Any):
        return []

    def get_indexes(self, connection: Any, table_name: str, schema=None, **kw: Any):
        return []

    def get_unique_constraints(self, connection: Any, table_name: str, schema=None, **kw: Any):
        return []

    def get_check_constraints(self, connection: Any, table_name: str, schema=None, **kw: Any):
        return []


class DistillrHttpDialect(DistillrDialect):
    """``distillr+http://host:port``: queries run on a ``distillr serve`` server."""

    driver = "http"

    def create_connect_args(self, url: URL) -> tuple[list, dict[str, Any]]:
        kwargs = _common_options(url)
        if not url.host:
            raise ValueError("distillr+http:// needs the server's host: distillr+http://host:port")
        scheme = "https" if url.query.get("tls") in ("true", "1") else "http"
        port = f":{url.port}" if url.port else ""
        kwargs["url"] = f"{scheme}://{url.host}{port}"
        token = url.password
        env = url.query.get("token_env")
        if env:
            token = os.environ.get(env)
            if not token:
                raise ValueError(f"token_env={env}: that environment variable is not set.")
        if token:
            kwargs["token"] = str(token)
        return [], kwargs


class DistillrHttpsDialect(DistillrHttpDialect):
    """``distillr+https://host:port``: a server behind TLS."""

    def create_connect_args(self, url: URL) -> tuple[list, dict[str, Any]]:
        return super().create_connect_args(url.update_query_dict({"tls": "true"}))


def _common_options(url: URL) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    unknown = set(url.query) - {"pushdown", "timeout", "token_env", "tls"}
    if unknown:
        raise ValueError(
            f"Unknown distillr URL option(s): {', '.join(sorted(unknown))}."
            " Known: pushdown, timeout, token_env."
        )
    if "pushdown" in url.query:
        kwargs["pushdown"] = url.query["pushdown"].lower() not in ("false", "0", "off", "no")
    if "timeout" in url.query:
        kwargs["timeout"] = float(url.query["timeout"])
    return kwargs
