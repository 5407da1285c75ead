"""Custom API definitions shipped in the package, filled in with a few settings.

Each ``*.yaml`` file beside this module is a definition with a ``template`` section: a title,
the settings a user gives (declared like a connector type's: ``name``, ``type``, ``help``,
``required``, ``identity``) and the secrets it asks for, each mapped to the auth scheme's secret
(JIRA's ``api_token`` is basic auth's ``password``). ``${name}`` in any text of the definition
is replaced by that setting's value. Adding one more API is adding one more such file.

>>> "jira" in template_names()
True
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from distillr.connectors.rest.definition import SourceDef
from distillr.connectors.rest.loading import load_definition
from distillr.connectors.settings import Setting, SettingError, Settings
from distillr.errors import ConfigError, did_you_mean

__all__ = ["Template", "load_template", "template", "template_names"]

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class Template:
    """A shipped definition and the settings that fill it in."""

    name: str
    title: str
    description: str
    settings: Settings
    #: the template's secret -> (the auth scheme's secret, help)
    secrets: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    body: Mapping[str, Any] = field(default_factory=dict)

    def all_settings(self) -> Settings:
        """The options and the secrets, for a CLI or a form generated from them."""
        secret = [
            Setting(k, "string", h, required=True, secret=True)
            for k, (_, h) in self.secrets.items()
        ]
        return Settings([*self.settings, *secret])

    def definition(self, values: Mapping[str, Any]) -> SourceDef:
        """The definition with the settings filled in (validated; bad values name the field)."""
        checked = self.settings.validate(values, what=f"{self.name} setting", defaults=True)
        return load_definition(_fill(self.body, checked), f"the {self.name} template")

    def source_secrets(self, given: Mapping[str, str]) -> dict[str, str]:
        """The template's secrets (``api_token``) as the auth scheme's (``password``)."""
        out = {}
        for key, value in given.items():
            if key not in self.secrets:
                raise SettingError(
                    f"The {self.name} template takes no secret '{key}'."
                    f"{did_you_mean(key, self.secrets)} Its secrets: {', '.join(self.secrets)}.",
                    field=key,
                )
            out[self.secrets[key][0]] = value
        return out


def _fill(value: Any, values: Mapping[str, Any]) -> Any:
    if isinstance(value, str):
        whole = _VAR.fullmatch(value)
        if whole:
            return values.get(whole.group(1), value)
        return _VAR.sub(lambda m: str(values.get(m.group(1), m.group(0))), value)
    if isinstance(value, dict):
        return {k: _fill(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, values) for v in value]
    return value


@functools.cache
def template_names() -> tuple[str, ...]:
    """The names of the shipped templates."""
    files = resources.files(__name__).iterdir()
    return tuple(sorted(f.name[:-5] for f in files if f.name.endswith(".yaml")))


@functools.cache
def template(name: str) -> Template:
    """The shipped template called ``name``."""
    if name not in template_names():
        names = template_names()
        raise ConfigError(
            f"There is no Custom API template '{name}'.{did_you_mean(name, names)}"
            f" Templates: {', '.join(names)}."
        )
    text = resources.files(__name__).joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    head = data.pop("template")
    settings = Settings(Setting(**s) for s in head.get("settings", []))
    secrets = {k: (v["secret"], v.get("help", "")) for k, v in head.get("secrets", {}).items()}
    return Template(name, head["title"], head.get("description", ""), settings, secrets, data)


def load_template(name: str, values: Mapping[str, Any]) -> SourceDef:
    """The definition of template ``name`` filled in with ``values``."""
    return template(name).definition(values)
