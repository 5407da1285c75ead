"""PEP 249 connections, over the local registry or a ``distillr serve`` server."""

from __future__ import annotations

from typing import Any

from distillr.dbapi.backends import LocalBackend, RemoteBackend
from distillr.dbapi.cursor import Cursor
from distillr.dbapi.exceptions import InterfaceError, NotSupportedError

__all__ = ["Connection", "connect"]


class Connection:
    """A connection: cursors run their statements on its backend. distillr reads only, so
    ``commit()`` has nothing to do and ``rollback()`` is not supported."""

    def __init__(self, backend: Any, *, pushdown: bool = True, timeout: float | None = None):
        self._backend = backend
        self.pushdown = pushdown
        self.timeout = timeout
        self._closed = False

    def cursor(self) -> Cursor:
        self._check_open()
        return Cursor(self)

    def commit(self) -> None:
        """Nothing to commit: distillr never writes to a data source."""
        self._check_open()

    def rollback(self) -> None:
        self._check_open()
        raise NotSupportedError("distillr has no transactions: queries only read.")

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._backend.close()

    @property
    def closed(self) -> bool:
        return self._closed

    def _check_open(self) -> None:
        if self._closed:
            raise InterfaceError("This connection is closed; open another with connect().")

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect(
    target: str | None = None,
    *,
    home: str | None = None,
    url: str | None = None,
    token: str | None = None,
    pushdown: bool = True,
    timeout: float | None = None,
) -> Connection:
    """A connection to the local registry (``home`` or ``$DISTILLR_HOME``), or to a
    ``distillr serve`` server when given its ``url`` (``http://host:port``) and an API
    ``token``. ``target`` is either, by whether it starts with ``http://``/``https://``."""
    if target is not None:
        if target.startswith(("http://", "https://")):
            url = url or target
        else:
            home = home or target
    if url is not None:
        if home is not None:
            raise InterfaceError("Pass either a server url or a home directory, not both.")
        return Connection(RemoteBackend(url, token), pushdown=pushdown, timeout=timeout)
    if token is not None:
        raise InterfaceError("A token is for a server: pass url='http://host:port' with it.")
    return Connection(LocalBackend(home), pushdown=pushdown, timeout=timeout)
