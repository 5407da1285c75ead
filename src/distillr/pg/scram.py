"""The server side of a SCRAM-SHA-256 login (RFC 5802/7677), as PostgreSQL runs it.

PostgreSQL clients send an empty user name inside SCRAM (``n=,r=...``: the user is the start-up
packet's), which scramp's server refuses, so the exchange is here; the verifiers it checks
against are made by scramp (``distillr.server.auth``). Only ``HMAC``, ``SHA-256`` and a
constant-time comparison are used; the password never reaches the server.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

__all__ = ["ScramError", "ScramServer"]


class ScramError(Exception):
    """The client's messages are malformed or its proof is wrong."""


def _attributes(message: str) -> dict[str, str]:
    out = {}
    for part in message.split(","):
        key, sep, value = part.partition("=")
        if not sep or len(key) != 1:
            raise ScramError("a SCRAM attribute is malformed")
        out.setdefault(key, value)
    return out


class ScramServer:
    """One exchange against ``verifier`` = (salt, stored key, server key, iterations)."""

    def __init__(self, verifier: tuple[bytes, bytes, bytes, int]) -> None:
        self.salt, self.stored_key, self.server_key, self.iterations = verifier
        self._bare = self._server_first = self._nonce = self._header = ""

    def server_first(self, client_first: str) -> str:
        header, sep, rest = client_first.partition(",")
        authzid, sep2, bare = rest.partition(",")
        if not (sep and sep2) or header not in ("n", "y"):
            raise ScramError("channel binding is not offered by this server")
        nonce = _attributes(bare).get("r", "")
        if not nonce:
            raise ScramError("the client sent no nonce")
        self._header = f"{header},{authzid},"
        self._bare = bare
        self._nonce = nonce + base64.b64encode(secrets.token_bytes(18)).decode()
        salt = base64.b64encode(self.salt).decode()
        self._server_first = f"r={self._nonce},s={salt},i={self.iterations}"
        return self._server_first

    def server_final(self, client_final: str) -> str:
        """Check the client's proof; the server's signature, for the client to check."""
        without_proof, sep, proof_text = client_final.rpartition(",p=")
        if not sep:
            raise ScramError("the client sent no proof")
        attrs = _attributes(without_proof)
        binding = base64.b64encode(self._header.encode()).decode()
        if attrs.get("c") != binding or attrs.get("r") != self._nonce:
            raise ScramError("the client's final message does not match the exchange")
        try:
            proof = base64.b64decode(proof_text, validate=True)
        except ValueError:
            raise ScramError("the client's proof is not base64") from None
        message = f"{self._bare},{self._server_first},{without_proof}".encode()
        signature = hmac.digest(self.stored_key, message, "sha256")
        if len(proof) != len(signature):
            raise ScramError("the client's proof has the wrong length")
        client_key = bytes(a ^ b for a, b in zip(proof, signature, strict=True))
        if not hmac.compare_digest(hashlib.sha256(client_key).digest(), self.stored_key):
            raise ScramError("wrong password")
        server_signature = hmac.digest(self.server_key, message, "sha256")
        return "v=" + base64.b64encode(server_signature).decode()
