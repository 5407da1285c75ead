"""Helpers the command modules share: the registry, a session, consoles, secret input."""

from __future__ import annotations

import ipaddress
import os
import sys
from typing import Any

import typer

from distillr.cli import state


def registry() -> Any:
    from distillr.registry import Registry

    return Registry(state.home)


def connect(**options: Any) -> Any:
    """A query session over the registry under ``--home``/``DISTILLR_HOME`` (``cache=False``:
    without the response cache)."""
    import distillr

    return distillr.connect(str(state.home) if state.home else None, **options)


def console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def usage(message: str, param: str | None = None) -> typer.BadParameter:
    """A usage error (exit code 2)."""
    return typer.BadParameter(message, param_hint=param)


def key_values(values: Any, what: str, option: str) -> dict[str, str]:
    """Repeated ``KEY=VALUE`` options as a dict, or a usage error naming ``option``.

    >>> key_values(["a=1", "b = x=y"], "an option", "--option")
    {'a': '1', 'b': ' x=y'}
    """
    out: dict[str, str] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise usage(f"expected {what} as KEY=VALUE, got '{item}'", option)
        out[key.strip()] = value
    return out


def read_secret(label: str, *, env: str | None, stdin: bool, option: str) -> str | None:
    """A secret from an environment variable, stdin or a hidden prompt: never from argv."""
    if env is not None and stdin:
        raise usage(f"give the {label} either from an environment variable or from stdin, not both")
    if env is not None:
        value = os.environ.get(env, "").strip()
        if not value:
            raise usage(
                f"the environment variable {env} is not set or is empty; export it "
                f"with the {label} and try again",
                option,
            )
        return value
    if stdin:
        value = sys.stdin.readline().strip()
        if not value:
            raise usage(
                f"stdin was empty; pipe the {label} in, e.g. "
                f"`printenv MY_VAR | distillr source add ...`",
                option,
            )
        return value
    return None


def prompt_secret(label: str, option: str) -> str:
    """Ask for a secret without echoing it; only on a terminal."""
    if not sys.stdin.isatty():
        raise usage(
            f"no {label} given. Pass it with {option} (from an environment variable) or the "
            "matching --...-stdin option; it is never accepted as a plain argument"
        )
    value = typer.prompt(label, hide_input=True).strip()
    if not value:
        raise usage(f"the {label} is empty")
    return value


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
