"""A JQL subset: the tokenizer and parser (evaluation is in :mod:`.search`).

Grammar (keywords and field names in any case)::

    query   := [or] [ORDER BY field [ASC|DESC] {, field [ASC|DESC]}]
    or      := and {OR and}              (also ||)
    and     := not {AND not}             (also &&)
    not     := NOT not | ( or ) | clause (also !)
    clause  := field op value | field [NOT] IN ( value {, value} ) | field IS [NOT] EMPTY|NULL
    op      := = | != | > | >= | < | <= | ~ | !~
    value   := "quoted" | 'quoted' | word | EMPTY | NULL | function()

A word is any run of characters other than spaces, quotes, ``=!<>~(),``; anything else must be
quoted. JQL features the sandbox does not have (``WAS``, ``CHANGED``, history functions) are
refused with a message that says so; syntax errors name the position like JIRA does
(``(line 1, character 14)``). The field names and the operators each field takes are checked
by :mod:`.search`, which knows the data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_LENGTH = 20_000

KEYWORDS = {"AND", "OR", "NOT", "IN", "IS", "EMPTY", "NULL", "ORDER", "BY", "ASC", "DESC"}
UNSUPPORTED = {"WAS", "CHANGED", "ON", "DURING", "BEFORE", "AFTER", "FROM", "TO"}
OPERATORS = ("!=", ">=", "<=", "!~", "=", ">", "<", "~")

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<unterminated>["'])
  | (?P<op>!=|>=|<=|!~|=|>|<|~)
  | (?P<and>&&) | (?P<or>\|\|) | (?P<bang>!)
  | (?P<lparen>\() | (?P<rparen>\)) | (?P<comma>,)
  | (?P<word>[^\s"'=!<>~(),&|]+|[&|])
    """,
    re.VERBOSE,
)


class JqlError(Exception):
    """A query JIRA would answer with 400; ``str()`` is the message for ``errorMessages``."""


@dataclass
class Token:
    kind: str  # string | op | lparen | rparen | comma | word | keyword | eof
    text: str
    pos: int  # 0-based offset in the query

    @property
    def shown(self) -> str:
        return "end of query" if self.kind == "eof" else repr(self.text)


@dataclass
class Value:
    """A value in a clause: text (quoted or not), EMPTY, or a function call."""

    text: str
    quoted: bool = False
    empty: bool = False
    function: str | None = None  # lower-case name, for calls like currentUser()
    args: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        if self.empty:
            return "EMPTY"
        if self.function:
            return f"{self.text}({', '.join(self.args)})"
        return self.text


@dataclass
class Clause:
    field: str  # as written (case kept, for messages)
    op: str  # = != > >= < <= ~ !~ in "not in" is "is not"
    values: list[Value]
    pos: int


@dataclass
class Bool:
    op: str  # and | or | not
    items: list


@dataclass
class Query:
    where: Clause | Bool | None
    order: list[tuple[str, bool]]  # (field as written, descending)


def tokenize(text: str) -> list[Token]:
    out: list[Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        assert m is not None  # the word pattern matches any other character
        kind = m.lastgroup or "word"
        raw = m.group()
        if kind == "unterminated":
            raise _syntax(
                f"The quoted string starting here is not closed: {text[pos : pos + 20]!r}.", pos
            )
        if kind == "string":
            out.append(Token("string", _unquote(raw[1:-1]), pos))
        elif kind in ("and", "or", "bang"):
            out.append(Token("keyword", {"and": "AND", "or": "OR", "bang": "NOT"}[kind], pos))
        elif kind == "word":
            upper = raw.upper()
            out.append(Token("keyword" if upper in KEYWORDS else "word", raw, pos))
            if upper in KEYWORDS:
                out[-1].text = upper
        elif kind != "space":
            out.append(Token(kind, raw, pos))
        pos = m.end()
    out.append(Token("eof", "", len(text)))
    return out


def _unquote(body: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def _syntax(message: str, pos: int) -> JqlError:
    return JqlError(f"Error in the JQL Query: {message} (line 1, character {pos + 1})")


def parse(text: str) -> Query:
    """The query's tree; raises :class:`JqlError` with JIRA's kind of message."""
    if len(text) > MAX_LENGTH:
        raise JqlError(
            f"The JQL query is too long ({len(text):,} characters; at most {MAX_LENGTH:,})."
        )
    return _Parser(tokenize(text)).query()


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        t = self.tokens[self.i]
        self.i += 1
        return t

    def at(self, *keywords: str) -> bool:
        return self.tok.kind == "keyword" and self.tok.text in keywords

    def query(self) -> Query:
        where = None
        if not self.at("ORDER") and self.tok.kind != "eof":
            where = self.or_()
        order = self.order_by() if self.at("ORDER") else []
        if self.tok.kind != "eof":
            t = self.tok
            if t.kind == "word" and t.text.upper() in UNSUPPORTED:
                raise _unsupported(t)
            raise _syntax(f"Expecting either 'OR' or 'AND' but got {t.shown}.", t.pos)
        return Query(where, order)

    def order_by(self) -> list[tuple[str, bool]]:
        self.take()
        if not self.at("BY"):
            raise _syntax(f"Expecting 'BY' but got {self.tok.shown}.", self.tok.pos)
        self.take()
        out = []
        while True:
            t = self.take()
            if t.kind not in ("word", "string"):
                raise _syntax(f"Expecting a field name but got {t.shown}.", t.pos)
            desc = False
            if self.at("ASC", "DESC"):
                desc = self.take().text == "DESC"
            out.append((t.text, desc))
            if self.tok.kind != "comma":
                return out
            self.take()

    def or_(self):
        items = [self.and_()]
        while self.at("OR"):
            self.take()
            items.append(self.and_())
        return items[0] if len(items) == 1 else Bool("or", items)

    def and_(self):
        items = [self.not_()]
        while self.at("AND"):
            self.take()
            items.append(self.not_())
        return items[0] if len(items) == 1 else Bool("and", items)

    def not_(self):
        if self.at("NOT"):
            self.take()
            return Bool("not", [self.not_()])
        if self.tok.kind == "lparen":
            self.take()
            inner = self.or_()
            if self.tok.kind != "rparen":
                raise _syntax(f"Expecting ')' but got {self.tok.shown}.", self.tok.pos)
            self.take()
            return inner
        return self.clause()

    def clause(self) -> Clause:
        t = self.take()
        if t.kind not in ("word", "string"):
            raise _syntax(f"Expecting a field name but got {t.shown}.", t.pos)
        name = t.text
        op_tok = self.tok
        if op_tok.kind == "op":
            self.take()
            return Clause(name, op_tok.text, [self.value()], t.pos)
        if self.at("IN"):
            self.take()
            return Clause(name, "in", self.values(), t.pos)
        if self.at("NOT"):
            self.take()
            if not self.at("IN"):
                raise _syntax(f"Expecting 'IN' after 'NOT' but got {self.tok.shown}.", self.tok.pos)
            self.take()
            return Clause(name, "not in", self.values(), t.pos)
        if self.at("IS"):
            self.take()
            op = "is"
            if self.at("NOT"):
                self.take()
                op = "is not"
            if not self.at("EMPTY", "NULL"):
                raise _syntax(
                    f"Expecting 'EMPTY' or 'NULL' but got {self.tok.shown}.", self.tok.pos
                )
            self.take()
            return Clause(name, op, [Value("EMPTY", empty=True)], t.pos)
        if op_tok.kind == "word" and op_tok.text.upper() in UNSUPPORTED:
            raise _unsupported(op_tok)
        raise _syntax(
            f"Expecting an operator (=, !=, <, >, <=, >=, ~, !~, IN, NOT IN, IS, IS NOT) but got "
            f"{op_tok.shown}.",
            op_tok.pos,
        )

    def values(self) -> list[Value]:
        if self.tok.kind != "lparen":
            v = self.value()
            if v.function:  # field in openSprints()
                return [v]
            raise _syntax(f"Expecting '(' but got {v.text!r}.", self.tokens[self.i - 1].pos)
        self.take()
        out = [self.value()]
        while self.tok.kind == "comma":
            self.take()
            out.append(self.value())
        if self.tok.kind != "rparen":
            raise _syntax(f"Expecting ',' or ')' but got {self.tok.shown}.", self.tok.pos)
        self.take()
        return out

    def value(self) -> Value:
        t = self.take()
        if t.kind == "string":
            return Value(t.text, quoted=True)
        if t.kind == "keyword" and t.text in ("EMPTY", "NULL"):
            return Value("EMPTY", empty=True)
        if t.kind != "word":
            raise _syntax(f"Expecting a value but got {t.shown}.", t.pos)
        if self.tok.kind == "lparen":  # a function call
            self.take()
            args: list[str] = []
            while self.tok.kind != "rparen":
                a = self.take()
                if a.kind not in ("word", "string"):
                    raise _syntax(f"Expecting ')' but got {a.shown}.", a.pos)
                args.append(a.text)
                if self.tok.kind == "comma":
                    self.take()
            self.take()
            return Value(t.text, function=t.text.lower(), args=args)
        return Value(t.text)


def _unsupported(t: Token) -> JqlError:
    return JqlError(
        f"The sandbox's JQL does not support {t.text.upper()!r} (history searches); it supports "
        "=, !=, <, >, <=, >=, ~, !~, IN, NOT IN, IS EMPTY, AND, OR, NOT and ORDER BY."
    )
