"""A spec's operations as a Custom API definition, and the report of what was made.

Every GET operation whose success answer is JSON records becomes an endpoint: a top-level
array, an object with one array of objects (that property is the data path; with several,
the one named ``data``, ``items``, ``values``, ``results``, ``records`` or like the path's
last segment), or one object (a single record: ``/items/{id}``, or an object without such an
array). Operations left out are listed with the reason. See :func:`import_openapi`.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from distillr.connectors.rest.definition import SourceDef
from distillr.connectors.rest.loading import load_definition
from distillr.connectors.rest.openapi.auth import auth_of
from distillr.connectors.rest.openapi.columns import properties, record_columns
from distillr.connectors.rest.openapi.naming import EXT as _EXT
from distillr.connectors.rest.openapi.naming import assign, plain_name, short_path, snake
from distillr.connectors.rest.openapi.paging import PAGING_NAMES, detect
from distillr.connectors.rest.openapi.params import convert
from distillr.connectors.rest.openapi.report import Report, Skipped, TableReport
from distillr.connectors.rest.openapi.spec import (
    OpenApiError,
    Operation,
    SkipOperation,
    Spec,
    Unresolved,
)
from distillr.connectors.rest.tables import path_alias
from distillr.errors import DistillrError

__all__ = ["MALFORMED", "Imported", "import_openapi", "make_definition"]

#: error message fields the connector's usual places (message, detail ...) miss
_ERROR_FIELDS = ("errorMessages", "errorMessage", "error_message")
#: what a part of a spec of the wrong shape raises (a list where a mapping belongs ...)
MALFORMED = (AttributeError, TypeError, ValueError, KeyError, IndexError, RecursionError)
_LIST_KEYS = ("data", "items", "values", "results", "records", "entries", "elements")


@dataclass
class Imported:
    """An import's definition (a dict, validated) and its report."""

    definition: dict[str, Any]
    report: Report
    #: the auth scheme's options the import still needs (``username``), with their help
    missing: dict[str, str]

    def source_def(self) -> SourceDef:
        """The definition, ready to save; an :class:`OpenApiError` says what is still needed."""
        if not self.definition.get("base_url"):
            raise OpenApiError(
                "The spec names no absolute server URL: give the API's base URL (--base-url).",
                self.report,
            )
        if self.missing:
            wanted = ", ".join(f"{k} ({h})" for k, h in self.missing.items())
            raise OpenApiError(
                f"The spec's auth is {self.report.auth}: give its {wanted} as an option"
                f" (--option {next(iter(self.missing))}=...).",
                self.report,
            )
        return load_definition(self.definition, "the imported definition")


def _matches(op: Operation, short: str, patterns: Iterable[str]) -> str | None:
    forms = {op.path.lower(), short.lower(), path_alias(short).lower()}
    tags = {t.lower() for t in op.tags}
    for pattern in patterns:
        low = pattern.lower()
        if "/" in low or "*" in low:
            if any(fnmatch.fnmatchcase(f, low) for f in forms):
                return pattern
        elif low in tags or low == str(op.op.get("operationId", "")).lower():
            return pattern
    return None


def _records(spec: Spec, path: str, schema: Any) -> tuple[str | None, Any]:
    """(data path, record schema) of a response schema; ``SkipOperation`` if none."""
    resolved = spec.deref(schema)
    if not isinstance(resolved, dict):
        raise SkipOperation("its response has no schema")
    kind = resolved.get("type")
    if kind == "array" or (isinstance(kind, list) and "array" in kind) or "items" in resolved:
        return None, resolved.get("items") or {}
    if _EXT.sub("", path.rstrip("/")).endswith("}"):
        return None, resolved  # one record: /items/{id}, /Calls/{Sid}.json
    props = properties(spec, resolved)
    arrays = {
        k: spec.deref(spec.deref(p).get("items"))
        for k, (p, _) in props.items()
        if _is_list(spec, p)
    }
    if not arrays:
        for key, (prop, _) in props.items():
            inner = properties(spec, prop)
            found = [k for k, (p, _) in inner.items() if _is_list(spec, p)]
            if len(found) == 1 and spec.deref(prop).get("type", "object") == "object":
                return f"{key}.{found[0]}", spec.deref(inner[found[0]][0]).get("items")
        return None, resolved
    if len(arrays) == 1:
        key = next(iter(arrays))
        return key, arrays[key]
    last = snake(short_path(path).rsplit("/", 1)[-1])
    for key in arrays:
        if key.lower() in _LIST_KEYS or snake(key) == last:
            return key, arrays[key]
    raise SkipOperation(f"its answer holds several lists ({', '.join(arrays)}) and none is named")


def _is_list(spec: Spec, prop: Any) -> bool:
    prop = spec.deref(prop)
    if not isinstance(prop, dict) or prop.get("type") not in ("array", ["array", "null"]):
        return False
    items = spec.deref(prop.get("items"))
    return isinstance(items, dict) and (
        items.get("type") == "object" or "properties" in items or "allOf" in items
    )


def _body_fields(spec: Spec, schema: Any) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    resolved = spec.deref(schema)
    if not isinstance(resolved, dict) or resolved.get("type") == "array":
        return {}, {}
    props = {k: p for k, (p, _) in properties(spec, resolved).items()}
    nested = {}
    for key, prop in props.items():
        inner = properties(spec, prop)
        if inner:
            nested[key] = {
                k: {"href": "href" in properties(spec, p)} for k, (p, _) in inner.items()
            }
    return props, nested


def _endpoint(spec: Spec, op: Operation, defaults: Mapping[str, str]) -> dict[str, Any]:
    """One operation as an endpoint (without its name), or ``SkipOperation``."""
    if "?" in op.path or "#" in op.path:
        raise SkipOperation("its path has a query string")
    code, response = spec.success(op)
    if response is None:
        raise SkipOperation("it has no success (2xx) response")
    schema = spec.response_schema(op, response)
    if schema is None:
        raise SkipOperation(f"its {code} answer is not JSON, or has no schema")
    spec.start()
    data_path, record = _records(spec, op.path, schema)
    found = record_columns(spec, record)
    if found is None:
        raise SkipOperation("its records are not objects")
    columns, notes = found
    raw = spec.parameters(op)
    query = {str(p["name"]): spec.param_schema(p) for p in raw if p.get("in") == "query"}
    props, nested = _body_fields(spec, schema) if data_path else ({}, {})
    paginator = None
    if data_path is not None or spec.deref(schema).get("type") == "array":
        headers = spec.response_headers(response)
        paginator = detect(query, props, nested, headers, data_path)
    paging = {n.lower() for n in query if n.lower() in PAGING_NAMES} if paginator else set()
    params, shown = convert(spec, op.path, raw, columns, paging, dict(defaults))
    for p in params:  # a filter's enum (JIRA's board type) shows on its column
        column = p.get("column", p["name"])
        if column in columns and p.get("description") and column not in notes:
            notes[column] = p["description"]
    url = op.path
    for p in params:
        if p.get("location") == "path" and p["name"] in defaults:
            value = str(defaults[p["name"]])
            url = url.replace("{" + p["name"] + "}", "{" + p["name"] + "=" + value + "}")
    summary = " ".join(str(op.op.get("summary") or op.op.get("description") or "").split())
    out: dict[str, Any] = {
        "url": url,
        "description": (f"{summary} " if summary else "") + f"(GET {op.path})",
        "params": params,
        "schema": columns,
    }
    if data_path:
        out["data_path"] = data_path
    if paginator:
        out["paginator"] = paginator
    if notes:
        out["descriptions"] = notes
    out["_shown"] = shown
    return out


def _error_path(spec: Spec, operations: list[Operation]) -> str | None:
    """Where the spec's error answers give their message, when the usual places do not."""
    for op in operations:
        for code, response in (op.op.get("responses") or {}).items():
            if not str(code).startswith(("4", "5")) and code != "default":
                continue
            try:
                schema = spec.response_schema(op, spec.deref(response) or {})
                names = set(properties(spec, schema)) if schema else set()
            except Unresolved:
                continue
            for name in _ERROR_FIELDS:
                if name in names:
                    return name
    return None


def _paginator_text(p: Any) -> str:
    if not p:
        return "none"
    if isinstance(p, str):
        return p
    opts = ", ".join(f"{k}={v}" for k, v in p.items() if k != "type" and v is not None)
    return f"{p['type']} ({opts})" if opts else str(p["type"])


def import_openapi(spec: Spec, **choices: Any) -> Imported:
    """A definition from a loaded spec, with its report (see :func:`make_definition` for the
    choices). A spec shaped otherwise than OpenAPI says is an :class:`OpenApiError`."""
    try:
        return make_definition(spec, **choices)
    except DistillrError:
        raise  # already clear (some are ValueErrors too)
    except Unresolved as exc:
        raise OpenApiError(f"{spec.origin} refers to {exc.ref}, which it does not have.") from None
    except MALFORMED as exc:
        raise OpenApiError(
            f"{spec.origin} is not shaped as OpenAPI {spec.version} says"
            f" ({type(exc).__name__}: {exc}). Check it with an OpenAPI validator."
        ) from None


def make_definition(
    spec: Spec,
    *,
    base_url: str | None = None,
    include: Iterable[str] = (),
    exclude: Iterable[str] = (),
    params: Mapping[str, str] | None = None,
    options: Mapping[str, str] | None = None,
    paginators: Mapping[str, Any] | None = None,
) -> Imported:
    """A definition from a loaded spec, with its report.

    ``base_url`` overrides the spec's servers; ``include``/``exclude`` are path globs
    (``/2010-04-01/Accounts/*/Calls*``, matched against the whole and the short path), tags
    or operation ids; ``params`` gives parameters a value for the whole source (Twilio's
    ``AccountSid``: its tables then need no ``WHERE AccountSid = ...``); ``options`` fills the
    auth scheme's options (``username``); ``paginators`` overrides the detected paginator per
    table name. A spec with no table to make is an :class:`OpenApiError` with the report.
    """
    include, exclude = list(include), list(exclude)
    defaults = dict(params or {})
    servers = spec.servers()
    absolute = [s for s in servers if s.startswith(("http://", "https://"))]
    base = base_url or (absolute[0] if absolute else None)
    auth, auth_text, missing = auth_of(spec, dict(options or {}))
    report = Report(spec.title, spec.version, base, auth_text)
    made: dict[str, tuple[Operation, dict[str, Any]]] = {}
    for op in spec.operations():
        short = short_path(op.path, defaults)
        if op.method != "GET":
            report.skipped.append(Skipped(op.method, op.path, "only GET operations are tables"))
            continue
        if include and not _matches(op, short, include):
            report.skipped.append(Skipped(op.method, op.path, "not included"))
            continue
        hit = _matches(op, short, exclude)
        if hit:
            report.skipped.append(Skipped(op.method, op.path, f"excluded by {hit}"))
            continue
        try:
            made[f"{op.method} {op.path}"] = (op, _endpoint(spec, op, defaults))
        except Unresolved as exc:
            report.skipped.append(Skipped(op.method, op.path, exc.reason()))
        except SkipOperation as exc:
            report.skipped.append(Skipped(op.method, op.path, str(exc)))
        except DistillrError:
            raise
        except MALFORMED as exc:
            reason = f"it is not shaped as OpenAPI says ({type(exc).__name__}: {exc})"
            report.skipped.append(Skipped(op.method, op.path, reason))
    wanted = []
    for key, (op, _) in made.items():
        short = short_path(op.path, defaults)
        wanted.append((key, path_alias(op.path), path_alias(short), plain_name(short)))
    names = assign(wanted)
    endpoints = []
    for key, (op, ep) in sorted(made.items(), key=lambda kv: names[kv[0]][0]):
        name, alias = names[key]
        ep = {"name": name, **ep}
        shown = ep.pop("_shown")
        if alias and alias.lower() != path_alias(op.path).lower():
            ep["aliases"] = [alias]
        if paginators and name in paginators:
            ep["paginator"] = paginators[name]
        endpoints.append(ep)
        report.tables.append(
            TableReport(
                name,
                tuple(ep.get("aliases", [])) + (path_alias(op.path),),
                op.method,
                op.path,
                ep["description"],
                tuple(shown),
                _paginator_text(ep.get("paginator")),
                ep.get("data_path"),
                len(ep["schema"]),
                op.tags,
            )
        )
    _notes(report, defaults, endpoints, paginators)
    if not endpoints:
        raise OpenApiError(
            f"{spec.origin} has no operation that can be a table ({len(report.skipped)}"
            " skipped; each is listed with its reason). Nothing was saved.",
            report,
        )
    definition: dict[str, Any] = {"base_url": base, "description": spec.description[:500]}
    if auth:
        definition["auth"] = auth
    error_path = _error_path(spec, [op for op, _ in made.values()])
    if error_path:
        definition["error_path"] = error_path
    definition["endpoints"] = endpoints
    if not missing and base:
        load_definition(definition, "the imported definition")  # fails here, not at save
    return Imported(definition, report, missing)


def _notes(report: Report, defaults, endpoints, paginators) -> None:
    urls = " ".join(ep["url"] for ep in endpoints)
    named = " ".join(" ".join(p["name"] for p in ep["params"]) for ep in endpoints)
    for name in defaults:
        if "{" + name not in urls and name not in named.split():
            report.notes.append(f"no table has a parameter {name}")
    for name in paginators or {}:
        if name not in {ep["name"] for ep in endpoints}:
            report.notes.append(f"a paginator was given for {name}, which is not a table")
