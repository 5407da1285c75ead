"""Secrets stay with their host: no sequence of source edits that does not re-enter the secret
sends it anywhere new, by any route (web API as admin or analyst, Python Registry, the CLI);
answers from other hosts are not echoed; credentials in URLs, private addresses for non-admins,
and short secrets are handled as documented."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from serverproc import Capture, cli, cli_env

from distillr.errors import ConfigError, DistillrError
from distillr.registry import Registry
from distillr.server import create_app
from distillr.server.auth import AuthStore


@pytest.fixture(scope="module")
def sandbox():
    from distillr.sandbox import TwilioSandbox

    with TwilioSandbox(seed=42) as sb:
        yield sb


@pytest.fixture(scope="module")
def capture():
    with Capture() as cap:
        yield cap


def _wait(client, headers, job):
    deadline = time.monotonic() + 30
    while job.get("state") == "running" and time.monotonic() < deadline:
        job = client.get(f"/api/queries/{job['id']}", params={"wait": 5}, headers=headers).json()
    return job


#: option changes an edit may carry; none re-enters the secret
def _changes(capture_url):
    return st.sampled_from(
        [
            {"base_url": capture_url},
            {"base_url": capture_url + "/"},
            {"base_url": capture_url, "timeout": 5},
            {"account_sid": "AC" + "f" * 32},
            {"api_key": "SK" + "1" * 32},
            {"base_url": None},
            {"timeout": 7},
            {},
        ]
    )


def _machine(sandbox, capture):
    class SourceEdits(RuleBasedStateMachine):
        """Edits of one saved Twilio source, after each of which the capture server must not
        have seen the saved Auth Token."""

        def __init__(self) -> None:
            super().__init__()
            self.home = Path(tempfile.mkdtemp(prefix="distillr-edits-"))
            store = AuthStore(self.home)
            store.add_user("root", "correct horse battery", "admin")
            store.add_user("ana", "correct horse battery", "analyst")
            self.headers = {
                "admin": {"authorization": f"Bearer {store.create_token('root')[1]}"},
                "analyst": {"authorization": f"Bearer {store.create_token('ana')[1]}"},
            }
            self.web = TestClient(
                create_app(self.home, require_auth=True), base_url="https://distillr.example"
            )
            self.web.__enter__()
            self.name = "tw"
            Registry(self.home).add(
                "twilio",
                "tw",
                {"account_sid": sandbox.account_sid, "base_url": sandbox.base_url},
                {"auth_token": sandbox.auth_token},
            )
            capture.requests.clear()

        def teardown(self) -> None:
            self.web.__exit__(None, None, None)
            shutil.rmtree(self.home, ignore_errors=True)

        @rule(
            who=st.sampled_from(["admin", "analyst"]),
            options=_changes(capture.url),
            secrets=st.sampled_from([None, {}, {"auth_token": ""}, {"auth_token": "  "}]),
            verify=st.booleans(),
        )
        def web_edit(self, who, options, secrets, verify):
            body = {"options": options, "verify": verify}
            if secrets is not None:
                body["secrets"] = secrets
            res = self.web.patch(f"/api/sources/{self.name}", json=body, headers=self.headers[who])
            assert res.status_code != 500, res.text
            if who == "analyst":
                assert res.status_code == 403

        @rule(who=st.sampled_from(["admin", "analyst"]), new=st.sampled_from(["tw", "tw2"]))
        def web_rename(self, who, new):
            res = self.web.patch(
                f"/api/sources/{self.name}", json={"name": new}, headers=self.headers[who]
            )
            if res.status_code == 200:
                self.name = new

        @rule(options=_changes(capture.url), verify=st.booleans())
        def registry_update(self, options, verify):
            try:
                Registry(self.home).update(self.name, options=options, verify=verify)
            except DistillrError:
                pass

        @rule(who=st.sampled_from(["admin", "analyst"]))
        def query(self, who):
            res = self.web.post(
                "/api/queries",
                json={"sql": f"SELECT sid FROM {self.name}.calls LIMIT 1"},
                headers=self.headers[who],
            )
            assert res.status_code == 202, res.text
            _wait(self.web, self.headers[who], res.json())

        @rule()
        def test_connection(self):
            try:
                conn = Registry(self.home).connector(self.name)
                try:
                    conn.check()
                finally:
                    conn.close()
            except DistillrError:
                pass

        @invariant()
        def secret_stays_home(self):
            assert not capture.saw(sandbox.auth_token), capture.requests[-1]

    return SourceEdits


def test_no_edit_sequence_sends_the_saved_secret_elsewhere(sandbox, capture):
    machine = _machine(sandbox, capture)
    machine.TestCase.settings = settings(
        max_examples=25,
        stateful_step_count=6,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    machine.TestCase().runTest()


def test_an_identity_change_needs_the_secret_and_verifies_with_it_only(home, sandbox, capture):
    reg = Registry(home)
    reg.add(
        "twilio",
        "tw",
        {"account_sid": sandbox.account_sid, "base_url": sandbox.base_url},
        {"auth_token": sandbox.auth_token},
    )
    capture.requests.clear()
    with pytest.raises(ConfigError, match="needs its secret again"):
        reg.update("tw", {"base_url": capture.url})
    assert capture.requests == []
    with pytest.raises(DistillrError):  # verified with the new secret only, at the new host
        reg.update("tw", {"base_url": capture.url}, {"auth_token": "decoy-token-0000000000"})
    assert len(capture.requests) == 1 and capture.saw("decoy-token-0000000000")
    assert not capture.saw(sandbox.auth_token)
    assert reg.get("tw").options["base_url"] == sandbox.base_url  # nothing saved


def test_cli_update_of_the_base_url_needs_the_secret(home, sandbox, capture):
    env = {"TOK": sandbox.auth_token}
    os.environ.update(env)
    try:
        added = cli(
            home,
            "source",
            "add",
            "twilio",
            "tw",
            "--account-sid",
            sandbox.account_sid,
            "--auth-token-env",
            "TOK",
            "--base-url",
            sandbox.base_url,
        )
    finally:
        os.environ.pop("TOK")
    assert added.returncode == 0, added.stderr
    capture.requests.clear()
    res = cli(home, "source", "update", "tw", "--base-url", capture.url)
    assert res.returncode == 1 and "needs its secret again" in res.stderr
    res = cli(home, "source", "update", "tw", "--base-url", capture.url, "--no-verify")
    assert res.returncode == 1
    assert capture.requests == []
    assert cli_env(home)["DISTILLR_HOME"] == str(home)


def test_answers_from_another_host_are_not_echoed(client, capture, sandbox):
    capture.status, capture.body = 401, {"code": 20003, "message": "CAPTURED-BODY 10.0.0.7:22"}
    res = client.post(
        "/api/sources",
        json={
            "type": "twilio",
            "name": "tw",
            "options": {"account_sid": sandbox.account_sid, "base_url": capture.url},
            "secrets": {"auth_token": "some-token-00000000000"},
        },
    )
    assert res.status_code == 422 and res.json()["field"] == "auth_token"
    assert "CAPTURED" not in res.text and "10.0.0.7" not in res.text
    assert "rejected the credentials" in res.json()["detail"]
    # a query against that host: the job's error shows the status, not the body
    capture.status = 404
    client.post(
        "/api/sources",
        json={
            "type": "twilio",
            "name": "tw",
            "options": {"account_sid": sandbox.account_sid, "base_url": capture.url},
            "secrets": {"auth_token": "some-token-00000000000"},
            "verify": False,
        },
    )
    job = _wait(
        client, {}, client.post("/api/queries", json={"sql": "SELECT * FROM tw.calls"}).json()
    )
    assert job["state"] == "error" and "CAPTURED" not in str(job)
    assert "HTTP 404" in job["error"]["detail"] or "found nothing" in job["error"]["detail"]
    capture.status, capture.body = 401, {"code": 20003, "message": "CAPTURED-BODY"}


def test_known_hosts_keep_the_apis_words():
    from distillr.errors import SourceError
    from distillr.server.problems import public_message

    err = SourceError(
        "Twilio answered HTTP 404: No such call.",
        status=404,
        api_message="No such call.",
        path="/x",
    )
    assert "No such call" not in public_message(err)
    err.known_host = True
    assert public_message(err) == str(err)


def test_credentials_in_a_base_url_are_refused_unshown(client, sandbox):
    res = client.post(
        "/api/sources",
        json={
            "type": "twilio",
            "name": "tw",
            "options": {
                "account_sid": sandbox.account_sid,
                "base_url": "http://me:hunter2pw@127.0.0.1:9",
            },
            "secrets": {"auth_token": sandbox.auth_token},
        },
    )
    assert res.status_code == 422 and res.json()["field"] == "base_url"
    assert "hunter2pw" not in res.text
    with pytest.raises(ConfigError, match="user name or password"):
        Registry(client.app.state.server.home).add(
            "twilio",
            "tw",
            {"account_sid": sandbox.account_sid, "base_url": "http://me:hunter2pw@127.0.0.1:9"},
            {"auth_token": sandbox.auth_token},
            verify=False,
        )


def test_non_admins_cannot_point_a_source_at_private_addresses(home, sandbox):
    reg = Registry(home)
    for url in (
        "http://127.0.0.1:9",
        "http://10.1.2.3",
        "http://169.254.169.254",
        "http://[::1]:8",
    ):
        with pytest.raises(ConfigError, match="private, loopback or link-local"):
            reg.add(
                "twilio",
                "tw",
                {"account_sid": sandbox.account_sid, "base_url": url},
                {"auth_token": sandbox.auth_token},
                verify=False,
                allow_private=False,
            )
    assert (
        reg.add(
            "twilio",
            "tw",
            {"account_sid": sandbox.account_sid, "base_url": sandbox.base_url},
            {"auth_token": sandbox.auth_token},
        ).name
        == "tw"
    )  # an admin may
    with pytest.raises(ConfigError, match="private"):
        reg.update(
            "tw",
            {"base_url": "http://127.0.0.2:1"},
            {"auth_token": "x" * 32},
            verify=False,
            allow_private=False,
        )


def test_short_secrets_are_scrubbed_as_whole_tokens(home, fake_type):
    reg = Registry(home)
    with pytest.raises(DistillrError) as err:
        reg.add("fake", "shop", {"account": "acme"}, {"token": "the"})
    message = str(err.value)
    assert "Authenticate" in message  # not "Au****nticate"
    assert " the " not in f" {message} "  # the standalone word is masked
    from distillr.registry import scrub

    assert scrub("key sk1 in sk1x and xsk1 and (sk1)", ["sk1"]) == (
        "key **** in sk1x and xsk1 and (****)"
    )
