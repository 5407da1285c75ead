"""``distillr pg``: the PostgreSQL wire protocol server on its own (``distillr serve
--pg-port`` runs it beside the web app)."""

from __future__ import annotations

import typer

from distillr.cli import state
from distillr.cli.common import usage

__all__ = ["register", "start_pg"]


def start_pg(host: str, port: int, certfile: str | None, keyfile: str | None, timeout: float):
    """A ``PgServer`` for the CLI's home, checked the way ``serve`` checks the web app."""
    from distillr.cli.common import is_loopback
    from distillr.errors import ConfigError
    from distillr.pg import PgServer

    if bool(certfile) != bool(keyfile):
        raise usage("give both --ssl-certfile and --ssl-keyfile, or neither")
    server = PgServer(
        state.home, host=host, port=port, certfile=certfile, keyfile=keyfile, timeout=timeout
    )
    if not is_loopback(host) and not server.users_exist():
        raise ConfigError(
            f"Refusing to listen on {host} without a user: anyone who can reach it could read"
            " your data sources. Add a user with `distillr users add NAME`, or listen on"
            " 127.0.0.1."
        )
    return server


def pg(
    host: str = typer.Option(
        "127.0.0.1",
        help="Address to listen on (beyond loopback, users must exist: `distillr users add`).",
    ),
    port: int = typer.Option(5433, min=0, max=65535, help="Port to listen on."),
    ssl_certfile: str | None = typer.Option(None, help="TLS certificate (PEM)."),
    ssl_keyfile: str | None = typer.Option(None, help="TLS private key (PEM)."),
    query_timeout: float = typer.Option(300, min=0.001, max=86400, help="Seconds a query may run."),
) -> None:
    """Serve distillr over the PostgreSQL wire protocol, for psql, psycopg, DBeaver,
    Metabase, Grafana and other PostgreSQL clients (docs/clients.md)."""
    import asyncio

    server = start_pg(host, port, ssl_certfile, ssl_keyfile, query_timeout)

    async def main() -> None:
        await server.start()
        shown = f"[{host}]" if ":" in host else host
        login = "SCRAM-SHA-256 logins" if server.users_exist() else "no login (loopback only)"
        typer.echo(
            f"distillr PostgreSQL server on {shown}:{server.port} ({login}; Ctrl+C stops it)"
        )
        await server.serve_forever()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass


def register(app: typer.Typer) -> None:
    app.command("pg")(pg)
