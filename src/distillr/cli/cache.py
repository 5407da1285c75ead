"""``distillr cache``: turn the response cache on or off per source, see and clear it."""

from __future__ import annotations

import json

import typer

from distillr.cli.common import console, registry, usage

cache_app = typer.Typer(
    help="The response cache: on/off per source (ttl, off), stats and clear.",
    no_args_is_help=True,
)


def _cache():
    from distillr.cli import state
    from distillr.connectors.cache import ResponseCache
    from distillr.registry import default_home

    return ResponseCache(state.home or default_home())


@cache_app.command("ttl")
def ttl(
    source: str = typer.Argument(..., metavar="SOURCE", help="Data source name."),
    duration: str = typer.Argument(..., metavar="TTL", help="How long a page stays, e.g. 15m."),
) -> None:
    """Cache SOURCE's pages for TTL (15m, 1h, 2d, 30s)."""
    from distillr.connectors.cache import parse_ttl, show_ttl
    from distillr.errors import ConfigError

    registry().get(source)
    try:
        seconds = parse_ttl(duration)
    except ConfigError as exc:
        raise usage(str(exc), "TTL") from None
    _cache().set_ttl(source, seconds)
    typer.echo(f"Pages of '{source}' are cached for {show_ttl(seconds)}.")


@cache_app.command("off")
def off(source: str = typer.Argument(..., metavar="SOURCE", help="Data source name.")) -> None:
    """Stop caching SOURCE (and forget its pages)."""
    cache = _cache()
    cache.set_ttl(source, None)
    n = cache.clear(source)
    typer.echo(f"The cache is off for '{source}'; {n:,} pages removed.")


@cache_app.command("stats")
def stats(
    source: str | None = typer.Argument(None, metavar="[SOURCE]", help="One source only."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for tools."),
) -> None:
    """Pages, size and age of the oldest page, per source, with each source's ttl."""
    from distillr.connectors.cache import show_ttl
    from distillr.saved.connector import size

    cache = _cache()
    per = cache.stats(source)
    ttls = cache.ttls()
    names = sorted(set(per) | ({source} if source else set(ttls)))
    if as_json:
        out = {n: {**per.get(n, {"pages": 0, "bytes": 0}), "ttl": ttls.get(n)} for n in names}
        typer.echo(json.dumps(out, indent=2))
        return
    if not names:
        typer.echo("The cache is empty, and off for every source (turn it on: cache ttl SRC 15m).")
        return
    from rich.table import Table

    table = Table("source", "ttl", "pages", "size", "oldest", box=None, header_style="bold")
    for n in names:
        s = per.get(n, {})
        table.add_row(
            n,
            show_ttl(ttls[n]) if n in ttls else "off",
            f"{s.get('pages', 0):,}",
            size(s.get("bytes") or 0),
            f"{s['oldest_seconds']:.0f} s" if s else "-",
        )
    console().print(table)


@cache_app.command("clear")
def clear(
    source: str | None = typer.Argument(None, metavar="[SOURCE]", help="One source only."),
) -> None:
    """Forget cached pages (of SOURCE, or all); the ttls stay."""
    n = _cache().clear(source)
    typer.echo(f"Removed {n:,} cached pages.")


def register(app: typer.Typer) -> None:
    app.add_typer(cache_app, name="cache")
