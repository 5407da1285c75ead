"""`distillr demo` and the Twilio samples, against the real sandbox and connector."""

from __future__ import annotations

import json


def test_demo_runs_every_sample(cli, home):
    ran = cli("demo", "--rows", "3")
    assert "Error" not in ran.err, ran.err
    assert ran.code == 0
    out = ran.out
    for title in (
        "1. Recent calls",
        "2. Messages by to, from and date sent",
        "3. Recordings of one call",
        "4. Calls with their recordings",
        "5. Messages by status",
    ):
        assert title in out
    assert "SELECT *\nFROM `demo_twilio`.`calls`\nLIMIT 100" in out
    assert "100 rows (showing the first 3" in out
    assert "What next" in out
    assert not home.exists()  # the user's registry was not touched


def test_demo_home_keeps_the_registry(cli, home, tmp_path):
    demo_home = tmp_path / "demo-home"
    ran = cli("demo", "--rows", "1", "--demo-home", demo_home)
    assert ran.code == 0, ran.err
    assert (demo_home / "registry.db").exists() and not home.exists()
    assert cli("demo", "--rows", "1", "--demo-home", demo_home).code == 0  # again: replaced


def test_twilio_samples_use_real_values(cli, home, sandbox, monkeypatch):
    monkeypatch.setenv("TOK", sandbox.auth_token)
    assert (
        cli(
            "source",
            "add",
            "twilio",
            "tw",
            "--account-sid",
            sandbox.account_sid,
            "--base-url",
            sandbox.base_url,
            "--auth-token-env",
            "TOK",
        ).code
        == 0
    )
    offline = json.loads(cli("samples", "tw", "--offline", "--json").out)
    assert "CA" + "0" * 32 in offline[2]["sql"]
    found = json.loads(cli("samples", "tw", "--json").out)
    assert [s["table"] for s in found] == [
        "calls",
        "messages",
        "call_recordings",
        "recordings",
        "messages",
    ]
    assert "CA" + "0" * 32 not in found[2]["sql"]
    for sample in found:
        ran = cli("query", sample["sql"], "--format", "jsonl")
        assert ran.code == 0, (sample["title"], ran.err)
        assert ran.out.strip(), sample["title"]  # every sample returns rows


def test_example_lookup_is_cheap(home, sandbox):
    """Finding example values costs one small request per table, whatever the account's size."""
    import distillr
    from distillr import samples
    from distillr.registry import Registry

    Registry(home).add(
        "twilio",
        "tw",
        {"account_sid": sandbox.account_sid, "base_url": sandbox.base_url},
        {"auth_token": sandbox.auth_token},
    )
    before = len(sandbox.requests)
    found = samples.find_examples(distillr.connect(str(home)), "tw")
    assert {"to", "from", "day", "since", "call_sid"} <= set(found)
    assert len(sandbox.requests) - before == 2
