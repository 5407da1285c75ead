"""The definition of a Custom API source: one validated schema (pydantic) for files, forms
and Python dicts.

A :class:`SourceDef` holds the base URL, the auth scheme (its options only: secrets are kept
apart, as every source's are), default headers, a requests-per-second limit, the concurrency and
any number of :class:`EndpointDef`: each one a table. An endpoint's URL is a path under the
base URL with ``{param}`` and ``{param=default}`` placeholders; its :class:`ParamDef` list maps
query (or POST body) parameters to columns and operators.

Rules checked here, before any request: unknown fields (with "did you mean"), URL templates
(balanced braces, parameter names, no query string), a secret written into the definition
(``password:``, an ``Authorization`` header), paginator and auth options (through their
factories), column types, duplicate names. See ``docs/custom-api.md`` for the format.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from distillr.connectors.auth import SCHEMES, make_auth
from distillr.connectors.paginators import MAX_PAGES, make_paginator
from distillr.connectors.rest.types import parse_type
from distillr.connectors.urls import check_base_url

__all__ = ["PLACEHOLDER", "EndpointDef", "ParamDef", "SourceDef", "url_parameters"]

#: ``{name}`` or ``{name=default}`` in an endpoint URL
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?:=([^{}]*))?\}")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: header names that carry credentials: they belong in the auth scheme and its secrets
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
_SECRET_KEYS = frozenset(
    {"password", "token", "api_key", "client_secret", "refresh_token", "secret", "api_token"}
)
Scalar = str | int | float | bool


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def url_parameters(url: str) -> list[tuple[str, str | None]]:
    """The ``(name, default)`` placeholders of an endpoint URL, or ``ValueError``.

    >>> url_parameters("/board/{boardId}/issue/{key=ABC-1}")
    [('boardId', None), ('key', 'ABC-1')]
    """
    found: list[tuple[str, str | None]] = []
    depth, start = 0, 0
    for i, ch in enumerate(url):
        if ch == "{":
            if depth:
                raise ValueError(f"'{{' inside a placeholder at position {i} of {url!r}")
            depth, start = 1, i
        elif ch == "}":
            if not depth:
                raise ValueError(f"'}}' without its '{{' at position {i} of {url!r}")
            depth = 0
            match = PLACEHOLDER.fullmatch(url[start : i + 1])
            if match is None:
                raise ValueError(
                    f"bad placeholder {url[start : i + 1]!r} in {url!r}: write {{name}} or"
                    " {name=default}, the name in letters, digits and underscores"
                )
            found.append((match.group(1), match.group(2)))
    if depth:
        raise ValueError(f"'{{' at position {start} of {url!r} is never closed")
    names = [n for n, _ in found]
    for n in names:
        if names.count(n) > 1:
            raise ValueError(f"placeholder {{{n}}} appears twice in {url!r}")
    return found


class ParamDef(_Model):
    """A parameter the API takes, mapped to a column and an operator."""

    name: str = Field(description="the parameter's name on the wire")
    column: str | None = Field(None, description="the column it filters (default: its name)")
    op: Literal["eq", "gt", "gte", "lt", "lte", "prefix"] = Field(
        "eq", description="the comparison the API applies (updated_since is gte on updated)"
    )
    exact: bool = Field(True, description="whether the API applies it exactly (else a superset)")
    required: bool = Field(False, description="the API needs it: a query without it fails")
    default: Scalar | None = Field(None, description="sent when the query gives no value")
    type: Literal["string", "integer", "number", "boolean", "timestamp", "date"] = Field(
        "string", description="the value's type (of its column, if the response lacks it)"
    )
    format: str | None = Field(
        None,
        description="how a value is written: iso8601, epoch, epoch_ms, date, or a strftime"
        " pattern such as %Y-%m-%d",
    )
    location: Literal["query", "body", "path"] = Field(
        "query", description="where it goes: query string, POST body, or URL path"
    )
    example: Scalar | None = Field(None, description="a value to sample the endpoint with")
    sample_from: str | None = Field(
        None, description="take a value to sample with from another endpoint: endpoint.column"
    )
    description: str = ""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value or any(ch.isspace() for ch in value):
            raise ValueError(f"a parameter name must be non-empty without spaces, not {value!r}")
        return value

    @field_validator("format")
    @classmethod
    def _format(cls, value: str | None) -> str | None:
        if value is None or value in ("iso8601", "epoch", "epoch_ms", "date") or "%" in value:
            return value
        raise ValueError(
            f"format {value!r} is not iso8601, epoch, epoch_ms, date or a strftime pattern"
        )

    @model_validator(mode="after")
    def _ops(self) -> ParamDef:
        if self.sample_from is not None and self.sample_from.count(".") != 1:
            raise ValueError(f"sample_from is written endpoint.column, not {self.sample_from!r}")
        return self

    @property
    def target(self) -> str:
        return self.column or self.name


class EndpointDef(_Model):
    """One endpoint: a table."""

    name: str = Field(description="the table's name")
    url: str = Field(description="the path under the base URL, with {param} or {param=default}")
    aliases: list[str] = Field(default_factory=list, description="other names of the table")
    description: str = ""
    method: Literal["GET", "POST"] = "GET"
    format: Literal["json", "ndjson", "csv", "xml"] = "json"
    data_path: str | None = Field(
        None, description="where the records are: values, data.items (JSON) or an element path"
    )
    params: list[ParamDef] = Field(default_factory=list)
    query: dict[str, Scalar] = Field(default_factory=dict, description="constant query parameters")
    headers: dict[str, str] = Field(default_factory=dict)
    body: dict[str, Any] | None = Field(None, description="constant POST body fields")
    body_format: Literal["json", "form"] = "json"
    paginator: str | dict[str, Any] | None = None
    error_path: str | None = Field(None, description="where an error answer gives its message")
    columns: dict[str, Any] = Field(default_factory=dict, description="declared column types")
    descriptions: dict[str, str] = Field(
        default_factory=dict, description="what a column holds, shown in the nav tree"
    )
    inferred: dict[str, Any] | None = Field(
        None, alias="schema", description="the column types inferred from sampled pages"
    )
    max_pages: int = Field(MAX_PAGES, ge=1)

    @field_validator("name")
    @classmethod
    def _table_name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(
                f"an endpoint name is letters, digits and underscores (used in queries as"
                f" source.name), not {value!r}"
            )
        return value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if "://" in value:
            raise ValueError(
                f"give the path under the base URL ({value!r} is a whole URL: put its start"
                " in base_url)"
            )
        if "?" in value or "#" in value:
            raise ValueError(
                f"{value!r} has a query string: list constant parameters under query: and"
                " filterable ones under params:"
            )
        url_parameters(value)
        return value if value.startswith("/") or not value else "/" + value

    @field_validator("paginator")
    @classmethod
    def _paginator(cls, value: Any) -> Any:
        make_paginator(value)  # SettingError is a ValueError: pydantic reports it here
        return value

    @field_validator("columns", "inferred")
    @classmethod
    def _types(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        for name, notation in (value or {}).items():
            parse_type(notation, name)
        return value

    @field_validator("headers")
    @classmethod
    def _headers(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_headers(value)

    @model_validator(mode="after")
    def _params(self) -> EndpointDef:
        in_url = {n for n, _ in url_parameters(self.url)}
        seen: set[str] = set()
        for p in self.params:
            if p.name in seen:
                raise ValueError(f"parameter '{p.name}' is listed twice")
            seen.add(p.name)
            if p.location == "path" and p.name not in in_url:
                raise ValueError(
                    f"parameter '{p.name}' is a path parameter but the URL has no {{{p.name}}}"
                )
            if p.name in in_url and p.location != "path":
                raise ValueError(
                    f"parameter '{p.name}' is in the URL ({{{p.name}}}): give it location: path"
                )
            if p.location == "body" and self.method != "POST":
                raise ValueError(f"parameter '{p.name}' goes in the body, but the method is GET")
        if self.body is not None and self.method != "POST":
            raise ValueError("a body is sent with POST only: set method: POST")
        return self

    def path_params(self) -> list[ParamDef]:
        """The URL's placeholders as parameters (declared ones, or plain string ``eq``)."""
        declared = {p.name: p for p in self.params}
        out = []
        for name, default in url_parameters(self.url):
            p = declared.get(name) or ParamDef(name=name, location="path")
            if default is not None and p.default is None:
                p = p.model_copy(update={"default": default})
            if p.default is None:
                p = p.model_copy(update={"required": True})
            out.append(p)
        return out

    def all_params(self) -> list[ParamDef]:
        return self.path_params() + [p for p in self.params if p.location != "path"]


class SourceDef(_Model):
    """A Custom API source: everything but its secrets."""

    base_url: str = Field(description="the API's root, e.g. https://api.example.com")
    description: str = ""
    auth: str | dict[str, Any] | None = Field(None, description="the auth scheme and its options")
    headers: dict[str, str] = Field(default_factory=dict, description="sent with every request")
    requests_per_second: float | None = Field(None, gt=0, description="at most this many a second")
    concurrency: int = Field(4, ge=1, le=64, description="most requests in flight at once")
    timeout: float = Field(30.0, gt=0, le=600, description="seconds to wait for one response")
    error_path: str | None = Field(None, description="where an error answer gives its message")
    endpoints: list[EndpointDef] = Field(min_length=1)

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        return check_base_url(value)

    @field_validator("auth")
    @classmethod
    def _auth(cls, value: Any) -> Any:
        if isinstance(value, dict):
            for key in value:
                if key in _SECRET_KEYS:
                    raise ValueError(
                        f"'{key}' is a secret: keep it out of the definition and give it as the"
                        f" source's secret {key} (it is stored encrypted)"
                    )
        make_auth(value)
        return value

    @field_validator("headers")
    @classmethod
    def _headers(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_headers(value)

    @model_validator(mode="after")
    def _names(self) -> SourceDef:
        seen: dict[str, str] = {}
        for ep in self.endpoints:
            for name in [ep.name, *ep.aliases]:
                low = name.lower()
                if low in seen:
                    raise ValueError(f"two endpoints answer to the name '{name}'")
                seen[low] = ep.name
        for ep in self.endpoints:
            for p in ep.params:
                if p.sample_from and p.sample_from.split(".")[0].lower() not in seen:
                    raise ValueError(
                        f"endpoint '{ep.name}': sample_from {p.sample_from!r} names no endpoint"
                    )
        return self

    @property
    def auth_type(self) -> str:
        if isinstance(self.auth, dict):
            return str(self.auth.get("type", "none"))
        return self.auth or "none"

    def secret_names(self) -> tuple[str, ...]:
        """The secrets this source's auth scheme needs."""
        cls = SCHEMES.get(self.auth_type)
        return cls.secret_names if cls else ()

    def endpoint(self, name: str) -> EndpointDef:
        for ep in self.endpoints:
            if ep.name.lower() == name.lower():
                return ep
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """The definition as plain data (no secrets: they were never in it), defaults left out."""
        return self.model_dump(mode="json", by_alias=True, exclude_defaults=True)


def _check_headers(value: dict[str, str]) -> dict[str, str]:
    for key in value:
        if key.lower() in _SECRET_HEADERS:
            raise ValueError(
                f"the {key} header carries credentials: use auth (bearer, basic, api_key in a"
                " header) and give the credential as a secret"
            )
    return value
