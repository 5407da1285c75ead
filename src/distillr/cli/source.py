"""``distillr source ...``: add, list, show, test, rename, update, edit, export, refresh and
remove data sources.

``add TYPE`` and ``update NAME`` take the flags of the type's settings (``cli/source_flags.py``);
``add`` also takes the types' templates (``jira``). Secrets are read from an environment
variable, stdin or a hidden prompt, never from the command line (which lands in shell history
and ``ps``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import typer

from distillr.cli.common import console, registry, usage
from distillr.cli.source_flags import build_command, collect, file_options, run_command
from distillr.connectors.settings import SettingError, Settings
from distillr.errors import ConfigError, DistillrError, did_you_mean

source_app = typer.Typer(
    help="Add, list, test, change and remove named data sources.", no_args_is_help=True
)

NAME_HELP = "Data source name: lowercase letters, digits and underscores (used in queries)."

_JSON = typer.Option(False, "--json", help="Print JSON for tools.")
_PASS_ON = {"allow_extra_args": True, "ignore_unknown_options": True}


def _name(value: str, param: str = "NAME") -> str:
    from distillr.registry import check_name

    try:
        return check_name(value)
    except ConfigError as exc:
        raise usage(str(exc), param) from None


def _summary(info: Any) -> str:
    parts = [f"{k}={_short(v)}" for k, v in sorted(info.options.items())]
    parts += [f"{k}={v}" for k, v in sorted(info.secrets.items())]
    return ", ".join(parts)


def _short(value: Any) -> str:
    if isinstance(value, list):
        return f"[{len(value)} items]"
    if isinstance(value, dict):
        text = json.dumps(value, separators=(",", ":"))
        return text if len(text) <= 60 else text[:57] + "..."
    return str(value)


def _kinds() -> dict[str, tuple[str, str | None]]:
    """Every name ``source add`` takes: each type, and each type's templates
    (``jira`` -> ``("rest", "jira")``)."""
    from distillr.registry.types import available_types, connector_class

    out: dict[str, tuple[str, str | None]] = {}
    for type_name in available_types():
        out[type_name] = (type_name, None)
    for type_name in available_types():
        try:
            found = connector_class(type_name).templates()
        except DistillrError:
            continue
        for template in found:
            out.setdefault(template, (type_name, template))
    return out


def _types_help() -> str:
    from distillr.registry.types import connector_class

    lines = []
    for kind, (type_name, template) in _kinds().items():
        try:
            cls = connector_class(type_name)
        except DistillrError:
            continue
        text = cls.templates()[template].title if template else cls.label or type_name
        lines.append(f"  {kind:<10} {text}")
    return "Types:\n" + "\n".join(lines)


@source_app.command("add", context_settings=_PASS_ON, add_help_option=False)
def add(
    ctx: typer.Context,
    type_: str | None = typer.Argument(
        None, metavar="TYPE", help="Source type or template, e.g. twilio, rest, jira."
    ),
) -> None:
    """Save a data source; its settings are tested with a request or two first.

    `distillr source add TYPE --help` lists the flags of TYPE. `distillr source add rest NAME
    --openapi SPEC` makes a Custom API source from an OpenAPI spec (with --include, --exclude,
    --param, --paginator, --dry-run; see docs/openapi.md)."""
    from distillr.cli import openapi
    from distillr.registry.types import connector_class

    if type_ is None or type_ in ("--help", "-h"):
        typer.echo(ctx.get_help() + "\n\n" + _types_help())
        raise typer.Exit(0 if type_ else 2)
    if openapi.wants_openapi(ctx.args):
        openapi.add_from_spec(type_, list(ctx.args))
        return
    kinds = _kinds()
    if type_ not in kinds:
        known = ", ".join(kinds) or "none installed"
        raise usage(
            f"unknown source type '{type_}'.{did_you_mean(type_, kinds)} Types: {known}", "TYPE"
        )
    type_name, template = kinds[type_]
    cls = connector_class(type_name)
    if template is not None:
        _add_template(cls, template, list(ctx.args), type_)
        return
    settings = cls.settings or Settings()
    cmd = build_command(
        f"add {type_}",
        f"Save a {cls.label or type_} data source ({(cls.description or type_).rstrip('.')}).",
        settings,
        inputs=cls.file_inputs(),
    )
    values = run_command(cmd, list(ctx.args), f"distillr source add {type_}")
    name = _name(values["name"])
    chosen = collect(
        values,
        settings,
        adding=True,
        file_options=file_options(cls, values),
        needed=cls.needed_secrets,
    )
    _save_new(type_name, name, chosen.options, chosen.secrets or {}, values["no_verify"])


def _add_template(cls: Any, template: str, args: list[str], kind: str) -> None:
    t = cls.templates()[template]
    settings = t.all_settings()
    cmd = build_command(
        f"add {kind}",
        f"Save a {t.title} data source ({t.description.rstrip('.')}).",
        settings,
        inputs={},
    )
    values = run_command(cmd, args, f"distillr source add {kind}")
    name = _name(values["name"])
    chosen = collect(values, settings, adding=True)
    given = {k: v for k, v in chosen.options.items() if settings.get(k) is not None}
    extra = {k: v for k, v in chosen.options.items() if settings.get(k) is None}
    try:
        options, secrets = cls.template_source(template, given, chosen.secrets or {})
    except SettingError as exc:
        flag = settings.get(exc.field).flag if exc.field and settings.get(exc.field) else None
        raise usage(str(exc), flag) from None
    _save_new(cls.type, name, {**options, **extra}, secrets, values["no_verify"])


def _save_new(
    type_name: str, name: str, options: dict[str, Any], secrets: dict[str, str], no_verify: bool
) -> None:
    info = registry().add(type_name, name, options, secrets, verify=not no_verify)
    checked = "saved without testing" if no_verify else "settings work"
    typer.echo(f"Saved data source '{info.name}' ({info.type}; {checked}): {_summary(info)}")
    typer.echo(f"Next: distillr tree {info.name}   or   distillr samples {info.name}")


@source_app.command("list")
def list_(as_json: bool = _JSON) -> None:
    """List the saved data sources (secrets masked)."""
    infos = registry().list()
    if as_json:
        typer.echo(json.dumps([i.to_dict() for i in infos], indent=2))
        return
    if not infos:
        typer.echo(
            "No data sources yet. Add one with:\n  distillr source add TYPE NAME ...\n"
            "`distillr source add --help` lists the types, and `distillr source add TYPE"
            " --help` the settings of one."
        )
        return
    from rich.table import Table

    table = Table("name", "type", "settings", "updated", box=None, header_style="bold")
    for i in infos:
        table.add_row(i.name, i.type, _summary(i), i.updated.strftime("%Y-%m-%d %H:%M"))
    console().print(table)


@source_app.command("show")
def show(
    name: str = typer.Argument(..., metavar="NAME", help="Data source name."), as_json: bool = _JSON
) -> None:
    """Show one data source's settings (secrets masked)."""
    info = registry().get(name)
    if as_json:
        typer.echo(json.dumps(info.to_dict(), indent=2))
        return
    typer.echo(f"name:     {info.name}\ntype:     {info.type}")
    for key, value in sorted(info.options.items()):
        typer.echo(f"{key + ':':<9} {_short(value)}")
    for key, value in sorted(info.secrets.items()):
        typer.echo(f"{key + ':':<9} {value}")
    typer.echo(f"created:  {info.created.isoformat(timespec='seconds')}")
    typer.echo(f"updated:  {info.updated.isoformat(timespec='seconds')}")
    if any(isinstance(v, (list, dict)) for v in info.options.values()):
        typer.echo(f"The whole definition: distillr source export {info.name}")


@source_app.command("test")
def test(name: str = typer.Argument(..., metavar="NAME", help="Data source name.")) -> None:
    """Check that a saved source's credentials still work (one cheap request)."""
    conn = registry().connector(name)
    started = time.perf_counter()
    try:
        conn.check()
    finally:
        conn.close()
    typer.echo(f"ok: '{name}' answered in {time.perf_counter() - started:.2f} s")


@source_app.command("rename")
def rename(
    old: str = typer.Argument(..., metavar="OLD", help="Current name."),
    new: str = typer.Argument(..., metavar="NEW", help=NAME_HELP),
) -> None:
    """Rename a data source (queries then use the new name)."""
    _name(new, "NEW")
    info = registry().rename(old, new)
    typer.echo(f"Renamed '{old}' to '{info.name}'.")


@source_app.command("update", context_settings=_PASS_ON, add_help_option=False)
def update(
    ctx: typer.Context,
    name: str | None = typer.Argument(None, metavar="NAME", help="Data source name."),
) -> None:
    """Change a data source's settings or credentials (tested before saving).

    `distillr source update NAME --help` lists the flags of its type."""
    _change(ctx, name, "update", config_required=False)


@source_app.command("edit", context_settings=_PASS_ON, add_help_option=False)
def edit(
    ctx: typer.Context,
    name: str | None = typer.Argument(None, metavar="NAME", help="Data source name."),
) -> None:
    """Replace a source's definition (a Custom API's endpoints) with a file: export it, edit
    it, give it back with --config FILE. The secrets are kept unless the base URL or the
    auth changes."""
    _change(ctx, name, "edit", config_required=True)


def _change(ctx: typer.Context, name: str | None, verb: str, *, config_required: bool) -> None:
    from distillr.registry.types import connector_class

    if name is None or name in ("--help", "-h"):
        typer.echo(ctx.get_help())
        raise typer.Exit(0 if name else 2)
    reg = registry()
    current = reg.get(name)
    cls = connector_class(current.type)
    if config_required and not cls.config_file:
        raise usage(
            f"sources of type {current.type} have no definition file; change their settings"
            f" with `distillr source update {name} ...`"
        )
    settings = cls.settings or Settings()
    cmd = build_command(
        f"{verb} {name}",
        f"Change data source '{name}' ({cls.label or current.type}).",
        settings,
        inputs=cls.file_inputs(),
        with_name=False,
        config_required=config_required,
    )
    values = run_command(cmd, list(ctx.args), f"distillr source {verb} {name}")
    loaded = file_options(cls, values)
    if loaded is not None:  # a file replaces the definition: what it leaves out is removed
        loaded = {**{k: None for k in current.options if k not in loaded}, **loaded}
    chosen = collect(
        values, settings, adding=False, file_options=loaded, saved_options=current.options
    )
    if chosen.secrets is None and loaded is not None and current.secrets:
        merged = {k: v for k, v in {**current.options, **loaded}.items() if v is not None}
        try:
            if not cls.needed_secrets(merged):  # e.g. switched to no auth: nothing to send
                chosen.secrets = {}
        except DistillrError:
            pass  # the registry reports the definition's problems in full
    if not chosen.options and chosen.secrets is None:
        raise usage(
            "nothing to change: give a new setting (see "
            f"`distillr source update {name} --help`) or --config FILE"
        )
    info = reg.update(name, chosen.options, chosen.secrets, verify=not values["no_verify"])
    typer.echo(f"Updated data source '{info.name}': {_summary(info)}")


@source_app.command("export")
def export(
    name: str = typer.Argument(..., metavar="NAME", help="Data source name."),
    output: Path | None = typer.Option(
        None, "--output", "-O", metavar="FILE", help="Write to FILE instead of stdout."
    ),
    as_json: bool = typer.Option(False, "--json", help="JSON instead of YAML."),
) -> None:
    """Write a source's definition back (never its secrets), ready for `source add --config`
    or `source edit --config`."""
    from distillr.registry.types import connector_class

    info = registry().get(name)
    cls = connector_class(info.type)
    if not cls.config_file:
        raise usage(
            f"sources of type {info.type} have no definition file; `distillr source show"
            f" {name}` lists their settings"
        )
    text = cls.export_config(info.options)
    if as_json:
        import yaml

        text = json.dumps(yaml.safe_load(text), indent=2) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    typer.echo(f"Wrote the definition of '{name}' to {output}.", err=True)


@source_app.command("refresh")
def refresh(
    name: str = typer.Argument(..., metavar="NAME", help="Data source name."),
    table: list[str] | None = typer.Option(
        None, "--table", "-t", metavar="TABLE", help="Only this table (repeatable)."
    ),
    pages: int = typer.Option(2, "--pages", min=1, max=20, help="Pages to sample per table."),
) -> None:
    """Sample the API again and save the inferred schemas (types widen, never narrow)."""
    info, learned = registry().refresh(name, table or None, pages=pages)
    if learned is None:
        typer.echo(f"Sources of type {info.type} have fixed schemas: nothing to refresh.")
        return
    typer.echo(
        f"Refreshed '{name}': {len(learned.sampled)} table(s) sampled"
        + (f" ({', '.join(learned.sampled)})" if learned.sampled else "")
        + "."
    )
    for table_name, why in learned.skipped.items():
        typer.echo(f"  skipped {table_name}: {why} (give the parameter an example: value)")


@source_app.command("remove")
def remove(name: str = typer.Argument(..., metavar="NAME", help="Data source name.")) -> None:
    """Forget a data source and its secrets."""
    registry().remove(name)
    typer.echo(f"Removed data source '{name}'.")


def register(app: typer.Typer) -> None:
    app.add_typer(source_app, name="source")
