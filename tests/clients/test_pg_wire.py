"""The PostgreSQL wire protocol server, driven by real clients: psql (Debian's
postgresql-client) and psycopg 3, and SQLAlchemy's postgresql dialect over psycopg."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time

import psycopg
import pytest

import distillr
from distillr.pg import PgServer

needs_psql = pytest.mark.skipif(shutil.which("psql") is None, reason="psql is not installed")


@pytest.fixture(scope="module")
def pg(registry_home):
    server = PgServer(registry_home, port=0)
    with server.running():
        yield server


def dsn(server, user="me", password=None, host="127.0.0.1") -> str:
    text = f"host={host} port={server.port} dbname=distillr user={user} sslmode=disable"
    return text + (f" password={password}" if password else "")


def psql(server, command: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["psql", "-X", "-A", "-F", "|", "-d", dsn(server), "-c", command],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", **env},
    )


@needs_psql
def test_psql_lists_schemas_tables_and_columns(pg):
    ran = psql(pg, r"\dn")
    assert ran.returncode == 0, ran.stderr
    assert "tw|" in ran.stdout
    ran = psql(pg, r"\dt tw.*")
    assert ran.returncode == 0, ran.stderr
    assert "tw|messages|table|" in ran.stdout and "tw|calls|table|" in ran.stdout
    ran = psql(pg, r"\d tw.messages")
    assert ran.returncode == 0, ran.stderr
    assert "sid|character varying" in ran.stdout
    assert "date_sent|timestamp with time zone" in ran.stdout
    assert "num_segments|bigint" in ran.stdout


@needs_psql
def test_psql_runs_a_filtered_query_like_the_cli(pg, registry_home):
    sql = "SELECT status, count(*) AS n FROM tw.messages WHERE status = 'failed' GROUP BY status"
    ran = psql(pg, sql)
    assert ran.returncode == 0, ran.stderr
    with distillr.connect(home=str(registry_home)) as session:
        (count,) = session.sql(sql).fetchall()[0][1:]
    assert f"failed|{count}" in ran.stdout


@needs_psql
def test_psql_shows_distillr_errors(pg):
    ran = psql(pg, "SELECT * FROM nosuch.calls")
    assert ran.returncode != 0
    assert "Unknown source 'nosuch'" in ran.stderr


def test_psycopg_queries_with_parameters_and_types(pg, registry_home):
    with psycopg.connect(dsn(pg)) as conn:
        status = conn.execute("SELECT status FROM tw.messages LIMIT 1").fetchone()[0]
        rows = conn.execute(
            "SELECT sid, num_segments, date_sent, price FROM tw.messages"
            " WHERE status = %s ORDER BY sid",
            (status,),
        ).fetchall()
    with distillr.connect(home=str(registry_home)) as session:
        expected = session.sql(
            "SELECT sid, num_segments, date_sent, price FROM tw.messages"
            f" WHERE status = '{status}' ORDER BY sid"
        ).fetchall()
    assert rows == [tuple(r) for r in expected]
    assert len(rows) > 0


def test_psycopg_fetches_100000_rows(pg):
    with psycopg.connect(dsn(pg)) as conn:
        cur = conn.execute("SELECT m.sid, r.range AS i FROM tw.messages m CROSS JOIN range(400) r")
        rows = cur.fetchall()
    assert len(rows) >= 100_000
    assert len({(sid, i) for sid, i in rows}) == len(rows)


def test_psycopg_server_side_cursor_in_batches(pg):
    with psycopg.connect(dsn(pg)) as conn, conn.cursor(name="big") as cur:
        cur.execute("SELECT sid FROM tw.messages ORDER BY sid")
        total = 0
        while batch := cur.fetchmany(50):
            total += len(batch)
    assert total > 100


def test_session_commands_tools_send(pg):
    with psycopg.connect(dsn(pg)) as conn:
        conn.execute("SET application_name = 'x'")
        assert conn.execute("SHOW standard_conforming_strings").fetchone() == ("on",)
        assert "PostgreSQL" in conn.execute("SELECT version()").fetchone()[0]
        conn.rollback()
        conn.execute("BEGIN")
        conn.execute("SELECT 1")
        conn.commit()


def test_a_cancel_request_stops_the_api_scan(registry_home, tmp_path):
    from distillr.registry import Registry
    from distillr.sandbox import TwilioSandbox

    with TwilioSandbox(seed=3, scale="small", latency_ms=200) as slow:
        home = tmp_path / "home"
        Registry(home).add(
            "twilio",
            "slow",
            {"account_sid": slow.account_sid, "base_url": slow.base_url},
            {"auth_token": slow.auth_token},
            verify=False,
        )
        server = PgServer(home, port=0)
        with server.running(), psycopg.connect(dsn(server)) as conn:
            # cancel_safe: the blocking cancel() would hold the GIL this server shares
            timer = threading.Timer(1.0, conn.cancel_safe)
            timer.start()
            started = time.perf_counter()
            with pytest.raises(psycopg.errors.QueryCanceled):
                conn.execute("SELECT count(*) FROM slow.messages").fetchall()
            elapsed = time.perf_counter() - started
            sent = len(slow.requests)
            time.sleep(0.6)
            assert len(slow.requests) <= sent + 8  # in-flight pages only: the scan stopped
    assert elapsed < 10


@pytest.fixture
def with_user(tmp_path, registry_home):
    """A copy of the registry's home with the user ``ana`` (password 'right-password')."""
    import shutil as sh

    from distillr.server.auth import AuthStore

    home = tmp_path / "home"
    sh.copytree(registry_home, home)
    AuthStore(home).add_user("ana", "right-password")
    server = PgServer(home, port=0)
    server.failed_login_delay = 0.05
    with server.running():
        yield server


def test_scram_login(with_user):
    with psycopg.connect(dsn(with_user, "ana", "right-password")) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(dsn(with_user, "ana", "wrong-password"))
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(dsn(with_user, "nobody", "right-password"))
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(dsn(with_user, "ana"))


def _outside_address() -> str | None:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # no packet is sent: this picks the outgoing address
            address = s.getsockname()[0]
    except OSError:
        return None
    return None if address.startswith("127.") else address


def test_no_login_off_loopback_without_a_user(registry_home):
    address = _outside_address()
    if address is None:
        pytest.skip("this machine has no address beyond loopback")
    server = PgServer(registry_home, host="0.0.0.0", port=0)
    with server.running():
        with pytest.raises(psycopg.OperationalError, match="off loopback"):
            psycopg.connect(dsn(server, host=address))
        with psycopg.connect(dsn(server)) as conn:  # loopback still works
            assert conn.execute("SELECT 1").fetchone() == (1,)


def test_sqlalchemy_postgresql_inspector(pg):
    import sqlalchemy as sa

    engine = sa.create_engine(f"postgresql+psycopg://me@127.0.0.1:{pg.port}/distillr")
    try:
        insp = sa.inspect(engine)
        assert "tw" in insp.get_schema_names()
        assert "messages" in insp.get_table_names(schema="tw")
        columns = {c["name"]: c for c in insp.get_columns("messages", schema="tw")}
        assert isinstance(columns["num_segments"]["type"], sa.BigInteger)
        assert isinstance(columns["date_sent"]["type"], sa.DateTime)
    finally:
        engine.dispose()
