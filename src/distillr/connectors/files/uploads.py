"""Files uploaded into a files source: safe names, type checks, size limits, atomic writes.

A name (with folders, as a dropped folder gives them: ``exports/2026/jan.csv``) is made safe
part by part: Unicode normalised (NFC), anything but letters, digits, ``. _ -`` and spaces
replaced by ``_``, leading dots and spaces dropped (no hidden files), ``..`` refused, at most
``MAX_DEPTH`` folders deep and ``MAX_PART`` characters a part. The extension must be one the
source reads, and the first bytes must match it (Parquet ``PAR1``, Excel a zip, CSV and JSON
UTF-8 text without NUL bytes; JSON opening with ``{`` or ``[``). The body is written to a
temporary file beside its target (0600), at most ``max_bytes``, flushed and renamed: a failed
or refused upload leaves nothing, and never half a file. An existing file is replaced only when
asked.

>>> safe_name("../Ventes été/%2e%2e/.secret  report.CSV")
'Ventes été/_2e_2e/secret report.CSV'
"""

from __future__ import annotations

import codecs
import os
import re
import secrets
import unicodedata
from collections.abc import Callable
from pathlib import Path

from distillr.connectors.files import paths
from distillr.errors import CatalogError, ConfigError

__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_PART", "TooLarge", "check_head", "safe_name", "store"]

MAX_BYTES = 100 * 1024 * 1024
MAX_DEPTH = 5
MAX_PART = 120
CHUNK = 1024 * 1024
_UNSAFE = re.compile(r"[^\w.\- ]+")


class TooLarge(ConfigError):
    """An upload is larger than the limit."""


def safe_name(name: str) -> str:
    """A relative POSIX path, safe to create under the source's directory (see module doc)."""
    if not isinstance(name, str) or not name.strip():
        raise CatalogError("An uploaded file needs a name.")
    parts = []
    for raw in re.split(r"[\\/]+", unicodedata.normalize("NFC", name)):
        if raw.strip() in ("", "."):
            continue
        if raw.strip() == "..":
            continue  # a dropped folder never holds '..'; such a name goes to the top
        part = _UNSAFE.sub("_", raw)
        part = re.sub(r"\s+", " ", part).lstrip(". ").rstrip(" ")
        part = part.replace("%", "_")
        if not part:
            continue
        parts.append(part[:MAX_PART])
    if not parts:
        raise CatalogError(f"'{name}' is not a usable file name.")
    if len(parts) > MAX_DEPTH + 1:
        raise CatalogError(f"'{name}' is more than {MAX_DEPTH} folders deep.")
    rel = "/".join(parts)
    paths.format_of(rel)
    return paths.clean_name(rel)


def check_head(fmt: str, head: bytes, shown: str) -> None:
    """Refuse an upload whose first bytes do not match its extension."""
    bad = CatalogError(f"'{shown}' is not a {fmt} file (its content does not match its name).")
    if fmt == "parquet":
        if not head.startswith(b"PAR1"):
            raise bad
        return
    if fmt == "excel":
        if not head.startswith(b"PK\x03\x04"):
            raise bad
        return
    if b"\x00" in head:
        raise bad
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        raise CatalogError(f"'{shown}' is not UTF-8 text.") from None
    if fmt == "json" and text.lstrip("\ufeff \t\r\n")[:1] not in ("{", "[", ""):
        raise bad


def store(
    root: Path,
    name: str,
    read: Callable[[int], bytes],
    *,
    max_bytes: int = MAX_BYTES,
    replace: bool = False,
) -> str:
    """Write an upload (``read(n)`` gives its bytes) as ``name`` under ``root``; returns the
    table name (``/exports/a.csv``)."""
    rel = safe_name(name)
    fmt = paths.format_of(rel)
    target = root / rel
    _folders(root, target.parent)
    if target.exists() and not replace:
        raise ConfigError(f"'/{rel}' exists already; upload it again with replace to overwrite.")
    temp = target.parent / f".upload-{secrets.token_hex(8)}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        size = 0
        with os.fdopen(fd, "wb") as out:
            first = True
            while True:
                chunk = read(CHUNK)
                if not chunk:
                    break
                if first:
                    check_head(fmt, chunk[:65536], "/" + rel)
                    first = False
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(
                        f"'/{rel}' is larger than the upload limit of {max_bytes // (1024 * 1024)}"
                        " MiB; nothing was saved."
                    )
                out.write(chunk)
            if first:
                raise CatalogError(f"'/{rel}' is empty; nothing was saved.")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return "/" + rel


def _folders(root: Path, folder: Path) -> None:
    """Create ``folder`` under ``root``, refusing any step that is a symlink or leads out."""
    rel = folder.relative_to(root)
    current = root
    for part in rel.parts:
        current = current / part
        if current.is_symlink():
            raise CatalogError(f"'/{current.relative_to(root)}' is a symlink: not written into.")
        if not current.exists():
            current.mkdir(mode=0o700)
    real = os.path.realpath(folder)
    if os.path.commonpath([real, root]) != str(root):
        raise CatalogError("The upload would leave the source's directory; nothing was saved.")
