"""PostgreSQL wire protocol (version 3) messages: reading a client's, writing the server's.

Each message is one byte of kind, a big-endian int32 length (itself included) and a payload;
the start-up packet has no kind byte. Only what distillr's server needs is here.
"""

from __future__ import annotations

import asyncio
import struct
from dataclasses import dataclass

from distillr.pg.errors import ProtocolViolation

__all__ = [
    "CANCEL_REQUEST",
    "GSSENC_REQUEST",
    "PROTOCOL_3",
    "SSL_REQUEST",
    "Payload",
    "ProtocolViolation",
    "read_message",
    "read_startup",
]

PROTOCOL_3 = 196608
SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
CANCEL_REQUEST = 80877102
#: the largest message distillr accepts from a client (a query text, a bind of parameters)
MAX_MESSAGE = 16 * 1024 * 1024

_I16 = struct.Struct("!h")
_I32 = struct.Struct("!i")


class Payload:
    """Reads the fields of one message's payload in order."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def int16(self) -> int:
        (value,) = _I16.unpack_from(self.data, self.pos)
        self.pos += 2
        return value

    def int32(self) -> int:
        (value,) = _I32.unpack_from(self.data, self.pos)
        self.pos += 4
        return value

    def bytes(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise ProtocolViolation("a field runs past the end of its message")
        value = self.data[self.pos : self.pos + n]
        self.pos += n
        return value

    def cstr(self) -> str:
        end = self.data.find(b"\0", self.pos)
        if end < 0:
            raise ProtocolViolation("a string field has no terminating NUL")
        value = self.data[self.pos : end].decode("utf-8", "replace")
        self.pos = end + 1
        return value


async def _exactly(reader: asyncio.StreamReader, n: int) -> bytes:
    return await reader.readexactly(n)


async def read_startup(reader: asyncio.StreamReader) -> tuple[int, Payload]:
    """The start-up packet: its code (protocol version or a request) and the rest."""
    (length,) = _I32.unpack(await _exactly(reader, 4))
    if not 8 <= length <= 10_000:
        raise ProtocolViolation("the start-up packet has an impossible length")
    body = await _exactly(reader, length - 4)
    payload = Payload(body)
    return payload.int32(), payload


@dataclass
class Message:
    kind: bytes
    payload: Payload


async def read_message(reader: asyncio.StreamReader) -> Message:
    head = await _exactly(reader, 5)
    (length,) = _I32.unpack_from(head, 1)
    if not 4 <= length <= MAX_MESSAGE:
        raise ProtocolViolation(f"a message of {length} bytes is more than this server takes")
    return Message(head[:1], Payload(await _exactly(reader, length - 4)))


# -- the server's messages
def message(kind: bytes, payload: bytes = b"") -> bytes:
    return kind + _I32.pack(len(payload) + 4) + payload


def cstr(text: str) -> bytes:
    return text.encode() + b"\0"


def authentication(code: int, data: bytes = b"") -> bytes:
    return message(b"R", _I32.pack(code) + data)


AUTH_OK = authentication(0)


def auth_sasl(*mechanisms: str) -> bytes:
    return authentication(10, b"".join(cstr(m) for m in mechanisms) + b"\0")


def parameter_status(name: str, value: str) -> bytes:
    return message(b"S", cstr(name) + cstr(value))


def backend_key_data(pid: int, key: int) -> bytes:
    return message(b"K", _I32.pack(pid) + _I32.pack(key))


def ready_for_query(status: bytes) -> bytes:
    return message(b"Z", status)


def command_complete(tag: str) -> bytes:
    return message(b"C", cstr(tag))


def parameter_description(oids: list[int]) -> bytes:
    return message(b"t", _I16.pack(len(oids)) + b"".join(_I32.pack(o) for o in oids))


PARSE_COMPLETE = message(b"1")
BIND_COMPLETE = message(b"2")
CLOSE_COMPLETE = message(b"3")
NO_DATA = message(b"n")
PORTAL_SUSPENDED = message(b"s")
EMPTY_QUERY = message(b"I")


def error_response(
    message_text: str,
    code: str = "XX000",
    severity: str = "ERROR",
    hint: str | None = None,
    position: int | None = None,
) -> bytes:
    fields = [b"S" + cstr(severity), b"V" + cstr(severity), b"C" + cstr(code)]
    fields.append(b"M" + cstr(message_text))
    if hint:
        fields.append(b"H" + cstr(hint))
    if position:
        fields.append(b"P" + cstr(str(position)))
    return message(b"E", b"".join(fields) + b"\0")


def notice(text: str) -> bytes:
    return message(b"N", b"S" + cstr("NOTICE") + b"V" + cstr("NOTICE") + b"M" + cstr(text) + b"\0")
