"""``distillr serve`` (the web app and JSON API) and ``distillr users`` (its logins and tokens).

Both use the global ``--home``/``DISTILLR_HOME``: the web users live in their own SQLite file
there (``web_auth.sqlite``), next to the data source registry.
"""

from __future__ import annotations

import contextlib
import sys

import typer

from distillr.cli import state
from distillr.cli.common import is_loopback, read_secret, usage

__all__ = ["is_loopback", "register"]

users_app = typer.Typer(
    name="users",
    help="Users and API tokens of the web app (needed when it listens beyond loopback).",
    no_args_is_help=True,
)


def _store():
    from distillr.server.auth import AuthStore

    return AuthStore(state.home)


def serve(
    host: str = typer.Option(
        "127.0.0.1",
        help="Address to listen on. Beyond loopback, web"
        " users must exist (see `distillr users add`).",
    ),
    port: int = typer.Option(8000, min=0, max=65535, help="Port to listen on."),
    auth: bool = typer.Option(False, "--auth", help="Require a login even on loopback."),
    ssl_certfile: str | None = typer.Option(None, help="TLS certificate (PEM) to serve HTTPS."),
    ssl_keyfile: str | None = typer.Option(None, help="TLS private key (PEM)."),
    log_level: str = typer.Option("warning", help="Server log level."),
    max_body: float = typer.Option(1, min=0.001, max=1024, help="Largest request body, MiB."),
    query_timeout: float = typer.Option(
        300, min=0.001, max=86400, help="Seconds a query may run (default and most)."
    ),
    max_queries: int = typer.Option(4, min=1, max=256, help="Queries running at once in all."),
    max_queries_per_user: int = typer.Option(
        2, min=1, max=256, help="Queries running at once for one user (more wait in a queue)."
    ),
    result_rows: int = typer.Option(10_000_000, min=1, help="Most rows of one kept result."),
    result_mib: float = typer.Option(256, min=0.001, help="Most MiB of one kept result."),
    results_memory_mib: float = typer.Option(
        256, min=0, help="MiB of kept results in memory in all (the rest spill to disk)."
    ),
    results_disk_mib: float = typer.Option(
        4096, min=0, help="MiB of spilled results on disk in all (the oldest expire)."
    ),
    pg_port: int | None = typer.Option(
        None,
        min=0,
        max=65535,
        help="Also serve the PostgreSQL wire protocol on this port (as `distillr pg`).",
    ),
) -> None:
    """Serve the web app (data source wizard, nav tree, query window) and the JSON API
    (OpenAPI docs at /docs). The limits are described in docs/web.md."""
    import math

    from distillr.errors import ConfigError
    from distillr.server import create_app
    from distillr.server.settings import MIB, ServerSettings

    for name, value in (("--max-body", max_body), ("--query-timeout", query_timeout)):
        if not math.isfinite(value):
            raise usage(f"{name} must be a finite number", name)
    settings = ServerSettings(
        max_body=int(max_body * MIB),
        query_timeout=query_timeout,
        max_running=max_queries,
        max_running_per_user=max_queries_per_user,
        result_rows=result_rows,
        result_bytes=int(result_mib * MIB),
        results_memory=int(results_memory_mib * MIB),
        results_disk=int(results_disk_mib * MIB),
    )

    loopback = is_loopback(host)
    require_auth = auth or not loopback
    if require_auth and not _store().has_users():
        where = f"on {host}" if not loopback else "with --auth"
        raise ConfigError(
            f"Refusing to start {where} without a web user: anyone who can reach it could"
            " read your data sources. Add a user with `distillr users add NAME` (and API"
            " tokens with `distillr users token NAME`), or listen on 127.0.0.1."
        )
    if bool(ssl_certfile) != bool(ssl_keyfile):
        raise usage("give both --ssl-certfile and --ssl-keyfile, or neither")
    app = create_app(state.home, require_auth=require_auth, settings=settings)
    scheme = "https" if ssl_certfile else "http"
    shown = f"[{host}]" if ":" in host else host
    typer.echo(
        f"distillr web app on {scheme}://{shown}:{port}/  (API docs at /docs; Ctrl+C stops it)"
    )
    if require_auth and not ssl_certfile and not loopback:
        typer.echo(
            "note: login cookies are Secure, so browsers send them over HTTPS only: put"
            " the app behind an HTTPS proxy or pass --ssl-certfile/--ssl-keyfile.",
            err=True,
        )
    pg_server = None
    if pg_port is not None:
        from distillr.cli.pg import start_pg

        pg_server = start_pg(host, pg_port, ssl_certfile, ssl_keyfile, query_timeout)
    with pg_server.running() if pg_server is not None else contextlib.nullcontext():
        if pg_server is not None:
            typer.echo(f"distillr PostgreSQL server on {shown}:{pg_server.port}")
        _run_uvicorn(app, host, port, log_level, ssl_certfile, ssl_keyfile)


def _run_uvicorn(app, host, port, log_level, ssl_certfile, ssl_keyfile) -> None:
    import uvicorn

    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=log_level,
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
        server_header=False,
    )


def _password(env: str | None, stdin: bool, label: str = "password") -> str:
    value = read_secret(label, env=env, stdin=stdin, option="--password-env")
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise usage(f"no {label} given: use --password-env VAR or --password-stdin")
    return typer.prompt(label.capitalize(), hide_input=True, confirmation_prompt=True)


@users_app.command("add")
def users_add(
    name: str = typer.Argument(..., help="User name (lowercase)."),
    password_env: str | None = typer.Option(
        None, help="Read the password from this environment variable."
    ),
    password_stdin: bool = typer.Option(False, help="Read the password from stdin."),
    role: str | None = typer.Option(
        None,
        help="admin (manages users, sources and secrets) or analyst (queries, browses,"
        " exports). Default: admin for the first user, analyst after.",
    ),
) -> None:
    """Add a web user (the password is asked twice, or read from --password-env/-stdin)."""
    from distillr.server.auth import ROLES

    if role is not None and role not in ROLES:
        raise usage(f"--role must be one of {', '.join(ROLES)}, not {role!r}", "--role")
    info = _store().add_user(name, _password(password_env, password_stdin), role)
    typer.echo(f"Added user {name} ({info.role}).")


@users_app.command("role")
def users_role(
    name: str,
    role: str = typer.Argument(..., help="admin or analyst."),
) -> None:
    """Change a user's role (their tokens and logins act with it from their next request)."""
    from distillr.server.auth import ROLES

    if role not in ROLES:
        raise usage(f"the role must be one of {', '.join(ROLES)}, not {role!r}", "ROLE")
    _store().set_role(name, role)
    typer.echo(f"{name} is now an {role}.")  # both roles start with a vowel


@users_app.command("list")
def users_list() -> None:
    """List web users, how many API tokens each has, and their roles."""
    import datetime as dt

    users = _store().users()
    if not users:
        typer.echo("No users. Add one with `distillr users add NAME`.")
    for u in users:
        when = dt.datetime.fromtimestamp(u.created_at, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        typer.echo(f"{u.name}\t{u.tokens} token(s)\t{u.role}\tadded {when}")


@users_app.command("remove")
def users_remove(name: str) -> None:
    """Remove a user, with their API tokens and logins."""
    _store().remove_user(name)
    typer.echo(f"Removed user {name} and their tokens.")


@users_app.command("passwd")
def users_passwd(
    name: str,
    password_env: str | None = typer.Option(
        None, help="Read the new password from this environment variable."
    ),
    password_stdin: bool = typer.Option(False, help="Read the new password from stdin."),
) -> None:
    """Change a user's password (ends their logins)."""
    _store().set_password(name, _password(password_env, password_stdin, "new password"))
    typer.echo(f"Changed the password of {name}.")


@users_app.command("token")
def users_token(
    name: str,
    label: str = typer.Option("", help="What the token is for."),
) -> None:
    """Create an API token for a user. It is printed once: keep it somewhere safe."""
    info, token = _store().create_token(name, label)
    typer.echo(
        f"Token {info.id} for {name}, shown once; send it as `Authorization: Bearer TOKEN`:",
        err=True,
    )
    sys.stdout.write(token + "\n")


@users_app.command("tokens")
def users_tokens(name: str | None = typer.Argument(None, help="Only this user's tokens.")) -> None:
    """List API tokens by id and label (the tokens themselves are not stored)."""
    tokens = _store().tokens(name)
    if not tokens:
        typer.echo("No tokens.")
    for t in tokens:
        typer.echo(f"{t.id}\t{t.user}\t{t.label}")


@users_app.command("revoke")
def users_revoke(token_id: str) -> None:
    """Revoke an API token by its id."""
    _store().revoke_token(token_id)
    typer.echo(f"Revoked token {token_id}.")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(users_app, name="users")
