"""``distillr source ...``: add, list, show, test, rename, update and remove data sources.

Secrets are read from an environment variable, stdin or a hidden prompt, never from the
command line (which lands in shell history and ``ps``).
"""

from __future__ import annotations

import json
import time
from typing import Any

import typer

from distillr.cli.common import console, prompt_secret, read_secret, registry, usage
from distillr.errors import ConfigError

source_app = typer.Typer(
    help="Add, list, test, change and remove named data sources.", no_args_is_help=True
)

NAME_HELP = "Data source name: lowercase letters, digits and underscores (used in queries)."

_ACCOUNT_SID = typer.Option(
    None, "--account-sid", metavar="SID", help="Twilio Account SID (AC...)."
)
_AUTH_TOKEN_ENV = typer.Option(
    None, "--auth-token-env", metavar="VAR", help="Read the Twilio Auth Token from this variable."
)
_AUTH_TOKEN_STDIN = typer.Option(
    False, "--auth-token-stdin", help="Read the Auth Token from stdin."
)
_AUTH_TOKEN_PROMPT = typer.Option(
    False, "--auth-token-prompt", help="Ask for the Auth Token (hidden input)."
)
_API_KEY = typer.Option(
    None, "--api-key", metavar="SK...", help="Twilio API key SID (SK...), instead of the token."
)
_API_SECRET_ENV = typer.Option(
    None, "--api-secret-env", metavar="VAR", help="Read the API key's secret from this variable."
)
_API_SECRET_STDIN = typer.Option(
    False, "--api-secret-stdin", help="Read the API secret from stdin."
)
_BASE_URL = typer.Option(
    None, "--base-url", metavar="URL", help="Send requests here instead of Twilio (e.g. a sandbox)."
)
_PATH = typer.Option(
    None, "--path", metavar="DIR", help="The directory of a source of files (resolved now)."
)
_OPTION = typer.Option(
    None, "--option", "-o", metavar="KEY=VALUE", help="Another setting of the source (repeatable)."
)
_SECRET_ENV = typer.Option(
    None, "--secret-env", metavar="KEY=VAR", help="Another secret, read from a variable."
)
_CACHE_TTL = typer.Option(
    None, "--cache-ttl", metavar="TTL", help="Cache the source's pages this long (e.g. 15m)."
)
_NO_VERIFY = typer.Option(False, "--no-verify", help="Save without testing the credentials.")
_JSON = typer.Option(False, "--json", help="Print JSON for tools.")


def _name(value: str, param: str = "NAME") -> str:
    from distillr.registry import check_name

    try:
        return check_name(value)
    except ConfigError as exc:
        raise usage(str(exc), param) from None


def _pairs(values: list[str] | None, what: str, option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise usage(f"expected {what} as KEY=VALUE, got '{item}'", option)
        out[key.strip()] = value
    return out


def _settings(
    type_: str | None,
    *,
    adding: bool,
    account_sid: str | None,
    auth_token_env: str | None,
    auth_token_stdin: bool,
    auth_token_prompt: bool,
    api_key: str | None,
    api_secret_env: str | None,
    api_secret_stdin: bool,
    base_url: str | None,
    option: list[str] | None,
    secret_env: list[str] | None,
    path: str | None = None,
) -> tuple[dict[str, Any], dict[str, str] | None]:
    """Turn the flags into (options, secrets); ``secrets`` is ``None`` when none were given
    (on update: keep the saved ones)."""
    options: dict[str, Any] = _pairs(option, "an option", "--option")
    secrets: dict[str, str] = {
        key: read_secret(key, env=var, stdin=False, option="--secret-env") or ""
        for key, var in _pairs(secret_env, "a secret", "--secret-env").items()
    }
    if account_sid is not None:
        options["account_sid"] = account_sid.strip()
    if base_url is not None:
        options["base_url"] = base_url.strip()
    if path is not None:
        options["path"] = path

    token_given = auth_token_env is not None or auth_token_stdin or auth_token_prompt
    key_given = api_key is not None or api_secret_env is not None or api_secret_stdin
    if token_given and key_given:
        raise usage("use either an Auth Token or an API key with its secret, not both")
    if (api_secret_env is not None or api_secret_stdin) and api_key is None:
        raise usage("an API secret needs its key: add --api-key SK...", "--api-key")
    if token_given:
        token = read_secret(
            "Auth Token", env=auth_token_env, stdin=auth_token_stdin, option="--auth-token-env"
        )
        secrets["auth_token"] = token or prompt_secret("Auth Token", "--auth-token-env VAR")
        options["api_key"] = None  # switching from an API key back to the token
    elif api_key is not None:
        options["api_key"] = api_key.strip()
        secret = read_secret(
            "API secret", env=api_secret_env, stdin=api_secret_stdin, option="--api-secret-env"
        )
        secrets["api_secret"] = secret or prompt_secret("API secret", "--api-secret-env VAR")
    elif adding and type_ == "twilio":
        secrets["auth_token"] = prompt_secret("Auth Token", "--auth-token-env VAR")

    if adding:
        options = {k: v for k, v in options.items() if v is not None}
        if type_ == "twilio" and not options.get("account_sid"):
            raise usage(
                "a Twilio source needs --account-sid AC... (from the Twilio Console)",
                "--account-sid",
            )
    return options, (secrets or None)


def _ttl(text: str | None) -> float | None:
    if text is None:
        return None
    from distillr.connectors.cache import parse_ttl

    try:
        return parse_ttl(text)
    except ConfigError as exc:
        raise usage(str(exc), "--cache-ttl") from None


def _summary(info: Any) -> str:
    parts = [f"{k}={v}" for k, v in sorted(info.options.items())]
    parts += [f"{k}={v}" for k, v in sorted(info.secrets.items())]
    return ", ".join(parts)


@source_app.command("add")
def add(
    type_: str = typer.Argument(..., metavar="TYPE", help="Source type, e.g. twilio."),
    name: str = typer.Argument(..., metavar="NAME", help=NAME_HELP),
    account_sid: str | None = _ACCOUNT_SID,
    auth_token_env: str | None = _AUTH_TOKEN_ENV,
    auth_token_stdin: bool = _AUTH_TOKEN_STDIN,
    auth_token_prompt: bool = _AUTH_TOKEN_PROMPT,
    api_key: str | None = _API_KEY,
    api_secret_env: str | None = _API_SECRET_ENV,
    api_secret_stdin: bool = _API_SECRET_STDIN,
    base_url: str | None = _BASE_URL,
    path: str | None = _PATH,
    option: list[str] | None = _OPTION,
    secret_env: list[str] | None = _SECRET_ENV,
    cache_ttl: str | None = _CACHE_TTL,
    no_verify: bool = _NO_VERIFY,
) -> None:
    """Save a data source; its credentials are tested with one cheap request first."""
    from distillr.registry.types import available_types

    ttl = _ttl(cache_ttl)
    _name(name)
    if type_ not in available_types():
        from distillr.errors import did_you_mean

        known = ", ".join(available_types()) or "none installed"
        raise usage(
            f"unknown source type '{type_}'.{did_you_mean(type_, available_types())}"
            f" Types: {known}",
            "TYPE",
        )
    options, secrets = _settings(
        type_,
        adding=True,
        account_sid=account_sid,
        auth_token_env=auth_token_env,
        auth_token_stdin=auth_token_stdin,
        auth_token_prompt=auth_token_prompt,
        api_key=api_key,
        api_secret_env=api_secret_env,
        api_secret_stdin=api_secret_stdin,
        base_url=base_url,
        option=option,
        secret_env=secret_env,
        path=path,
    )
    reg = registry()
    info = reg.add(type_, name, options, secrets or {}, verify=not no_verify)
    checked = "saved without testing" if no_verify else "credentials work"
    typer.echo(f"Saved data source '{info.name}' ({info.type}; {checked}): {_summary(info)}")
    if ttl is not None:
        from distillr.connectors.cache import ResponseCache, show_ttl

        ResponseCache(reg.home).set_ttl(info.name, ttl)
        typer.echo(f"Its pages are cached for {show_ttl(ttl)} (distillr cache stats {info.name}).")
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
            "No data sources yet. Add one with:\n  distillr source add twilio my_twilio "
            "--account-sid AC... --auth-token-env TWILIO_AUTH_TOKEN"
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
        typer.echo(f"{key + ':':<9} {value}")
    for key, value in sorted(info.secrets.items()):
        typer.echo(f"{key + ':':<9} {value}")
    typer.echo(f"created:  {info.created.isoformat(timespec='seconds')}")
    typer.echo(f"updated:  {info.updated.isoformat(timespec='seconds')}")


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


@source_app.command("update")
def update(
    name: str = typer.Argument(..., metavar="NAME", help="Data source name."),
    account_sid: str | None = _ACCOUNT_SID,
    auth_token_env: str | None = _AUTH_TOKEN_ENV,
    auth_token_stdin: bool = _AUTH_TOKEN_STDIN,
    auth_token_prompt: bool = _AUTH_TOKEN_PROMPT,
    api_key: str | None = _API_KEY,
    api_secret_env: str | None = _API_SECRET_ENV,
    api_secret_stdin: bool = _API_SECRET_STDIN,
    base_url: str | None = _BASE_URL,
    path: str | None = _PATH,
    option: list[str] | None = _OPTION,
    secret_env: list[str] | None = _SECRET_ENV,
    no_verify: bool = _NO_VERIFY,
) -> None:
    """Change a data source's settings or credentials (tested before saving)."""
    reg = registry()
    current = reg.get(name)
    options, secrets = _settings(
        current.type,
        adding=False,
        account_sid=account_sid,
        auth_token_env=auth_token_env,
        auth_token_stdin=auth_token_stdin,
        auth_token_prompt=auth_token_prompt,
        api_key=api_key,
        api_secret_env=api_secret_env,
        api_secret_stdin=api_secret_stdin,
        base_url=base_url,
        option=option,
        secret_env=secret_env,
        path=path,
    )
    if not options and secrets is None:
        raise usage(
            "nothing to change: give a new setting, e.g. --base-url URL or --auth-token-env VAR"
        )
    info = reg.update(name, options, secrets, verify=not no_verify)
    typer.echo(f"Updated data source '{info.name}': {_summary(info)}")


@source_app.command("remove")
def remove(name: str = typer.Argument(..., metavar="NAME", help="Data source name.")) -> None:
    """Forget a data source and its secrets."""
    registry().remove(name)
    typer.echo(f"Removed data source '{name}'.")


def register(app: typer.Typer) -> None:
    app.add_typer(source_app, name="source")
