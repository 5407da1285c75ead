"""The README's Custom API quick start works first try: its shell block, run as is in an empty
folder with an empty DISTILLR_HOME (only the sandbox's port is changed, to a free one)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def custom_api_block(readme: str) -> str:
    section = readme.split("### Any other REST API", 1)[1]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_custom_api_quick_start_runs(tmp_path):
    block = custom_api_block((REPO / "README.md").read_text())
    assert "distillr source add jira" in block and "distillr source add rest" in block
    port = str(free_port())
    script = "set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null' EXIT\n"
    script += block.replace("8098", port).replace(
        "distillr sandbox jira ", f"distillr sandbox jira --port {port} ", 1
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISTILLR_")}
    env.update(DISTILLR_HOME=str(tmp_path / "home"), COLUMNS="120")
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    done = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-4000:]
    assert "Saved data source 'my_jira'" in out and "Saved data source 'boards'" in out
    assert "All work" in out and "7 rows" in out  # the join: one row per board
    assert "Refreshed 'boards': 2 table(s) sampled" in out
    assert "sandbox-token-0123" not in (tmp_path / "boards.yaml").read_text()
