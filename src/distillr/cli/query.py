"""``distillr query``: run one SQL statement and print or save its result."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from distillr.cli.common import usage


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    jsonl = "jsonl"
    parquet = "parquet"
    markdown = "markdown"


class Engine(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


def read_sql(sql: str | None, file: Path | None) -> str:
    """The statement from the argument, ``--file`` or stdin (exactly one of them)."""
    if sql is not None and file is not None:
        raise usage("give the SQL either as an argument or with --file, not both")
    if file is not None:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise usage(f"cannot read {file}: {reason}", "--file") from None
    elif sql is not None:
        text = sql
    elif not sys.stdin.isatty():
        text = sys.stdin.read()
    else:
        raise usage(
            'no SQL given. Try: distillr query "SELECT * FROM my_twilio.calls LIMIT 10"'
            " (or --file query.sql, or pipe it in)"
        )
    if not text.strip():
        raise usage("the SQL is empty")
    return text


def run_query(con: Any, text: str, *, timeout: float | None = None, pushdown: bool = True) -> Any:
    """Run ``text`` with a progress line on a terminal; Ctrl-C cancels it cleanly.

    Returns ``(arrow_table, stats)``; raises ``QueryCancelled`` on Ctrl-C. While rows are
    read, Ctrl-C asks the engine to cancel (``Result.cancel()``) instead of raising
    ``KeyboardInterrupt`` inside it; a second Ctrl-C stops at once.
    """
    import signal
    import threading

    from distillr.cli import startup
    from distillr.cli.progress import ProgressLine
    from distillr.errors import DistillrError, QueryCancelled

    cancelled = threading.Event()
    message = "Query cancelled (Ctrl-C); nothing was printed."
    main = threading.current_thread() is threading.main_thread()
    try:
        with ProgressLine() as progress:
            result = con.sql(text, pushdown=pushdown, timeout=timeout, progress=progress.update)
            startup.resume()  # planned: the engine and the connector are loaded

            def on_sigint(signum: int, frame: Any) -> None:
                if cancelled.is_set():
                    raise KeyboardInterrupt
                cancelled.set()
                result.cancel()

            previous = signal.signal(signal.SIGINT, on_sigint) if main else None
            try:
                table = result.arrow()
            finally:
                if main:
                    signal.signal(signal.SIGINT, previous)
    except KeyboardInterrupt:
        raise QueryCancelled(message) from None
    except DistillrError:
        if cancelled.is_set():
            raise QueryCancelled(message) from None
        raise
    return table, getattr(result, "stats", None)


def stats_line(stats: Any) -> str | None:
    if stats is None:
        return None
    parts = []
    for attr, word in (("requests", "request"), ("pages", "page")):
        value = getattr(stats, attr, None)
        if value is not None:
            parts.append(f"{value:,} {word}{'' if value == 1 else 's'}")
    elapsed = getattr(stats, "elapsed", None)
    if elapsed is not None:
        parts.append(f"{elapsed:.2f} s")
    return " · ".join(parts) or None


def emit(
    table: Any,
    fmt: str,
    output: Path | None,
    *,
    max_rows: int | None,
    stats: Any,
    fit: bool | None = None,
) -> None:
    """Print or save ``table`` in ``fmt``. A ``table`` printed to a terminal is fitted to its
    width and cut at ``max_rows``; ``fit=True`` does so even when stdout is not a terminal."""
    from distillr.cli import render
    from distillr.cli.common import console

    if output is not None:
        binary = fmt in ("parquet", "csv")
        with render.atomic_output(output, binary) as fh:
            if fmt == "table":
                from rich.console import Console

                render.terminal_table(
                    table, Console(file=fh, width=10_000, color_system=None), fit=False
                )
            else:
                render.write(table, fmt, fh)
        typer.echo(f"Wrote {table.num_rows:,} rows to {output}", err=True)
        return
    if fmt == "table":
        con = console()
        tty = con.is_terminal if fit is None else fit
        if not tty:
            from rich.console import Console

            con = Console(width=10_000, color_system=None, highlight=False)
        render.terminal_table(
            table, con, max_rows=max_rows if tty else None, fit=tty, footer=stats_line(stats)
        )
        return
    if fmt in ("parquet", "csv"):
        sys.stdout.flush()
        render.write(table, fmt, sys.stdout.buffer)
        sys.stdout.buffer.flush()
    else:
        render.write(table, fmt, sys.stdout)
        sys.stdout.flush()


def query(
    sql: str | None = typer.Argument(None, metavar="SQL", help="The statement to run."),
    file: Path | None = typer.Option(
        None, "--file", "-f", metavar="FILE", help="Read the statement from a file."
    ),
    fmt: Format = typer.Option(Format.table, "--format", help="Output format."),
    output: Path | None = typer.Option(
        None, "--output", "-o", metavar="FILE", help="Write the result to a file."
    ),
    explain: bool = typer.Option(
        False, "--explain", help="Show the plan: what goes to the API, what runs locally."
    ),
    timeout: float | None = typer.Option(
        None, "--timeout", metavar="SECONDS", help="Cancel the query after this long."
    ),
    max_rows: int = typer.Option(
        1000, "--max-rows", metavar="N", help="Rows to show in a terminal table."
    ),
    no_pushdown: bool = typer.Option(
        False, "--no-pushdown", help="Fetch everything and filter locally (for checking)."
    ),
    engine: Engine = typer.Option(
        Engine.duckdb,
        "--engine",
        help="Run on DuckDB here, or on Apache Spark (needs distillr[spark] and Java).",
    ),
) -> None:
    """Run a SQL query (Apache Drill syntax) over your data sources.

    Example: distillr query "SELECT * FROM my_twilio.calls LIMIT 10"
    """
    text = read_sql(sql, file)
    if fmt is Format.parquet and output is None and sys.stdout.isatty():
        raise usage("Parquet is binary: add --output FILE (or pipe the output)", "--format")
    from distillr.cli.common import connect

    con = connect()
    if explain:
        typer.echo(con.explain(text).text)
        return
    if engine is Engine.spark:
        from distillr.spark import query_arrow

        table = query_arrow(text, home=con.home, pushdown=not no_pushdown)
        emit(table, fmt.value, output, max_rows=max_rows, stats=None)
        return
    table, stats = run_query(con, text, timeout=timeout, pushdown=not no_pushdown)
    emit(table, fmt.value, output, max_rows=max_rows, stats=stats)


def register(app: typer.Typer) -> None:
    app.command("query")(query)
