"""URLs a source may be pointed at, and values that go into URL paths.

Every connector that talks HTTP checks its base URL with :func:`check_base_url` and puts path
parameter values into paths with :func:`path_segment`, so that:

- a base URL is ``http(s)://host[:port][/path]`` and nothing else: no credentials in it (they
  would show wherever the URL does), no query or fragment, a port that is a port;
- a path parameter value can never change the request's path: ``.``, ``..``, empty values and
  control characters are refused before any request, and everything else is percent-encoded
  (``/``, ``?``, ``#`` and ``%`` included);
- the server can refuse, for users who are not admins, a base URL whose host is private,
  loopback or link-local (:func:`private_host`), so the web app is no way into its own network.
"""

from __future__ import annotations

import ipaddress
import socket
import unicodedata
from urllib.parse import quote, urlsplit

from distillr.errors import ConfigError, MissingParameter, SqlError

__all__ = ["MAX_SEGMENT", "check_base_url", "path_segment", "private_host", "shown_url"]

#: the longest path parameter value sent, unless an API declares its own limit
MAX_SEGMENT = 512


def check_base_url(value: object, field: str = "base_url") -> str:
    """``value`` as a clean base URL (no trailing slash), or a ``ConfigError`` naming ``field``.

    >>> check_base_url("http://127.0.0.1:8080/")
    'http://127.0.0.1:8080'
    >>> check_base_url("http://[::1")
    Traceback (most recent call last):
    ...
    distillr.errors.ConfigError: base_url is not a valid URL ('http://[::1'): ...
    """
    text = str(value).strip() if value is not None else ""
    example = "e.g. https://api.example.com or http://127.0.0.1:8080"
    if not text:
        raise ConfigError(f"{field} is empty: give a URL, {example}.")
    try:
        parts = urlsplit(text)
        port = parts.port  # raises on a port that is not a number from 0 to 65535
    except ValueError as exc:
        raise ConfigError(f"{field} is not a valid URL ({text!r}): {exc}; {example}.") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ConfigError(f"{field} must start with http:// or https:// ({example}).")
    if parts.username is not None or parts.password is not None:
        # never echo the URL: it holds a credential
        raise ConfigError(
            f"{field} must not hold a user name or password (user:password@host): give the"
            " credentials as the source's secrets instead."
        )
    if not parts.hostname:
        raise ConfigError(f"{field} has no host ({text!r}); {example}.")
    if port == 0:
        raise ConfigError(f"{field} has port 0 ({text!r}): give the port the server listens on.")
    if parts.query or parts.fragment or text.endswith(("?", "#")):
        raise ConfigError(f"{field} must not have a query string or fragment ({text!r}).")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text):
        raise ConfigError(f"{field} holds spaces or control characters ({text!r}).")
    return text.rstrip("/")


def shown_url(url: str) -> str:
    """A URL as it may be shown: any ``user:password@`` replaced by ``****@``.

    >>> shown_url("https://me:pw@example.com/x")
    'https://****@example.com/x'
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(an invalid URL)"
    if parts.username is None and parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return parts._replace(netloc=f"****@{host}").geturl()


def private_host(url: str) -> str | None:
    """The first private, loopback, link-local or otherwise non-public address that ``url``'s
    host is or resolves to, or ``None`` when every address is public.

    A name that does not resolve counts as public here: connecting to it fails anyway.

    >>> private_host("http://127.0.0.1:8080")
    '127.0.0.1'
    >>> private_host("http://[::1]/") , private_host("http://169.254.169.254/latest")
    ('::1', '169.254.169.254')
    """
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return None
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        mapped = getattr(address, "ipv4_mapped", None)
        if mapped is not None:
            address = mapped
        if not address.is_global or address.is_multicast:
            return str(address)
    return None


def path_segment(
    value: object, *, parameter: str, table: str = "", max_length: int = MAX_SEGMENT
) -> str:
    """One path parameter value, percent-encoded for a URL path, or an error before any request.

    >>> path_segment("CA 1/2?x", parameter="CallSid")
    'CA%201%2F2%3Fx'
    >>> path_segment("..", parameter="CallSid")
    Traceback (most recent call last):
    ...
    distillr.errors.SqlError: CallSid = '..' cannot be sent: ...
    """
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    where = f" of table '{table}'" if table else ""
    if text.strip() == "":
        raise MissingParameter(
            f"The path parameter {parameter}{where} is empty: give it a value, e.g."
            f" WHERE {parameter} = '...'.",
            table=table or None,
            parameter=parameter,
        )
    shown = text if len(text) <= 40 else text[:37] + "..."
    if text in (".", ".."):
        raise SqlError(
            f"{parameter} = {shown!r} cannot be sent: a path parameter value may not be '.' or"
            " '..' (it would change the request's path). Give the real value."
        )
    if any(unicodedata.category(ch) == "Cc" for ch in text):  # C0, DEL and C1
        raise SqlError(f"{parameter} = {shown!r} cannot be sent: it holds a control character.")
    if len(text) > max_length:
        raise SqlError(
            f"{parameter} is {len(text)} characters long; the API takes at most {max_length}."
            " Check the value."
        )
    return quote(text, safe="")
