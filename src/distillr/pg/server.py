"""The PostgreSQL wire protocol server: ``distillr pg`` on its own, or beside the web app
with ``distillr serve --pg-port``.

Logins are distillr's users (``distillr users add``), by SCRAM-SHA-256; while there are no
users, only loopback clients are let in, with no password. With a certificate, clients may
(or, with ``require_tls``, must) use TLS. Every statement runs on one shared ``Session``, so
planning, pushdown, stats, limits and secrets are the same as in the CLI.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import os
import secrets
import ssl
from typing import Any

from distillr.pg import messages as m
from distillr.pg.catalog import SETTINGS
from distillr.pg.connection import Connection

__all__ = ["PgServer"]


class PgServer:
    """Serves PostgreSQL clients on ``host:port`` (``port`` 0: a free one, see ``.port``)."""

    def __init__(
        self,
        home: str | os.PathLike | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 5433,
        certfile: str | None = None,
        keyfile: str | None = None,
        require_tls: bool = False,
        timeout: float | None = 300.0,
        session: Any = None,
    ) -> None:
        from distillr.server.auth import AuthStore
        from distillr.session import Session

        self.session = session if session is not None else Session(home)
        self.auth = AuthStore(self.session.home)
        self.host, self.port = host, port
        self.timeout = timeout
        self.require_tls = require_tls
        self.tls: ssl.SSLContext | None = None
        if certfile:
            self.tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self.tls.load_cert_chain(certfile, keyfile)
        self.failed_login_delay = 1.0
        #: a verifier no password matches, for unknown users
        self.decoy = (
            secrets.token_bytes(16),
            secrets.token_bytes(32),
            secrets.token_bytes(32),
            4096,
        )
        self._connections: dict[int, Connection] = {}
        self._server: asyncio.base_events.Server | None = None

    def parameters(self) -> dict[str, str]:
        keys = ("server_version", "server_encoding", "client_encoding", "DateStyle", "TimeZone")
        keys += ("integer_datetimes", "IntervalStyle", "standard_conforming_strings")
        keys += ("is_superuser", "application_name", "default_transaction_read_only")
        return {k: SETTINGS[k] for k in keys}

    def users_exist(self) -> bool:
        return self.auth.has_users()

    def verifier(self, user: str):
        return self.auth.scram(user)

    @staticmethod
    def peer_is_loopback(writer) -> bool:
        peer = writer.get_extra_info("peername")
        if not peer:
            return os.name == "posix"  # a Unix socket: this machine
        try:
            return ipaddress.ip_address(peer[0]).is_loopback
        except ValueError:
            return False

    def cancel(self, pid: int, key: int) -> None:
        conn = self._connections.get(pid)
        if conn is not None and hmac.compare_digest(
            key.to_bytes(4, "big", signed=True), conn.key.to_bytes(4, "big", signed=True)
        ):
            conn.cancel()

    async def _handle(self, reader, writer) -> None:
        conn = Connection(self, reader, writer)
        try:
            if await conn.start():
                self._connections[conn.pid] = conn
                await conn.serve()
        except (asyncio.IncompleteReadError, ConnectionError, m.ProtocolViolation, ssl.SSLError):
            pass
        finally:
            self._connections.pop(conn.pid, None)
            conn.close()
            with contextlib.suppress(Exception):
                writer.close()
                await writer.wait_closed()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def serve_forever(self) -> None:
        if self._server is None:
            await self.start()
        async with self._server:
            await self._server.serve_forever()

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    @contextlib.contextmanager
    def running(self):
        """Serve on a thread of its own while the ``with`` block runs (tests, and
        ``distillr serve --pg-port`` beside the web app)."""
        import threading

        loop = asyncio.new_event_loop()
        ready = threading.Event()
        failure: list[BaseException] = []

        async def main() -> None:
            try:
                await self.start()
            except BaseException as err:  # noqa: BLE001 - reported to the starting thread
                failure.append(err)
                return
            finally:
                ready.set()
            async with self._server:
                with contextlib.suppress(asyncio.CancelledError):
                    await self._server.serve_forever()

        thread = threading.Thread(
            target=loop.run_until_complete, args=(main(),), name="distillr-pg", daemon=True
        )
        thread.start()
        ready.wait()
        if failure:
            raise failure[0]
        try:
            yield self
        finally:
            loop.call_soon_threadsafe(self._server.close)
            thread.join(timeout=10)
