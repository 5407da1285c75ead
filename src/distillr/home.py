"""The distillr home folder and the private files in it.

``default_home()`` is the one place that reads ``DISTILLR_HOME``. Every file distillr keeps
there (the registry, the web users, the shell history, which holds the SQL typed and the
phone numbers in it) is made private with ``private_file()`` before anything is written:
readable and writable by its owner only (mode 0600).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["default_home", "private_file"]


def default_home(home: str | os.PathLike | None = None) -> Path:
    """``home``, else ``$DISTILLR_HOME``, else ``~/.distillr``.

    >>> str(default_home("/tmp/h"))
    '/tmp/h'
    """
    if home is not None:
        return Path(home).expanduser()
    env = os.environ.get("DISTILLR_HOME")
    return Path(env).expanduser() if env else Path.home() / ".distillr"


def private_file(path: str | os.PathLike) -> Path:
    """Create ``path`` (and its folder, mode 0700) if missing, and make it mode 0600.

    The file is created with mode 0600, never with the umask's mode first, so its contents
    are never readable by others, not even for a moment."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        if os.name == "posix":
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    return path
