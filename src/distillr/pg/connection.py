"""One PostgreSQL client connection: start-up, SCRAM-SHA-256 login, then the simple and the
extended query protocol until the client leaves.

Statements run on a worker thread (``asyncio.to_thread``); rows are encoded there a batch at a
time and written as they come, so a large scan streams and the event loop stays free for
other clients and for cancel requests.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from distillr.dbapi.exceptions import Error as DbapiError
from distillr.errors import DistillrError, QueryCancelled
from distillr.pg import messages as m
from distillr.pg.errors import CatalogQueryError, Unexpected, sqlstate_of
from distillr.pg.rows import data_rows, row_description
from distillr.pg.scram import ScramError, ScramServer
from distillr.pg.statements import Outcome, Statements

__all__ = ["Connection"]

#: rows encoded and written at a time: small enough that writing starts early in a batch
#: and overlaps with encoding the next rows, large enough that each step is vectorised
CHUNK_ROWS = 16_384


@dataclass
class Portal:
    sql: str
    params: list[Any]
    outcome: Outcome | None = None
    rows: Iterator[pa.RecordBatch] | None = None
    sent: int = 0
    pending: pa.RecordBatch | None = None
    #: the result-format codes of the Bind (none: all text; one: for every column)
    formats: list[int] = field(default_factory=list)

    def binary(self, schema: pa.Schema) -> list[bool]:
        """Which columns of the result go in the binary format."""
        count, codes = len(schema), self.formats
        if len(codes) not in (0, 1, count):
            raise m.ProtocolViolation(
                f"the Bind gave {len(codes)} result formats for a result of {count} columns"
            )
        return (
            [bool(codes[0] if len(codes) == 1 else codes[i]) for i in range(count)]
            if codes
            else [False] * count
        )


@dataclass
class Prepared:
    sql: str
    oids: list[int] = field(default_factory=list)


class Connection:
    """Serves one client."""

    def __init__(self, server: Any, reader, writer) -> None:
        #: the ``PgServer`` this client came to
        self.server, self.reader, self.writer = server, reader, writer
        self.pid = secrets.randbelow(2**31 - 1) + 1
        self.key = secrets.randbelow(2**31 - 1) + 1
        self.status = b"I"
        self.statements = Statements(server.session, timeout=server.timeout)
        self.prepared: dict[str, Prepared] = {}
        self.portals: dict[str, Portal] = {}
        self.running: Outcome | None = None
        #: a cancel request came while a statement was being planned
        self.cancelled = False
        self.user = ""

    # -- writing
    async def send(self, *chunks: bytes) -> None:
        self.writer.write(b"".join(chunks))
        await self.writer.drain()

    async def fail(self, err: BaseException) -> None:
        code, text = sqlstate_of(err)
        if self.status == b"T":
            self.status = b"E"
        await self.send(m.error_response(text, code))

    # -- start-up
    async def start(self) -> bool:
        """Start-up and login; False when the connection is to end (a cancel request, a
        refused login)."""
        while True:
            code, payload = await m.read_startup(self.reader)
            if code == m.SSL_REQUEST:
                if self.server.tls is None:
                    await self.send(b"N")
                    continue
                await self.send(b"S")
                await self.writer.start_tls(self.server.tls)
                continue
            if code == m.GSSENC_REQUEST:
                await self.send(b"N")
                continue
            if code == m.CANCEL_REQUEST:
                self.server.cancel(payload.int32(), payload.int32())
                return False
            if code != m.PROTOCOL_3:
                await self.send(m.error_response("unsupported protocol version", "08P01", "FATAL"))
                return False
            break
        params = {}
        while True:
            key = payload.cstr()
            if not key:
                break
            params[key] = payload.cstr()
        self.user = params.get("user", "")
        if self.server.tls is not None and self.server.require_tls and not self._is_tls():
            await self.send(
                m.error_response("this server takes TLS connections only", "28000", "FATAL")
            )
            return False
        if not await self.login():
            return False
        await self.send(
            m.AUTH_OK,
            *(m.parameter_status(k, v) for k, v in self.server.parameters().items()),
            m.backend_key_data(self.pid, self.key),
            m.ready_for_query(self.status),
        )
        return True

    def _is_tls(self) -> bool:
        return self.writer.get_extra_info("sslcontext") is not None

    async def login(self) -> bool:
        if not self.server.users_exist():
            if self.server.peer_is_loopback(self.writer):
                return True
            await self.send(
                m.error_response(
                    "no login is accepted off loopback until distillr has users: add one with"
                    " `distillr users add NAME`",
                    "28000",
                    "FATAL",
                )
            )
            return False
        verifier = self.server.verifier(self.user)
        # unknown users go through the same exchange, against a verifier no password matches
        scram = ScramServer(verifier or self.server.decoy)
        await self.send(m.auth_sasl("SCRAM-SHA-256"))
        try:
            first = await m.read_message(self.reader)
            p = first.payload
            if first.kind != b"p" or p.cstr() != "SCRAM-SHA-256":
                raise ScramError("the client chose another mechanism")
            challenge = scram.server_first(p.bytes(p.int32()).decode())
            await self.send(m.authentication(11, challenge.encode()))
            final = await m.read_message(self.reader)
            if final.kind != b"p":
                raise ScramError("the client did not answer the challenge")
            signature = scram.server_final(final.payload.data.decode())
            if verifier is None:
                raise ScramError("unknown user")
        except (ScramError, UnicodeDecodeError, m.ProtocolViolation):
            await asyncio.sleep(self.server.failed_login_delay)
            await self.send(
                m.error_response(
                    f'password authentication failed for user "{self.user}"', "28P01", "FATAL"
                )
            )
            return False
        await self.send(m.authentication(12, signature.encode()))
        return True

    # -- the query protocols
    async def serve(self) -> None:
        failed = False  # extended protocol: skip to Sync after an error
        while True:
            msg = await m.read_message(self.reader)
            kind, p = msg.kind, msg.payload
            if kind == b"X":
                return
            if kind == b"Q":
                await self.simple(p.cstr())
                continue
            if kind == b"S":
                failed = False
                await self.send(m.ready_for_query(self.status))
                continue
            if kind == b"H":
                await self.writer.drain()
                continue
            if failed:
                continue
            try:
                await self.extended(kind, p)
            except (DistillrError, DbapiError, CatalogQueryError, m.ProtocolViolation) as err:
                failed = True
                await self.fail(err)
            except Exception as err:  # noqa: BLE001 - a bug must not drop the connection
                failed = True
                await self.fail(Unexpected(err))

    async def simple(self, text: str) -> None:
        for sql in split_statements(text):
            try:
                outcome = await self.run(sql, [])
                # a simple query's rows are text, but FETCH from a DECLARE ... BINARY CURSOR
                portal = Portal(sql, [], formats=[1] if outcome.binary else [])
                await self.complete(outcome, portal, max_rows=0, describe=True)
            except (DistillrError, DbapiError, CatalogQueryError) as err:
                await self.fail(err)
                break
            except Exception as err:  # noqa: BLE001 - a bug must not drop the connection
                await self.fail(Unexpected(err))
                break
        else:
            if not text.strip():
                await self.send(m.EMPTY_QUERY)
        await self.send(m.ready_for_query(self.status))

    async def extended(self, kind: bytes, p: m.Payload) -> None:
        if kind == b"P":
            name, sql = p.cstr(), p.cstr()
            oids = [p.int32() for _ in range(p.int16())]
            self.prepared[name] = Prepared(sql, oids)
            await self.send(m.PARSE_COMPLETE)
        elif kind == b"B":
            await self.bind(p)
        elif kind == b"D":
            what, name = p.bytes(1), p.cstr()
            await self.describe(what, name)
        elif kind == b"E":
            name, max_rows = p.cstr(), p.int32()
            portal = self._portal(name)
            if portal.outcome is None:
                await self.start_portal(portal)
            await self.complete(portal.outcome, portal, max_rows=max_rows, describe=False)
        elif kind == b"C":
            what, name = p.bytes(1), p.cstr()
            if what == b"S":
                self.prepared.pop(name, None)
            else:
                self._close_portal(name)
            await self.send(m.CLOSE_COMPLETE)
        else:
            raise m.ProtocolViolation(f"message {kind!r} is not supported by this server")

    async def bind(self, p: m.Payload) -> None:
        portal_name, statement = p.cstr(), p.cstr()
        prepared = self.prepared.get(statement)
        if prepared is None:
            raise m.ProtocolViolation(f'prepared statement "{statement}" does not exist')
        formats = [p.int16() for _ in range(p.int16())]
        values: list[Any] = []
        for i in range(p.int16()):
            length = p.int32()
            raw = None if length < 0 else p.bytes(length)
            fmt = formats[i] if len(formats) > 1 else (formats[0] if formats else 0)
            oid = prepared.oids[i] if i < len(prepared.oids) else 0
            values.append(decode_parameter(raw, oid, fmt))
        result_formats = [p.int16() for _ in range(p.int16())]
        if any(code not in (0, 1) for code in result_formats):
            raise m.ProtocolViolation("a result format code is 0 (text) or 1 (binary)")
        self._close_portal(portal_name)
        self.portals[portal_name] = Portal(prepared.sql, values, formats=result_formats)
        await self.send(m.BIND_COMPLETE)

    async def describe(self, what: bytes, name: str) -> None:
        if what == b"S":
            prepared = self.prepared.get(name)
            if prepared is None:
                raise m.ProtocolViolation(f'prepared statement "{name}" does not exist')
            count = placeholder_count(prepared.sql)
            oids = (prepared.oids + [0] * count)[: max(count, len(prepared.oids))]
            await self.send(m.parameter_description([o or 25 for o in oids]))
            portal = Portal(prepared.sql, [None] * len(oids))
            try:
                await self.start_portal(portal)
                await self.send(_shape(portal.outcome))
            finally:
                if portal.outcome is not None:
                    portal.outcome.close()
            return
        cursor = self.statements.cursors.get(name)
        if name not in self.portals and cursor is not None:  # a DECLAREd cursor is a portal
            await self.send(
                row_description(cursor.schema, [int(cursor.binary)] * len(cursor.schema))
            )
            return
        portal = self._portal(name)
        if portal.outcome is None:
            await self.start_portal(portal)
        await self.send(_shape(portal.outcome, portal))

    async def run(self, sql: str, params: list[Any]) -> Outcome:
        """Start a statement on a worker thread; a cancel request that comes meanwhile
        cancels it as soon as it has started."""
        self.cancelled = False
        outcome = await asyncio.to_thread(self.statements.run, sql, params)
        if self.cancelled:
            outcome.cancel()
            outcome.close()
            raise QueryCancelled("The query was cancelled (a cancel request from the client).")
        self.running = outcome
        return outcome

    async def start_portal(self, portal: Portal) -> None:
        portal.outcome = await self.run(portal.sql, portal.params)
        portal.rows = portal.outcome.batches

    async def complete(self, outcome: Outcome, portal: Portal, *, max_rows: int, describe: bool):
        """Send the rows of ``outcome`` (at most ``max_rows`` if positive), then its tag.

        The next rows are encoded on a worker thread while the last ones are written, so the
        scan, the encoding and the client's reading overlap."""
        if outcome.status is not None:
            self.status = outcome.status
        if outcome.schema is None:
            await self.send(m.command_complete(outcome.tag or ""))
            return
        binary = portal.binary(outcome.schema)
        if describe:
            await self.send(row_description(outcome.schema, binary))
        if portal.rows is None:
            portal.rows = outcome.batches
        self.running = outcome

        def fetch(want: int | None):
            return asyncio.ensure_future(asyncio.to_thread(_next_rows, portal, want, binary))

        want = max_rows if max_rows > 0 else None
        task = fetch(want) if want is None or want > 0 else None
        try:
            while task is not None:
                chunk = await task
                task = None
                if chunk is None:
                    break
                rows, count = chunk
                portal.sent += count
                want = max_rows - portal.sent if max_rows > 0 else None
                if want is None or want > 0:
                    task = fetch(want)
                await self.send(rows)
            else:
                await self.send(m.PORTAL_SUSPENDED)
                return
        finally:
            self.running = None
            if task is not None:  # the write failed: the connection is going
                task.add_done_callback(_drop_result)
        if self.cancelled:
            raise QueryCancelled("The query was cancelled (a cancel request from the client).")
        verb = "FETCH" if outcome.fetch else "SELECT"
        await self.send(m.command_complete(outcome.tag or f"{verb} {portal.sent}"))

    def _portal(self, name: str) -> Portal:
        portal = self.portals.get(name)
        if portal is None:
            raise m.ProtocolViolation(f'portal "{name}" does not exist')
        return portal

    def _close_portal(self, name: str) -> None:
        portal = self.portals.pop(name, None)
        if portal is not None and portal.outcome is not None:
            portal.outcome.close()

    def cancel(self) -> None:
        self.cancelled = True
        running = self.running
        if running is not None:
            running.cancel()

    def close(self) -> None:
        for name in list(self.portals):
            self._close_portal(name)
        self.statements.close()


def _shape(outcome: Outcome, portal: Portal | None = None) -> bytes:
    if outcome.schema is None:
        return m.NO_DATA
    formats = None if portal is None else portal.binary(outcome.schema)
    return row_description(outcome.schema, formats)


def _drop_result(task: asyncio.Future) -> None:
    if not task.cancelled():
        task.exception()


def _next_rows(portal: Portal, want: int | None, binary: list[bool]) -> tuple[bytes, int] | None:
    """The next DataRows of a portal: at most ``CHUNK_ROWS`` rows of a batch, and at most
    ``want`` (the rest kept for the next call)."""
    batch = portal.pending
    portal.pending = None
    if batch is None:
        batch = next(portal.rows, None)
        while batch is not None and batch.num_rows == 0:
            batch = next(portal.rows, None)
    if batch is None:
        return None
    take = CHUNK_ROWS if want is None else min(want, CHUNK_ROWS)
    if batch.num_rows > take:
        portal.pending = batch.slice(take)
        batch = batch.slice(0, take)
    return data_rows(batch, binary), batch.num_rows


def split_statements(text: str) -> list[str]:
    """The statements of a simple query, split at semicolons outside strings and comments."""
    from sqlglot.tokens import TokenType

    from distillr.sql.dialect import DIALECT

    try:
        tokens = DIALECT.tokenize(text)
    except Exception:  # noqa: BLE001 - let the statement itself report what is wrong
        return [text] if text.strip() else []
    parts, last = [], 0
    for token in tokens:
        if token.token_type is TokenType.SEMICOLON:
            parts.append(text[last : token.start])
            last = token.end + 1
    parts.append(text[last:])
    return [p for p in parts if p.strip()]


def placeholder_count(sql: str) -> int:
    from distillr.dbapi.params import _mark_holes

    try:
        return _mark_holes(sql, numbered=True)[1]
    except Exception:  # noqa: BLE001 - a statement that does not tokenize has none
        return 0


_INTS = {20, 21, 23, 26}
_FLOATS = {700, 701}


def decode_parameter(raw: bytes | None, oid: int, fmt: int) -> Any:
    """A bound parameter's value, from the text format or the binary one of common types."""
    if raw is None:
        return None
    if fmt == 1:
        import struct

        if oid in _INTS and len(raw) in (2, 4, 8):
            return int.from_bytes(raw, "big", signed=True)
        if oid == 701 and len(raw) == 8:
            return struct.unpack("!d", raw)[0]
        if oid == 700 and len(raw) == 4:
            return struct.unpack("!f", raw)[0]
        if oid == 16 and len(raw) == 1:
            return raw != b"\0"
        if oid in (0, 25, 1043, 705):
            return raw.decode()
        raise m.ProtocolViolation(
            f"binary parameters of type {oid} are not supported; send it as text"
        )
    text = raw.decode()
    if oid in _INTS:
        return int(text)
    if oid in _FLOATS or oid == 1700:
        import decimal

        return float(text) if oid in _FLOATS else decimal.Decimal(text)
    if oid == 16:
        return text.lower() in ("t", "true", "1", "on", "yes")
    return text
