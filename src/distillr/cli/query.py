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


def query_and_emit(
    con: Any,
    text: str,
    fmt: str = "table",
    output: Path | None = None,
    *,
    max_rows: int | None = 1000,
    timeout: float | None = None,
    pushdown: bool = True,
    probes: bool = True,
    fit: bool | None = None,
) -> int:
    """Run ``text`` and write its result in ``fmt`` as the batches arrive; returns the rows.

    Every format but the terminal table streams: it holds a batch at a time, whatever the row
    count. A ``table`` on a terminal (or with ``fit=True``) is fitted to its width and holds at
    most ``max_rows`` rows. The stats line goes to stderr. A progress line shows on a terminal;
    Ctrl-C asks the engine to cancel (``Result.cancel()``) instead of raising
    ``KeyboardInterrupt`` inside it, and a second Ctrl-C stops at once.
    """
    import signal
    import threading

    from distillr.cli import startup
    from distillr.cli.progress import ProgressLine
    from distillr.errors import DistillrError, QueryCancelled

    cancelled = threading.Event()
    main = threading.current_thread() is threading.main_thread()
    out = _Output(fmt, output, max_rows=max_rows, fit=fit)
    running: list[Any] = []  # the result, once planned

    def on_sigint(signum: int, frame: Any) -> None:
        if cancelled.is_set():
            raise KeyboardInterrupt
        cancelled.set()
        for result in running:
            result.cancel()

    # installed before planning, so that a Ctrl-C there cancels cleanly too
    previous = signal.signal(signal.SIGINT, on_sigint) if main else None
    try:
        with ProgressLine() as progress:
            result = con.sql(
                text, pushdown=pushdown, timeout=timeout, progress=progress.update, probes=probes
            )
            running.append(result)
            startup.resume()  # planned: the engine and the connector are loaded
            if cancelled.is_set():
                result.cancel()
            rows = out.write(result, progress.stop)
    except KeyboardInterrupt:
        raise QueryCancelled(out.cancelled()) from None
    except DistillrError as exc:
        if cancelled.is_set():
            raise QueryCancelled(out.cancelled()) from None
        exc.message = exc.message + out.incomplete()
        raise
    finally:
        if main:
            signal.signal(signal.SIGINT, previous)
    out.summary(getattr(result, "stats", None), rows)
    return rows


class _Output:
    """Where and how one query's result is written."""

    def __init__(
        self, fmt: str, output: Path | None, *, max_rows: int | None, fit: bool | None
    ) -> None:
        self.fmt = fmt
        self.output = output
        self.max_rows = max_rows
        self.printed = 0  # rows written to stdout so far
        self.terminal = False
        if fmt == "table" and output is None:
            self.terminal = sys.stdout.isatty() if fit is None else fit

    def write(self, result: Any, stop_progress: Any) -> int:
        from distillr.cli import writers

        if self.terminal:
            return self._terminal_table(result, stop_progress)
        binary = self.fmt in writers.BINARY
        if self.output is not None:
            with writers.atomic_output(self.output, binary) as fh:
                return writers.write_batches(result.batches(), lambda: result.schema, self.fmt, fh)
        # on a terminal, the progress line would mix with the rows
        before_first = stop_progress if sys.stdout.isatty() else None
        sys.stdout.flush()
        fh = sys.stdout.buffer if binary else sys.stdout

        def written(rows: int) -> None:
            self.printed = rows

        try:
            return writers.write_batches(
                result.batches(),
                lambda: result.schema,
                self.fmt,
                fh,
                before_first=before_first,
                written=written,
            )
        finally:
            fh.flush()

    def _terminal_table(self, result: Any, stop_progress: Any) -> int:
        """The first ``max_rows`` rows, fitted to the terminal; the rest are only counted."""
        import pyarrow as pa

        from distillr.cli import render
        from distillr.cli.common import console

        head: list[pa.RecordBatch] = []
        held = rows = 0
        for batch in result.batches():
            rows += batch.num_rows
            if self.max_rows is None or held < self.max_rows:
                keep = batch if self.max_rows is None else batch.slice(0, self.max_rows - held)
                head.append(keep)
                held += keep.num_rows
        stop_progress()
        table = pa.Table.from_batches(head, schema=None if head else result.schema)
        render.terminal_table(table, console(), max_rows=self.max_rows, total=rows)
        return rows

    def summary(self, stats: Any, rows: int) -> None:
        """The stats line, on stderr."""
        line = stats_line(stats)
        if self.output is not None:
            text = f"Wrote {rows:,} row{'' if rows == 1 else 's'} to {self.output}"
        elif self.terminal:
            text = ""  # the table's footer has just given the row count
        else:
            text = f"{rows:,} row{'' if rows == 1 else 's'}"
        text = " · ".join(part for part in (text, line) if part)
        if self.terminal:
            from rich.text import Text

            from distillr.cli.common import console

            console(stderr=True).print(Text(text, style="dim"))
        else:
            typer.echo(text, err=True)

    def cancelled(self) -> str:
        if self.output is not None:
            return f"Query cancelled (Ctrl-C); nothing was written to {self.output}."
        if self.printed:
            return (
                f"Query cancelled (Ctrl-C) after {self.printed:,} rows: the output is incomplete."
            )
        return "Query cancelled (Ctrl-C); nothing was printed."

    def incomplete(self) -> str:
        """What to add to an error that stopped the output part way."""
        if self.output is None and self.printed:
            return f" (The output stops after {self.printed:,} rows: it is incomplete.)"
        return ""


def _ago(seconds: float) -> str:
    for unit, length in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= length:
            return f"{int(seconds // length)} {unit}"
    return f"{int(seconds)} s"


def stats_line(stats: Any) -> str | None:
    """``requests · pages · rows read · seconds`` of a finished query."""
    if stats is None:
        return None
    parts = []
    for attr, word in (("requests", "request"), ("pages", "page")):
        value = getattr(stats, attr, None)
        if value is not None:
            parts.append(f"{value:,} {word}{'' if value == 1 else 's'}")
    read = getattr(stats, "rows", None)
    if read is not None:
        parts.append(f"{read:,} row{'' if read == 1 else 's'} read")
    cached, age = getattr(stats, "cached", 0), getattr(stats, "cache_age", None)
    if cached and age is not None:
        parts.append(f"{cached:,} from the cache (oldest {_ago(age)} old)")
    elapsed = getattr(stats, "elapsed", None)
    if elapsed is not None:
        parts.append(f"{elapsed:.2f} s")
    return " · ".join(parts) or None


def _timeout(value: float | None) -> float | None:
    from distillr.errors import UsageError
    from distillr.sql.caps import check_timeout

    try:
        return check_timeout(value, "the timeout")
    except UsageError as exc:
        raise usage(str(exc)) from None


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
        None,
        "--timeout",
        metavar="SECONDS",
        callback=_timeout,
        help="Cancel the query after this long (at most a week).",
    ),
    max_rows: int = typer.Option(
        1000, "--max-rows", metavar="N", min=0, help="Rows to show in a terminal table."
    ),
    no_pushdown: bool = typer.Option(
        False, "--no-pushdown", help="Fetch everything and filter locally (for checking)."
    ),
    no_probes: bool = typer.Option(
        False,
        "--no-probes",
        help="Plan without probe requests (splits may be less even; EXPLAIN sends nothing).",
    ),
    no_cache: bool = typer.Option(
        False, "--no-cache", help="Skip the response cache: every page comes from the API."
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

    con = connect(cache=not no_cache)
    if explain and engine is Engine.spark:
        from distillr.spark import explain as spark_explain

        typer.echo(spark_explain(text, home=con.home, pushdown=not no_pushdown))
        return
    if explain:
        typer.echo(con.explain(text, pushdown=not no_pushdown, probes=not no_probes).text)
        return
    if engine is Engine.spark:
        _on_spark(text, con, fmt.value, output, max_rows=max_rows, pushdown=not no_pushdown)
        return
    query_and_emit(
        con,
        text,
        fmt.value,
        output,
        max_rows=max_rows,
        timeout=timeout,
        pushdown=not no_pushdown,
        probes=not no_probes,
    )


def _on_spark(text: str, con: Any, fmt: str, output: Path | None, **options: Any) -> None:
    """Run ``text`` on Apache Spark and write its result as ``query`` writes any other."""
    from distillr.spark import query_arrow
    from distillr.sql.result import Result

    table = query_arrow(text, home=con.home, pushdown=options.pop("pushdown"))
    out = _Output(fmt, output, max_rows=options.pop("max_rows"), fit=None)
    rows = out.write(Result(table=table), lambda: None)
    out.summary(None, rows)


def register(app: typer.Typer) -> None:
    app.command("query")(query)
