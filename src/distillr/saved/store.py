"""Saved tables on disk: one Parquet file and one JSON record per table, under
``DISTILLR_HOME/saved``.

A table's record (``NAME.json``) names its data file (``NAME.<id>.parquet``), its SQL, when it
ran, its row count and size, and, for incremental tables, the column and key. Every write goes
to a temporary file in the same folder, is flushed to disk and renamed over its target, so a
reader sees the old table or the new one, never half of one: the record's rename is the commit
point, and a data file no record names is an orphan removed by the next write. Files are 0600,
the folder 0700. One lock file per table (``fcntl.flock``) keeps two refreshes of the same table
from interleaving; reading takes no lock.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from distillr.errors import CatalogError, ConfigError, did_you_mean

__all__ = ["NAME_RULE", "SavedInfo", "SavedStore", "check_saved_name"]

NAME_RULE = "^[a-z][a-z0-9_]*$"
_NAME = re.compile(NAME_RULE)
FOLDER = "saved"


def check_saved_name(name: str) -> str:
    """A saved table's name (lowercase letters, digits, underscores), or ``ConfigError``."""
    if isinstance(name, str) and _NAME.match(name) and len(name) <= 64:
        return name
    raise ConfigError(
        f"'{name}' is not a valid saved table name: use lowercase letters, digits and"
        " underscores, starting with a letter (for example recent_msgs)."
    )


@dataclass(frozen=True)
class SavedInfo:
    """What is known of one saved table."""

    name: str
    sql: str
    file: str
    ran_at: str
    rows: int
    bytes: int
    incremental: str | None = None
    key: str | None = None
    seconds: float = 0.0

    @property
    def ran(self) -> datetime:
        return datetime.fromisoformat(self.ran_at)

    def to_dict(self) -> dict:
        return asdict(self)


class SavedStore:
    """The saved tables under ``home``."""

    def __init__(self, home: str | os.PathLike[str]) -> None:
        self.folder = Path(home).expanduser() / FOLDER

    # -- reading
    def list(self) -> list[SavedInfo]:
        if not self.folder.is_dir():
            return []
        out = []
        for path in sorted(self.folder.glob("*.json")):
            info = self._load(path)
            if info is not None:
                out.append(info)
        return out

    def names(self) -> list[str]:
        return [i.name for i in self.list()]

    def get(self, name: str) -> SavedInfo:
        info = self._load(self.folder / f"{name}.json") if _NAME.match(name or "") else None
        if info is None:
            names = self.names()
            listed = f" Saved tables: {', '.join(names)}." if names else " None are saved yet."
            raise CatalogError(
                f"No saved table '{name}'.{did_you_mean(name, names)}{listed} Save one with"
                ' CREATE TABLE saved.NAME AS SELECT ... or `distillr save NAME "SQL"`.'
            )
        return info

    def exists(self, name: str) -> bool:
        return (self.folder / f"{name}.json").is_file()

    def data_path(self, info: SavedInfo) -> Path:
        return self.folder / info.file

    def _load(self, path: Path) -> SavedInfo | None:
        try:
            data = json.loads(path.read_text())
            return SavedInfo(**data)
        except FileNotFoundError:
            return None
        except (ValueError, TypeError) as exc:
            raise ConfigError(
                f"The record of saved table '{path.stem}' ({path}) is damaged: {exc}. Drop it"
                f" with DROP TABLE saved.{path.stem} and save it again."
            ) from None

    # -- writing
    def _ensure(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)

    def new_data_file(self, name: str) -> tuple[Path, Path]:
        """(temporary path to write, final path) for a new version of ``name``'s data."""
        self._ensure()
        stem = f"{name}.{secrets.token_hex(6)}.parquet"
        return self.folder / f".{stem}.tmp", self.folder / stem

    def commit(self, info: SavedInfo, temp: Path, final: Path) -> SavedInfo:
        """Make ``temp`` the data of ``info.name``: rename it, then the record (the commit).
        The version it replaces is kept until the next commit, for queries already reading it."""
        previous = self._load(self.folder / f"{info.name}.json")
        _sync(temp)
        os.chmod(temp, 0o600)
        os.replace(temp, final)
        record = self.folder / f"{info.name}.json"
        tmp = self.folder / f".{info.name}.json.{secrets.token_hex(4)}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(info.to_dict(), f, indent=2)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, record)
        _sync_dir(self.folder)
        self.clean(info.name, keep=(info.file, previous.file if previous else ""))
        return info

    def drop(self, name: str) -> None:
        info = self.get(name)
        with self.lock(name):
            (self.folder / f"{info.name}.json").unlink(missing_ok=True)
            self.clean(name, keep=())
        (self.folder / f".{name}.lock").unlink(missing_ok=True)

    def clean(self, name: str, keep: tuple[str, ...]) -> None:
        """Remove ``name``'s data files but ``keep`` (and stale temporary files)."""
        for path in self.folder.glob(f"{name}.*.parquet"):
            if path.name not in keep and path.name.split(".")[0] == name:
                path.unlink(missing_ok=True)
        for path in self.folder.glob(f".{name}.*.tmp"):
            if path.name.split(".")[1] == name:
                with contextlib.suppress(OSError):
                    path.unlink()

    @contextlib.contextmanager
    def lock(self, name: str) -> Iterator[None]:
        """Hold ``name``'s lock (other processes refreshing it wait)."""
        import fcntl

        self._ensure()
        fd = os.open(self.folder / f".{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _sync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        _sync(path)
