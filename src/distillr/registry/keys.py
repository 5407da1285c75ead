"""The key that encrypts data source secrets at rest (Fernet: AES-128-CBC + HMAC-SHA256).

The key comes from ``DISTILLR_SECRET_KEY`` if set, else from ``<home>/secret.key``, which is
created on first use with permissions 0600 and refused if others can read it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from distillr.errors import ConfigError

ENV_VAR = "DISTILLR_SECRET_KEY"
KEY_FILE = "secret.key"
_MAKE_KEY = (
    "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
)


def fernet(home: Path, *, create: bool) -> Any:
    """A ``cryptography.fernet.Fernet`` for ``home``; ``create`` makes the key file if missing."""
    from cryptography.fernet import Fernet

    env = os.environ.get(ENV_VAR)
    if env:
        try:
            return Fernet(env.strip().encode())
        except (ValueError, TypeError):
            raise ConfigError(
                f"{ENV_VAR} is not a valid key (it must be 32 url-safe base64-encoded bytes). "
                f"Make one with: {_MAKE_KEY}"
            ) from None
    path = home / KEY_FILE
    if not path.exists():
        if not create:
            raise ConfigError(
                f"The key file {path} is missing, so saved secrets cannot be read. Restore it, "
                f"set {ENV_VAR} to the key the secrets were saved with, or enter the secrets "
                "again with `distillr source update NAME ...`."
            )
        _create_key_file(path, Fernet.generate_key())
    return Fernet(_read_key_file(path))


def _create_key_file(path: Path, key: bytes) -> None:
    """Write the key to a private temporary file, then link it into place: another process
    either wins the race (we use its key) or sees a complete file, never a half-written one."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
    except OSError as exc:
        raise ConfigError(
            f"Cannot create the key file {path}: {exc.strerror}. Make its folder writable, or "
            f"set {ENV_VAR} (make a key with: {_MAKE_KEY})."
        ) from None
    finally:
        try:
            tmp.unlink()
        except OSError:
            pass


def _read_key_file(path: Path) -> bytes:
    try:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigError(
                f"The key file {path} can be read by other users (mode {stat.S_IMODE(mode):o}). "
                f"Run `chmod 600 {path}` and try again."
            )
        key = path.read_bytes().strip()
    except OSError as exc:
        raise ConfigError(
            f"Cannot read the key file {path}: {exc.strerror}. Check its owner and permissions "
            f"(it should be yours, mode 600), or set {ENV_VAR}."
        ) from None
    if len(key) != 44:
        raise ConfigError(
            f"The key file {path} does not hold a valid key. Restore it from a backup, or set "
            f"{ENV_VAR} to the key the secrets were saved with."
        )
    return key
