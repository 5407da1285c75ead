"""The data source registry: names, CRUD, verification, secrets at rest, migrations."""

from __future__ import annotations

import sqlite3
import stat

import pytest

from distillr.errors import AuthError, CatalogError, ConfigError
from distillr.registry import Registry, SourceInfo, mask

GOOD = "good-token-0123456789abcdef"
OPTS = {"account": "acme"}


def test_add_list_get_and_connector(reg, fake_type):
    info = reg.add("fake", "shop", OPTS, {"token": GOOD})
    assert isinstance(info, SourceInfo)
    assert (info.name, info.type, info.options) == ("shop", "fake", OPTS)
    assert info.secrets == {"token": "****cdef"}
    assert info.created == info.updated and info.created.tzinfo is not None
    assert [i.name for i in reg.list()] == ["shop"]
    assert reg.get("shop") == info
    assert reg.sources() == ["shop"]
    conn = reg.connector("shop")
    assert isinstance(conn, fake_type.FakeConnector)
    assert (conn.name, conn.account, conn._token) == ("shop", "acme", GOOD)


def test_empty_home_is_not_created_by_reads(tmp_path, fake_type):
    reg = Registry(tmp_path / "nowhere")
    assert reg.list() == []
    assert not (tmp_path / "nowhere").exists()
    with pytest.raises(CatalogError, match="No data sources are saved yet"):
        reg.get("x")


def test_home_defaults_to_env(monkeypatch, tmp_path):
    monkeypatch.setenv("DISTILLR_HOME", str(tmp_path / "h"))
    assert Registry().home == tmp_path / "h"
    monkeypatch.delenv("DISTILLR_HOME")
    assert Registry().home.name == ".distillr"


@pytest.mark.parametrize("bad", ["My_Twilio", "my-twilio", "my twilio", "", "tw.ilio", "é", "a;b"])
def test_bad_names_are_refused_with_the_rule(reg, bad):
    with pytest.raises(ConfigError, match=r"\^\[a-z0-9_\]\+\$"):
        reg.add("fake", bad, OPTS, {"token": GOOD})
    assert reg.list() == []


def test_bad_name_error_suggests_a_valid_one(reg):
    with pytest.raises(ConfigError, match="such as 'my_twilio'"):
        reg.add("fake", "My-Twilio", OPTS, {"token": GOOD})


def test_duplicate_names(reg):
    reg.add("fake", "a", OPTS, {"token": GOOD})
    reg.add("fake", "b", OPTS, {"token": GOOD})
    with pytest.raises(ConfigError, match="already exists"):
        reg.add("fake", "a", OPTS, {"token": GOOD})
    with pytest.raises(ConfigError, match="'b' already exists"):
        reg.rename("a", "b")
    assert reg.sources() == ["a", "b"]


def test_wrong_credentials_save_nothing(reg):
    with pytest.raises(AuthError, match="Authenticate"):
        reg.add("fake", "shop", OPTS, {"token": "wrong-token-xxxxxxxx"})
    assert reg.list() == []
    saved = reg.add("fake", "shop", OPTS, {"token": "wrong-token-xxxxxxxx"}, verify=False)
    assert saved.name == "shop"


def test_bad_options_are_refused_before_saving(reg):
    with pytest.raises(ConfigError, match="needs an 'account'"):
        reg.add("fake", "shop", {}, {"token": GOOD}, verify=False)
    with pytest.raises(ConfigError, match="Secret 'token' is empty"):
        reg.add("fake", "shop", OPTS, {"token": "  "})
    assert reg.list() == []


def test_unknown_type(reg):
    with pytest.raises(ConfigError, match=r"Unknown data source type 'fak'\. Did you mean 'fake'"):
        reg.add("fak", "shop", OPTS, {})


def test_update_merges_options_and_replaces_secrets(reg):
    reg.add("fake", "shop", {"account": "acme", "rows": 3}, {"token": GOOD})
    info = reg.update("shop", {"rows": None, "delay": 0.5})
    assert info.options == {"account": "acme", "delay": 0.5}
    assert reg.connector("shop")._token == GOOD  # secrets kept
    with pytest.raises(AuthError):
        reg.update("shop", secrets={"token": "wrong-token-xxxxxxxx"})
    assert reg.connector("shop")._token == GOOD  # nothing saved
    other = "good-token-but-not-checked-9999"
    assert reg.update("shop", secrets={"token": other}, verify=False).secrets == {
        "token": "****9999"
    }
    assert reg.connector("shop")._token == other
    assert reg.get("shop").updated > reg.get("shop").created


def test_rename_and_remove(reg):
    reg.add("fake", "old", OPTS, {"token": GOOD})
    assert reg.rename("old", "new").name == "new"
    with pytest.raises(CatalogError, match="No data source named 'old'"):
        reg.get("old")
    with pytest.raises(ConfigError, match="not a valid data source name"):
        reg.rename("new", "New")
    reg.remove("new")
    assert reg.list() == []
    with pytest.raises(CatalogError, match="No data source named 'new'"):
        reg.remove("new")


def test_unknown_source_suggests(reg):
    reg.add("fake", "my_twilio", OPTS, {"token": GOOD})
    with pytest.raises(CatalogError, match="Did you mean 'my_twilio'"):
        reg.connector("my_twilo")


def test_mask():
    assert mask("0123456789abcdef") == "****cdef"
    assert mask("short") == "****"


# -- secrets at rest ---------------------------------------------------------------------


def test_secret_is_absent_from_reprs_and_the_database_file(reg):
    info = reg.add("fake", "shop", OPTS, {"token": GOOD})
    for text in (repr(info), str(info), repr(reg.list()), str(info.to_dict()), repr(reg)):
        assert GOOD not in text
    raw = reg.path.read_bytes()
    assert GOOD.encode() not in raw
    assert GOOD[:12].encode() not in raw
    key = reg.home / "secret.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(reg.path.stat().st_mode) == 0o600


def test_secret_echoed_by_an_api_is_masked_in_the_error(reg):
    token = "echo-0123456789abcdefXYZW"
    with pytest.raises(AuthError) as err:
        reg.add("fake", "shop", OPTS, {"token": token})
    assert token not in str(err.value) and token not in repr(err.value.args)
    assert "****XYZW" in str(err.value)


def test_key_from_environment(reg, monkeypatch):
    from cryptography.fernet import Fernet

    monkeypatch.setenv("DISTILLR_SECRET_KEY", Fernet.generate_key().decode())
    reg.add("fake", "shop", OPTS, {"token": GOOD})
    assert not (reg.home / "secret.key").exists()
    assert reg.connector("shop")._token == GOOD
    monkeypatch.setenv("DISTILLR_SECRET_KEY", Fernet.generate_key().decode())
    with pytest.raises(ConfigError, match="cannot be decrypted with this key"):
        reg.connector("shop")
    monkeypatch.setenv("DISTILLR_SECRET_KEY", "not-a-key")
    with pytest.raises(ConfigError, match="DISTILLR_SECRET_KEY is not a valid key"):
        reg.connector("shop")


def test_key_file_problems(reg):
    reg.add("fake", "shop", OPTS, {"token": GOOD})
    key = reg.home / "secret.key"
    key.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        reg.connector("shop")
    key.chmod(0o600)
    key.write_text("garbage\n")
    with pytest.raises(ConfigError, match="does not hold a valid key"):
        reg.connector("shop")
    key.unlink()
    with pytest.raises(ConfigError, match=r"key file .* is missing"):
        reg.connector("shop")
    assert reg.get("shop").secrets == {"token": "****cdef"}  # listing needs no key


def test_key_file_unreadable(reg):
    reg.add("fake", "shop", OPTS, {"token": GOOD})
    key = reg.home / "secret.key"
    key.unlink()
    key.mkdir(mode=0o700)  # unreadable as a file, even for root
    with pytest.raises(ConfigError, match="Cannot read the key file"):
        reg.connector("shop")


# -- several processes at once -----------------------------------------------------------


def _add_many(home: str, prefix: str, n: int) -> list[str]:
    reg = Registry(home)
    errors = []
    for i in range(n):
        try:
            reg.add("fake", f"{prefix}_{i}", OPTS, {"token": GOOD})
        except ConfigError as exc:
            errors.append(str(exc))
    return errors


def test_concurrent_writers_lose_nothing(reg):
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(4) as pool:
        # four processes add distinct names; four more race for the same names
        results = pool.starmap(
            _add_many, [(str(reg.home), p, 6) for p in ("a", "b", "c", "d", "x", "x", "x", "x")]
        )
    assert sorted(reg.sources()) == sorted(f"{p}_{i}" for p in "abcdx" for i in range(6))
    assert results[:4] == [[], [], [], []]
    race_errors = [e for r in results[4:] for e in r]
    assert len(race_errors) == 3 * 6  # each contested name was saved exactly once
    assert all("already exists" in e or "meanwhile" in e for e in race_errors)
    # every process saw the same key: all secrets decrypt
    assert {reg.connector(n)._token for n in reg.sources()} == {GOOD}


# -- the database file -------------------------------------------------------------------


def test_head_matches_the_migrations():
    from distillr.registry import db

    assert db.head_revision() == db.HEAD


def test_corrupt_database_is_a_config_error(reg):
    reg.home.mkdir(parents=True)
    reg.path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ConfigError, match="Cannot use the data source registry"):
        reg.list()


def test_newer_schema_is_refused(reg):
    reg.add("fake", "shop", OPTS, {"token": GOOD})
    with sqlite3.connect(reg.path) as con:
        con.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(ConfigError, match="newer distillr"):
        reg.list()


def test_empty_file_is_upgraded(reg):
    reg.home.mkdir(parents=True)
    sqlite3.connect(reg.path).close()  # an empty database, e.g. from an interrupted first run
    assert reg.list() == []
    reg.add("fake", "shop", OPTS, {"token": GOOD})
    assert reg.sources() == ["shop"]
