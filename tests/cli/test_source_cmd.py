"""`distillr source ...`: every command, bad inputs, and secrets kept out of every output."""

from __future__ import annotations

import json
import logging

import pytest

GOOD = "good-token-0123456789abcdef"  # the fake connector's valid token


def test_add_list_show_test_rename_update_remove(cli, home, fake_type):
    assert "No data sources yet" in cli("source", "list").out
    ran = cli(
        "source", "add", "fake", "shop", "-o", "account=acme", "--secret-env", "token=FAKE_TOKEN"
    )
    assert ran.code == 0 and "Saved data source 'shop'" in ran.out and "****cdef" in ran.out
    listed = cli("source", "list")
    assert listed.code == 0 and "shop" in listed.out and "****cdef" in listed.out
    data = json.loads(cli("source", "list", "--json").out)
    assert data[0]["name"] == "shop" and data[0]["secrets"] == {"token": "****cdef"}
    shown = cli("source", "show", "shop")
    assert "account:  acme" in shown.out and "token:    ****cdef" in shown.out
    assert json.loads(cli("source", "show", "shop", "--json").out)["options"] == {"account": "acme"}
    assert cli("source", "test", "shop").out.startswith("ok: 'shop' answered")
    assert cli("source", "rename", "shop", "store").code == 0
    ran = cli("source", "update", "store", "-o", "rows=5")
    assert ran.code == 0 and "rows=5" in ran.out
    assert cli("source", "remove", "store").code == 0
    assert "No data sources yet" in cli("source", "list").out


def test_secret_from_stdin(cli, home, fake_type):
    ran = cli("source", "add", "fake", "shop", "-o", "account=a", "--secret-env", "token=NOPE")
    assert ran.code == 2 and "NOPE is not set" in ran.err
    from distillr.cli.common import read_secret

    assert read_secret("x", env=None, stdin=False, option="--x") is None


@pytest.mark.parametrize("bad", ["Shop", "my-shop", "my shop", "shop!"])
def test_bad_names_exit_2_with_the_rule(cli, home, fake_type, bad):
    ran = cli("source", "add", "fake", bad, "-o", "account=a", "--secret-env", "token=FAKE_TOKEN")
    assert ran.code == 2
    assert "^[a-z0-9_]+$" in ran.err and "Traceback" not in ran.err


def test_bad_new_name_on_rename(cli, shop):
    ran = cli("source", "rename", "shop", "Shop")
    assert ran.code == 2 and "^[a-z0-9_]+$" in ran.err


def test_duplicate_name(cli, shop):
    ran = cli(
        "source", "add", "fake", "shop", "-o", "account=a", "--secret-env", "token=FAKE_TOKEN"
    )
    assert ran.code == 1 and "already exists" in ran.err
    cli("source", "add", "fake", "other", "-o", "account=a", "--secret-env", "token=FAKE_TOKEN")
    ran = cli("source", "rename", "other", "shop")
    assert ran.code == 1 and "already exists" in ran.err


def test_wrong_credentials_save_nothing(cli, home, fake_type, monkeypatch):
    monkeypatch.setenv("BAD_TOKEN", "bad-token-0000000000000000")
    ran = cli("source", "add", "fake", "shop", "-o", "account=a", "--secret-env", "token=BAD_TOKEN")
    assert ran.code == 1
    assert "Authenticate (code 20003)" in ran.err and "Traceback" not in ran.err
    assert "No data sources yet" in cli("source", "list").out
    ran = cli(
        "source",
        "add",
        "fake",
        "shop",
        "-o",
        "account=a",
        "--secret-env",
        "token=BAD_TOKEN",
        "--no-verify",
    )
    assert ran.code == 0 and "saved without testing" in ran.out
    ran = cli("source", "test", "shop")
    assert ran.code == 1 and "Authenticate" in ran.err


def test_unknown_source(cli, shop):
    for args in (
        ["show", "shpo"],
        ["test", "shpo"],
        ["remove", "shpo"],
        ["rename", "shpo", "x"],
        ["update", "shpo", "-o", "rows=1"],
    ):
        ran = cli("source", *args)
        assert ran.code == 1, args
        assert "No data source named 'shpo'. Did you mean 'shop'?" in ran.err


def test_usage_errors_exit_2(cli, shop):
    assert cli("source", "add", "fak", "x").code == 2  # unknown type, with a suggestion
    assert "Did you mean 'fake'" in cli("source", "add", "fak", "x").err
    assert cli("source", "update", "shop").code == 2  # nothing to change
    assert cli("source", "add", "fake", "x", "-o", "novalue").code == 2
    assert cli("source", "frobnicate").code == 2
    assert cli("source", "show").code == 2  # missing argument


def test_twilio_flags(cli, home, monkeypatch):
    monkeypatch.setenv("TOK", "x" * 32)
    ran = cli("source", "add", "twilio", "tw", "--auth-token-env", "TOK")
    assert ran.code == 2 and "--account-sid" in ran.err
    ran = cli("source", "add", "twilio", "tw", "--account-sid", "AC" + "0" * 32)
    assert ran.code == 2 and "never accepted as a plain argument" in ran.err  # no tty to ask on
    ran = cli(
        "source",
        "add",
        "twilio",
        "tw",
        "--account-sid",
        "AC" + "0" * 32,
        "--auth-token-env",
        "TOK",
        "--api-key",
        "SK" + "0" * 32,
    )
    assert ran.code == 2 and "not both" in ran.err
    ran = cli(
        "source", "add", "twilio", "tw", "--account-sid", "AC" + "0" * 32, "--api-secret-env", "TOK"
    )
    assert ran.code == 2 and "--api-key" in ran.err


def test_twilio_against_the_sandbox(cli, home, sandbox, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", sandbox.auth_token)
    monkeypatch.setenv("WRONG_TOKEN", "f" * 32)
    monkeypatch.setenv("API_SECRET", sandbox.api_key_secret)
    base = ["--account-sid", sandbox.account_sid, "--base-url", sandbox.base_url]
    ran = cli("source", "add", "twilio", "tw", *base, "--auth-token-env", "WRONG_TOKEN")
    assert ran.code == 1 and "Authenticate" in ran.err and "Traceback" not in ran.err
    assert cli("source", "list", "--json").out.strip() == "[]"
    ran = cli(
        "source",
        "add",
        "twilio",
        "tw",
        *base,
        "--auth-token-stdin",
        input=sandbox.auth_token + "\n",
    )
    assert ran.code == 0, ran.text
    assert cli("source", "test", "tw").code == 0
    ran = cli(
        "source", "update", "tw", "--api-key", sandbox.api_key_sid, "--api-secret-env", "API_SECRET"
    )
    assert ran.code == 0, ran.text
    shown = json.loads(cli("source", "show", "tw", "--json").out)
    assert set(shown["secrets"]) == {"api_secret"}
    assert shown["options"]["api_key"] == sandbox.api_key_sid
    assert cli("source", "test", "tw").code == 0
    everything = cli("source", "list").text + cli("source", "show", "tw").text
    everything += cli("--debug", "source", "test", "tw").text
    everything += cli("--debug", "query", "SELECT * FROM tw.calls LIMIT 3", "--format", "json").text
    everything += cli("--debug", "query", "SELECT * FROM tw.nope").text
    everything += caplog.text
    import base64

    basic = [
        base64.b64encode(f"{user}:{secret}".encode()).decode()
        for user, secret in (
            (sandbox.account_sid, sandbox.auth_token),
            (sandbox.api_key_sid, sandbox.api_key_secret),
        )
    ]
    for leak in basic:  # an Authorization header in a debug log
        assert leak not in everything
    for secret in (sandbox.auth_token, sandbox.api_key_secret):
        assert secret not in everything
        assert secret.encode() not in (home / "registry.db").read_bytes()


def test_no_secret_in_any_output_log_or_file(cli, home, fake_type, caplog, monkeypatch):
    monkeypatch.setenv("BAD_TOKEN", "bad-token-0000000000000000")
    caplog.set_level(logging.DEBUG)
    outputs = []
    for args in (
        [
            "--debug",
            "source",
            "add",
            "fake",
            "shop",
            "-o",
            "account=a",
            "--secret-env",
            "token=FAKE_TOKEN",
        ],
        [
            "--debug",
            "source",
            "add",
            "fake",
            "bad",
            "-o",
            "account=a",
            "--secret-env",
            "token=BAD_TOKEN",
        ],
        ["--debug", "source", "list"],
        ["source", "list", "--json"],
        ["--debug", "source", "show", "shop"],
        ["source", "show", "shop", "--json"],
        ["--debug", "source", "test", "shop"],
        ["--debug", "tree", "shop", "--json"],
        ["--debug", "source", "update", "shop", "--secret-env", "token=FAKE_TOKEN"],
        ["--debug", "query", "SELECT * FROM shop.items LIMIT 2"],
    ):
        outputs.append(cli(*args).text)
    blob = "\n".join(outputs) + caplog.text
    assert "checking account" in caplog.text  # the logs were captured
    for secret in (GOOD, "bad-token-0000000000000000"):
        assert secret not in blob
        for f in home.iterdir():
            if f.is_file():
                assert secret.encode() not in f.read_bytes(), f


def test_hidden_prompt_on_a_terminal(home, sandbox, child_env):
    """With no secret option, a terminal asks for the token without echoing it."""
    import sys

    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(
        sys.executable,
        [
            "-m",
            "distillr.cli",
            "source",
            "add",
            "twilio",
            "tw",
            "--account-sid",
            sandbox.account_sid,
            "--base-url",
            sandbox.base_url,
        ],
        env=child_env,
        encoding="utf-8",
        timeout=60,
    )
    child.expect("Auth Token: ")
    child.sendline(sandbox.auth_token)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert "Saved data source 'tw'" in child.before
    assert sandbox.auth_token not in child.before  # not echoed, not printed
    assert sandbox.auth_token.encode() not in (home / "registry.db").read_bytes()


def test_debug_shows_the_traceback_and_only_then(cli, shop):
    quiet = cli("source", "show", "nope")
    assert quiet.code == 1 and "Traceback" not in quiet.err
    loud = cli("--debug", "source", "show", "nope")
    assert loud.code == 1 and "Traceback" in loud.err and "CatalogError" in loud.err
