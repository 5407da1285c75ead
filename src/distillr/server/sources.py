"""What the data source wizard needs: categories, types and their form fields (generated from
each type's settings declaration: no type is named here), the mapping of a failed connection
test to the form field it concerns, and sources as JSON (masked for analysts).

The name rule (regex and words) is the registry's: ``distillr.registry.NAME_RULE``/``NAME_HELP``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from distillr.errors import AuthError, ConfigError, DistillrError, SourceError

__all__ = ["catalog", "field_for", "masked", "source_dict", "type_form"]

#: the wizard's categories; ``{examples}`` is filled from the installed types (the labels of
#: those with a settings form, and the titles of templates), so no type is named here
_CATEGORIES = [
    {"id": "api", "label": "API", "description": "Web APIs", "examples": " such as {}"},
    {
        "id": "files",
        "label": "Files",
        "description": "CSV, TSV, Parquet, JSON and Excel files: a folder or uploads",
        "examples": "",
    },
    {
        "id": "custom_api",
        "label": "Custom API",
        "description": "Any REST API described by its endpoints or its OpenAPI spec",
        "examples": ", or a ready-made one ({})",
    },
]


def catalog() -> dict[str, Any]:
    """The wizard's categories and every installed type's form, generated from each type's
    settings declaration (plugins included; a type that fails to load is left out), and each
    type's templates as forms of their own."""
    from distillr.registry.types import available_types, connector_class

    types: list[dict[str, Any]] = []
    for name in available_types():
        try:
            cls = connector_class(name)
        except DistillrError:
            continue
        types.append(type_form(cls))
        for template_name, t in cls.templates().items():
            types.append(template_form(cls, template_name, t))
    used = {t["category"] for t in types}
    categories = [_category(c, types) for c in _CATEGORIES]
    known = {c["id"] for c in _CATEGORIES}
    categories += [
        {"id": c, "label": c.replace("_", " ").title(), "description": "", "available": True}
        for c in sorted(used - known)
    ]
    return {"categories": categories, "types": types}


def _category(c: dict[str, str], types: list[dict[str, Any]]) -> dict[str, Any]:
    """A category as the wizard shows it, its examples named by the types' declarations."""
    mine = [t for t in types if t["category"] == c["id"]]
    named = [t["label"] for t in mine if t["form"] == "settings" and t["label"]]
    examples = c["examples"].format(", ".join(named)) if named and c["examples"] else ""
    return {
        "id": c["id"],
        "label": c["label"],
        "description": f"{c['description']}{examples}.",
        "available": bool(mine),
    }


def _fields(settings: Any) -> list[dict[str, Any]]:
    out = []
    for item in settings.to_list() if settings else []:
        in_mode = "mode" in item
        out.append(
            {
                **item,
                "kind": "secret" if item.get("secret") else "option",
                "required": bool(item.get("required") or in_mode),
                "secret": bool(item.get("secret")),
                "auth_mode": item.get("mode"),
                # settings with a default, in no mode and bearing no identity: "More settings"
                "advanced": not (item.get("required") or in_mode or item.get("identity")),
            }
        )
    return out


def type_form(cls: Any) -> dict[str, Any]:
    """One type's form: label, category, the fields of its settings, its auth modes; for a
    ``definition`` form (a Custom API) the auth schemes, paginators and formats it offers."""
    settings = cls.settings
    form: dict[str, Any] = {
        "type": cls.type,
        "template": None,
        "category": cls.category,
        "label": cls.label or cls.type,
        "description": cls.description,
        "form": cls.form,
        "fields": _fields(settings),
        "auth_modes": [m.to_dict() for m in getattr(settings, "modes", ())],
    }
    details = cls.form_details()
    if details:
        form["definition"] = details
    return form


def template_form(cls: Any, name: str, t: Any) -> dict[str, Any]:
    return {
        "type": cls.type,
        "template": name,
        "category": cls.category,
        "label": t.title,
        "description": t.description,
        "form": "settings",
        "fields": _fields(t.all_settings()),
        "auth_modes": [],
    }


def source_dict(info: Any) -> dict[str, Any]:
    """A registry ``SourceInfo`` as JSON (its secrets are already masked by the registry)."""
    if dataclasses.is_dataclass(info):
        data = dataclasses.asdict(info)
    elif hasattr(info, "to_dict"):
        data = dict(info.to_dict())
    else:
        data = {k: v for k, v in vars(info).items() if not k.startswith("_")}
    out: dict[str, Any] = {}
    for key, value in data.items():
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        out[key] = value
    return out


def masked(data: dict[str, Any]) -> dict[str, Any]:
    """A source as analysts see it: the options that say whose data it is (the type's
    ``identity_options``; every option when it declares none) masked, secrets as ``****``."""
    from distillr.registry import mask
    from distillr.registry.types import connector_class

    try:
        declared = connector_class(data.get("type", "")).identity_options
    except DistillrError:
        declared = None
    options = dict(data.get("options") or {})
    for key in options if declared is None else declared:
        if key in options and options[key] is not None:
            options[key] = mask(str(options[key]))
    secrets = {key: "****" for key in data.get("secrets") or {}}
    return {**data, "options": options, "secrets": secrets}


_CONNECTION_WORDS = (
    "connect to",
    "could not reach",
    "connection",
    "resolve",
    "refused",
    "timed out",
    "private, loopback",
)


def field_for(
    exc: DistillrError, secret_field: str | None, settings: Any = None, url_field: str = "base_url"
) -> str | None:
    """The form field a failed save concerns, for showing the message next to it: the field
    a ``SettingError`` names, the secret for rejected credentials, the base URL for an
    unreachable server, else a setting the message names (by name or label)."""
    text = str(exc).lower()
    named = getattr(exc, "field", None)
    if isinstance(named, str) and settings is not None and settings.get(named) is not None:
        return named
    if isinstance(exc, AuthError):
        return secret_field
    if isinstance(exc, SourceError):
        if getattr(exc, "status", None) in (401, 403):
            return secret_field
        if getattr(exc, "status", None) == 404:
            return _named_setting(text, settings, identity_only=True) or url_field
        return url_field
    if isinstance(exc, ConfigError):
        if "needs its secret" in text:  # a change of an identity-bearing setting
            return secret_field
        if "data source" in text and ("already exists" in text or "name" in text):
            return "name"
        if "needs the secret" in text or (secret_field and f"secret {secret_field}" in text):
            return secret_field
        found = _named_setting(text, settings)
        if found:
            return found
        if any(w in text for w in _CONNECTION_WORDS) or "url" in text:
            return url_field
        if "token" in text or "secret" in text:
            return secret_field
    return None


def _named_setting(text: str, settings: Any, identity_only: bool = False) -> str | None:
    for s in settings or ():
        if s.secret or (identity_only and not s.identity):
            continue
        words = {s.name, s.name.replace("_", " "), s.title.lower()}
        if any(w.lower() in text for w in words if len(w) > 3):
            return s.name
    return None
