"""JupySQL's ``%sql`` magic in an in-process IPython shell, over the ``distillr://`` dialect:
the rows it returns are the rows of ``distillr.connect().sql(...)``.

JupySQL 0.11 sends no telemetry; the environment variables that turn off the telemetry and
the version check of earlier releases (ploomber-core's, which reach pypi.org and a tracking
host) are set anyway, and any name lookup off this machine fails the test, so it runs offline
and shows it does."""

from __future__ import annotations

import socket
import sys

import pytest

import distillr

pytest.importorskip("IPython")


def _import_jupysql() -> None:
    """Import JupySQL as it loads without PySpark. With PySpark installed (the Spark tests
    need it), JupySQL imports ``pyspark.sql.connect``, which needs Spark Connect's own
    dependencies (``pyspark[connect]``: grpcio and others) and raises an ImportError JupySQL
    does not catch; a user with JupySQL and no PySpark never takes that path."""
    blocked = "pyspark.sql.connect.dataframe"
    had = blocked in sys.modules
    saved = sys.modules.get(blocked)
    sys.modules[blocked] = None  # ``from ... import`` of it: ModuleNotFoundError
    try:
        pytest.importorskip("sql.magic", reason="jupysql is not installed")
    finally:
        if had:
            sys.modules[blocked] = saved
        else:
            del sys.modules[blocked]


_import_jupysql()

SQL = "SELECT status, count(*) AS n FROM tw.messages GROUP BY status ORDER BY status"
LOCAL = {"127.0.0.1", "::1", "localhost", None}


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No telemetry, no version check, nothing written to the home directory, and a failure
    for any attempt to reach another machine."""
    monkeypatch.setenv("PLOOMBER_STATS_ENABLED", "false")
    monkeypatch.setenv("PLOOMBER_VERSION_CHECK_DISABLED", "true")
    monkeypatch.setenv("DO_NOT_TRACK", "1")
    monkeypatch.setenv("PLOOMBER_HOME_DIR", str(tmp_path / "ploomber"))
    attempts: list[str] = []
    lookup = socket.getaddrinfo

    def guarded(host, *args, **kwargs):
        if host not in LOCAL:
            attempts.append(str(host))
            raise OSError(f"the JupySQL test is offline: no lookup of {host}")
        return lookup(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)
    yield attempts
    assert attempts == [], f"JupySQL tried to reach {attempts}"


@pytest.fixture
def shell(offline):
    from IPython.core.interactiveshell import InteractiveShell

    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "sql")
    ip.run_line_magic("config", "SqlMagic.displaycon = False")
    yield ip
    InteractiveShell.clear_instance()


def test_sql_magic_returns_the_sessions_rows(shell, registry_home):
    shell.run_line_magic("sql", f"distillr:///{registry_home}")
    result = shell.run_line_magic("sql", SQL)
    with distillr.connect(home=str(registry_home)) as session:
        want = session.sql(SQL).fetchall()
    assert [tuple(row) for row in result] == want
    assert list(result.keys) == ["status", "n"]
    assert len(want) > 1


def test_sql_cell_magic_and_a_dataframe(shell, registry_home):
    shell.run_line_magic("sql", f"distillr:///{registry_home}")
    query = "SELECT sid, num_segments, price FROM tw.messages WHERE num_segments > 1 ORDER BY sid"
    result = shell.run_cell_magic("sql", "", query)
    frame = result.DataFrame()
    with distillr.connect(home=str(registry_home)) as session:
        want = session.sql(query).df()
    assert frame.equals(want), (frame.head(), want.head())
