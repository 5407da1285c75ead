"""``distillr tree [SOURCE [TABLE]]``: the nav tree of sources, tables and columns."""

from __future__ import annotations

import json
from typing import Any

import typer

from distillr.cli.common import console


def _first_sentence(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    end = text.find(". ")
    if 0 < end < limit:
        return text[: end + 1]
    return text if len(text) <= limit else text[: limit - 1] + "…"


def draw(data: dict[str, Any], *, source: str | None, table: str | None) -> Any:
    from rich.markup import escape
    from rich.tree import Tree

    root = Tree(
        "[bold]data sources[/]" if source is None else f"[bold]{escape(source)}[/]",
        guide_style="dim",
    )
    for src in data["sources"]:
        node = (
            root
            if source is not None
            else root.add(f"[bold]{escape(src['name'])}[/] [dim]({escape(src['type'] or '?')})[/]")
        )
        if src["error"]:
            node.add(f"[red]{escape(src['error'])}[/]")
            continue
        for t in src["tables"]:
            label = f"[cyan]{escape(t['name'])}[/]"
            paths = [a for a in t["aliases"] if a.startswith("/")]
            if paths:
                label += f" [dim]{escape(paths[0])}[/]"
            if t["parameters"]:
                label += f" [yellow]needs {escape(', '.join(t['parameters']))}[/]"
            if t["description"]:
                label += f"  [dim]{escape(_first_sentence(t['description']))}[/]"
            tnode = node.add(label)
            if table is None:
                continue
            for c in t["columns"]:
                kind = (
                    " [yellow](parameter)[/]"
                    if c["name"] in t["parameters"]
                    else (" [dim](virtual)[/]" if c["virtual"] else "")
                )
                desc = (
                    f"  [dim]{escape(_first_sentence(c['description'], 70))}[/]"
                    if (c["description"])
                    else ""
                )
                tnode.add(f"{escape(c['name'])} [green]{escape(c['type'])}[/]{kind}{desc}")
    return root


def tree(
    source: str | None = typer.Argument(None, metavar="[SOURCE]", help="Show only this source."),
    table: str | None = typer.Argument(None, metavar="[TABLE]", help="Show this table's columns."),
    as_json: bool = typer.Option(False, "--json", help="Print the tree as JSON for tools."),
) -> None:
    """Browse sources, their tables (with required parameters) and columns with types."""
    from distillr import tree as tree_data
    from distillr.cli.common import connect

    con = connect()  # the registry's sources and the saved tables
    try:
        data = tree_data.build(con, source, table)
    finally:
        con.close()
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    if not data["sources"]:
        from distillr.registry.types import available_types

        typer.echo(
            f"No data sources yet. Add one with `distillr source add TYPE NAME` (types:"
            f" {', '.join(available_types())}; `distillr source add TYPE --help` lists each"
            " one's settings), or try `distillr demo`."
        )
        return
    console().print(draw(data, source=source, table=table))
    if table is not None and source is not None:
        t = data["sources"][0]["tables"][0]
        where = " AND ".join(f"`{p}` = '...'" for p in t["parameters"])
        paths = [a for a in t["aliases"] if a.startswith("/")]
        name = paths[0] if t["parameters"] and paths else t["name"]
        sql = f"SELECT * FROM {source}.`{name}`" + (f" WHERE {where}" if where else "")
        typer.echo(f'\nTry: distillr query "{sql} LIMIT 10"')


def register(app: typer.Typer) -> None:
    app.command("tree")(tree)
