"""An OpenAPI document, loaded and made uniform: OpenAPI 3.0, 3.1 and Swagger 2.0.

:func:`load_spec` reads a file or an ``http(s)`` URL, JSON or YAML (PyYAML's safe loader), and
:func:`parse_spec` text already read; both give a :class:`Spec`. A :class:`Spec` answers the
few questions the import asks in the same way for every version: the operations, a parameter's
schema, an operation's success response (its schema and headers), the servers and the security
schemes. ``$ref`` is resolved with the ``referencing`` library (JSON pointers into the document;
relative file references beside a spec read from a file); a reference that leads nowhere is an
:class:`Unresolved` naming it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import yaml
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT4, DRAFT202012

from distillr.errors import ConfigError

__all__ = [
    "MAX_FIELDS",
    "METHODS",
    "OpenApiError",
    "Operation",
    "SkipOperation",
    "Spec",
    "Unresolved",
    "load_spec",
    "parse_spec",
]

#: the HTTP methods a path item may hold
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
#: the most schema nodes one operation's columns may take (YAML aliases can nest widely)
MAX_FIELDS = 20_000
#: the largest spec read from a URL or an upload (bytes)
MAX_SPEC_BYTES = 50_000_000
_JSON_TYPES = ("application/json", "application/vnd.api+json", "text/json", "*/*")
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class OpenApiError(ConfigError):
    """A spec that cannot be imported; ``report`` holds the import report when there is one."""

    def __init__(self, message: str, report: Any = None) -> None:
        super().__init__(message)
        self.report = report


class SkipOperation(Exception):
    """The operation cannot be a table; the message says why."""


class Unresolved(Exception):
    """A ``$ref`` that leads nowhere (caught per operation: the operation is skipped)."""

    def __init__(self, ref: str) -> None:
        super().__init__(ref)
        self.ref = ref

    def reason(self) -> str:
        return f"it refers to {self.ref}, which the spec does not have"


@dataclass(frozen=True)
class Operation:
    """One operation of the spec: its method, path, and the operation object itself."""

    method: str
    path: str
    op: dict[str, Any]
    #: the path item's own parameters (shared by its operations)
    shared: tuple[dict[str, Any], ...] = ()

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(str(t) for t in self.op.get("tags") or ())


@dataclass
class Spec:
    """A loaded spec: the document, where it came from, and its ``$ref`` resolver."""

    data: dict[str, Any]
    origin: str = "the spec"
    #: the URL it was fetched from (relative servers resolve against it), if any
    url: str | None = None
    #: the file it was read from: relative file references resolve beside it (only then)
    path: Path | None = None
    version: str = field(init=False)
    swagger: bool = field(init=False)

    def __post_init__(self) -> None:
        self.version, self.swagger = _version(self.data, self.origin)
        kind = DRAFT4 if self.swagger or self.version.startswith("3.0") else DRAFT202012
        uri = self.url or (self.path.resolve().as_uri() if self.path is not None else "")
        resource = Resource(contents=self.data, specification=kind)
        base = uri or "urn:distillr:spec"
        registry = Registry(retrieve=_retriever(uri, kind)).with_resource(base, resource)
        self._resolver = registry.resolver(base_uri=base)
        self._visits = 0

    def start(self) -> None:
        """Start counting the schema nodes of one operation (see :meth:`visit`)."""
        self._visits = 0

    def visit(self) -> None:
        """Count one schema node; past :data:`MAX_FIELDS` the operation is skipped."""
        self._visits += 1
        if self._visits > MAX_FIELDS:
            raise SkipOperation(f"its schema has more than {MAX_FIELDS:,} fields")

    # --- $ref ---------------------------------------------------------------------------
    def resolve(self, node: Any, seen: tuple[str, ...] = ()) -> tuple[Any, tuple[str, ...]]:
        """``node`` with its ``$ref`` chain followed; also the refs followed (for cycles)."""
        hops = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen or hops > 64:
                return {"x-distillr-cycle": ref}, seen
            try:
                found = self._resolver.lookup(ref)
            except Unresolvable:
                raise Unresolved(ref) from None
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            node = {**found.contents, **siblings} if siblings else found.contents
            seen = (*seen, ref)
            hops += 1
        return node, seen

    def deref(self, node: Any) -> Any:
        return self.resolve(node)[0]

    # --- structure ----------------------------------------------------------------------
    @property
    def title(self) -> str:
        return str((self.data.get("info") or {}).get("title") or "")

    @property
    def description(self) -> str:
        info = self.data.get("info") or {}
        return str(info.get("description") or info.get("title") or "")

    def operations(self) -> Iterator[Operation]:
        paths = self.data.get("paths") or {}
        if not isinstance(paths, dict):
            raise OpenApiError(f"{self.origin}: 'paths' is not a mapping of paths to operations.")
        for path, item in paths.items():
            item = self.deref(item)
            if not isinstance(item, dict):
                continue
            shared = tuple(p for p in item.get("parameters") or () if isinstance(p, dict))
            for method in METHODS:
                op = item.get(method)
                if isinstance(op, dict):
                    yield Operation(method.upper(), str(path), op, shared)

    def parameters(self, operation: Operation) -> list[dict[str, Any]]:
        """The operation's parameters (resolved; its own win over the path item's)."""
        out: dict[tuple[str, str], dict[str, Any]] = {}
        for raw in [*operation.shared, *(operation.op.get("parameters") or ())]:
            p = self.deref(raw)
            if isinstance(p, dict) and "name" in p:
                out[(str(p["name"]), str(p.get("in", "")))] = p
        return list(out.values())

    def param_schema(self, param: dict[str, Any]) -> dict[str, Any]:
        """A parameter's schema (Swagger 2.0 keeps it on the parameter itself)."""
        if "schema" in param:
            return self.deref(param["schema"]) or {}
        if "content" in param:  # OpenAPI 3: a parameter given by media type
            for media in (param["content"] or {}).values():
                return self.deref((media or {}).get("schema")) or {}
        keys = ("type", "format", "enum", "items", "default", "minimum", "maximum")
        return {k: param[k] for k in keys if k in param}

    def success(self, operation: Operation) -> tuple[str | None, dict[str, Any] | None]:
        """The success response's status code and the response object (resolved)."""
        responses = operation.op.get("responses") or {}
        for code in ("200", "201", "203", "206", "2XX", "2xx", "default"):
            for key in (code, int(code) if code.isdigit() else code):
                if key in responses:
                    return code, self.deref(responses[key])
        return None, None

    def response_schema(self, operation: Operation, response: dict[str, Any]) -> Any:
        """The JSON schema of a response, or ``None`` when it has no JSON body."""
        if self.swagger:
            produces = operation.op.get("produces") or self.data.get("produces") or []
            if produces and not any(_json_type(t) for t in produces):
                return None
            return response.get("schema")
        content = response.get("content") or {}
        for media, body in content.items():
            if _json_type(media) and isinstance(body, dict) and "schema" in body:
                return body["schema"]
        return None

    def response_headers(self, response: dict[str, Any]) -> set[str]:
        return {str(h).lower() for h in (response.get("headers") or {})}

    def servers(self) -> list[str]:
        """The spec's server URLs (variables filled with their defaults), absolute if it can."""
        if self.swagger:
            host = self.data.get("host")
            base = str(self.data.get("basePath") or "")
            if not host:
                return [urljoin(self.url, base or "/")] if self.url else []
            schemes = self.data.get("schemes") or ["https"]
            scheme = "https" if "https" in schemes else str(schemes[0])
            return [f"{scheme}://{host}{base}"]
        out = []
        for server in self.data.get("servers") or ():
            if not isinstance(server, dict) or not server.get("url"):
                continue
            url = str(server["url"])
            for name, var in (server.get("variables") or {}).items():
                url = url.replace("{" + name + "}", str((var or {}).get("default", "")))
            if not urlsplit(url).scheme and self.url:
                url = urljoin(self.url, url)
            out.append(url)
        return out

    def security_schemes(self) -> dict[str, dict[str, Any]]:
        if self.swagger:
            found = self.data.get("securityDefinitions") or {}
        else:
            found = (self.data.get("components") or {}).get("securitySchemes") or {}
        return {str(k): self.deref(v) for k, v in found.items() if isinstance(v, dict)}


def _json_type(media: str) -> bool:
    media = media.split(";")[0].strip().lower()
    return media in _JSON_TYPES or media.endswith("+json")


def _version(data: dict[str, Any], origin: str) -> tuple[str, bool]:
    if "swagger" in data:
        version = str(data["swagger"])
        if not version.startswith("2."):
            raise OpenApiError(
                f"{origin}: Swagger {version} is not supported; use 2.0 or OpenAPI 3."
            )
        return version, True
    if "openapi" in data:
        version = str(data["openapi"])
        if not version.startswith(("3.0", "3.1")):
            raise OpenApiError(
                f"{origin}: OpenAPI {version} is not supported; distillr reads 3.0, 3.1 and"
                " Swagger 2.0."
            )
        return version, False
    raise OpenApiError(
        f"{origin} is not an OpenAPI document: it has neither an 'openapi' nor a 'swagger'"
        " field at the top. Give the API's OpenAPI (or Swagger 2.0) spec."
    )


def _retriever(base: str, kind: Any):
    """Retrieve other files a spec read from disk refers to (never URLs: no surprise fetches)."""

    def retrieve(uri: str) -> Resource:
        parts = urlsplit(uri)
        if parts.scheme != "file" or not base.startswith("file:"):
            raise Unresolvable(uri)
        path = Path(parts.path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            raise Unresolvable(uri) from None
        return Resource(contents=_parse(text, path.name), specification=kind)

    return retrieve


def _parse(text: str, origin: str) -> Any:
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise OpenApiError(
                f"{origin}, line {exc.lineno}: not valid JSON: {exc.msg}. Check the file is the"
                " whole spec, not cut short."
            ) from None
    try:
        return yaml.load(text, Loader=_SAFE_LOADER)  # the safe loader (C if built)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        what = getattr(exc, "problem", None) or "it does not parse"
        raise OpenApiError(f"{origin}{where}: not valid YAML or JSON: {what}.") from None


def parse_spec(
    text: str | bytes, origin: str = "the spec", url: str | None = None, path: Path | None = None
) -> Spec:
    """A :class:`Spec` from JSON or YAML text; ``origin`` names it in messages. Only with
    ``path`` (the file it was read from) do references to other files resolve."""
    if isinstance(text, bytes):
        if len(text) > MAX_SPEC_BYTES:
            raise OpenApiError(f"{origin} is larger than {MAX_SPEC_BYTES // 1_000_000} MB.")
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise OpenApiError(f"{origin} is not UTF-8 text (JSON or YAML).") from None
    data = _parse(text, origin)
    if not isinstance(data, dict):
        raise OpenApiError(
            f"{origin} is not an OpenAPI document: its top level is a"
            f" {type(data).__name__}, not a mapping with 'openapi' (or 'swagger') and 'paths'."
        )
    return Spec(data, origin, url, path)


def load_spec(location: str | Path, timeout: float = 30.0) -> Spec:
    """A :class:`Spec` from a file path or an ``http(s)://`` URL."""
    text = str(location)
    if text.startswith(("http://", "https://")):
        return parse_spec(_download(text, timeout), _shown(text), url=text)
    path = Path(text)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise OpenApiError(f"Cannot read the spec {path}: {exc.strerror or exc}.") from None
    return parse_spec(data, str(path), path=path)


def _shown(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def _download(url: str, timeout: float) -> bytes:
    import httpx

    shown = _shown(url)
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=True) as client,
            client.stream("GET", url, headers={"Accept": "application/json, */*"}) as resp,
        ):
            if resp.status_code >= 400:
                raise OpenApiError(f"Fetching the spec {shown} answered HTTP {resp.status_code}.")
            chunks, size = [], 0
            for chunk in resp.iter_bytes():
                size += len(chunk)
                if size > MAX_SPEC_BYTES:
                    raise OpenApiError(f"The spec at {shown} is larger than 50 MB.")
                chunks.append(chunk)
            return b"".join(chunks)
    except httpx.HTTPError as exc:
        raise OpenApiError(f"Cannot fetch the spec {shown}: {type(exc).__name__}.") from None
