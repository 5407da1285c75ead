"""What of DuckDB a query may reach: SELECT over API tables, and nothing that reads or runs
anything by name.

DuckDB runs with external access off, extensions neither installed nor loaded, and its
configuration locked (``Session.db``). On top of that, before DuckDB sees a query:

- ``check_statement(sql)``: a statement that is not a query (``ATTACH``, ``INSTALL``,
  ``LOAD``, ``COPY``, ``CREATE``, ``SET`` ...) gets one clear refusal, without handing the
  text to sqlglot first (it would log a warning as it gave up on it).
- ``check_calls(nodes)``: a table function is allowed only if it makes rows from its arguments
  (``ALLOWED_TABLE_FUNCTIONS``: ``range``, ``generate_series``, ``unnest``, ``json_each``
  ...). ``query('...')`` and ``query_table('t')`` run SQL text distillr never checked; others
  read files, settings, catalogs or tables by name. Scalar functions that reveal the engine's
  settings, paths or platform, read a catalog object by name, or sleep are refused too
  (``REFUSED_FUNCTIONS``).
- ``clean_message(text)``: a DuckDB error without local paths, the platform's name or hints
  to run statements distillr refuses (``INSTALL``, ``SET``).
"""

from __future__ import annotations

import functools
import re

from sqlglot import exp

from distillr.errors import UnsupportedError

__all__ = [
    "ALLOWED_TABLE_FUNCTIONS",
    "REFUSED_FUNCTIONS",
    "check_calls",
    "check_statement",
    "clean_message",
    "duckdb_functions",
]

#: table functions that only turn their arguments into rows
ALLOWED_TABLE_FUNCTIONS = frozenset(
    {"range", "generate_series", "unnest", "json_each", "json_tree", "repeat", "flatten"}
)

#: scalar functions refused: they show settings, paths, the platform or the catalog, read an
#: object by name, or sleep
REFUSED_FUNCTIONS = frozenset(
    {
        "current_setting",
        "getvariable",
        "platform",
        "version",
        "extension_versions",
        "copy_database",
        "import_database",
        "database_list",
        "database_size",
        "enable_profile",
        "disable_profile",
        "current_query",
        "current_query_id",
        "current_connection_id",
        "current_transaction_id",
        "txid_current",
        "current_database",
        "current_catalog",
        "current_schema",
        "current_schemas",
        "in_search_path",
        "col_description",
        "obj_description",
        "shobj_description",
        "show_databases",
        "nextval",
        "currval",
        "sleep_ms",
        "get_block_size",
        "inet_client_addr",
        "inet_client_port",
        "inet_server_addr",
        "inet_server_port",
    }
)
_REFUSED_PREFIXES = ("duckdb_", "pragma_", "pg_", "has_")
_ALLOWED_PREFIXED = frozenset({"pg_typeof", "pg_size_pretty"})

#: statements that are not queries (any other word is left to the parser: ``SELEC 1`` is a
#: syntax error with a caret)
_STATEMENT_WORDS = frozenset(
    [
        "alter",
        "analyze",
        "begin",
        "call",
        "checkpoint",
        "comment",
        "commit",
        "create",
        "deallocate",
        "delete",
        "drop",
        "execute",
        "grant",
        "insert",
        "merge",
        "prepare",
        "reset",
        "revoke",
        "rollback",
        "set",
        "start",
        "summarize",
        "transaction",
        "truncate",
        "update",
        "upsert",
        "vacuum",
    ]
)
_OUTSIDE_WORDS = frozenset(
    {"attach", "detach", "install", "load", "copy", "export", "import", "use", "force"}
)
_LEADING = re.compile(r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?(?:\*/|$))*", re.S)
_WORD = re.compile(r"[A-Za-z_]+")


def check_statement(sql: str) -> None:
    """Refuse a statement that is not a query (or one the session answers itself).

    >>> check_statement("SELECT 1")
    >>> check_statement("INSTALL httpfs")
    Traceback (most recent call last):
    ...
    distillr.errors.UnsupportedError: INSTALL statements are not supported: ...
    """
    rest = sql[_LEADING.match(sql).end() :]
    m = _WORD.match(rest)
    if m is None:
        return  # empty, or starts with "(": the parser decides
    word = m.group().lower()
    if word not in _STATEMENT_WORDS and word not in _OUTSIDE_WORDS:
        return
    message = (
        f"{word.upper()} statements are not supported: distillr runs SELECT queries (plus SHOW"
        " DATABASES, SHOW TABLES, DESCRIBE and EXPLAIN)."
    )
    if word in _OUTSIDE_WORDS:
        message += (
            " Queries read API tables only: files, other databases and extensions are switched off."
        )
    raise UnsupportedError(message)


def _name(node: exp.Func) -> str:
    if isinstance(node, exp.Anonymous):
        this = node.this
        return (this.name if isinstance(this, exp.Identifier) else str(this)).lower()
    return node.sql_name().lower()


def _in_table_position(node: exp.Expr) -> bool:
    parent = node.parent
    if isinstance(parent, exp.Alias) and node.arg_key == "this":
        node, parent = parent, parent.parent
    return isinstance(parent, (exp.Table, exp.Lateral, exp.From, exp.Join)) and (
        node.arg_key == "this"
    )


@functools.cache
def duckdb_functions() -> tuple[frozenset[str], frozenset[str]]:
    """DuckDB's function names, and those of them that are table functions only (not also
    scalar or aggregate functions). Read once, from a connection of its own."""
    import duckdb

    con = duckdb.connect()
    try:
        rows = con.execute(
            "SELECT lower(function_name), bool_and(function_type IN ('table', 'table_macro'))"
            " FROM duckdb_functions() GROUP BY 1"
        ).fetchall()
    finally:
        con.close()
    names = frozenset(name for name, _ in rows)
    return names, frozenset(name for name, only_table in rows if only_table)


def _refused_scalar(name: str) -> bool:
    if name in REFUSED_FUNCTIONS:
        return True
    return name.startswith(_REFUSED_PREFIXES) and name not in _ALLOWED_PREFIXED


def check_calls(nodes: list[exp.Expr]) -> None:
    """Refuse table functions outside ``ALLOWED_TABLE_FUNCTIONS`` and ``REFUSED_FUNCTIONS``.

    ``nodes`` are all the nodes of a parsed query."""
    table_only = None
    for node in nodes:
        if not isinstance(node, exp.Func):
            continue
        name = _name(node)
        if name in ALLOWED_TABLE_FUNCTIONS:
            continue
        if _in_table_position(node) or _refused_scalar(name):
            refused = True
        elif isinstance(node, exp.Anonymous):
            # sqlglot's own function nodes (count, sum ...) are never DuckDB table functions;
            # only names it does not know are looked up (as check_functions does anyway)
            if table_only is None:
                table_only = duckdb_functions()[1]
            refused = name in table_only
        else:
            refused = False
        if refused:
            raise UnsupportedError(
                f"Function {name.upper()} is not supported by distillr: queries read API"
                " tables only (table functions such as range(n), generate_series and unnest"
                " work; none that runs SQL text or reads anything by name)."
            )


_QUOTED_PATH = re.compile(r"""(["'])(?:[A-Za-z]:)?[/\\][^"'\n]*\1""")
_PLATFORM = re.compile(r"\b(?:linux|osx|windows|wasm|freebsd)_[a-z0-9_]+\b")
_EXTENSION_HINT = re.compile(r"\s*(?:Please try installing|Alternatively, consider).*", re.S)
_SET_HINT = re.compile(r"\s*(?:Use|Try|You can use|Set)\b[^.\n]*\bSET\b[^.\n]*(?:\.|$)")


def clean_message(text: str) -> str:
    """A DuckDB error message as a user of distillr may see it.

    >>> clean_message('Cannot access directory "/root/.duckdb/extensions/v2/linux_amd64"')
    'Cannot access directory (a local path)'
    """
    text = _EXTENSION_HINT.sub("", text)
    text = text.replace("but it exists in the", "and distillr does not load the")
    text = _SET_HINT.sub("", text)
    text = _QUOTED_PATH.sub("(a local path)", text)
    return _PLATFORM.sub("(the platform)", text)
