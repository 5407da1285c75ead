"""The flags of ``distillr source add TYPE`` and ``update``, generated from a type's settings.

Each type declares its settings once (``connectors/settings.py``); from them come:

- an option setting: ``--name VALUE`` (booleans ``--name/--no-name``; mappings and lists take
  YAML text such as ``'{a: 1}'``, unless the type takes a ``--config`` file, which holds them);
- a secret setting: ``--name-env VAR``, ``--name-stdin`` and ``--name-prompt`` (never the value
  itself: argv lands in shell history and ``ps``); one the source needs and was not given is
  asked for on a terminal;
- ``--config FILE`` for a type that takes a file (a Custom API's definition), and any other
  file input the type declares (``Connector.file_inputs``);
- and for every type ``--option KEY=VALUE``, ``--secret-env KEY=VAR``, ``--cache-ttl TTL``
  (the response cache's time to live for the source, ``parse_ttl``) and ``--no-verify``.

A type's modes (Twilio: an auth token, or an API key with its secret) are enforced here: flags
of two modes at once are refused, a mode's options must all be given, and choosing a mode
removes the options of the others. Nothing here knows a type's name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import typer
from typer._click import core as click
from typer.core import TyperArgument, TyperCommand, TyperOption

from distillr.cli.common import key_values, prompt_secret, read_secret, usage
from distillr.connectors.settings import Setting, SettingError, Settings
from distillr.errors import ConfigError

__all__ = ["Chosen", "build_command", "cache_ttl", "collect"]

_METAVAR = {"integer": "N", "number": "X", "url": "URL", "mapping": "YAML", "list": "YAML"}


def _opt(*decls: str, **kwargs: Any) -> TyperOption:
    return TyperOption(param_decls=list(decls), **kwargs)


def _key(name: str, suffix: str = "") -> str:
    return f"s_{name}{suffix}"


def build_command(
    name: str,
    help_text: str,
    settings: Settings,
    *,
    inputs: Mapping[str, Any],
    with_name: bool = True,
    config_required: bool = False,
) -> click.Command:
    """A click command whose parameters are ``NAME`` (with ``with_name``), the file ``inputs``
    (``Connector.file_inputs``) and the flags of ``settings``; invoking it returns the parsed
    values as a dict."""
    params: list[click.Parameter] = []
    if with_name:
        params.append(
            TyperArgument(
                param_decls=["name"],
                type=str,
                metavar="NAME",
                required=True,
                help="Data source name.",
            )
        )
    for key, (what, _load) in inputs.items():
        params.append(
            _opt(
                "--" + key.replace("_", "-"),
                key,
                metavar="FILE",
                required=config_required and key == "config",
                help=f"A YAML or JSON file with {what}.",
            )
        )
    for s in settings:
        params.extend(_flags(s, bool(inputs)))
    params += [
        _opt(
            "--option",
            "-o",
            multiple=True,
            metavar="KEY=VALUE",
            help="Another setting of the source (repeatable).",
        ),
        _opt(
            "--secret-env",
            multiple=True,
            metavar="KEY=VAR",
            help="Another secret, read from an environment variable (repeatable).",
        ),
        _opt(
            "--cache-ttl",
            metavar="TTL",
            help="Cache the source's pages this long (e.g. 15m; see `distillr cache`).",
        ),
        _opt("--no-verify", is_flag=True, help="Save without testing the settings."),
    ]
    return TyperCommand(
        name, params=params, help=help_text, callback=lambda **kw: kw, rich_markup_mode=None
    )


def _flags(s: Setting, has_file: bool) -> list[Any]:
    flag = s.flag
    if s.secret:
        return [
            _opt(
                flag + "-env",
                metavar="VAR",
                help=f"Read {s.help} from this variable.",
            ),
            _opt(flag + "-stdin", is_flag=True, help=f"Read {s.help} from stdin."),
            _opt(
                flag + "-prompt",
                is_flag=True,
                help=f"Ask for {s.help} (hidden input).",
            ),
        ]
    if s.type in ("mapping", "list") and has_file:
        return []  # they come from the --config file
    help_text = s.help[:1].upper() + s.help[1:] + "."
    if s.type == "boolean":
        return [
            _opt(
                f"{flag}/--no-{flag[2:]}",
                _key(s.name),
                is_flag=True,
                type=bool,
                default=None,
                help=help_text,
            )
        ]
    if s.type == "choice":
        help_text += f" One of: {', '.join(s.choices)}."
    metavar = _METAVAR.get(s.type, s.placeholder or "TEXT")
    return [_opt(flag, _key(s.name), metavar=metavar, help=help_text)]


@dataclass
class Chosen:
    """What the flags asked for: options and secrets (``None``: none given)."""

    options: dict[str, Any]
    secrets: dict[str, str] | None


def collect(
    values: Mapping[str, Any],
    settings: Settings,
    *,
    adding: bool,
    file_options: Mapping[str, Any] | None = None,
    saved_options: Mapping[str, Any] | None = None,
    needed: Any = None,
    what: str = "the source",
) -> Chosen:
    """Turn the parsed flags into options and secrets.

    ``file_options`` come from the file inputs (the flags win over them); ``saved_options`` are
    the source's (on update); ``needed(options)`` names the secrets a new source needs."""
    options: dict[str, Any] = dict(file_options or {})
    options.update(key_values(values.get("option"), "an option", "--option"))
    secrets: dict[str, str] = {
        key: read_secret(key, env=var, stdin=False, option="--secret-env") or ""
        for key, var in key_values(values.get("secret_env"), "a secret", "--secret-env").items()
    }
    given: list[str] = []
    for s in settings:
        if s.secret:
            value = _secret_flag(s, values)
            if value is not None:
                secrets[s.name] = value
                given.append(s.name)
            continue
        raw = values.get(_key(s.name))
        if raw is None:
            continue
        options[s.name] = _converted(s, raw)
        given.append(s.name)
    mode = _mode(settings, given, adding)
    if mode is not None:
        for m in settings.modes:
            if m is not mode:
                for n in m.settings:
                    if not settings.get(n).secret:  # type: ignore[union-attr]
                        options[n] = None
        have = {**(saved_options or {}), **options}
        for n in mode.settings:
            s = settings.get(n)
            if s is not None and not s.secret and have.get(n) in (None, ""):
                raise usage(f"{mode.label} needs {s.flag} ({s.help})", s.flag)
    if adding:
        options = {k: v for k, v in options.items() if v is not None}
        _required(settings, options, values)
    wanted: tuple[str, ...] = ()
    if mode is not None and (adding or any(n in given for n in mode.settings)):
        wanted = tuple(n for n in mode.settings if settings.get(n).secret)  # type: ignore[union-attr]
    elif adding and needed is not None:
        try:
            wanted = tuple(needed(options))
        except ConfigError:
            wanted = ()  # the registry reports the definition's problems in full
    for n in wanted:
        if n not in secrets:
            s = settings.get(n) or Setting(n, "string", n, secret=True)
            secrets[n] = prompt_secret(s.title, f"{s.flag}-env VAR")
    return Chosen(options, secrets or None)


def _secret_flag(s: Setting, values: Mapping[str, Any]) -> str | None:
    base = s.name
    env = values.get(f"{base}_env")
    stdin = bool(values.get(f"{base}_stdin"))
    prompt = bool(values.get(f"{base}_prompt"))
    value = read_secret(s.title, env=env, stdin=stdin, option=f"{s.flag}-env")
    if value is None and prompt:
        value = prompt_secret(s.title, f"{s.flag}-env VAR")
    return value


def _converted(s: Setting, raw: Any) -> Any:
    if s.type in ("mapping", "list") and isinstance(raw, str):
        import yaml

        try:
            raw = yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            raise usage(f"{s.flag} takes YAML text: {exc}", s.flag) from None
    try:
        return s.convert(raw)
    except SettingError as exc:
        raise usage(str(exc), s.flag) from None


def _mode(settings: Settings, given: list[str], adding: bool) -> Any:
    if not settings.modes:
        return None
    chosen = [m for m in settings.modes if any(n in m.settings for n in given)]
    if len(chosen) > 1:
        labels = " or ".join(m.label for m in chosen)
        raise usage(f"use either {labels}, not both")
    if chosen:
        return chosen[0]
    return settings.modes[0] if adding else None


def _required(settings: Settings, options: Mapping[str, Any], values: Mapping[str, Any]) -> None:
    for s in settings:
        if s.required and not s.secret and options.get(s.name) in (None, ""):
            if s.type in ("mapping", "list") or "config" in values:  # --config holds it
                raise usage(f"{s.name} is missing: give --config FILE ({s.help})", "--config")
            example = f" {s.placeholder}" if s.placeholder else ""
            raise usage(f"the source needs {s.flag}{example} ({s.help})", s.flag)


def cache_ttl(values: Mapping[str, Any]) -> float | None:
    """The ``--cache-ttl`` given, in seconds (``None``: not given)."""
    text = values.get("cache_ttl")
    if text is None:
        return None
    from distillr.connectors.cache import parse_ttl

    try:
        return parse_ttl(text)
    except ConfigError as exc:
        raise usage(str(exc), "--cache-ttl") from None


def run_command(cmd: click.Command, args: list[str], prog: str) -> dict[str, Any] | None:
    """Parse ``args`` with ``cmd``; ``None`` when it only printed its help."""
    result = cmd.main(args=args, prog_name=prog, standalone_mode=False)
    if isinstance(result, dict):
        return result
    raise typer.Exit(0)


def file_options(cls: Any, values: Mapping[str, Any]) -> dict[str, Any] | None:
    """The options the given file inputs hold (``None``: no file given), merged in order."""
    out: dict[str, Any] | None = None
    for key, (_what, load) in cls.file_inputs().items():
        if values.get(key):
            out = {**(out or {}), **load(values[key])}
    return out
