"""A PostgreSQL wire protocol server, so psql, psycopg, DBeaver, Metabase, Grafana and other
PostgreSQL clients query distillr's sources: ``distillr pg`` or ``distillr serve --pg-port``.
See docs/clients.md.
"""

from distillr.pg.server import PgServer

__all__ = ["PgServer"]
