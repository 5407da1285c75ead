"""Query parameters, declared once: the handlers parse requests with these declarations and
the OpenAPI document describes the same ones, so the two cannot drift apart.

Rules: integers are whole numbers >= their ``minimum`` (else 400 naming the parameter); an
integer above ``maximum`` is lowered to it, as JIRA lowers ``maxResults`` and says so in the
response's ``maxResults``. Booleans are ``true``/``false`` (any case). A list parameter takes
comma-separated values and may be repeated. An ``enum`` refuses other values (400). A repeated
scalar parameter uses its first value. Parameters nobody declared are ignored, as JIRA ignores
them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from distillr.sandbox.jira.errors import bad_request, shown


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # integer | string | boolean | array (of strings)
    description: str
    default: object = None
    minimum: int | None = None
    maximum: int | None = None
    enum: tuple[str, ...] | None = None
    format: str | None = None
    required: bool = False
    location: str = "query"

    def schema(self) -> dict:
        """This parameter's JSON Schema (OpenAPI 3.1)."""
        item: dict = {"type": "string"}
        if self.enum:
            item["enum"] = list(self.enum)
        if self.type == "array":
            out: dict = {"type": "array", "items": item}
        elif self.type == "string":
            out = dict(item)
        else:
            out = {"type": self.type}
        if self.format:
            out["format"] = self.format
        for key in ("minimum", "maximum", "default"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out

    def openapi(self) -> dict:
        out = {
            "name": self.name,
            "in": self.location,
            "description": self.description,
            "required": self.required or self.location == "path",
            "schema": self.schema(),
        }
        if self.type == "array":
            out["style"] = "form"
            out["explode"] = True
        return out


def start_at(description: str = "The index of the first item to return (0-based).") -> Param:
    return Param("startAt", "integer", description, default=0, minimum=0, format="int64")


def max_results(maximum: int, default: int = 50) -> Param:
    return Param(
        "maxResults",
        "integer",
        f"The most items to return per page (larger values are lowered to {maximum}).",
        default=default,
        minimum=0,
        maximum=maximum,
        format="int32",
    )


@dataclass
class Args:
    """The parsed query: declared parameters with their types and defaults."""

    values: dict[str, object] = field(default_factory=dict)

    def __getitem__(self, name: str):
        return self.values[name]

    def get(self, name: str, default=None):
        return self.values.get(name, default)


def parse(params: list[Param], query: list[tuple[str, str]], fail=bad_request) -> Args:
    """The declared parameters of ``query``; ``fail(message)`` makes the 400 to raise."""
    given: dict[str, list[str]] = {}
    for k, v in query:
        given.setdefault(k, []).append(v)
    out: dict[str, object] = {}
    for p in params:
        if p.location != "query":
            continue
        raw = given.get(p.name)
        if raw is None or (p.type != "array" and raw[0] == ""):
            if p.required:
                raise fail(f"The '{p.name}' parameter is required.")
            out[p.name] = p.default
            continue
        out[p.name] = _convert(p, raw, fail)
    return Args(out)


def _convert(p: Param, raw: list[str], fail):
    if p.type == "array":
        items = [x.strip() for v in raw for x in v.split(",") if x.strip()]
        for x in items:
            _check_enum(p, x, fail)
        return items
    text = raw[0].strip()
    if p.type == "integer":
        if not text.lstrip("-").isdigit() or len(text) > 12:
            raise fail(f"The '{p.name}' parameter must be a whole number, not {shown(text)}.")
        value = int(text)
        if p.minimum is not None and value < p.minimum:
            raise fail(f"The '{p.name}' parameter must be at least {p.minimum}, not {value}.")
        if p.maximum is not None:
            value = min(value, p.maximum)
        return value
    if p.type == "boolean":
        if text.lower() not in ("true", "false"):
            raise fail(f"The '{p.name}' parameter must be true or false, not {shown(text)}.")
        return text.lower() == "true"
    _check_enum(p, text, fail)
    return raw[0]


def _check_enum(p: Param, value: str, fail) -> None:
    if p.enum and value not in p.enum:
        raise fail(
            f"The '{p.name}' parameter does not take {shown(value)}; "
            f"use one of: {', '.join(p.enum)}."
        )
