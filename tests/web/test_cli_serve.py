"""`distillr serve` refuses to listen beyond loopback without users; `distillr users`."""

from __future__ import annotations

import pytest

from distillr.cli import run
from distillr.cli.serve import is_loopback
from distillr.server.auth import AuthStore


@pytest.mark.parametrize(
    "host,ok",
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("192.168.1.5", False),
        ("example.com", False),
    ],
)
def test_is_loopback(host, ok):
    assert is_loopback(host) is ok


def test_serve_refuses_other_addresses_without_users(home, capsys):
    assert run(["--home", str(home), "serve", "--host", "0.0.0.0", "--port", "0"]) == 1
    err = capsys.readouterr().err
    assert "Refusing to start on 0.0.0.0" in err and "distillr users add" in err
    assert run(["--home", str(home), "serve", "--auth"]) == 1


def test_users_lifecycle(home, capsys, monkeypatch):
    monkeypatch.setenv("WEB_PW", "a long password")
    assert run(["--home", str(home), "users", "add", "ada", "--password-env", "WEB_PW"]) == 0
    assert AuthStore(home).check_password("ada", "a long password")
    assert run(["--home", str(home), "users", "add", "ada", "--password-env", "WEB_PW"]) == 1
    assert "already exists" in capsys.readouterr().err
    assert run(["--home", str(home), "users", "token", "ada", "--label", "ci"]) == 0
    out = capsys.readouterr()
    token = out.out.strip()
    assert token.startswith("dst_") and AuthStore(home).user_for_token(token) == "ada"
    assert token not in out.err
    assert run(["--home", str(home), "users", "list"]) == 0
    assert "ada\t1 token(s)" in capsys.readouterr().out
    (tok,) = AuthStore(home).tokens("ada")
    assert run(["--home", str(home), "users", "tokens"]) == 0
    listing = capsys.readouterr().out
    assert tok.id in listing and token not in listing
    assert run(["--home", str(home), "users", "revoke", tok.id]) == 0
    assert AuthStore(home).user_for_token(token) is None
    assert run(["--home", str(home), "users", "remove", "ada"]) == 0
    assert run(["--home", str(home), "users", "remove", "ada"]) == 1
    assert "no user 'ada'" in capsys.readouterr().err


def test_users_add_needs_a_password_source(home, capsys, monkeypatch):
    monkeypatch.delenv("NOPE", raising=False)
    assert run(["--home", str(home), "users", "add", "bob", "--password-env", "NOPE"]) == 2
    monkeypatch.setenv("SHORT", "abc")
    assert run(["--home", str(home), "users", "add", "bob", "--password-env", "SHORT"]) == 1
    assert "too short" in capsys.readouterr().err
