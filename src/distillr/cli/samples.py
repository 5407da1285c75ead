"""``distillr samples SOURCE``: ready-to-run sample queries for a source's type."""

from __future__ import annotations

import json

import typer

from distillr.cli.common import registry


def samples(
    source: str = typer.Argument(..., metavar="SOURCE", help="Data source name."),
    offline: bool = typer.Option(
        False,
        "--offline",
        help="Do not look up example values in the source; print placeholders instead.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for tools."),
) -> None:
    """Print sample queries for a source, with example values taken from its data."""
    from distillr import samples as sample_queries

    reg = registry()
    reg.get(source)  # a clear error for an unknown source, before any query
    examples = {}
    if not offline:
        from distillr.cli.common import connect

        examples = sample_queries.find_examples(connect(), source)
    found = sample_queries.for_source(reg, source, examples)
    if as_json:
        typer.echo(json.dumps([s.to_dict() for s in found], indent=2))
        return
    for s in found:
        typer.echo(f"-- {s.title}" + (f"\n-- {s.note}" if s.note else ""))
        typer.echo(s.sql + ";\n")
    typer.echo('-- Run one with: distillr query "...", or paste it into `distillr shell`.')


def register(app: typer.Typer) -> None:
    app.command("samples")(samples)
