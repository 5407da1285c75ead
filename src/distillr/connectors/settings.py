"""A connector type's settings, declared once on its class.

A :class:`Settings` is a tuple of :class:`Setting`: each has a name, a type, help text, and
flags: ``required``, ``secret`` (kept apart from the options and stored encrypted),
``identity`` (a change of it needs the secrets given again: pointing saved credentials at
another host or account must not reuse them). From this one declaration the CLI flags, the web
form, validation and the mapping of an error to its form field are generated;
:meth:`Settings.validate` checks options and secrets against it and raises
:class:`SettingError`, a ``ConfigError`` that names the ``field``.

Types (``Setting.type``): ``string``, ``integer``, ``number``, ``boolean``, ``url`` (checked by
:func:`~distillr.connectors.urls.check_base_url`), ``choice`` (one of ``choices``), ``mapping``
(an object), ``list``. Strings given for numbers or booleans (from a CLI or a form) are
converted; anything else of the wrong type is refused.

The same declaration describes the options of a strategy (a paginator, an auth scheme), so the
form for a Custom API can be generated from them as well.

A setting may carry a ``label`` and a ``placeholder`` for forms (the label defaults to its name
in words). ``Settings(..., modes=[Mode(...)])`` declares alternative ways to authenticate (an
auth token, or an API key and its secret): each :class:`Mode` lists the settings it uses; a
form shows one mode at a time, a CLI refuses settings of two modes at once, and choosing a mode
clears the options of the others. Settings in no mode belong to every mode.

>>> s = Settings([Setting("port", "integer", "the port", minimum=1, maximum=65535)])
>>> s.validate({"port": "8080"})
{'port': 8080}
>>> s.validate({"prot": 1})
Traceback (most recent call last):
...
distillr.connectors.settings.SettingError: Unknown setting 'prot'. Did you mean 'port'? ...
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from distillr.errors import ConfigError, did_you_mean

__all__ = ["TYPES", "Mode", "Setting", "SettingError", "Settings", "make_strategy"]

TYPES = frozenset({"string", "integer", "number", "boolean", "url", "choice", "mapping", "list"})
_TRUE = ("true", "1", "yes", "on")
#: words a label writes in capitals
_WORDS = {"api": "API", "url": "URL", "id": "ID", "sid": "SID", "oauth": "OAuth", "jql": "JQL"}
_FALSE = ("false", "0", "no", "off")


class SettingError(ConfigError):
    """A setting has a bad value; ``field`` names it (for a form to show it beside the field)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Setting:
    """One setting of a connector type or a strategy."""

    name: str
    type: str
    help: str
    required: bool = False
    default: Any = None
    secret: bool = False
    identity: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    #: how a form names the setting (default: its name in words) and an example value
    label: str = ""
    placeholder: str = ""
    #: extra validation: takes the converted value, returns it (maybe changed) or raises
    #: ``ValueError`` with a message
    check: Callable[[Any], Any] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"unknown setting type {self.type!r}; expected one of {sorted(TYPES)}")
        if self.type == "choice" and not self.choices:
            raise ValueError(f"setting {self.name!r} is a choice without choices")

    @property
    def title(self) -> str:
        """The label a form or prompt shows: ``label``, else the name in words (``api_token``:
        ``API token``)."""
        if self.label:
            return self.label
        words = [_WORDS.get(w, w) for w in self.name.split("_")]
        return " ".join([words[0][:1].upper() + words[0][1:], *words[1:]])

    @property
    def flag(self) -> str:
        """The CLI flag (``--max-concurrency``; a secret's is ``--NAME-env`` and friends)."""
        return "--" + self.name.replace("_", "-")

    def convert(self, value: Any) -> Any:
        """``value`` in this setting's type, or ``SettingError`` naming the field."""
        try:
            value = self._convert(value)
            if self.check is not None:
                value = self.check(value)
        except SettingError:
            raise
        except (ValueError, TypeError) as exc:
            text = str(exc)
            text = text if text.startswith(self.name) else f"{self.name}: {text}"
            raise SettingError(text, field=self.name) from None
        return value

    def _convert(self, value: Any) -> Any:
        t = self.type
        if t in ("string", "url"):
            if not isinstance(value, str):
                raise ValueError(f"must be text, not {_shown(value, self.secret)}")
            if t == "url":
                from distillr.connectors.urls import check_base_url

                return check_base_url(value, self.name)
            return value
        if t == "integer":
            number = _integer(value)
            self._bounds(number)
            return number
        if t == "number":
            if isinstance(value, bool):
                raise ValueError("must be a number, not true or false")
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise ValueError(f"must be a number, not {_shown(value)}") from None
            self._bounds(number)
            return number
        if t == "boolean":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
                return value.strip().lower() in _TRUE
            raise ValueError(f"must be true or false, not {_shown(value)}")
        if t == "choice":
            if value not in self.choices:
                hint = did_you_mean(str(value), self.choices)
                raise ValueError(
                    f"must be one of {', '.join(self.choices)}, not {_shown(value)}.{hint}"
                )
            return value
        if t == "mapping":
            if not isinstance(value, Mapping):
                raise ValueError(f"must be a mapping (key: value), not {_shown(value)}")
            return dict(value)
        if not isinstance(value, (list, tuple)):
            raise ValueError(f"must be a list, not {_shown(value)}")
        return list(value)

    def _bounds(self, number: float) -> None:
        if self.minimum is not None and number < self.minimum:
            raise ValueError(f"must be at least {_num(self.minimum)}, not {_num(number)}")
        if self.maximum is not None and number > self.maximum:
            raise ValueError(f"must be at most {_num(self.maximum)}, not {_num(number)}")

    def to_dict(self) -> dict[str, Any]:
        """The declaration as plain data (for a web form or ``--help`` generated from it)."""
        out: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "help": self.help,
            "label": self.title,
        }
        if self.placeholder:
            out["placeholder"] = self.placeholder
        for key in ("required", "secret", "identity"):
            if getattr(self, key):
                out[key] = True
        if self.default is not None:
            out["default"] = self.default
        if self.choices:
            out["choices"] = list(self.choices)
        if self.minimum is not None:
            out["minimum"] = self.minimum
        if self.maximum is not None:
            out["maximum"] = self.maximum
        return out


@dataclass(frozen=True)
class Mode:
    """One way to authenticate: the settings it uses (options and secrets)."""

    id: str
    label: str
    settings: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "settings": list(self.settings)}


class Settings(tuple[Setting, ...]):
    """Every setting of one connector type (or strategy), in form order, and its ``modes``."""

    modes: tuple[Mode, ...]

    def __new__(cls, settings: Iterable[Setting] = (), modes: Iterable[Mode] = ()) -> Settings:
        items = tuple(settings)
        names = [s.name for s in items]
        if len(set(names)) != len(names):
            raise ValueError(f"settings declared twice: {names}")
        self = super().__new__(cls, items)
        self.modes = tuple(modes)
        for m in self.modes:
            unknown = [n for n in m.settings if n not in names]
            if unknown:
                raise ValueError(f"mode {m.id!r} names unknown settings {unknown}")
        return self

    def mode_of(self, name: str) -> Mode | None:
        """The mode a setting belongs to (``None``: every mode)."""
        return next((m for m in self.modes if name in m.settings), None)

    def get(self, name: str) -> Setting | None:
        return next((s for s in self if s.name == name), None)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self)

    @property
    def options(self) -> tuple[Setting, ...]:
        return tuple(s for s in self if not s.secret)

    @property
    def secrets(self) -> tuple[Setting, ...]:
        return tuple(s for s in self if s.secret)

    @property
    def identity(self) -> tuple[str, ...]:
        """Names of the settings whose change needs the secrets again."""
        return tuple(s.name for s in self if s.identity)

    def validate(
        self,
        options: Mapping[str, Any],
        secrets: Mapping[str, Any] | None = None,
        *,
        what: str = "setting",
        defaults: bool = False,
    ) -> dict[str, Any]:
        """Options (and secrets, if given) checked and converted, as one dict.

        Unknown names, secrets given as options (and the other way round), missing required
        settings and bad values raise :class:`SettingError` naming the field. With
        ``defaults``, settings left out get their default."""
        out: dict[str, Any] = {}
        given = [(k, v, False) for k, v in options.items()]
        given += [(k, v, True) for k, v in (secrets or {}).items()]
        for key, value, as_secret in given:
            s = self.get(key)
            if s is None:
                known = [x.name for x in (self.secrets if as_secret else self.options)]
                listed = ", ".join(known) or "none"
                kind = "secret" if as_secret else what
                raise SettingError(
                    f"Unknown {kind} '{key}'.{did_you_mean(key, known)} Valid {kind}s: {listed}.",
                    field=key,
                )
            if s.secret and not as_secret:
                raise SettingError(
                    f"'{key}' is a secret: give it as a secret, not as an option (it would be"
                    " stored and shown in clear).",
                    field=key,
                )
            if as_secret and not s.secret:
                raise SettingError(f"'{key}' is an option, not a secret.", field=key)
            if value is None:
                continue
            out[key] = s.convert(value)
        for s in self:
            if s.name in out:
                continue
            if s.required and not (s.secret and secrets is None):
                raise SettingError(f"{s.name} is required: {s.help}.", field=s.name)
            if defaults and s.default is not None:
                out[s.name] = s.default
        return out

    def to_list(self) -> list[dict[str, Any]]:
        out = []
        for s in self:
            item = s.to_dict()
            mode = self.mode_of(s.name)
            if mode is not None:
                item["mode"] = mode.id
            out.append(item)
        return out


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("must be a whole number, not true or false")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value.strip())
    raise ValueError(f"must be a whole number, not {_shown(value)}")


def _num(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _shown(value: Any, secret: bool = False) -> str:
    if secret:
        return "the value given"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def make_strategy(family: str, kinds: Mapping[str, type], spec: Any, base: type) -> Any:
    """One strategy of a family (paginators, auth schemes) from a name, a dict or an instance.

    ``kinds`` maps each name to its class; a class declares its options as ``settings`` (a
    :class:`Settings`) and is built with them as keyword arguments. A dict names its kind under
    ``type``. A wrong name lists the valid ones.
    """
    if isinstance(spec, base):
        return spec
    if isinstance(spec, str):
        name, options = spec, {}
    elif isinstance(spec, Mapping):
        options = dict(spec)
        name = options.pop("type", None)
        if not isinstance(name, str):
            raise SettingError(f"A {family} needs a type: one of {', '.join(kinds)}.", field="type")
    else:
        raise SettingError(
            f"A {family} is a name ({', '.join(kinds)}) or a mapping with a type, not"
            f" {_shown(spec)}.",
            field="type",
        )
    cls = kinds.get(name)
    if cls is None:
        raise SettingError(
            f"Unknown {family} '{name}'.{did_you_mean(name, kinds)} Valid {family}s:"
            f" {', '.join(kinds)}.",
            field="type",
        )
    declared: Settings = cls.settings
    values = declared.validate(options, what=f"{name} {family} option")
    return cls(**values)
