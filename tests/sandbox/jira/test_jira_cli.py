"""``distillr sandbox jira`` prints its base URL and credentials, serves, stops on Ctrl-C;
``distillr sandbox twilio`` is the Twilio one."""

import json
import os
import signal
import subprocess
import sys

import httpx
import pytest


def _start(*args):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "distillr.cli", "sandbox", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_jira_json_then_serve_then_ctrl_c():
    proc = _start("jira", "--port", "0", "--scale", "tiny", "--seed", "9", "--json")
    try:
        info = json.loads(proc.stdout.readline())
        assert info["base_url"].startswith("http://127.0.0.1:")
        assert info["email"] and info["api_token"].startswith("ATATT")
        assert info["scale"] == "tiny" and info["seed"] == 9 and info["issues"] == 150
        assert info["token_url"] == info["base_url"] + "/test/oauth/token"
        r = httpx.get(
            info["base_url"] + "/rest/agile/1.0/board/1/issue",
            auth=(info["email"], info["api_token"]),
            timeout=10,
        )
        assert r.status_code == 200 and r.json()["issues"]
        r = httpx.get(
            info["base_url"] + "/test/auth/header/offset/issues",
            headers={"X-API-Key": info["api_key"]},
            timeout=10,
        )
        assert r.status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    assert "Traceback" not in err


def test_jira_text_with_given_credentials_and_faults():
    proc = _start(
        "jira",
        "--port",
        "0",
        "--scale",
        "tiny",
        "--email",
        "me@corp.example",
        "--api-token",
        "t0k",
        "--faults",
        "latency=1",
        "--issues",
        "40",
    )
    try:
        text = "".join(proc.stdout.readline() for _ in range(6))
        assert "JIRA sandbox at http://127.0.0.1:" in text and "40 issues" in text
        assert "me@corp.example" in text and "t0k" in text and "latency=1" in text
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)


def test_twilio_by_name():
    proc = _start("twilio", "--port", "0", "--scale", "tiny", "--json")
    try:
        info = json.loads(proc.stdout.readline())
        assert info["account_sid"].startswith("AC") and info["scale"] == "tiny"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)


@pytest.mark.parametrize(
    "args,needle",
    [
        (["jira", "--scale", "medium"], "--scale"),
        (["jira", "--faults", "429=7"], "rates go from 0 to 1"),
        (["jira", "--email", "nope"], "email"),
        (["jira", "--issues", "-3"], "--issues"),
        (["jira", "--token-ttl", "0"], "--token-ttl"),
    ],
)
def test_bad_options(args, needle):
    proc = _start(*args, "--port", "0")
    _, err = proc.communicate(timeout=30)
    assert proc.returncode in (1, 2)
    assert needle in err and "Traceback" not in err


def test_help_lists_both():
    out = subprocess.run(
        [sys.executable, "-m", "distillr.cli", "sandbox", "--help"], capture_output=True, text=True
    )
    assert out.returncode == 0 and "twilio" in out.stdout and "jira" in out.stdout
