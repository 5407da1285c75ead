"""distillr as a PEP 249 (DB-API 2.0) database: for pandas, SQLAlchemy, notebooks and BI
tools. Queries are distillr's Drill-style SQL with qmark parameters.

>>> from distillr import dbapi
>>> con = dbapi.connect()                                                   # doctest: +SKIP
>>> cur = con.cursor()                                                      # doctest: +SKIP
>>> sql = "SELECT sid, status FROM my_twilio.calls WHERE status = ?"         # doctest: +SKIP
>>> cur.execute(sql, ("failed",))                                          # doctest: +SKIP
>>> cur.fetchmany(100)                                                      # doctest: +SKIP
"""

from distillr.dbapi.connection import Connection, connect
from distillr.dbapi.cursor import Cursor
from distillr.dbapi.exceptions import (
    DatabaseError,
    DataError,
    Error,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    Warning,
)
from distillr.dbapi.types import (
    BINARY,
    DATETIME,
    NUMBER,
    ROWID,
    STRING,
    Binary,
    Date,
    DateFromTicks,
    Time,
    TimeFromTicks,
    Timestamp,
    TimestampFromTicks,
)

apilevel = "2.0"
#: threads may share the module and connections, not cursors
threadsafety = 2
paramstyle = "qmark"

__all__ = [
    "BINARY",
    "DATETIME",
    "NUMBER",
    "ROWID",
    "STRING",
    "Binary",
    "Connection",
    "Cursor",
    "DataError",
    "DatabaseError",
    "Date",
    "DateFromTicks",
    "Error",
    "IntegrityError",
    "InterfaceError",
    "InternalError",
    "NotSupportedError",
    "OperationalError",
    "ProgrammingError",
    "Time",
    "TimeFromTicks",
    "Timestamp",
    "TimestampFromTicks",
    "Warning",
    "apilevel",
    "connect",
    "paramstyle",
    "threadsafety",
]
