from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

PLUGIN = Path(__file__).parent / "plugin"
GOOD = "good-token-0123456789abcdef"


@pytest.fixture
def home(tmp_path, monkeypatch):
    path = tmp_path / "home"
    monkeypatch.setenv("DISTILLR_HOME", str(path))
    monkeypatch.delenv("DISTILLR_SECRET_KEY", raising=False)
    monkeypatch.setenv("FAKE_TOKEN", GOOD)
    return path


@dataclass
class Ran:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


@pytest.fixture
def cli(capsys, monkeypatch):
    """Run ``distillr ARGS`` in this process; ``input`` feeds stdin."""
    import io

    from distillr.cli import run

    def invoke(*args: str, input: str | None = None) -> Ran:
        capsys.readouterr()
        monkeypatch.setattr(sys, "stdin", io.StringIO(input or ""))
        code = run([str(a) for a in args])
        captured = capsys.readouterr()
        return Ran(code, captured.out, captured.err)

    return invoke


@pytest.fixture
def shop(cli, home, fake_type):
    """A saved source ``shop`` of the fake type."""
    ran = cli(
        "source", "add", "fake", "shop", "-o", "account=acme", "--secret-env", "token=FAKE_TOKEN"
    )
    assert ran.code == 0, ran.text
    return "shop"


@pytest.fixture
def child_env(home):
    """The environment for a ``distillr`` child process (fake type installed)."""
    env = dict(
        os.environ,
        DISTILLR_HOME=str(home),
        PYTHONPATH=str(PLUGIN),
        FAKE_TOKEN=GOOD,
        COLUMNS="120",
        LINES="40",
        TERM="xterm",
    )
    env.pop("DISTILLR_SECRET_KEY", None)
    return env


@pytest.fixture(scope="session")
def sandbox():
    from distillr.sandbox import TwilioSandbox

    with TwilioSandbox(seed=7, scale="small") as sb:
        yield sb
