"""The flags of `source add TYPE` come from the type's settings: any declaration gets its
flags, its modes' rules and its prompts, with no code naming the type."""

from __future__ import annotations

import pytest
from typer._click import exceptions as click_errors

from distillr.cli.source_flags import build_command, collect
from distillr.connectors.settings import Mode, Setting, Settings

DECLARED = Settings(
    [
        Setting("region", "choice", "the region", required=True, choices=("eu", "us")),
        Setting("port", "integer", "the port", minimum=1, maximum=65535),
        Setting("live", "boolean", "read live data"),
        Setting("token", "string", "the token", secret=True),
        Setting("key_id", "string", "the key id", identity=True),
        Setting("key_secret", "string", "the key's secret", secret=True),
    ],
    modes=[Mode("token", "A token", ("token",)), Mode("key", "A key", ("key_id", "key_secret"))],
)


def parse(*args):
    cmd = build_command("add thing", "Save a thing.", DECLARED, inputs={})
    return cmd.main(args=list(args), prog_name="distillr source add thing", standalone_mode=False)


def test_every_setting_has_its_flags(monkeypatch):
    monkeypatch.setenv("TOK", "secret-token-value")
    values = parse("x", "--region", "eu", "--port", "8080", "--no-live", "--token-env", "TOK")
    chosen = collect(values, DECLARED, adding=True)
    assert chosen.options == {"region": "eu", "port": 8080, "live": False}
    assert chosen.secrets == {"token": "secret-token-value"}
    cmd = build_command("add thing", "Save a thing.", DECLARED, inputs={})
    names = {opt for p in cmd.params for opt in getattr(p, "opts", [])}
    assert {"--region", "--port", "--live", "--token-env", "--token-stdin", "--key-id"} <= names
    assert "--token" not in names and "--key-secret" not in names  # secrets: never a value


def test_bad_values_and_modes_are_usage_errors(monkeypatch):
    monkeypatch.setenv("TOK", "t")
    with pytest.raises(click_errors.BadParameter, match="must be one of eu, us"):
        collect(parse("x", "--region", "asia"), DECLARED, adding=True)
    with pytest.raises(click_errors.BadParameter, match="at most 65535"):
        collect(parse("x", "--region", "eu", "--port", "70000"), DECLARED, adding=True)
    both = parse("x", "--region", "eu", "--token-env", "TOK", "--key-id", "k")
    with pytest.raises(click_errors.BadParameter, match="either A token or A key, not both"):
        collect(both, DECLARED, adding=True)
    half = parse("x", "--region", "eu", "--key-secret-env", "TOK")
    with pytest.raises(click_errors.BadParameter, match="A key needs --key-id"):
        collect(half, DECLARED, adding=True)
    with pytest.raises(click_errors.BadParameter, match="needs --region"):
        collect(parse("x", "--token-env", "TOK"), DECLARED, adding=True)
    # no secret and no terminal: the first mode's secret is asked for, which cannot be done
    with pytest.raises(click_errors.BadParameter, match="--token-env VAR"):
        collect(parse("x", "--region", "eu"), DECLARED, adding=True)


def test_choosing_a_mode_on_update_clears_the_others(monkeypatch):
    monkeypatch.setenv("TOK", "t")
    chosen = collect(parse("x", "--token-env", "TOK"), DECLARED, adding=False)
    assert chosen.options == {"key_id": None} and chosen.secrets == {"token": "t"}
    chosen = collect(parse("x", "--port", "9"), DECLARED, adding=False)
    assert chosen.options == {"port": 9} and chosen.secrets is None
