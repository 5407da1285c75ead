"""The ``rest`` type's settings, declared once (see ``connectors/settings.py``).

The options are the definition's top-level fields (the definition itself is validated by
:class:`~distillr.connectors.rest.definition.SourceDef`); the secrets are those of every auth
scheme (a source needs only its own scheme's). ``base_url`` and ``auth`` bear the source's
identity: changing them needs the secrets again.
"""

from __future__ import annotations

from typing import Any

from distillr.connectors.auth import SCHEMES
from distillr.connectors.settings import Setting, Settings

__all__ = ["OPENAPI_IMPORT", "REST_SETTINGS", "SECRET_HELP", "form_details"]

SECRET_HELP = {
    "password": "the password (basic auth; for JIRA Cloud, an API token)",
    "token": "the bearer token",
    "api_key": "the API key",
    "client_secret": "the OAuth client's secret",
    "refresh_token": "the OAuth refresh token",
}

REST_SETTINGS = Settings(
    [
        Setting(
            "base_url",
            "url",
            "the API's root, e.g. https://api.example.com",
            required=True,
            identity=True,
            label="Base URL",
            placeholder="https://api.example.com",
        ),
        Setting("description", "string", "what the source is"),
        Setting(
            "auth",
            "mapping",
            "the auth scheme: {type: basic, username: ...}; types: " + ", ".join(SCHEMES),
            identity=True,
        ),
        Setting("headers", "mapping", "headers sent with every request"),
        Setting(
            "requests_per_second", "number", "at most this many requests a second", minimum=0.001
        ),
        Setting(
            "concurrency",
            "integer",
            "most requests in flight at once",
            default=4,
            minimum=1,
            maximum=64,
        ),
        Setting(
            "timeout",
            "number",
            "seconds to wait for one response",
            default=30,
            minimum=1,
            maximum=600,
        ),
        Setting("error_path", "string", "where an error answer gives its message (errorMessages)"),
        Setting("endpoints", "list", "the endpoints, each a table", required=True),
        *(Setting(name, "string", help, secret=True) for name, help in SECRET_HELP.items()),
    ]
)


def form_details() -> dict[str, Any]:
    """What a Custom API form offers: auth schemes and paginators with their settings
    (declared once, in ``connectors/auth.py`` and ``connectors/paginators.py``), the formats
    and methods of the definition's schema, and the imports offered beside the form (an
    OpenAPI spec)."""
    import typing

    from distillr.connectors.paginators import PAGINATORS
    from distillr.connectors.rest.definition import EndpointDef

    def choices(field: str) -> list[str]:
        return list(typing.get_args(EndpointDef.model_fields[field].annotation))

    return {
        "auth": [
            {
                "type": name,
                "settings": cls.settings.to_list(),
                "secrets": list(cls.secret_names) + list(cls.optional_secrets),
            }
            for name, cls in SCHEMES.items()
        ],
        "paginators": _paginators(PAGINATORS),
        "methods": choices("method"),
        "formats": choices("format"),
        "imports": [OPENAPI_IMPORT],
    }


#: the wizard's choice beside the endpoints form: tables from an API's OpenAPI document
#: (``POST /api/openapi/preview`` reads it; the form saves the ticked tables' definition)
OPENAPI_IMPORT = {
    "id": "openapi",
    "label": "Import OpenAPI spec",
    "description": "Tables from the API's own OpenAPI (or Swagger 2.0) document: upload it,"
    " tick the tables to keep, test and save.",
    "accept": [".json", ".yaml", ".yml"],
}


def _paginators(declared: dict[str, Any]) -> list[dict[str, Any]]:
    """One entry per paginator class, under its first name; its other names (``jira`` for
    ``start_at``) as ``aliases``, so a form shows a saved alias as the paginator it is."""
    out: dict[Any, dict[str, Any]] = {}
    for name, cls in declared.items():
        if cls in out:
            out[cls]["aliases"].append(name)
        else:
            out[cls] = {"type": name, "aliases": [], "settings": cls.settings.to_list()}
    return list(out.values())
