"""The shipped front end (src/distillr/server/static) matches its sources (frontend/)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from distillr.server import build_info

ROOT = Path(__file__).parents[2]
FRONTEND = ROOT / "frontend"


def test_shipped_build_matches_sources():
    info = build_info.read_info()
    assert info["source_hash"] == build_info.source_hash(FRONTEND), (
        "frontend/ changed since the shipped build: run `make frontend` and commit"
        " src/distillr/server/static"
    )
    assert info["files"] == build_info.built_files(), (
        "src/distillr/server/static was edited by hand: run `make frontend`"
    )


def test_page_references_only_shipped_assets():
    html = (build_info.STATIC / "index.html").read_text()
    refs = [p for p in html.split('"') if p.startswith("/assets/")]
    assert refs and all((build_info.STATIC / r.lstrip("/")).is_file() for r in refs)


def test_hash_sees_every_source_change(tmp_path):
    copy = tmp_path / "frontend"
    shutil.copytree(FRONTEND, copy, ignore=shutil.ignore_patterns("node_modules"))
    before = build_info.source_hash(copy)
    (copy / "src" / "main.js").write_text((copy / "src" / "main.js").read_text() + "\n// x\n")
    assert build_info.source_hash(copy) != before


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed")
def test_rebuild_reproduces_the_shipped_files(tmp_path):
    """npm ci + vite build from a clean copy gives byte-identical files (deterministic)."""
    work = tmp_path / "repo"
    shutil.copytree(FRONTEND, work / "frontend", ignore=shutil.ignore_patterns("node_modules"))
    out = work / "src" / "distillr" / "server" / "static"
    out.mkdir(parents=True)
    try:
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=work / "frontend",
            check=True,
            capture_output=True,
            timeout=600,
        )
    except subprocess.CalledProcessError as exc:  # no registry access: nothing to compare
        pytest.skip(f"npm ci failed (offline?): {exc.stderr.decode()[-300:]}")
    subprocess.run(
        ["npx", "vite", "build", "--logLevel", "warn"],
        cwd=work / "frontend",
        check=True,
        capture_output=True,
        timeout=600,
    )
    assert build_info.built_files(out) == build_info.read_info()["files"]
