"""Connector types, found through the ``distillr.connectors`` entry-point group.

Built-in types register exactly like a third-party package would (``pyproject.toml``)::

    [project.entry-points."distillr.connectors"]
    twilio = "distillr.connectors.twilio:TwilioConnector"

A type is looked up in distillr's own entry points first (one small file, instead of reading
every installed package's metadata: about 10 ms in a virtualenv of 80 packages, paid by every
``distillr query``), then among every installed package's. So the built-in types cannot be
shadowed by a plugin of the same name.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from distillr.errors import ConfigError, did_you_mean

GROUP = "distillr.connectors"


@cache
def _entry_points() -> dict[str, Any]:
    from importlib.metadata import entry_points  # imported when needed: it is not free

    return {ep.name: ep for ep in entry_points(group=GROUP)}


@cache
def _own_entry_points() -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        eps = distribution("distillr").entry_points
    except PackageNotFoundError:  # a source tree on sys.path, not installed
        return {}
    return {ep.name: ep for ep in eps.select(group=GROUP)}


def available_types() -> list[str]:
    """Names of every installed connector type, sorted."""
    return sorted(_entry_points())


def connector_class(type_name: str) -> type:
    """The connector class registered under ``type_name``."""
    ep = _own_entry_points().get(type_name) or _entry_points().get(type_name)
    if ep is None:
        eps = _entry_points()
        known = ", ".join(sorted(eps)) or "none"
        raise ConfigError(
            f"Unknown data source type '{type_name}'.{did_you_mean(type_name, eps)}"
            f" Installed types: {known}."
        )
    try:
        return ep.load()
    except Exception as exc:  # an installed plugin that fails to import
        raise ConfigError(
            f"The connector for '{type_name}' ({ep.value}) failed to load: "
            f"{type(exc).__name__}: {exc}. Reinstall the package that provides it."
        ) from exc
