"""Data sources: the wizard's metadata, and saved sources (list, add, edit, rename, delete).

Reading is for every user (analysts see sources masked: identity options shortened, secrets
as ``****``); changing is for admins. The registry's rules hold here as everywhere: a change of
base URL, account or key id needs the secret again. Only admins may point a source at a
private, loopback or link-local address. Base URLs are checked here first, so a bad one is a
422 on its field.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from distillr.errors import ConfigError, DistillrError
from distillr.registry import NAME_HELP, NAME_RULE, check_name
from distillr.server.problems import ApiProblem, problem_for
from distillr.server.roles import ADMIN, ANALYST, Caller
from distillr.server.sources import catalog, field_for, masked, source_dict
from distillr.server.state import ServerState, server_of
from distillr.tree import table_data

router = APIRouter(tags=["sources"])


class SourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: str = Field(..., description="Data source type (GET /api/types lists them)")
    template: str | None = Field(
        None, description="A template of the type (rest: jira): options and secrets are its own"
    )
    name: str = Field(..., description="Lowercase letters, digits and underscores")
    options: dict[str, Any] = Field(default_factory=dict)
    secrets: dict[str, str] = Field(default_factory=dict)
    verify: bool = Field(True, description="Test the connection before saving")


class TrialIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: str = Field(..., description="Data source type, e.g. rest")
    template: str | None = None
    source: str | None = Field(
        None, description="The saved source being edited: its secrets are used if none are given"
    )
    options: dict[str, Any] = Field(default_factory=dict)
    secrets: dict[str, str] = Field(default_factory=dict)
    table: str | None = Field(None, description="Sample only this table (endpoint)")


class SourcePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, description="A new name (rename)")
    options: dict[str, Any] | None = None
    secrets: dict[str, str] | None = Field(
        None,
        description="Replaces the saved secrets; needed when base URL, account or key id change",
    )
    forget_secrets: bool = Field(
        False, description="Save no secrets from now on (a Custom API switched to no auth)"
    )
    verify: bool = True


@router.get("/api/types")
def types(caller: Caller = ANALYST) -> dict[str, Any]:
    """Source categories and types, with the fields of each type's form."""
    return {**catalog(), "name_rule": NAME_HELP, "name_pattern": NAME_RULE}


@router.get("/api/sources")
def list_sources(request: Request, caller: Caller = ANALYST) -> list[dict[str, Any]]:
    """Every saved data source (secrets masked; analysts see identity options masked too)."""
    infos = server_of(request).registry().list()
    return [_shown(info, caller) for info in infos]


@router.get("/api/sources/{name}")
def get_source(name: str, request: Request, caller: Caller = ANALYST) -> dict[str, Any]:
    """One saved data source (masked as in the list)."""
    return _shown(server_of(request).registry().get(name), caller)


@router.get("/api/names/check")
def name_check(
    request: Request,
    name: str = Query(..., max_length=256),
    current: str | None = Query(None, max_length=256),
    caller: Caller = ADMIN,
) -> dict[str, Any]:
    """Is ``name`` a valid, unused source name? (``current``: the source being edited)"""
    try:
        check_name(name)
    except ConfigError as exc:
        return {"name": name, "valid": False, "available": False, "message": str(exc)}
    taken = name != current and name in server_of(request).registry().sources()
    return {
        "name": name,
        "valid": True,
        "available": not taken,
        "message": f"A data source named '{name}' already exists." if taken else "",
    }


@router.post("/api/sources", status_code=201)
def add_source(body: SourceIn, request: Request, caller: Caller = ADMIN) -> Any:
    """Test the connection and save the source. Nothing is saved when the test fails."""
    server = server_of(request)
    given, secrets = _clean(body.options), _clean(body.secrets)
    try:
        check_name(body.name)
        options, used = _from_template(body.type, body.template, given, secrets)
        _check_urls(body.type, options)
        info = server.registry().add(
            body.type,
            body.name,
            options=options,
            secrets=used,
            verify=body.verify,
            allow_private=caller.is_admin,
        )
    except DistillrError as exc:
        return _failed(server, exc, body.type, secrets, given, body.template)
    return JSONResponse(source_dict(info), status_code=201)


@router.post("/api/sources/test")
def test_source(body: TrialIn, request: Request, caller: Caller = ADMIN) -> Any:
    """Try unsaved settings (the form's Test): check them and sample one page of each table
    (or of ``table``), and answer the tables with the columns inferred and the options to
    save (a Custom API's definition with its schemas). Nothing is saved. Only admins may
    point it at private, loopback or link-local addresses; an API's error text is shown only
    when it came from the source's own host."""
    server = server_of(request)
    given, secrets = _clean(body.options), _clean(body.secrets)
    options = given
    try:
        options, used = _from_template(body.type, body.template, given, secrets)
        _check_urls(body.type, options)
        conn, learned = server.registry().trial(
            body.type,
            options,
            used or None,
            source=body.source,
            tables=[body.table] if body.table else None,
            allow_private=caller.is_admin,
        )
        tables = [table_data(t) for t in conn.tables()]
    except DistillrError as exc:
        return _failed(server, exc, body.type, secrets, given, body.template)
    return {
        "tables": tables,
        "options": learned.options if learned is not None else options,
        "sampled": learned.sampled if learned is not None else [],
        "skipped": learned.skipped if learned is not None else {},
    }


def _from_template(
    type_: str, template: str | None, options: dict[str, Any], secrets: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A template's settings as the type's options and secrets (unchanged without one)."""
    if template is None:
        return options, secrets
    from distillr.registry.types import connector_class

    cls = connector_class(type_)
    if template not in cls.templates():
        raise ApiProblem(
            422, "Bad request", f"Sources of type {type_} have no template {template!r}.", "config"
        )
    return cls.template_source(template, options, secrets)


@router.patch("/api/sources/{name}")
def edit_source(name: str, body: SourcePatch, request: Request, caller: Caller = ADMIN) -> Any:
    """Change options and/or secrets, and/or rename. Blank secrets keep the saved ones, which
    only an edit that keeps base URL, account and key id may do."""
    server = server_of(request)
    reg = server.registry()
    current = reg.get(name)
    new_name = (body.name or name).strip()
    options = None
    if body.options is not None:  # blank or null values remove an option
        options = {
            k: (v.strip() or None) if isinstance(v, str) else v for k, v in body.options.items()
        }
    secrets = _clean(body.secrets) or None
    if body.forget_secrets:
        secrets = {}
    try:
        check_name(new_name)
        _check_urls(current.type, options or {})
        if new_name != name and new_name in reg.sources():
            raise ConfigError(
                f"A data source named '{new_name}' already exists. Choose another name."
            )
        if options is not None or secrets is not None:
            reg.update(
                name,
                options=options,
                secrets=secrets,
                verify=body.verify,
                allow_private=caller.is_admin,
            )
        if new_name != name:
            reg.rename(name, new_name)
    except DistillrError as exc:
        return _failed(server, exc, current.type, secrets, options or current.options)
    server.examples.pop(name.lower(), None)
    return source_dict(reg.get(new_name))


@router.delete("/api/sources/{name}", status_code=204)
def delete_source(name: str, request: Request, caller: Caller = ADMIN) -> Response:
    """Forget a source and its secrets."""
    server = server_of(request)
    server.registry().remove(name)
    server.examples.pop(name.lower(), None)
    return Response(status_code=204)


def _shown(info: Any, caller: Caller) -> dict[str, Any]:
    data = source_dict(info)
    return data if caller.is_admin else masked(data)


def _clean(values: dict[str, Any] | None) -> dict[str, Any]:
    return {
        k: v.strip() if isinstance(v, str) else v
        for k, v in (values or {}).items()
        if v is not None and not (isinstance(v, str) and not v.strip())
    }


def _check_urls(type_: str, options: dict[str, Any]) -> None:
    """Base URLs checked at the edge: a bad one is a 422 on its field."""
    from distillr.connectors.urls import check_base_url
    from distillr.registry.types import connector_class

    cls = connector_class(type_)
    for key in getattr(cls, "url_options", ()):
        if options.get(key) not in (None, ""):
            try:
                check_base_url(options[key], key)
            except ConfigError as exc:
                raise ApiProblem(422, "Bad request", str(exc), "validation", field=key) from None


def _settings_of(type_: str, template: str | None) -> Any:
    from distillr.registry.types import connector_class

    try:
        cls = connector_class(type_)
        if template is not None:
            return cls.templates()[template].all_settings()
        return cls.settings
    except (DistillrError, KeyError):
        return None


def _secret_field(
    type_: str,
    template: str | None,
    secrets: dict[str, Any] | None,
    options: dict[str, Any] | None,
) -> str | None:
    """The secret field a rejected save concerns: that of the auth mode in use (the one
    whose settings were given), else the first secret given, else the first one needed."""
    settings = _settings_of(type_, template)
    given = {**(options or {}), **(secrets or {})}
    for mode in getattr(settings, "modes", ()):
        if any(given.get(n) for n in mode.settings if settings.get(n).secret is False):
            return next((n for n in mode.settings if settings.get(n).secret), None)
    if secrets:
        return next(iter(secrets))
    modes = getattr(settings, "modes", ())
    if modes:
        return next((n for n in modes[0].settings if settings.get(n).secret), None)
    if template is None and options:
        from distillr.registry.types import connector_class

        try:
            needed = connector_class(type_).needed_secrets(options)
        except (DistillrError, NotImplementedError):
            needed = ()
        if needed:
            return needed[0]
    return next((s.name for s in settings or () if s.secret), None)


def _failed(
    server: ServerState,
    exc: DistillrError,
    type_: str,
    secrets: dict[str, Any] | None,
    options: dict[str, Any] | None,
    template: str | None = None,
) -> Response:
    secret = _secret_field(type_, template, secrets, options)
    field = field_for(exc, secret, _settings_of(type_, template))
    if field is None and "secret" in str(exc):  # a change that needs the secret again
        field = secret
    extra: dict[str, Any] = {}
    problems = getattr(exc, "problems", None)
    if problems:  # a Custom API definition: every problem, with its field
        extra["problems"] = [{"field": f, "message": m} for _line, f, m in problems]
    return problem_for(exc, server.redactor, field=field, **extra)
