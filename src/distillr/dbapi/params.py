"""qmark parameters (``WHERE to = ?``) bound into the parsed query, never spliced into text.

The SQL is parsed with distillr's Drill dialect, each ``?`` placeholder node is replaced by a
literal node built from the Python value, and the tree is written back as Drill SQL. A value
can therefore never become SQL: a string is a string literal, whatever it holds.

>>> bind("SELECT * FROM tw.messages WHERE `to` = ? LIMIT ?", ("+1555'; --", 5))
"SELECT * FROM tw.messages WHERE `to` = '+1555''; --' LIMIT 5"
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
from collections.abc import Sequence
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import TokenType

from distillr.dbapi.exceptions import DataError, NotSupportedError, ProgrammingError
from distillr.sql.dialect import DIALECT, classify

__all__ = ["bind", "bind_numbered", "literal"]


def bind(sql: str, params: Sequence[Any] | None) -> str:
    """``sql`` with its ``?`` placeholders replaced by ``params``, in order."""
    return _bind(sql, params, numbered=False)


def bind_numbered(sql: str, params: Sequence[Any] | None) -> str:
    """``sql`` with its ``$1``, ``$2`` ... placeholders (PostgreSQL's) replaced by ``params``."""
    return _bind(sql, params, numbered=True)


def _bind(sql: str, params: Sequence[Any] | None, *, numbered: bool) -> str:
    if params is None:
        return sql
    if isinstance(params, (str, bytes)) or not isinstance(params, Sequence):
        raise ProgrammingError(
            "Parameters go in a sequence, one value per '?': execute(sql, (value, ...))."
        )
    stmt = classify(sql)
    if stmt.kind == "explain":
        return "EXPLAIN " + _bind(stmt.body, params, numbered=numbered)
    if stmt.kind != "query":
        if params:
            raise ProgrammingError("SHOW and DESCRIBE take no parameters.")
        return sql
    try:
        marked, count = _mark_holes(sql, numbered)
        tree = sqlglot.parse_one(marked, dialect=DIALECT)
    except (ParseError, TokenError):
        if params:
            raise ProgrammingError(
                "The query does not parse, so its parameters cannot be bound;"
                " run it without parameters to see where the error is."
            ) from None
        return sql
    if count != len(params):
        word = "'$n'" if numbered else "'?'"
        raise ProgrammingError(
            f"The query has {count} {word} placeholder(s) but {len(params)} parameter(s)"
            f" were given; pass one value per {word}."
        )
    if not count:
        return sql
    for node in list(tree.find_all(exp.Placeholder)):
        index = _HOLE.fullmatch(str(node.this or ""))
        if index is None:
            raise ProgrammingError(
                "Use '?' placeholders only (qmark style), not named ones like ':name'."
            )
        node.replace(literal(params[int(index.group(1))]))
    return tree.sql(dialect=DIALECT)


_HOLE = re.compile(r"dst_p(\d+)")
_NUMBERED = re.compile(r"\$(\d+)")


def _mark_holes(sql: str, numbered: bool) -> tuple[str, int]:
    """``sql`` with each placeholder token (not one inside a string or comment) renamed to
    the named placeholder ``:dst_p<i>``, ``i`` counting from 0 in the text's order for ``?``
    and ``n - 1`` for ``$n``; and how many values it takes."""
    parts, last, count = [], 0, 0
    for token in DIALECT.tokenize(sql):
        if numbered:
            m = _NUMBERED.fullmatch(token.text)
            if m is None or token.token_type is TokenType.STRING or int(m.group(1)) < 1:
                continue
            index = int(m.group(1)) - 1
            count = max(count, index + 1)
        elif token.token_type is TokenType.PLACEHOLDER and token.text == "?":
            index, count = count, count + 1
        else:
            continue
        parts += [sql[last : token.start], f":dst_p{index}"]
        last = token.end + 1
    parts.append(sql[last:])
    return "".join(parts), count


def literal(value: Any) -> exp.Expr:
    """The SQL literal of a Python value."""
    if value is None:
        return exp.null()
    if isinstance(value, bool):
        return exp.true() if value else exp.false()
    if isinstance(value, int):
        return exp.Literal.number(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise DataError(f"Cannot bind {value!r}: SQL has no literal for it.")
        return exp.Literal.number(repr(value))
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise DataError(f"Cannot bind {value!r}: SQL has no literal for it.")
        return exp.Literal.number(str(value))
    if isinstance(value, str):
        if "\x00" in value:
            raise DataError("Cannot bind a string holding a NUL character.")
        return exp.Literal.string(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), exp.DataType.Type.TIMESTAMP)
    if isinstance(value, dt.date):
        return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.Type.DATE)
    if isinstance(value, dt.time):
        return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.Type.TIME)
    raise NotSupportedError(
        f"Cannot bind a {type(value).__name__}: use None, bool, int, float, Decimal, str,"
        " date, time or datetime."
    )
