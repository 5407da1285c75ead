"""Connector types, found through the ``distillr.connectors`` entry-point group.

Built-in types register exactly like a third-party package would (``pyproject.toml``)::

    [project.entry-points."distillr.connectors"]
    twilio = "distillr.connectors.twilio:TwilioConnector"
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


def available_types() -> list[str]:
    """Names of every installed connector type, sorted."""
    return sorted(_entry_points())


def connector_class(type_name: str) -> type:
    """The connector class registered under ``type_name``."""
    eps = _entry_points()
    ep = eps.get(type_name)
    if ep is None:
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
