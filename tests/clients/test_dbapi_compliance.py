"""PEP 249 compliance, case by case in the manner of the classic DB-API compliance suite:
module globals, exceptions, connection and cursor methods and attributes, type objects and
constructors, over a Twilio sandbox source in the local registry."""

from __future__ import annotations

import datetime as dt
import decimal

import pytest

from distillr import dbapi

MESSAGES = "SELECT sid, status, num_segments FROM tw.messages ORDER BY sid"


@pytest.fixture
def con(home):
    with dbapi.connect(home=str(home)) as c:
        yield c


@pytest.fixture
def cur(con):
    with con.cursor() as c:
        yield c


# -- module
def test_module_globals():
    assert dbapi.apilevel == "2.0"
    assert dbapi.threadsafety in (0, 1, 2, 3)
    assert dbapi.paramstyle == "qmark"


def test_exception_hierarchy():
    assert issubclass(dbapi.Warning, Exception)
    assert issubclass(dbapi.Error, Exception)
    assert not issubclass(dbapi.Warning, dbapi.Error)
    assert issubclass(dbapi.InterfaceError, dbapi.Error)
    assert issubclass(dbapi.DatabaseError, dbapi.Error)
    for name in (
        "DataError",
        "OperationalError",
        "IntegrityError",
        "InternalError",
        "ProgrammingError",
        "NotSupportedError",
    ):
        assert issubclass(getattr(dbapi, name), dbapi.DatabaseError), name


def test_exceptions_are_attributes_of_the_connection_module():
    # PEP 249's optional extension: the classes reachable from the module, once each
    assert len({dbapi.Error, dbapi.DatabaseError, dbapi.ProgrammingError}) == 3


# -- connection
def test_connect_and_close(home):
    con = dbapi.connect(home=str(home))
    assert not con.closed
    con.close()
    assert con.closed
    con.close()  # twice is fine
    with pytest.raises(dbapi.InterfaceError):
        con.cursor()


def test_commit_is_a_no_op_and_rollback_is_not_supported(con):
    con.commit()
    with pytest.raises(dbapi.NotSupportedError):
        con.rollback()


def test_connect_refuses_a_token_without_a_url(home):
    with pytest.raises(dbapi.InterfaceError, match="url"):
        dbapi.connect(home=str(home), token="dst_x")


# -- cursor: attributes
def test_description_before_and_after_execute(cur):
    assert cur.description is None
    assert cur.rowcount == -1
    cur.execute(MESSAGES + " LIMIT 3")
    names = [d[0] for d in cur.description]
    assert names == ["sid", "status", "num_segments"]
    for d in cur.description:
        assert len(d) == 7
    assert cur.description[0][1] == dbapi.STRING
    assert cur.description[2][1] == dbapi.NUMBER
    assert cur.description[2][1] != dbapi.STRING


def test_description_of_a_timestamp(cur):
    cur.execute("SELECT date_sent FROM tw.messages LIMIT 1")
    assert cur.description[0][1] == dbapi.DATETIME


def test_rowcount_is_known_once_every_row_is_read(cur):
    cur.execute(MESSAGES + " LIMIT 7")
    assert cur.rowcount == -1
    assert len(cur.fetchall()) == 7
    assert cur.rowcount == 7


def test_arraysize_defaults_to_one_and_drives_fetchmany(cur):
    assert cur.arraysize == 1
    cur.execute(MESSAGES + " LIMIT 10")
    assert len(cur.fetchmany()) == 1
    cur.arraysize = 4
    assert len(cur.fetchmany()) == 4
    assert len(cur.fetchmany(100)) == 5
    assert cur.fetchmany() == []


# -- cursor: fetching
def test_fetchone_until_none(cur):
    cur.execute(MESSAGES + " LIMIT 2")
    first, second = cur.fetchone(), cur.fetchone()
    assert isinstance(first, tuple) and len(first) == 3
    assert first[0] < second[0]
    assert cur.fetchone() is None


def test_every_fetch_gives_the_same_rows_as_the_session(cur, home):
    import distillr

    with distillr.connect(home=str(home)) as session:
        expected = session.sql(MESSAGES).fetchall()
    cur.execute(MESSAGES)
    got = [cur.fetchone()] + cur.fetchmany(5) + list(cur) + cur.fetchall()
    assert got == expected
    assert len(expected) > 20


def test_fetch_before_execute_is_an_interface_error(cur):
    for fetch in (cur.fetchone, cur.fetchall, cur.fetchmany):
        with pytest.raises(dbapi.InterfaceError, match="execute"):
            fetch()


def test_a_closed_cursor_refuses_everything(con):
    cur = con.cursor()
    cur.execute(MESSAGES + " LIMIT 1")
    cur.close()
    with pytest.raises(dbapi.InterfaceError):
        cur.execute("SELECT 1")
    with pytest.raises(dbapi.InterfaceError):
        cur.fetchone()


def test_iteration(cur):
    cur.execute(MESSAGES + " LIMIT 4")
    assert len(list(cur)) == 4


def test_execute_returns_the_cursor_and_a_new_execute_replaces_the_result(cur):
    assert cur.execute("SELECT 1 AS a") is cur
    cur.execute("SELECT 2 AS b")
    assert cur.description[0][0] == "b"
    assert cur.fetchall() == [(2,)]


def test_nextset_setinputsizes_setoutputsize(cur):
    cur.setinputsizes([None])
    cur.setoutputsize(10)
    cur.execute("SELECT 1")
    assert cur.nextset() is None


def test_fetch_arrow_table_and_df(cur):
    cur.execute(MESSAGES + " LIMIT 5")
    table = cur.fetch_arrow_table()
    assert table.num_rows == 5 and table.column_names == ["sid", "status", "num_segments"]
    cur.execute(MESSAGES + " LIMIT 5")
    assert list(cur.fetch_df().columns) == ["sid", "status", "num_segments"]


def test_stats_of_the_last_statement(cur):
    cur.execute(MESSAGES + " LIMIT 5")
    cur.fetchall()
    assert cur.stats["requests"] >= 1 and cur.stats["rows"] >= 5


# -- parameters
def test_qmark_parameters(cur, home):
    cur.execute("SELECT status FROM tw.messages LIMIT 1")
    (status,) = cur.fetchone()
    cur.execute(
        "SELECT count(*) FROM tw.messages WHERE status = ? AND num_segments >= ?", (status, 0)
    )
    (count,) = cur.fetchone()
    cur.execute(f"SELECT count(*) FROM tw.messages WHERE status = '{status}'")
    assert cur.fetchone() == (count,)
    assert count > 0


def test_a_parameter_is_data_never_sql(cur):
    hostile = "x' OR '1'='1"
    cur.execute("SELECT count(*) FROM tw.messages WHERE status = ?", (hostile,))
    assert cur.fetchone() == (0,)
    cur.execute("SELECT ? AS v, ? AS w", (hostile, "?"))
    assert cur.fetchone() == (hostile, "?")


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        42,
        -1.5,
        decimal.Decimal("12.50"),
        "it's",
        "back\\slash",
        dt.date(2024, 2, 29),
        dt.datetime(2024, 2, 29, 13, 14, 15),
    ],
)
def test_parameter_types_round_trip(cur, value):
    cur.execute("SELECT ? AS v", (value,))
    assert cur.fetchone() == (value,)


def test_wrong_parameter_count(cur):
    with pytest.raises(dbapi.ProgrammingError, match="placeholder"):
        cur.execute("SELECT ? AS a", (1, 2))
    with pytest.raises(dbapi.ProgrammingError, match="placeholder"):
        cur.execute("SELECT ? AS a, ? AS b", (1,))


def test_unbindable_values(cur):
    with pytest.raises(dbapi.DataError):
        cur.execute("SELECT ? AS a", (float("nan"),))
    with pytest.raises(dbapi.NotSupportedError):
        cur.execute("SELECT ? AS a", (object(),))
    with pytest.raises(dbapi.ProgrammingError, match="sequence"):
        cur.execute("SELECT ? AS a", "x")


def test_question_marks_in_strings_and_comments_are_not_placeholders(cur):
    cur.execute("SELECT '?' AS q, ? AS v -- ?", (1,))
    assert cur.fetchone() == ("?", 1)


def test_executemany(cur):
    cur.executemany("SELECT ? AS v", [(1,), (2,), (3,)])
    assert cur.fetchall() == [(3,)]


# -- errors mapped from distillr's
def test_error_mapping(cur):
    with pytest.raises(dbapi.ProgrammingError, match=r"(?i)syntax"):
        cur.execute("SELEC 1")
    with pytest.raises(dbapi.ProgrammingError, match="nosuch"):
        cur.execute("SELECT * FROM nosuch.calls")
    with pytest.raises(dbapi.ProgrammingError, match="CallSid"):
        cur.execute("SELECT * FROM tw.`/Calls/:CallSid/Recordings`")
    with pytest.raises(dbapi.NotSupportedError):
        cur.execute("CREATE TABLE t AS SELECT 1")


def test_errors_keep_the_distillr_error_as_cause(cur):
    from distillr.errors import CatalogError

    with pytest.raises(dbapi.ProgrammingError) as info:
        cur.execute("SELECT * FROM nosuch.calls")
    assert isinstance(info.value.__cause__, CatalogError)


# -- type objects and constructors
def test_type_objects_and_constructors():
    assert dbapi.Date(2024, 1, 2) == dt.date(2024, 1, 2)
    assert dbapi.Time(3, 4, 5) == dt.time(3, 4, 5)
    assert dbapi.Timestamp(2024, 1, 2, 3, 4, 5) == dt.datetime(2024, 1, 2, 3, 4, 5)
    assert dbapi.Binary(b"x") == b"x"
    assert isinstance(dbapi.DateFromTicks(0), dt.date)
    assert isinstance(dbapi.TimeFromTicks(0), dt.time)
    assert isinstance(dbapi.TimestampFromTicks(0), dt.datetime)
    assert dbapi.NUMBER == "BIGINT" and dbapi.NUMBER == "DECIMAL(38,0)"
    assert dbapi.STRING == "VARCHAR" and dbapi.BINARY == "BLOB"
    assert dbapi.DATETIME == "TIMESTAMP WITH TIME ZONE"
    assert dbapi.ROWID != "VARCHAR"
