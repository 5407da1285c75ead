"""Apache Drill's SQL dialect, as distillr reads it, and its translation to DuckDB.

``parse(sql)`` turns Drill SQL into a sqlglot tree; ``to_duckdb(tree)`` writes it for DuckDB.
Differences from sqlglot's own Drill dialect:

- identifiers are case-insensitive even in backticks (the engine matches names itself);
- double quotes delimit identifiers as in ANSI SQL (``"to"``), like backticks; strings stay
  single-quoted;
- ``to`` and ``from`` work as unquoted column names where the grammar is unambiguous: a
  ``FROM`` where an operand is expected, followed by a token that cannot start a FROM
  clause (a comparison, ``IN``, ``IS``, ``LIKE``, ``BETWEEN``, ``NOT``, a comma, ``)``,
  ``AS``, a clause keyword, the end ...), is the column ``from``
  (``WHERE to = '+1...' AND from = '+1...'``, ``SELECT to, from FROM src.messages``);
- ``CAST`` is strict (a bad value is an error, as in Drill); ``TRY_CAST`` stays lenient;
- Drill functions are mapped to DuckDB: ``TO_TIMESTAMP(x, 'yyyy-MM-dd')`` (Java formats),
  ``TO_DATE``, ``TO_TIME``, ``FLATTEN``, ``KVGEN``, ``CONVERT_FROM(x, 'JSON')``,
  ``CONVERT_TO``, ``REPEATED_CONTAINS``, ``SQLTYPEOF``, ``UNIX_TIMESTAMP`` ...;
- a function DuckDB does not know fails by name with ``UnsupportedError``.

``classify(sql)`` recognises the statements sqlglot has no tree for (``SHOW DATABASES``,
``SHOW TABLES IN src``, ``DESCRIBE src.table``, ``EXPLAIN [PLAN FOR] query``).
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect, build_formatted_time
from sqlglot.dialects.drill import Drill
from sqlglot.errors import ParseError, TokenError
from sqlglot.helper import seq_get
from sqlglot.parsers.drill import DrillParser
from sqlglot.tokens import TokenType

from distillr.errors import SqlError, UnsupportedError
from distillr.sql.caps import check_sql
from distillr.sql.clauses import all_nodes
from distillr.sql.surface import check_calls, check_statement, duckdb_functions

__all__ = ["DistillrDrill", "Statement", "classify", "name_computed_columns", "parse", "to_duckdb"]


def _to_timestamp(args: list, dialect) -> exp.Expr:
    if len(args) >= 2:
        return build_formatted_time(exp.StrToTime, "drill")(args, dialect)
    # TO_TIMESTAMP(epoch_seconds) or TO_TIMESTAMP('2025-01-01 10:00:00')
    return exp.Anonymous(this="__drill_to_timestamp", expressions=args[:1])


def _to_date(args: list, dialect) -> exp.Expr:
    if len(args) >= 2:
        return build_formatted_time(exp.StrToDate, "drill")(args, dialect)
    return exp.Anonymous(this="__drill_to_date", expressions=args[:1])


def _to_time(args: list, dialect) -> exp.Expr:
    if len(args) >= 2:
        parsed = build_formatted_time(exp.StrToTime, "drill")(args, dialect)
        return exp.cast(parsed, exp.DataType.build("TIME"))
    return exp.cast(seq_get(args, 0), exp.DataType.build("TIME"))


def _date_diff(args: list) -> exp.Expr:
    # Drill's DATE_DIFF(date, interval) is the date minus the interval; DuckDB's
    # DATE_DIFF('unit', start, end) counts unit boundaries; DATE_DIFF(end, start) counts days
    if len(args) == 2 and isinstance(args[1], exp.Interval):
        return exp.Sub(this=args[0], expression=args[1])
    if len(args) == 3:
        return exp.Anonymous(this="date_diff", expressions=args)
    if len(args) == 2:
        return exp.DateDiff(this=args[0], expression=args[1], unit=exp.var("DAY"))
    raise UnsupportedError(
        "DATE_DIFF takes (date, interval), ('unit', start, end) or (end, start)."
    )


def _anon(name: str):
    return lambda args: exp.Anonymous(this=name, expressions=args)


# Tokens that, right after a FROM in operand position, make that FROM the column ``from``:
# no statement has a FROM clause there followed by one of these.
_FROM_AS_COLUMN_BEFORE = frozenset(
    {
        TokenType.EQ,
        TokenType.NEQ,
        TokenType.NULLSAFE_EQ,
        TokenType.LT,
        TokenType.LTE,
        TokenType.GT,
        TokenType.GTE,
        TokenType.IN,
        TokenType.IS,
        TokenType.LIKE,
        TokenType.ILIKE,
        TokenType.BETWEEN,
        TokenType.NOT,
        TokenType.COMMA,
        TokenType.R_PAREN,
        TokenType.ALIAS,
        TokenType.FROM,
        TokenType.AND,
        TokenType.OR,
        TokenType.THEN,
        TokenType.ELSE,
        TokenType.END,
        TokenType.ASC,
        TokenType.DESC,
        TokenType.LIMIT,
        TokenType.DPIPE,
        TokenType.SEMICOLON,
        TokenType.SENTINEL,
        TokenType.WHERE,
        TokenType.GROUP_BY,
        TokenType.HAVING,
        TokenType.ORDER_BY,
        TokenType.UNION,
        TokenType.EXCEPT,
        TokenType.INTERSECT,
        TokenType.OFFSET,
        TokenType.FETCH,
    }
)


class DistillrParser(DrillParser):
    STRICT_CAST = True

    def _parse_column(self) -> exp.Expr | None:
        # ``from`` (a reserved word) as a column name: ``WHERE from = '+1...'``.
        if (
            self._curr is not None
            and self._curr.token_type == TokenType.FROM
            and (self._next is None or self._next.token_type in _FROM_AS_COLUMN_BEFORE)
        ):
            self._advance()
            ident = self.expression(exp.Identifier(this=self._prev.text, quoted=False), self._prev)
            return self._parse_column_ops(self.expression(exp.Column(this=ident)))
        return super()._parse_column()

    FUNCTIONS = {  # noqa: RUF012 - sqlglot reads these class tables as they are
        **DrillParser.FUNCTIONS,
        "TO_TIMESTAMP": _to_timestamp,
        "TO_DATE": _to_date,
        "TO_TIME": _to_time,
        "FLATTEN": lambda args: exp.Unnest(expressions=args[:1]),
        "DATE_DIFF": _date_diff,
        "KVGEN": _anon("__drill_kvgen"),
        "CONVERT_FROM": _anon("__drill_convert_from"),
        "CONVERT_TO": _anon("__drill_convert_to"),
        "REPEATED_CONTAINS": _anon("list_contains"),
        "SQLTYPEOF": _anon("typeof"),
        "UNIX_TIMESTAMP": _anon("__drill_unix_timestamp"),
    }


class DistillrTokenizer(Drill.Tokenizer):
    IDENTIFIERS = ["`", '"']  # noqa: RUF012 - sqlglot's own tokenizer setting


class DistillrDrill(Drill):
    """Drill as distillr reads it (see the module docstring)."""

    Tokenizer = DistillrTokenizer
    Parser = DistillrParser


DIALECT = DistillrDrill()


def _not_command_fallback(record: logging.LogRecord) -> bool:
    # sqlglot logs a warning when it parses a statement it does not know as a Command; distillr
    # refuses such statements with its own message, so the warning only confuses
    return "Falling back to parsing as a 'Command'" not in record.getMessage()


logging.getLogger("sqlglot").addFilter(_not_command_fallback)

# How the ``__drill_*`` placeholders are written for DuckDB.
_DUCK_TEMPLATES = {
    "__drill_kvgen": "map_entries(CAST(to_json({0}) AS MAP(VARCHAR, JSON)))",
    "__drill_unix_timestamp": "CAST(epoch({0}) AS BIGINT)",
}


def _rewrite_placeholders(tree: exp.Expr) -> exp.Expr:
    def fix(node: exp.Expr) -> exp.Expr:
        if not isinstance(node, exp.Anonymous):
            return node
        name = str(node.this).lower()
        args = node.expressions
        if name == "__drill_to_timestamp":
            arg = args[0]
            if isinstance(arg, exp.Literal) and arg.is_string:
                return exp.cast(arg, exp.DataType.build("TIMESTAMP"))
            # Drill: TO_TIMESTAMP(number) is epoch seconds
            return exp.func("to_timestamp", arg)
        if name == "__drill_to_date":
            arg = args[0]
            if isinstance(arg, exp.Literal) and not arg.is_string:
                # Drill: TO_DATE(number) is epoch milliseconds
                return exp.cast(
                    exp.func(
                        "to_timestamp", exp.Div(this=arg, expression=exp.Literal.number(1000))
                    ),
                    exp.DataType.build("DATE"),
                )
            return exp.cast(arg, exp.DataType.build("DATE"))
        if name in ("__drill_convert_from", "__drill_convert_to"):
            if len(args) != 2 or not (isinstance(args[1], exp.Literal) and args[1].is_string):
                raise UnsupportedError(
                    f"{name[8:].upper()} needs two arguments: a value and an encoding name such"
                    " as 'JSON' or 'UTF8'."
                )
            encoding = args[1].name.upper()
            if name == "__drill_convert_from":
                if encoding in ("JSON", "EXTENDEDJSON"):
                    return exp.cast(args[0], exp.DataType.build("JSON", dialect="duckdb"))
                if encoding in ("UTF8", "UTF16"):
                    return exp.cast(args[0], exp.DataType.build("VARCHAR"))
            elif encoding in ("JSON", "EXTENDEDJSON"):
                return exp.func("to_json", args[0])
            elif encoding in ("UTF8", "UTF16"):
                return exp.cast(args[0], exp.DataType.build("BLOB"))
            raise UnsupportedError(
                f"{name[8:].upper()} with encoding '{encoding}' is not supported;"
                " distillr supports 'JSON' and 'UTF8'."
            )
        template = _DUCK_TEMPLATES.get(name)
        if template:
            if name == "__drill_unix_timestamp" and not args:
                return sqlglot.parse_one("CAST(epoch(current_timestamp) AS BIGINT)", read="duckdb")
            sql = template.format(*(a.sql("duckdb") for a in args))
            return sqlglot.parse_one(sql, read="duckdb")
        return node

    # innermost first, so that a placeholder's arguments are already rewritten when it is
    for node in reversed(list(tree.find_all(exp.Anonymous, bfs=False))):
        if str(node.this).startswith("__drill_"):
            new = fix(node)
            if node is tree:
                return new
            node.replace(new)
    return tree


def check_functions(nodes: list[exp.Expr]) -> None:
    """Raise ``UnsupportedError`` for a function neither Drill-mapped nor known to DuckDB.

    ``nodes`` are all the nodes of a tree (``all_nodes(tree)``)."""
    known = None
    for node in nodes:
        if not isinstance(node, exp.Anonymous):
            continue
        name = str(node.this).lower()
        if known is None:
            known = duckdb_functions()[0]
        if name not in known:
            raise UnsupportedError(
                f"Function {str(node.this).upper()} is not supported by distillr."
                " See docs/engine.md for the Drill functions it runs."
            )


def _position(sql: str, offset: int) -> tuple[int, int]:
    before = sql[:offset]
    line = before.count("\n") + 1
    column = offset - (before.rfind("\n") + 1) + 1
    return line, column


def _sql_error(err: Exception, sql: str) -> SqlError:
    if isinstance(err, ParseError) and err.errors:
        info = err.errors[0]
        desc = str(info.get("description") or "Syntax error")
        desc = re.sub(r" for <class '[^']+'>", "", desc)
        desc = re.sub(
            r" but got <Token token_type: TokenType\.SENTINEL[^>]*>",
            " at the end of the query",
            desc,
        )
        desc = re.sub(
            r" but got <Token token_type: [^>]*\btext: ([^,]*),[^>]*>", r" near '\1'", desc
        )
        if desc.startswith("Required keyword"):
            desc = "incomplete expression"
        line, col = info.get("line"), info.get("col")
        highlight = info.get("highlight") or ""
        if line and col is not None:
            # sqlglot points at the end of the offending token; point at its start.
            col = max(int(col) - len(highlight) + 1, 1)
            message = f"SQL syntax error: {desc}"
            if highlight:
                message += f" near '{highlight}'"
            return SqlError(message + ".", sql=sql, line=int(line), column=col)
        return SqlError(f"SQL syntax error: {desc}.")
    text = str(err)
    m = re.search(r"Error tokenizing '(.*)'", text, re.S)
    if m:
        snippet = m.group(1)
        where = sql.find(snippet)
        if where >= 0:
            # the offending token (usually an unclosed quote) starts in the snippet
            quote = max(snippet.rfind("'"), snippet.rfind("`"), snippet.rfind('"'))
            offset = where + (quote if quote >= 0 else 0)
            line, col = _position(sql, offset)
            return SqlError(
                "SQL syntax error: unterminated string or identifier; close the quote.",
                sql=sql,
                line=line,
                column=col,
            )
    return SqlError(f"SQL syntax error: {text}")


def parse(sql: str) -> exp.Expr:
    """Parse one Drill query; raise ``SqlError`` (line, column, caret) if it is not valid."""
    check_sql(sql)
    try:
        trees = sqlglot.parse(sql, dialect=DIALECT)
    except (ParseError, TokenError) as err:
        raise _sql_error(err, sql) from None
    trees = [t for t in trees if t is not None]
    if not trees:
        raise SqlError("The query is empty: write a SELECT statement.")
    if len(trees) > 1:
        raise SqlError("Run one statement at a time (found several separated by ';').")
    tree = trees[0]
    if isinstance(tree, exp.Command) or not isinstance(tree, exp.Query):
        word = tree.key.upper() if not isinstance(tree, exp.Command) else str(tree.this).upper()
        raise UnsupportedError(
            f"{word} statements are not supported: distillr runs SELECT queries (plus SHOW"
            " DATABASES, SHOW TABLES, DESCRIBE and EXPLAIN)."
        )
    nodes = all_nodes(tree)
    if any(isinstance(n, exp.Anonymous) and str(n.this).startswith("__drill_") for n in nodes):
        tree = _rewrite_placeholders(tree)
        nodes = all_nodes(tree)
    check_functions(nodes)
    check_calls(nodes)
    _check_row_counts(nodes, sql)
    for select in nodes:
        if not isinstance(select, exp.Select):
            continue
        limit = select.args.get("limit")
        if (
            isinstance(limit, exp.Limit)
            and isinstance(limit.expression, exp.Column)
            and limit.expression.name.upper() == "ALL"
            and not limit.expression.table
        ):
            select.set("limit", None)  # Drill's LIMIT ALL: no limit
    return tree


def _check_row_counts(nodes: list[exp.Expr], sql: str) -> None:
    """LIMIT, OFFSET and FETCH take whole numbers of rows, as in Drill (``LIMIT 2.5`` and
    ``LIMIT '2'`` are errors, where DuckDB would round or cast them)."""
    for node in nodes:
        if isinstance(node, exp.Fetch):
            word, value = "FETCH", node.args.get("count")
        elif isinstance(node, (exp.Limit, exp.Offset)):
            word, value = node.key.upper(), node.expression
        else:
            continue
        inner = value
        while isinstance(inner, (exp.Paren, exp.Neg)):
            inner = inner.this
        if not isinstance(inner, exp.Literal):
            continue  # LIMIT ALL, an expression: DuckDB checks it
        if inner.is_string or not inner.this.isdigit():
            raise SqlError(
                f"{word} takes a whole number of rows, not {value.sql(dialect=DIALECT)}:"
                f" write for example {word} 10.",
            )


def _is_star(node: exp.Expr) -> bool:
    return (
        isinstance(node, exp.Star)
        or (isinstance(node, exp.Column) and isinstance(node.this, exp.Star))
        or (isinstance(node, exp.Anonymous) and str(node.this).lower() == "columns")
    )


def name_computed_columns(tree: exp.Expr) -> exp.Expr:
    """Name unnamed computed columns as Drill does: ``EXPR$<position in the select list>``.

    ``SELECT status, count(*)`` gives the columns ``status`` and ``EXPR$1`` (DuckDB would say
    ``count_star()``), in every SELECT of the query, so an outer query can refer to a derived
    table's ``EXPR$0`` as in Drill. Columns (``t.col``, ``(col)``), aliased items and stars
    keep their names. Drill counts the columns a ``*`` expands to; the engine cannot know
    that number before binding, so an item after a ``*`` keeps DuckDB's name.
    """
    for select in all_nodes(tree):
        if not isinstance(select, exp.Select):
            continue
        items = list(select.expressions)
        changed = False
        for i, item in enumerate(items):
            if _is_star(item):
                break
            inner = item.unnest() if isinstance(item, exp.Paren) else item
            if isinstance(item, exp.Alias) or isinstance(inner, (exp.Column, exp.Dot)):
                continue
            items[i] = exp.Alias(this=item, alias=exp.to_identifier(f"EXPR${i}", quoted=True))
            changed = True
        if changed:
            select.set("expressions", items)
    return tree


@functools.cache
def _duckdb() -> Dialect:
    # loaded on first use: importing sqlglot's DuckDB dialect takes 30-50 ms
    return Dialect.get_or_raise("duckdb")


def to_duckdb(tree: exp.Expr) -> str:
    """``tree`` written for DuckDB (the tree itself, not a copy)."""
    return _duckdb().generate(tree, copy=False)


@dataclass(frozen=True)
class Statement:
    """What kind of statement a text is: ``query``, ``explain``, ``show_databases``,
    ``show_tables`` (``source`` may be None) or ``describe`` (``source``, ``table``).
    ``probes`` is False for ``EXPLAIN (probes off) ...``, True for ``(probes on)``, else None."""

    kind: str
    body: str = ""
    source: str | None = None
    table: str | None = None
    probes: bool | None = None


_NAME = r"(`[^`]+`|\"[^\"]+\"|[A-Za-z_][A-Za-z0-9_$]*)"


def _unquote(name: str) -> str:
    if len(name) >= 2 and name[0] in '`"' and name[-1] == name[0]:
        return name[1:-1]
    return name


def classify(sql: str) -> Statement:
    text = sql.strip().rstrip(";").strip()
    m = re.fullmatch(
        r"(?is)explain(?:\s*\(\s*probes\s+(on|off|true|false)\s*\))?\s+"
        r"(?:plan\s+(?:including\s+all\s+attributes\s+)?"
        r"(?:with\s+implementation\s+)?for\s+)?(.*)",
        text,
    )
    if m and m.group(1) is None and re.match(r"(?is)explain\s*\((?!\s*(select|with|\())", text):
        raise SqlError(
            "EXPLAIN takes one option: EXPLAIN (probes off) SELECT ... plans without sending"
            " any request."
        )
    if m:
        probes = None if m.group(1) is None else m.group(1).lower() in ("on", "true")
        return Statement("explain", body=m.group(2), probes=probes)
    if re.fullmatch(r"(?is)show\s+(databases|schemas)", text):
        return Statement("show_databases")
    m = re.fullmatch(rf"(?is)show\s+tables(?:\s+(?:in|from)\s+{_NAME})?", text)
    if m:
        return Statement("show_tables", source=_unquote(m.group(1)) if m.group(1) else None)
    m = re.fullmatch(rf"(?is)(?:describe|desc)\s+(?:table\s+)?{_NAME}\s*\.\s*{_NAME}", text)
    if m:
        return Statement("describe", source=_unquote(m.group(1)), table=_unquote(m.group(2)))
    if re.match(r"(?is)(describe|desc)\s", text):
        raise SqlError("Write DESCRIBE <source>.<table>, for example DESCRIBE my_twilio.calls.")
    check_statement(text)
    return Statement("query", body=sql)
