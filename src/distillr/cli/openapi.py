"""``distillr source add rest NAME --openapi SPEC``: a Custom API source from an OpenAPI spec.

The import's own flags (``--include``, ``--exclude``, ``--dry-run``, ``--param``,
``--paginator``) beside the usual ones (``--base-url``, ``--option``, ``--secret-env``,
``--no-verify``). It prints the import report (tables, parameters, paginators, what was
skipped and why); ``--dry-run`` stops there and saves nothing. :func:`add_from_spec` parses
the arguments after ``source add TYPE`` itself, so ``source add`` only hands them over.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import typer

from distillr.cli.common import key_values, prompt_secret, read_secret, registry, usage

__all__ = ["add_from_spec", "wants_openapi"]

_cmd = typer.Typer(add_completion=False)


def wants_openapi(args: Sequence[str]) -> bool:
    """Whether ``source add`` was given ``--openapi`` (then :func:`add_from_spec` runs it)."""
    return any(a == "--openapi" or a.startswith("--openapi=") for a in args)


def _paginators(values: list[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for table, spec in key_values(values, "a paginator", "--paginator").items():
        text = spec.strip()
        if text.startswith("{"):
            try:
                out[table] = json.loads(text)
            except json.JSONDecodeError as exc:
                raise usage(f"the paginator of {table} is not valid JSON: {exc.msg}") from None
        else:
            out[table] = text
    return out


@_cmd.command()
def _add(
    name: str = typer.Argument(..., metavar="NAME", help="Data source name."),
    openapi: str = typer.Option(
        ..., "--openapi", metavar="SPEC", help="The API's OpenAPI or Swagger spec: a file or URL."
    ),
    include: list[str] | None = typer.Option(
        None, "--include", metavar="GLOB|TAG", help="Only these operations (path glob or tag)."
    ),
    exclude: list[str] | None = typer.Option(
        None, "--exclude", metavar="GLOB|TAG", help="Leave these operations out."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the tables; save nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    base_url: str | None = typer.Option(
        None, "--base-url", metavar="URL", help="Send requests here, not to the spec's servers."
    ),
    param: list[str] | None = typer.Option(
        None,
        "--param",
        metavar="NAME=VALUE",
        help="A parameter's value for every table (e.g. AccountSid=AC...).",
    ),
    option: list[str] | None = typer.Option(
        None, "--option", "-o", metavar="KEY=VALUE", help="An auth option (e.g. username=...)."
    ),
    secret_env: list[str] | None = typer.Option(
        None, "--secret-env", metavar="KEY=VAR", help="A secret (e.g. password), from a variable."
    ),
    paginator: list[str] | None = typer.Option(
        None,
        "--paginator",
        metavar="TABLE=SPEC",
        help='Override a table\'s paginator: a name or JSON ({"type": "offset", ...}).',
    ),
    no_verify: bool = typer.Option(False, "--no-verify", help="Save without a test request."),
) -> None:
    """Save a Custom API source made from an OpenAPI spec (or print its tables)."""
    from distillr.connectors.rest import RestConnector
    from distillr.connectors.rest.openapi import OpenApiError, import_openapi, load_spec
    from distillr.registry import check_name

    check_name(name)
    spec = load_spec(openapi)
    try:
        made = import_openapi(
            spec,
            base_url=base_url,
            include=include or (),
            exclude=exclude or (),
            params=key_values(param, "a parameter", "--param"),
            options=key_values(option, "an option", "--option"),
            paginators=_paginators(paginator),
        )
    except OpenApiError as exc:
        if exc.report is not None:
            typer.echo(exc.report.text(), err=True)
        raise
    report = made.report
    typer.echo(json.dumps(report.to_dict(), indent=2) if as_json else report.text())
    if dry_run:
        typer.echo("Dry run: nothing was saved.", err=True)
        return
    definition = made.source_def()
    secrets = {
        key: read_secret(key, env=var, stdin=False, option="--secret-env") or ""
        for key, var in key_values(secret_env, "a secret", "--secret-env").items()
    }
    for key in definition.secret_names():
        if not secrets.get(key):
            secrets[key] = prompt_secret(key, f"--secret-env {key}=VAR")
    info = registry().add(
        RestConnector.type, name, definition.to_dict(), secrets, verify=not no_verify
    )
    checked = "saved without testing" if no_verify else "settings work"
    typer.echo(
        f"Saved data source '{info.name}' ({info.type}, {len(definition.endpoints)} tables;"
        f" {checked})."
    )
    typer.echo(f"Next: distillr tree {info.name}   or   distillr source export {info.name}")


def add_from_spec(type_: str, args: Sequence[str]) -> None:
    """Run ``source add TYPE NAME --openapi SPEC ...`` (``args``: what follows TYPE)."""
    from distillr.connectors.rest import RestConnector

    if type_ != RestConnector.type:
        raise usage(
            f"--openapi makes a Custom API source: write `distillr source add"
            f" {RestConnector.type} NAME --openapi SPEC`",
            "TYPE",
        )
    command = typer.main.get_command(_cmd)
    command(
        args=list(args),
        prog_name=f"distillr source add {type_}",
        standalone_mode=False,
    )
