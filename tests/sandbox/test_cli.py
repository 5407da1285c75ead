"""``distillr sandbox`` prints its base URL and credentials, serves, and stops on Ctrl-C."""

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


def test_json_then_serve_then_ctrl_c():
    proc = _start("--port", "0", "--scale", "tiny", "--seed", "9", "--json")
    try:
        line = proc.stdout.readline()
        info = json.loads(line)
        assert info["base_url"].startswith("http://127.0.0.1:")
        assert info["account_sid"].startswith("AC") and info["api_key_sid"].startswith("SK")
        assert info["scale"] == "tiny" and info["seed"] == 9
        r = httpx.get(
            f"{info['base_url']}/2010-04-01/Accounts/{info['account_sid']}/Calls.json",
            auth=(info["account_sid"], info["auth_token"]),
            timeout=10,
        )
        assert r.status_code == 200 and r.json()["calls"]
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    assert "Traceback" not in err


def test_text_output_and_given_credentials():
    sid = "AC" + "ab" * 16
    proc = _start(
        "--port",
        "0",
        "--scale",
        "tiny",
        "--account-sid",
        sid,
        "--auth-token",
        "t0k",
        "--faults",
        "latency=1",
    )
    try:
        lines = [proc.stdout.readline() for _ in range(6)]
        text = "".join(lines)
        assert "Twilio sandbox at http://127.0.0.1:" in text and sid in text and "t0k" in text
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)


@pytest.mark.parametrize(
    "args,needle",
    [
        (["--scale", "huge"], "--scale"),
        (["--faults", "429=7"], "rates go from 0 to 1"),
        (["--account-sid", "nope"], "account_sid"),
        (["--max-concurrency", "0"], "max-concurrency"),
    ],
)
def test_bad_options(args, needle):
    proc = _start("--port", "0", *args)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode in (1, 2)
    assert needle in err and "Traceback" not in err
