"""Load a Custom API definition from a YAML or JSON file, text or a dict; export it as YAML.

Every problem is reported at once, as ``file, line N, endpoints[0].paginator: message``, in
a :class:`DefinitionError` (a ``ConfigError``) whose ``problems`` list the same as
``(line, field, message)`` for a form to show beside its fields. Unknown fields say what they
could have meant. Export writes the definition back without secrets (they are never in it).
"""

from __future__ import annotations

import json
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from distillr.connectors.rest.definition import SourceDef
from distillr.errors import ConfigError, did_you_mean

__all__ = ["DefinitionError", "dump_yaml", "load_definition", "load_file", "load_text"]

_MAX_SHOWN = 8


class DefinitionError(ConfigError):
    """A definition that does not validate; ``problems`` holds ``(line, field, message)``."""

    def __init__(self, message: str, problems: list[tuple[int | None, str, str]]) -> None:
        super().__init__(message)
        self.problems = problems


def load_definition(data: Any, source: str = "the definition") -> SourceDef:
    """A definition from a dict (or a :class:`SourceDef`, returned as is)."""
    if isinstance(data, SourceDef):
        return data
    return _validate(data, source, {})


def load_file(path: str | Path) -> SourceDef:
    """A definition from a ``.yaml``/``.yml`` or ``.json`` file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"Cannot read the definition file {p}: {exc.strerror or exc}.") from None
    return load_text(text, p.name, json_format=p.suffix.lower() == ".json")


def load_text(text: str, source: str = "the definition", json_format: bool = False) -> SourceDef:
    """A definition from YAML (or JSON) text; ``source`` names it in messages."""
    if json_format:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DefinitionError(
                f"{source}, line {exc.lineno}: not valid JSON: {exc.msg}.",
                [(exc.lineno, "", exc.msg)],
            ) from None
    else:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            what = getattr(exc, "problem", None) or str(exc)
            where = f", line {line}" if line else ""
            raise DefinitionError(
                f"{source}{where}: not valid YAML: {what}.", [(line, "", str(what))]
            ) from None
    return _validate(data, source, _positions(text))


def _validate(data: Any, source: str, lines: Mapping[tuple[Any, ...], int]) -> SourceDef:
    if not isinstance(data, Mapping):
        raise DefinitionError(
            f"{source}: a definition is a mapping with base_url and endpoints, not"
            f" {type(data).__name__}.",
            [(None, "", "not a mapping")],
        )
    try:
        return SourceDef.model_validate(dict(data))
    except ValidationError as exc:
        problems = [_problem(err, lines) for err in exc.errors()]
    shown = []
    for line, field, message in problems[:_MAX_SHOWN]:
        where = f", line {line}" if line else ""
        shown.append(f"{source}{where}, {field or 'top level'}: {message}")
    more = len(problems) - _MAX_SHOWN
    text = "\n".join(shown) + (f"\n(and {more} more)" if more > 0 else "")
    head = "The Custom API definition is not valid:" if len(shown) > 1 else ""
    raise DefinitionError(f"{head}\n{text}".strip(), problems) from None


def _problem(
    err: Mapping[str, Any], lines: Mapping[tuple[Any, ...], int]
) -> tuple[int | None, str, str]:
    loc = tuple(err.get("loc", ()))
    kind = err.get("type", "")
    # pydantic names a union member or a validator step in the location: drop those
    loc = tuple(
        x for x in loc if not (isinstance(x, str) and ("[" in x or x.startswith("function")))
    )
    field = _dotted(loc)
    message = str(err.get("msg", "invalid"))
    if kind == "extra_forbidden":
        name = str(loc[-1]) if loc else "?"
        known = _fields_at(loc[:-1])
        message = f"unknown field '{name}'.{did_you_mean(name, known)}"
        if known:
            message += f" Fields here: {', '.join(known)}."
    elif message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    elif kind == "missing":
        message = "required field missing"
    line = None
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            line = lines[loc[:n]]
            break
    return line, field, message.rstrip(".") + "."


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for x in loc:
        out += f"[{x}]" if isinstance(x, int) else (f".{x}" if out else str(x))
    return out


def _fields_at(loc: tuple[Any, ...]) -> list[str]:
    """The field names of the model at a location (for "did you mean")."""
    model: Any = SourceDef
    for step in loc:
        if isinstance(step, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return []
        info = model.model_fields.get(step) or next(
            (f for f in model.model_fields.values() if f.alias == step), None
        )
        if info is None:
            return []
        model = _model_in(info.annotation)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [f.alias or name for name, f in model.model_fields.items()]
    return []


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _positions(text: str) -> dict[tuple[Any, ...], int]:
    """Every key's and list item's line (1-based), by its path, from the YAML node tree
    (JSON is YAML too)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    out: dict[tuple[Any, ...], int] = {}

    def walk(node: Any, path: tuple[Any, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                here = (*path, key.value)
                out.setdefault(here, key.start_mark.line + 1)
                walk(value, here)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                out.setdefault((*path, i), item.start_mark.line + 1)
                walk(item, (*path, i))

    if root is not None:
        out[()] = root.start_mark.line + 1
        walk(root, ())
    return out


def dump_yaml(definition: SourceDef) -> str:
    """The definition as YAML, in its fields' order, without defaults or secrets."""
    return yaml.safe_dump(
        definition.to_dict(),
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=None,
        width=100,
    )
