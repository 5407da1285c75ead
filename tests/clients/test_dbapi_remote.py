"""``distillr.dbapi`` and the ``distillr+http://`` dialect against a real `distillr serve`
process that requires a login, with a user and an API token made by the CLI: the same rows as
the local backend, distillr's errors as the right PEP 249 classes, and a wrong token refused
with a message that says what to do."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "web"))
from serverproc import ServeProcess, cli

from distillr import dbapi

pytestmark = pytest.mark.slow

QUERY = (
    "SELECT sid, status, num_segments, date_sent, price FROM tw.messages"
    " WHERE status = ? ORDER BY sid"
)


@pytest.fixture(scope="module")
def served(registry_home, tmp_path_factory):
    """(server, token): `distillr serve --auth` over a copy of the clients' registry."""
    home = tmp_path_factory.mktemp("remote") / "home"
    shutil.copytree(registry_home, home)
    added = cli(home, "users", "add", "ana", "--password-stdin", input="a long password\n")
    assert added.returncode == 0, added.stderr
    made = cli(home, "users", "token", "ana", "--label", "dbapi tests")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert token.startswith("dst_")
    with ServeProcess(home, "--auth") as srv:
        yield srv, token


@pytest.fixture
def remote(served):
    srv, token = served
    with dbapi.connect(srv.url, token=token) as conn:
        yield conn


def _local(registry_home, sql, params=()):
    with dbapi.connect(home=str(registry_home)) as conn:
        cur = conn.cursor()
        cur.execute(sql, params)
        return cur.description, cur.fetchall()


def test_same_rows_and_description_as_local(remote, registry_home):
    description, expected = _local(registry_home, QUERY, ("delivered",))
    cur = remote.cursor()
    cur.execute(QUERY, ("delivered",))
    assert cur.description == description
    rows = cur.fetchall()
    assert rows == expected
    assert len(rows) > 0


def _fetchmany_loop(conn, sql, size):
    cur = conn.cursor()
    cur.execute(sql)
    rows = []
    while batch := cur.fetchmany(size):
        rows.extend(batch)
    return rows, cur.rowcount


def test_fetchmany_loop_matches_local(remote, registry_home):
    sql = "SELECT m.sid, r.range AS i FROM tw.messages m CROSS JOIN range(30) r ORDER BY 1, 2"
    _, expected = _local(registry_home, sql)
    assert len(expected) % 1000 != 0  # the last fetchmany() is a short one
    assert _fetchmany_loop(remote, sql, 1000) == (expected, len(expected))
    with dbapi.connect(home=str(registry_home)) as local:
        assert _fetchmany_loop(local, sql, 1000) == (expected, len(expected))


@pytest.mark.parametrize(
    ("sql", "cls", "text"),
    [
        ("SELECT * FROM nosuch.calls", dbapi.ProgrammingError, "nosuch"),
        ("SELECT nosuch_column FROM tw.messages", dbapi.ProgrammingError, "nosuch_column"),
        ("SELEC 1", dbapi.ProgrammingError, "SELEC"),
        ("SELECT * FROM tw.`/Calls/:CallSid/Recordings`", dbapi.ProgrammingError, "CallSid"),
    ],
)
def test_errors_map_to_pep249_classes(remote, registry_home, sql, cls, text):
    with dbapi.connect(home=str(registry_home)) as local, pytest.raises(dbapi.Error) as here:
        local.cursor().execute(sql)
    with pytest.raises(cls, match=text) as there:
        remote.cursor().execute(sql)
    assert type(there.value) is type(here.value)


def test_a_wrong_token_is_an_interface_error_that_says_what_to_do(served):
    srv, _token = served
    conn = dbapi.connect(srv.url, token="dst_not-a-real-token")
    with conn, pytest.raises(dbapi.InterfaceError, match="valid API token") as err:
        conn.cursor().execute("SELECT 1")
    assert "dst_not-a-real-token" not in str(err.value)
    with dbapi.connect(srv.url) as conn, pytest.raises(dbapi.InterfaceError, match="API token"):
        conn.cursor().execute("SELECT 1")


def test_an_unreachable_server_is_an_operational_error(served):
    _srv, token = served
    conn = dbapi.connect("http://127.0.0.1:9", token=token)
    with conn, pytest.raises(dbapi.OperationalError, match="distillr serve"):
        conn.cursor().execute("SELECT 1")


def test_sqlalchemy_http_dialect_with_token_env(served, registry_home, monkeypatch):
    import pandas as pd
    import sqlalchemy as sa

    srv, token = served
    monkeypatch.setenv("DISTILLR_TEST_TOKEN", token)
    url = f"distillr+http://127.0.0.1:{srv.port}?token_env=DISTILLR_TEST_TOKEN"
    engine = sa.create_engine(url)
    sql = "SELECT sid, status, price FROM tw.messages WHERE status = 'failed' ORDER BY sid"
    try:
        assert token not in repr(engine.url)
        insp = sa.inspect(engine)
        assert "tw" in insp.get_schema_names()
        assert "messages" in insp.get_table_names(schema="tw")
        columns = {c["name"]: c["type"] for c in insp.get_columns("messages", schema="tw")}
        assert isinstance(columns["num_segments"], sa.BigInteger)
        with engine.connect() as conn:
            frame = pd.read_sql(sa.text(sql), conn)
    finally:
        engine.dispose()
    import distillr

    with distillr.connect(home=str(registry_home)) as session:
        expected = session.sql(sql).df()
    pd.testing.assert_frame_equal(frame, expected)


def test_sqlalchemy_http_dialect_with_a_wrong_token(served, monkeypatch):
    import sqlalchemy as sa

    srv, _ = served
    monkeypatch.setenv("DISTILLR_TEST_TOKEN", "dst_wrong")
    engine = sa.create_engine(f"distillr+http://127.0.0.1:{srv.port}?token_env=DISTILLR_TEST_TOKEN")
    try:
        with pytest.raises(sa.exc.InterfaceError, match="valid API token"), engine.connect() as c:
            c.exec_driver_sql("SELECT 1").fetchall()
    finally:
        engine.dispose()
