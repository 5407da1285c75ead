"""A source's definition as it travels to Spark executors: type and options, and where its
secrets come from.

The driver knows a source from its registry. Executors on other machines have no registry, so
the driver hands each reader a :class:`SourceDef` (picklable): the type, the options (never a
secret) and the names of the secrets. The values are looked up on the executor, in order:

1. the environment variable ``DISTILLR_SECRET_<SOURCE>_<NAME>`` (upper case, anything but
   letters and digits as ``_``), set on executors with ``spark.executorEnv.<VAR>``;
2. the values the driver shipped (``register(spark, ship_secrets=True)``, the default): they
   travel inside the pickled reader, as Spark ships Python code, and never in a data source
   option, the plan or EXPLAIN.

>>> env_name("my_twilio", "auth_token")
'DISTILLR_SECRET_MY_TWILIO_AUTH_TOKEN'
>>> Secrets({"auth_token": "abc123"})
Secrets(auth_token=****)
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from distillr.connectors.base import Connector
from distillr.errors import ConfigError

__all__ = ["Secrets", "SourceDef", "env_name"]

_CONNECTORS: dict[str, Connector] = {}
_LOCK = threading.Lock()


def env_name(source: str, secret: str) -> str:
    """The environment variable an executor reads one secret of one source from."""
    return "DISTILLR_SECRET_" + re.sub(r"[^A-Za-z0-9]", "_", f"{source}_{secret}").upper()


class Secrets:
    """Secret values that never show themselves (``repr`` masks them)."""

    def __init__(self, values: Mapping[str, str] | None = None) -> None:
        self._values = dict(values or {})

    def get(self, name: str) -> str | None:
        return self._values.get(name)

    def __repr__(self) -> str:
        return "Secrets(" + ", ".join(f"{k}=****" for k in sorted(self._values)) + ")"

    __str__ = __repr__


@dataclass(frozen=True)
class SourceDef:
    """What an executor needs to build a source's connector."""

    name: str
    type: str
    options: Mapping[str, Any]
    secret_names: tuple[str, ...] = ()
    shipped: Secrets = field(default_factory=Secrets, repr=False)

    def secrets(self) -> dict[str, str]:
        """The secrets, from the environment first, then from what the driver shipped; a
        ``ConfigError`` saying how to provide one that is missing."""
        found: dict[str, str] = {}
        for key in self.secret_names:
            value = os.environ.get(env_name(self.name, key)) or self.shipped.get(key)
            if not value:
                var = env_name(self.name, key)
                raise ConfigError(
                    f"Source '{self.name}' needs its secret '{key}' here, and it is not"
                    f" available: set the environment variable {var} on the executors"
                    f" (spark-submit --conf spark.executorEnv.{var}=...), or register with"
                    " distillr.spark.register(spark, ship_secrets=True)."
                )
            found[key] = value
        return found

    def connector(self) -> Connector:
        """The source's connector, built once per Python process and reused."""
        from distillr.registry.types import connector_class

        secrets = self.secrets()
        key = hashlib.sha256(
            json.dumps(
                [self.name, self.type, dict(self.options), secrets], sort_keys=True, default=str
            ).encode()
        ).hexdigest()
        with _LOCK:
            conn = _CONNECTORS.get(key)
            if conn is None:
                conn = connector_class(self.type).from_source(self.name, self.options, secrets)
                _CONNECTORS[key] = conn
            return conn
