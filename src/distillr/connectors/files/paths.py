"""Where a files source may read: table names to files, always inside the source's directory.

A table is named by its path relative to the directory, written with a leading slash
(``/customers.csv``, ``/exports/2026-01.parquet``); a name with ``*``, ``?`` or ``[...]`` is a
glob, one table over every file it matches (``*`` stays within one folder, ``**`` crosses
folders). Refused, each with a message saying why: ``..`` components, absolute paths (the
directory's own path, ``//``, ``~``, drive letters), backslashes, NUL bytes, percent-encoded
characters (``%2e%2e%2f``), hidden files and folders, unknown file types, and any name whose
real path (symlinks followed) leaves the directory.

>>> clean_name("/exports/*.csv")
'exports/*.csv'
>>> clean_name("/../etc/passwd")
Traceback (most recent call last):
...
distillr.errors.CatalogError: Table path '/../etc/passwd' goes up with '..': ...
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

from distillr.errors import CatalogError, ConfigError

__all__ = [
    "FORMATS",
    "MAX_FILES",
    "check_root",
    "clean_name",
    "format_of",
    "glob_regex",
    "is_glob",
    "list_files",
    "match",
    "safe_path",
]

#: file extension -> format
FORMATS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".json": "json",
    ".ndjson": "json",
    ".jsonl": "json",
    ".xlsx": "excel",
}
#: the most files one source lists (or one glob matches)
MAX_FILES = 10_000
_ENCODED = re.compile(r"%[0-9a-fA-F]{2}")
_GLOB_CHARS = re.compile(r"[*?\[]")
_DRIVE = re.compile(r"^[A-Za-z]:")


def check_root(path: str) -> Path:
    """The source's directory: ``~`` expanded, made absolute, and existing."""
    if not isinstance(path, str) or not path.strip():
        raise ConfigError("path is required: the directory whose files become tables.")
    root = Path(path.strip()).expanduser()
    root = Path(os.path.realpath(root if root.is_absolute() else Path.cwd() / root))
    if not root.is_dir():
        raise ConfigError(
            f"path '{root}' is not a directory. Give an existing directory of CSV, Parquet,"
            " JSON or Excel files."
        )
    return root


def is_glob(name: str) -> bool:
    return bool(_GLOB_CHARS.search(name))


def clean_name(name: str, root: Path | None = None) -> str:
    """A table name as a relative POSIX path (no leading slash), or ``CatalogError``."""
    shown = name
    if "\x00" in name:
        raise CatalogError(f"Table path {shown!r} holds a NUL byte.")
    if "\\" in name:
        raise CatalogError(
            f"Table path '{shown}' holds a backslash: write paths with '/', as in /exports/a.csv."
        )
    if _ENCODED.search(name):
        raise CatalogError(
            f"Table path '{shown}' holds percent-encoded characters: write the file's name"
            " as it is."
        )
    if root is not None and (name == str(root) or name.startswith(str(root).rstrip("/") + "/")):
        raise CatalogError(
            f"Table path '{shown}' is an absolute path: write it relative to the source's"
            " directory, as in /customers.csv."
        )
    rel = name[1:] if name.startswith("/") else name
    if rel.startswith(("/", "~")) or _DRIVE.match(rel):
        raise CatalogError(
            f"Table path '{shown}' is an absolute path: write it relative to the source's"
            " directory, as in /customers.csv."
        )
    parts = [p for p in rel.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise CatalogError(
            f"Table path '{shown}' goes up with '..': tables are files inside the source's"
            " directory only."
        )
    if any(p.startswith(".") for p in parts):
        raise CatalogError(f"Table path '{shown}' names a hidden file or folder.")
    if not parts:
        raise CatalogError("A table path names a file, as in /customers.csv.")
    return "/".join(parts)


def format_of(rel: str) -> str:
    """The format of a file (or glob) by its extension, or ``CatalogError``."""
    ext = os.path.splitext(rel)[1].lower()
    fmt = FORMATS.get(ext)
    if fmt is None:
        known = ", ".join(sorted(FORMATS))
        raise CatalogError(
            f"'/{rel}' is not a supported file type: the extensions read are {known}."
        )
    return fmt


def safe_path(root: Path, rel: str) -> Path:
    """The real path of ``rel`` under ``root``; ``CatalogError`` if it leads outside (a
    symlink) or is not a regular file."""
    path = Path(os.path.realpath(root / rel))
    if os.path.commonpath([path, root]) != str(root):
        raise CatalogError(
            f"Table path '/{rel}' leads outside the source's directory (a symlink); it is not read."
        )
    if not path.is_file():
        raise CatalogError(f"No file '/{rel}' in the source's directory.")
    return path


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A compiled regex for a glob over relative POSIX paths (``**`` crosses folders)."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:[^/]+/)*")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1 : end].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + r"\Z")


def list_files(root: Path) -> Iterator[str]:
    """Relative POSIX paths of the supported files under ``root``, sorted per folder; hidden
    entries skipped, symlinked folders not entered, symlinked files only when they stay in."""
    count = 0
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for f in sorted(files):
            if f.startswith(".") or os.path.splitext(f)[1].lower() not in FORMATS:
                continue
            full = Path(folder) / f
            rel = full.relative_to(root).as_posix()
            if full.is_symlink():
                real = os.path.realpath(full)
                if os.path.commonpath([real, root]) != str(root) or not os.path.isfile(real):
                    continue
            count += 1
            if count > MAX_FILES:
                raise CatalogError(
                    f"The source's directory holds more than {MAX_FILES} files: point the"
                    " source at a narrower directory."
                )
            yield rel


def match(root: Path, pattern: str) -> list[str]:
    """The files a glob matches, sorted; ``CatalogError`` if none."""
    regex = glob_regex(pattern)
    found = sorted(rel for rel in list_files(root) if regex.match(rel))
    if not found:
        raise CatalogError(f"No file in the source's directory matches '/{pattern}'.")
    return found
