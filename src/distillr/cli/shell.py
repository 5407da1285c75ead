"""``distillr shell``: an interactive SQL shell.

History is kept in ``$DISTILLR_HOME/shell_history``; a statement may span lines and ends
with ``;``; Tab completes sources, tables (path names are backticked), columns and keywords.
Dot commands: ``.tables``, ``.schema``, ``.format``, ``.explain``, ``.help``, ``.quit``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import typer

from distillr.cli.query import Format

KEYWORDS = [
    "SELECT",
    "FROM",
    "WHERE",
    "GROUP",
    "BY",
    "ORDER",
    "HAVING",
    "LIMIT",
    "OFFSET",
    "JOIN",
    "LEFT",
    "RIGHT",
    "FULL",
    "INNER",
    "OUTER",
    "CROSS",
    "ON",
    "USING",
    "AS",
    "AND",
    "OR",
    "NOT",
    "IN",
    "IS",
    "NULL",
    "LIKE",
    "ILIKE",
    "BETWEEN",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "DISTINCT",
    "UNION",
    "ALL",
    "EXCEPT",
    "INTERSECT",
    "WITH",
    "ASC",
    "DESC",
    "CAST",
    "DATE",
    "TIMESTAMP",
    "INTERVAL",
    "TRUE",
    "FALSE",
    "COUNT",
    "SUM",
    "AVG",
    "MIN",
    "MAX",
    "COALESCE",
    "EXPLAIN",
    "SHOW",
    "TABLES",
    "DESCRIBE",
]

HELP = """\
Type SQL ending with ; (it may span lines). Tab completes names.
  .tables [SOURCE]      list sources and their tables
  .schema SOURCE.TABLE  columns and types of a table
  .format FMT           table, csv, json, jsonl or markdown (now: {fmt})
  .explain on|off       print the plan before each result (now: {explain})
  .help                 this help
  .quit                 leave (or Ctrl-D)"""

_TOKEN = re.compile(r"[\w.`/:$-]*$")
_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _ident(name: str) -> str:
    return name if _PLAIN.match(name) else f"`{name}`"


def split_statements(text: str) -> list[str]:
    """Split on ``;`` outside quotes, backticks and ``--`` comments.

    >>> split_statements("SELECT 1; SELECT ';' AS x;  ")
    ['SELECT 1', "SELECT ';' AS x"]
    """
    out, buf, quote, i = [], [], None, 0
    while i < len(text):
        ch = text[i]
        if quote:
            buf.append(ch)
            if ch == quote:
                quote = None
        elif ch in "'\"`":
            quote = ch
            buf.append(ch)
        elif ch == "-" and text.startswith("--", i):
            end = text.find("\n", i)
            end = len(text) if end < 0 else end
            buf.append(text[i:end])
            i = end
            continue
        elif ch == ";":
            out.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
        i += 1
    out.append("".join(buf))
    return [s.strip() for s in out if s.strip() and not _only_comments(s)]


def _only_comments(s: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in s.splitlines())


class Catalog:
    """Names for completion, read once per source and cached."""

    def __init__(self, con: Any) -> None:
        self.con = con
        self._tables: dict[str, list[Any]] = {}
        self._sources: list[str] | None = None

    def sources(self) -> list[str]:
        if self._sources is None:
            self._sources = sorted(self.con.sources())
        return self._sources

    def tables(self, source: str) -> list[Any]:
        key = next((s for s in self.sources() if s.lower() == source.lower()), None)
        if key is None:
            return []
        if key not in self._tables:
            try:
                self._tables[key] = list(self.con.connector(key).tables())
            except Exception:  # noqa: BLE001 - completion must never break the prompt
                self._tables[key] = []
        return self._tables[key]

    def columns(self, text: str) -> list[str]:
        """Columns of the tables that ``text`` mentions (``source.table``)."""
        names: dict[str, None] = {}
        for source in self.sources():
            pattern = re.compile(rf"\b{re.escape(source)}\s*\.\s*(`[^`]+`|\w+)", re.IGNORECASE)
            for m in pattern.finditer(text):
                wanted = m.group(1).strip("`").lower()
                for t in self.tables(source):
                    if t.name.lower() == wanted or wanted in (a.lower() for a in t.aliases):
                        names.update((c.name, None) for c in t.columns)
        return list(names)


def completions(catalog: Catalog, text: str) -> Iterator[tuple[str, int, str]]:
    """``(insert, start_position, meta)`` for the word before the cursor in ``text``."""
    token = _TOKEN.search(text).group(0)
    start = -len(token)
    if text.lstrip().startswith(".") and " " not in text.strip():
        for cmd in (".tables", ".schema", ".format", ".explain", ".help", ".quit"):
            if cmd.startswith(token):
                yield cmd, start, "command"
        return
    if "." in token and not token.startswith("."):
        source, _, rest = token.partition(".")
        source = source.strip("`")
        prefix = rest.lstrip("`").lower()
        for t in catalog.tables(source):
            for name in (t.name, *t.aliases):
                if name.lower().startswith(prefix):
                    yield f"{source}.{_ident(name)}", start, "table"
        return
    low = token.lower().lstrip("`")
    for s in catalog.sources():
        if s.startswith(low):
            yield s, start, "source"
    for c in catalog.columns(text):
        if c.lower().startswith(low) and low:
            yield _ident(c), start, "column"
    if low:
        for k in KEYWORDS:
            if k.lower().startswith(low):
                yield k, start, "keyword"


def _completer(catalog: Catalog) -> Any:
    from prompt_toolkit.completion import Completer, Completion

    class SqlCompleter(Completer):
        def get_completions(self, document: Any, event: Any) -> Iterable[Any]:
            seen = set()
            for insert, start, meta in completions(catalog, document.text_before_cursor):
                if insert not in seen:
                    seen.add(insert)
                    yield Completion(insert, start_position=start, display_meta=meta)

    return SqlCompleter()


class Shell:
    """What the shell does with each input; separate from the prompt so tests can drive it."""

    def __init__(self, con: Any, fmt: str = "table", explain: bool = False) -> None:
        self.con = con
        self.fmt = fmt
        self.explain = explain
        self.catalog = Catalog(con)

    def handle(self, text: str) -> bool:
        """Run one input (SQL or a dot command); ``False`` means leave the shell."""
        from distillr.cli import error
        from distillr.errors import DistillrError

        text = text.strip()
        if not text:
            return True
        if text.startswith("."):
            return self.command(text)
        for statement in split_statements(text):
            try:
                self.run(statement)
            except DistillrError as exc:
                error(str(exc))
                break
        return True

    def run(self, sql: str) -> None:
        from distillr.cli.query import query_and_emit

        if self.explain:
            typer.echo(self.con.explain(sql).text)
        query_and_emit(self.con, sql, self.fmt, None, max_rows=1000)

    def command(self, text: str) -> bool:
        from distillr.cli import error

        cmd, _, arg = text.partition(" ")
        arg = arg.strip()
        if cmd in (".quit", ".exit", ".q"):
            return False
        if cmd == ".help":
            typer.echo(HELP.format(fmt=self.fmt, explain="on" if self.explain else "off"))
        elif cmd == ".tables":
            self._tables(arg or None)
        elif cmd == ".schema":
            self._schema(arg)
        elif cmd == ".format":
            allowed = [f.value for f in Format if f is not Format.parquet]
            if arg in allowed:
                self.fmt = arg
                typer.echo(f"Output format: {arg}")
            else:
                error(f".format takes one of {', '.join(allowed)} (now: {self.fmt})")
        elif cmd == ".explain":
            if arg in ("on", "off"):
                self.explain = arg == "on"
                typer.echo(f"Explain: {arg}")
            else:
                error(".explain takes on or off")
        else:
            error(f"unknown command {cmd}; type .help for the list")
        return True

    def _tables(self, source: str | None) -> None:
        from distillr import tree
        from distillr.cli import error
        from distillr.cli.common import console
        from distillr.cli.tree import draw
        from distillr.errors import DistillrError

        try:
            data = tree.build(self.con, source)
        except DistillrError as exc:
            error(str(exc))
            return
        if not data["sources"]:
            typer.echo("No data sources yet; add one with `distillr source add`.")
            return
        console().print(draw(data, source=source, table=None))

    def _schema(self, arg: str) -> None:
        from distillr import tree
        from distillr.cli import error
        from distillr.cli.common import console
        from distillr.cli.tree import draw
        from distillr.errors import DistillrError

        source, dot, table = arg.partition(".")
        if not dot or not table:
            error(".schema takes SOURCE.TABLE, e.g. .schema my_twilio.calls")
            return
        try:
            data = tree.build(self.con, source.strip("`"), table.strip().strip("`"))
        except DistillrError as exc:
            error(str(exc))
            return
        console().print(draw(data, source=source, table=table))


def _session(history: Path, catalog: Catalog) -> Any:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory
    from prompt_toolkit.key_binding import KeyBindings
    from prompt_toolkit.lexers import PygmentsLexer
    from pygments.lexers.sql import SqlLexer

    keys = KeyBindings()

    @keys.add("enter")
    def _enter(event: Any) -> None:
        buf = event.current_buffer
        text = buf.text.strip()
        done = (
            not text
            or text.endswith(";")
            or text.startswith(".")
            or text.lower() in ("exit", "quit")
        )
        if done and buf.document.is_cursor_at_the_end:
            buf.validate_and_handle()
        else:
            buf.insert_text("\n")

    from distillr.home import private_file

    private_file(history)  # it holds the SQL typed, phone numbers included
    return PromptSession(
        history=FileHistory(str(history)),
        multiline=True,
        key_bindings=keys,
        completer=_completer(catalog),
        complete_while_typing=False,
        lexer=PygmentsLexer(SqlLexer),
        prompt_continuation=lambda width, line, soft: "...> ".rjust(width),
    )


def shell(
    fmt: Format = typer.Option(Format.table, "--format", help="Output format."),
    explain: bool = typer.Option(False, "--explain", help="Print the plan before each result."),
) -> None:
    """Open an interactive SQL shell over your data sources."""
    if fmt is Format.parquet:
        from distillr.cli.common import usage

        raise usage("the shell prints to the terminal; choose another format", "--format")
    import sys

    from distillr.cli.common import connect, registry

    con = connect()
    sh = Shell(con, fmt.value, explain)
    if not sys.stdin.isatty():  # piped input: run it as a script, no prompt
        failed = False
        for statement in split_statements(sys.stdin.read()):
            failed |= not _run_quietly(sh, statement)
        raise typer.Exit(1 if failed else 0)
    prompt = _session(registry().home / "shell_history", sh.catalog)
    typer.echo("distillr shell: SQL ends with ;  .help for commands  .quit or Ctrl-D to leave")
    while True:
        try:
            text = prompt.prompt("distillr> ")
        except KeyboardInterrupt:
            continue  # Ctrl-C clears the line
        except EOFError:
            break
        if text.strip().lower() in ("exit", "quit"):
            break
        try:
            if not sh.handle(text):
                break
        except KeyboardInterrupt:
            typer.echo("Cancelled.", err=True)


def _run_quietly(sh: Shell, statement: str) -> bool:
    """Run one piped statement or dot command; ``False`` if it failed."""
    from distillr.cli import error
    from distillr.errors import DistillrError

    try:
        if statement.startswith("."):
            return sh.command(statement) or True
        sh.run(statement)
        return True
    except DistillrError as exc:
        error(str(exc))
        return False


def register(app: typer.Typer) -> None:
    app.command("shell")(shell)
