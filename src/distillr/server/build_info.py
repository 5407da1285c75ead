"""The front end's source fingerprint: which sources the shipped build in ``static/`` came from.

``make frontend`` builds ``frontend/`` into ``static/`` and then runs this file to record the
hash of the sources (``frontend/src``, ``public``, ``index.html``, ``vite.config.js``,
``package.json``, ``package-lock.json``) in ``static/build-info.json``; a test compares it with
the sources in the work tree, so a change to the sources without a rebuild fails CI.
Runs as a plain script (``python src/distillr/server/build_info.py``) without installing.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
INFO_FILE = STATIC / "build-info.json"
ROOT_FILES = ("index.html", "package.json", "package-lock.json", "vite.config.js")
TREES = ("src", "public")


def default_frontend_dir() -> Path:
    return HERE.parents[2] / "frontend"


def source_files(frontend: Path) -> list[Path]:
    files = [frontend / name for name in ROOT_FILES if (frontend / name).is_file()]
    for tree in TREES:
        base = frontend / tree
        if base.is_dir():
            files.extend(p for p in base.rglob("*") if p.is_file())
    return sorted(files, key=lambda p: p.relative_to(frontend).as_posix())


def source_hash(frontend: Path | None = None) -> str:
    """SHA-256 over each source file's relative path and content (line endings normalised)."""
    frontend = frontend or default_frontend_dir()
    digest = hashlib.sha256()
    for path in source_files(frontend):
        digest.update(path.relative_to(frontend).as_posix().encode() + b"\0")
        digest.update(path.read_bytes().replace(b"\r\n", b"\n") + b"\0")
    return digest.hexdigest()


def built_files(static: Path = STATIC) -> dict[str, str]:
    """SHA-256 of every built file except build-info.json itself."""
    return {
        p.relative_to(static).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(static.rglob("*"))
        if p.is_file() and p.name != INFO_FILE.name
    }


def read_info(static: Path = STATIC) -> dict:
    return json.loads((static / INFO_FILE.name).read_text())


def write(frontend: Path | None = None, static: Path = STATIC) -> dict:
    info = {
        "source_hash": source_hash(frontend),
        "files": built_files(static),
        "rebuild": "make frontend",
    }
    (static / INFO_FILE.name).write_text(json.dumps(info, indent=2, sort_keys=True) + "\n")
    return info


if __name__ == "__main__":
    out = write(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
    print(f"front end built from sources {out['source_hash'][:12]}: {len(out['files'])} files")
