"""The README's quick start, as a newcomer runs it: a fresh copy of the repository (the files
git tracks), an empty DISTILLR_HOME, and exactly the commands of the README's first code block.

`make test` runs only a small, quick part of the suite here (PYTEST_ARGS) and with
DISTILLR_README_TEST_INNER set, so that this test does not run itself again. Packages come from
the package index (pip's cache is reused); nothing else needs the network.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
INNER = "DISTILLR_README_TEST_INNER"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(1500),
    pytest.mark.skipif(bool(os.environ.get(INNER)), reason="already inside the README test"),
]


def quick_start_commands(readme: str) -> list[str]:
    """The commands of the first ```sh block after '## Quick start', comments removed."""
    section = readme.split("## Quick start", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [
        line.split("#", 1)[0].strip()
        for line in block.splitlines()
        if line.split("#", 1)[0].strip()
    ]


def test_quick_start_has_two_commands():
    assert quick_start_commands((REPO / "README.md").read_text()) == ["make demo", "make test"]


def _fresh_copy(target: Path) -> None:
    files = (
        subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True)
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, files):
        src = REPO / name
        if src.is_file():
            dest = target / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest)


def test_readme_commands_in_a_fresh_copy(tmp_path):
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs the git work tree to copy the tracked files")
    repo = tmp_path / "distillr"
    _fresh_copy(repo)
    assert not (repo / ".venv").exists()
    home = tmp_path / "distillr-home"
    home.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("VIRTUAL_ENV", "PYTEST", "DISTILLR_"))
    }
    env.update(
        DISTILLR_HOME=str(home),
        HOME=os.environ.get("HOME", str(tmp_path)),
        PYTEST_ARGS="-q -p no:cacheprovider tests/registry tests/cli/test_tree_samples.py",
        **{INNER: "1"},
    )
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if ".venv" not in p
    )
    commands = quick_start_commands((repo / "README.md").read_text())
    outputs = {}
    for command in commands:
        done = subprocess.run(
            command.split(), cwd=repo, env=env, capture_output=True, text=True, timeout=1200
        )
        outputs[command] = done.stdout + done.stderr
        assert done.returncode == 0, f"{command} failed:\n{outputs[command][-4000:]}"
    demo = outputs["make demo"]
    for title in (
        "Recent calls",
        "Messages by to, from and date sent",
        "Recordings of one call",
        "Calls with their recordings",
        "Messages by status",
        "What next",
    ):
        assert title in demo
    assert "Traceback" not in demo
    assert re.search(r"\d+ passed", outputs["make test"])
    assert list(home.iterdir()) == []  # the demo kept its registry out of the user's home
