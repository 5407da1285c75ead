"""``distillr save``, ``distillr refresh`` and ``distillr saved``: tables kept as Parquet
under ``DISTILLR_HOME/saved`` and queried as ``saved.NAME``."""

from __future__ import annotations

import json

import typer

from distillr.cli.common import connect, console, usage

saved_app = typer.Typer(help="List, show and drop saved tables.", no_args_is_help=False)

_JSON = typer.Option(False, "--json", help="Print JSON for tools.")


def _name(value: str) -> str:
    from distillr.errors import ConfigError
    from distillr.saved.store import check_saved_name

    name = value.removeprefix("saved.")
    try:
        return check_saved_name(name)
    except ConfigError as exc:
        raise usage(str(exc), "NAME") from None


def _done(verb: str, info) -> None:
    from distillr.saved.connector import size

    typer.echo(
        f"{verb} saved.{info.name}: {info.rows:,} rows, {size(info.bytes)}, in"
        f" {info.seconds:.2f} s. Query it with: SELECT * FROM saved.{info.name}"
    )


def save(
    name: str = typer.Argument(..., metavar="NAME", help="Table name (queried as saved.NAME)."),
    sql: str = typer.Argument(..., metavar="SQL", help="The SELECT query whose result to keep."),
    replace: bool = typer.Option(False, "--replace", help="Replace a saved table of that name."),
    incremental: str | None = typer.Option(
        None,
        "--incremental",
        metavar="COLUMN",
        help="On refresh, fetch only rows whose COLUMN is at least the saved maximum.",
    ),
    key: str | None = typer.Option(
        None,
        "--key",
        metavar="COLUMN",
        help="With --incremental: new rows replace rows of this key.",
    ),
    no_pushdown: bool = typer.Option(False, "--no-pushdown", help="Filter locally only."),
) -> None:
    """Run a query and keep its result as the table saved.NAME."""
    if (incremental is None) != (key is None):
        raise usage("--incremental COLUMN and --key COLUMN go together", "--key")
    con = connect()
    try:
        info = con.save(
            _name(name),
            sql,
            replace=replace,
            incremental=incremental,
            key=key,
            pushdown=not no_pushdown,
        )
    finally:
        con.close()
    _done("Saved", info)


def refresh(
    name: str = typer.Argument(..., metavar="NAME", help="The saved table."),
    full: bool = typer.Option(False, "--full", help="Run the whole query, even if incremental."),
) -> None:
    """Run a saved table's query again; the old table stays whole if this fails."""
    con = connect()
    try:
        info = con.refresh(_name(name), full=full)
    finally:
        con.close()
    _done("Refreshed", info)


@saved_app.callback(invoke_without_command=True)
def saved_root(ctx: typer.Context, as_json: bool = _JSON) -> None:
    """List saved tables (with rows, size, age and SQL)."""
    if ctx.invoked_subcommand is None:
        list_(as_json)


@saved_app.command("list")
def list_(as_json: bool = _JSON) -> None:
    """List saved tables (with rows, size, age and SQL)."""
    from distillr.cli import state
    from distillr.registry import default_home
    from distillr.saved.connector import age, size
    from distillr.saved.store import SavedStore

    infos = SavedStore(state.home or default_home()).list()
    if as_json:
        typer.echo(json.dumps([i.to_dict() for i in infos], indent=2))
        return
    if not infos:
        typer.echo('No saved tables yet. Save one with: distillr save NAME "SELECT ..."')
        return
    from rich.table import Table

    table = Table("name", "rows", "size", "age", "sql", box=None, header_style="bold")
    for i in infos:
        table.add_row(
            f"saved.{i.name}", f"{i.rows:,}", size(i.bytes), age(i.ran), " ".join(i.sql.split())
        )
    console().print(table)


@saved_app.command("drop")
def drop(name: str = typer.Argument(..., metavar="NAME", help="The saved table.")) -> None:
    """Remove a saved table and its data."""
    con = connect()
    try:
        con.sql(f"DROP TABLE saved.{_name(name)}")
    finally:
        con.close()
    typer.echo(f"Dropped saved.{_name(name)}.")


def register(app: typer.Typer) -> None:
    app.command("save")(save)
    app.command("refresh")(refresh)
    app.add_typer(saved_app, name="saved")
