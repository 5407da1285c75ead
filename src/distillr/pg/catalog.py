"""What PostgreSQL clients ask about the server itself: ``pg_catalog``, ``information_schema``,
``version()``, ``SHOW``, ``SET`` and transaction commands.

Catalog queries run on a private DuckDB database that mirrors distillr's sources: a schema per
source and an empty, typed table per table. DuckDB keeps ``pg_catalog`` views of its own
catalog (``pg_class``, ``pg_namespace``, ``pg_attribute``, ``pg_type`` ...), so ``psql``'s
``\\dn``, ``\\dt`` and ``\\d`` and the tools' inspectors see the sources as schemas. A few
spellings DuckDB does not read are rewritten first (``OPERATOR(pg_catalog.~)``, ``COLLATE
pg_catalog.default``, schema-qualified functions) and missing functions are macros. The
database reads no files and has no network: external access is off and its settings locked.
"""

from __future__ import annotations

import re
import threading

import duckdb
import pyarrow as pa

from distillr import __version__

__all__ = ["SETTINGS", "PgCatalog", "local_command"]

#: what ``SHOW`` and the start-up ParameterStatus messages answer
SETTINGS = {
    "server_version": "15.0",
    "server_version_num": "150000",
    "server_encoding": "UTF8",
    "client_encoding": "UTF8",
    "DateStyle": "ISO, MDY",
    "TimeZone": "UTC",
    "integer_datetimes": "on",
    "IntervalStyle": "postgres",
    "standard_conforming_strings": "on",
    "is_superuser": "off",
    "application_name": "",
    "default_transaction_read_only": "on",
    "transaction_read_only": "on",
    "transaction_isolation": "read committed",
    "search_path": "main",
    "max_identifier_length": "63",
    "lc_collate": "C",
    "lc_ctype": "C",
}

VERSION = f"PostgreSQL 15.0 (distillr {__version__}) on DuckDB"

_MACROS = [
    "CREATE TYPE regclass AS BIGINT",
    "CREATE TYPE regtype AS BIGINT",
    f"CREATE MACRO version() AS '{VERSION}'",
    "CREATE MACRO pg_get_userbyid(id) AS 'distillr'",
    # PostgreSQL's own spellings, which tools parse (DuckDB's are int8, varchar ...)
    "CREATE MACRO format_type(type_oid, typemod) AS CASE type_oid"
    " WHEN 16 THEN 'boolean' WHEN 17 THEN 'bytea' WHEN 20 THEN 'bigint'"
    " WHEN 21 THEN 'smallint' WHEN 23 THEN 'integer' WHEN 25 THEN 'text'"
    " WHEN 700 THEN 'real' WHEN 701 THEN 'double precision' WHEN 1043 THEN 'character varying'"
    " WHEN 1082 THEN 'date' WHEN 1083 THEN 'time without time zone'"
    " WHEN 1114 THEN 'timestamp without time zone' WHEN 1184 THEN 'timestamp with time zone'"
    " WHEN 1186 THEN 'interval' WHEN 2950 THEN 'uuid'"
    " ELSE CASE WHEN pg_catalog.format_type(type_oid, typemod) LIKE 'numeric%'"
    " THEN pg_catalog.format_type(type_oid, typemod) ELSE 'jsonb' END END",
    "CREATE MACRO pg_encoding_to_char(id) AS 'UTF8'",
    "CREATE MACRO pg_backend_pid() AS 0",
    "CREATE MACRO pg_get_expr(expr, relation) AS NULL, (expr, relation, pretty) AS NULL",
    "CREATE MACRO pg_get_partkeydef(id) AS NULL",
    "CREATE MACRO pg_get_statisticsobjdef_columns(id) AS NULL",
    "CREATE MACRO pg_relation_is_publishable(id) AS false",
    "CREATE MACRO pg_is_in_recovery() AS false",
    "CREATE MACRO array_upper(arr, dimension) AS len(arr)",
    "CREATE MACRO to_regtype(name) AS NULL::BIGINT",
    "CREATE MACRO pg_get_serial_sequence(relation, col) AS NULL::VARCHAR",
    "CREATE MACRO pg_get_indexdef(index, col, pretty) AS NULL::VARCHAR",
    "CREATE MACRO distillr_regclass(name) AS coalesce((SELECT oid FROM pg_catalog.pg_class"
    " WHERE relname = split_part(name::VARCHAR, '.', -1) LIMIT 1), 0)",
    "CREATE MACRO to_regclass(name) AS NULL::BIGINT",
    "CREATE MACRO txid_current() AS 1",
    "CREATE MACRO pg_postmaster_start_time() AS now()",
]

#: pg_catalog tables with the columns clients read that DuckDB's own views lack; queries of
#: ``pg_catalog.NAME`` read ``distillr_pg.NAME`` instead
_VIEWS = {
    "pg_class": "SELECT *, false AS relforcerowsecurity FROM pg_catalog.pg_class",
    "pg_namespace": "SELECT * FROM pg_catalog.pg_namespace WHERE nspname <> 'distillr_pg'",
    "pg_roles": "SELECT 10::BIGINT AS oid, 'distillr' AS rolname, false AS rolsuper,"
    " false AS rolcreatedb, false AS rolcreaterole, true AS rolcanlogin",
}

#: pg_catalog tables DuckDB does not have, which clients read to find nothing there
_EMPTY = {
    "pg_policy": "polname TEXT, polpermissive BOOLEAN, polroles BIGINT[], polqual TEXT,"
    " polwithcheck TEXT, polcmd TEXT, polrelid BIGINT",
    "pg_statistic_ext": "oid BIGINT, stxrelid BIGINT, stxname TEXT, stxnamespace BIGINT,"
    " stxkind TEXT[], stxkeys TEXT, stxstattarget INTEGER",
    "pg_publication": "oid BIGINT, pubname TEXT, puballtables BOOLEAN",
    "pg_publication_rel": "oid BIGINT, prpubid BIGINT, prrelid BIGINT, prqual TEXT,"
    " prattrs SMALLINT[]",
    "pg_publication_namespace": "oid BIGINT, pnpubid BIGINT, pnnspid BIGINT",
    "pg_inherits": "inhrelid BIGINT, inhparent BIGINT, inhseqno INTEGER, inhdetachpending BOOLEAN",
    "pg_trigger": "oid BIGINT, tgrelid BIGINT, tgname TEXT, tgisinternal BOOLEAN,"
    " tgenabled TEXT, tgparentid BIGINT",
    "pg_rewrite": "oid BIGINT, rulename TEXT, ev_class BIGINT",
    "pg_foreign_table": "ftrelid BIGINT, ftserver BIGINT, ftoptions TEXT",
    "pg_partitioned_table": "partrelid BIGINT, partstrat TEXT",
    "pg_event_trigger": "oid BIGINT, evtname TEXT",
    "pg_opclass": "oid BIGINT, opcname TEXT, opcdefault BOOLEAN",
    "pg_collation": "oid BIGINT, collname TEXT, collnamespace BIGINT",
    "pg_sequence": "seqrelid BIGINT, seqtypid BIGINT, seqstart BIGINT, seqincrement BIGINT,"
    " seqmax BIGINT, seqmin BIGINT, seqcache BIGINT, seqcycle BOOLEAN",
    "pg_index": "indexrelid BIGINT, indrelid BIGINT, indnatts INTEGER, indnkeyatts INTEGER,"
    " indisunique BOOLEAN, indnullsnotdistinct BOOLEAN, indisprimary BOOLEAN,"
    " indisvalid BOOLEAN, indkey INTEGER[], indoption INTEGER[], indclass BIGINT[],"
    " indpred TEXT, indexprs TEXT",
}
_VIEWS.update(
    {
        name: "SELECT * FROM (SELECT "
        + ", ".join(f"NULL::{c.split()[1]} AS {c.split()[0]}" for c in columns.split(", "))
        + ") WHERE false"
        for name, columns in _EMPTY.items()
    }
)

_REWRITES = [
    (re.compile(r"CAST\(\s*([^()]*?)\s+AS\s+REGCLASS\s*\)", re.I), r"distillr_regclass(\1)"),
    (
        re.compile(r"\bpg_catalog\s*\.\s*(" + "|".join(_VIEWS) + r")\b(?!\s*\()", re.I),
        r"distillr_pg.\1",
    ),
    (re.compile(r"OPERATOR\s*\(\s*pg_catalog\s*\.\s*(~\*?|!~\*?|=|<>)\s*\)"), r"\1"),
    (re.compile(r"\s+COLLATE\s+pg_catalog\s*\.\s*\"?default\"?", re.I), ""),
    (re.compile(r"\bpg_catalog\s*\.\s*(?=\w+\s*\()", re.I), ""),
    (
        re.compile(
            r"::\s*(pg_catalog\s*\.\s*)?(regclass|regtype|regproc|regnamespace|regrole|oid)\b", re.I
        ),
        "",
    ),
    (re.compile(r"::\s*pg_catalog\s*\.\s*", re.I), "::"),
    (re.compile(r"\bjson_build_object\s*\(", re.I), "json_object("),
]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class PgCatalog:
    """The catalog mirror of one session's sources (built on first use)."""

    def __init__(self, session) -> None:
        self.session = session
        self._db: duckdb.DuckDBPyConnection | None = None
        self._lock = threading.Lock()

    def _build(self) -> duckdb.DuckDBPyConnection:
        from distillr.session import duckdb_type_names

        db = duckdb.connect(":memory:distillr", config={"enable_external_access": False})
        db.execute("SET TimeZone = 'UTC'")
        for macro in _MACROS:
            db.execute(macro)
        db.execute("CREATE SCHEMA distillr_pg")
        for name, view in _VIEWS.items():
            db.execute(f"CREATE VIEW distillr_pg.{name} AS {view}")
        for source in self.session.sources():
            db.execute(f"CREATE SCHEMA {_quoted(source)}")
            for table in self.session.connector(source).tables():
                columns = [c for c in table.columns if not c.virtual] or list(table.columns)
                types = duckdb_type_names([c.type for c in columns])
                spec = ", ".join(
                    f"{_quoted(c.name)} {t}" for c, t in zip(columns, types, strict=True)
                )
                db.execute(f"CREATE TABLE {_quoted(source)}.{_quoted(table.name)} ({spec})")
                if table.description:
                    text = table.description.replace("'", "''")
                    db.execute(
                        f"COMMENT ON TABLE {_quoted(source)}.{_quoted(table.name)} IS '{text}'"
                    )
        db.execute("SET lock_configuration = true")
        return db

    def run(self, sql: str, params: list | None = None) -> pa.Table:
        """Answer a catalog query, ``$n`` parameters bound by DuckDB (raises
        ``duckdb.Error`` if DuckDB cannot)."""
        for pattern, replacement in _REWRITES:
            sql = pattern.sub(replacement, sql)
        with self._lock:
            if self._db is None:
                self._db = self._build()
            cursor = self._db.cursor()
        try:
            relation = cursor.sql(sql, params=params or None)
            if relation is None:  # a statement with no result
                return pa.table({})
            return relation.to_arrow_table()
        finally:
            cursor.close()

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


_TRANSACTION = {
    "BEGIN": ("BEGIN", b"T"),
    "START": ("BEGIN", b"T"),
    "COMMIT": ("COMMIT", b"I"),
    "END": ("COMMIT", b"I"),
    "ROLLBACK": ("ROLLBACK", b"I"),
    "ABORT": ("ROLLBACK", b"I"),
}
_QUIET = {"SET", "RESET", "DISCARD", "DEALLOCATE", "LISTEN", "UNLISTEN", "CHECKPOINT"}
_QUIET |= {"SAVEPOINT", "RELEASE"}


def local_command(sql: str) -> tuple[str, bytes | None] | pa.Table | None:
    """A command the server answers itself: ``(tag, new transaction status or None)`` for
    transaction and session commands, a one-row table for ``SHOW name``, or None."""
    words = sql.strip().rstrip(";").split()
    if not words:
        return None
    first = words[0].upper()
    if first == "ROLLBACK" and len(words) > 1 and words[1].upper() == "TO":
        return "ROLLBACK", b"T"  # to a savepoint: still in the transaction, error or not
    if first in _TRANSACTION:
        return _TRANSACTION[first]
    if first in _QUIET:
        tag = "DISCARD ALL" if first == "DISCARD" else first
        return tag, None
    if first == "SHOW" and len(words) >= 2:
        name = "_".join(words[1:]).strip('"').lower()
        if name in ("databases", "schemas") or name.startswith("tables"):
            return None  # distillr's own SHOW
        if name == "transaction_isolation_level":
            name = "transaction_isolation"
        if name == "all":
            return pa.table({"name": list(SETTINGS), "setting": list(SETTINGS.values())})
        for key, value in SETTINGS.items():
            if key.lower() == name:
                return pa.table({key: [value]})
        return pa.table({name: [""]})
    return None
