"""``distillr serve`` (the web app and JSON API) and ``distillr users`` (its logins and tokens)."""

from __future__ import annotations

import ipaddress
import os
import sys

import typer

__all__ = ["register", "is_loopback"]

users_app = typer.Typer(
    name="users",
    help="Users and API tokens of the web app (needed when it listens beyond loopback).",
    no_args_is_help=True,
)


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _fail(message: str) -> None:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(2)


def _store(home: str | None):  # noqa: ANN202
    from distillr.server.auth import AuthStore

    return AuthStore(home)


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on. Beyond loopback, users"
                             " must exist (see `distillr users add`)."),
    port: int = typer.Option(8000, help="Port to listen on."),
    home: str | None = typer.Option(None, envvar="DISTILLR_HOME",
                                    help="distillr home (registry, users)."),
    auth: bool = typer.Option(False, "--auth", help="Require a login even on loopback."),
    ssl_certfile: str | None = typer.Option(None, help="TLS certificate (PEM) to serve HTTPS."),
    ssl_keyfile: str | None = typer.Option(None, help="TLS private key (PEM)."),
    log_level: str = typer.Option("warning", help="Server log level."),
) -> None:
    """Serve the web app (data source wizard, nav tree, query window) and the JSON API
    (OpenAPI docs at /docs)."""
    import uvicorn

    from distillr.errors import DistillrError
    from distillr.server import create_app

    loopback = is_loopback(host)
    require_auth = auth or not loopback
    try:
        if require_auth and not _store(home).has_users():
            _fail(
                f"Refusing to listen on {host} without authentication: anyone who can reach it"
                " could read your data sources. Add a user first with `distillr users add NAME`"
                " (and API tokens with `distillr users token NAME`), or listen on 127.0.0.1."
            )
    except DistillrError as exc:
        _fail(str(exc))
    app = create_app(home, require_auth=require_auth)
    scheme = "https" if ssl_certfile else "http"
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"distillr web app on {scheme}://{shown}:{port}/  (API docs: /docs; Ctrl+C stops)")
    if require_auth and not ssl_certfile and not loopback:
        typer.echo("note: serve it behind an HTTPS proxy or pass --ssl-certfile/--ssl-keyfile;"
                   " login cookies are marked Secure.", err=True)
    uvicorn.run(app, host=host, port=port, log_level=log_level, ssl_certfile=ssl_certfile,
                ssl_keyfile=ssl_keyfile, server_header=False)


@users_app.command("add")
def users_add(
    name: str = typer.Argument(..., help="User name (lowercase)."),
    password_env: str | None = typer.Option(
        None, help="Read the password from this environment variable instead of a prompt."),
    home: str | None = typer.Option(None, envvar="DISTILLR_HOME"),
) -> None:
    """Add a web user (asks for the password twice)."""
    from distillr.errors import DistillrError

    if password_env:
        password = os.environ.get(password_env)
        if not password:
            _fail(f"The environment variable {password_env} is not set.")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        _store(home).add_user(name, password)
    except DistillrError as exc:
        _fail(str(exc))
    typer.echo(f"Added user {name}.")


@users_app.command("list")
def users_list(home: str | None = typer.Option(None, envvar="DISTILLR_HOME")) -> None:
    """List web users and how many API tokens each has."""
    import datetime as dt

    users = _store(home).users()
    if not users:
        typer.echo("No users. Add one with `distillr users add NAME`.")
    for u in users:
        when = dt.datetime.fromtimestamp(u.created_at, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        typer.echo(f"{u.name}\t{u.tokens} token(s)\tadded {when}")


@users_app.command("remove")
def users_remove(name: str, home: str | None = typer.Option(None, envvar="DISTILLR_HOME")) -> None:
    """Remove a user, with their API tokens and logins."""
    from distillr.errors import DistillrError

    try:
        _store(home).remove_user(name)
    except DistillrError as exc:
        _fail(str(exc))
    typer.echo(f"Removed user {name} and their tokens.")


@users_app.command("passwd")
def users_passwd(
    name: str,
    password_env: str | None = typer.Option(None, help="Read the new password from this variable."),
    home: str | None = typer.Option(None, envvar="DISTILLR_HOME"),
) -> None:
    """Change a user's password (ends their logins)."""
    from distillr.errors import DistillrError

    password = os.environ.get(password_env or "") if password_env else typer.prompt(
        "New password", hide_input=True, confirmation_prompt=True)
    try:
        _store(home).set_password(name, password or "")
    except DistillrError as exc:
        _fail(str(exc))
    typer.echo(f"Changed the password of {name}.")


@users_app.command("token")
def users_token(
    name: str,
    label: str = typer.Option("", help="What the token is for."),
    home: str | None = typer.Option(None, envvar="DISTILLR_HOME"),
) -> None:
    """Create an API token for a user. It is shown once: keep it somewhere safe."""
    from distillr.errors import DistillrError

    try:
        info, token = _store(home).create_token(name, label)
    except DistillrError as exc:
        _fail(str(exc))
    typer.echo(f"Token {info.id} for {name} (shown once; send as `Authorization: Bearer ...`):",
               err=True)
    sys.stdout.write(token + "\n")


@users_app.command("tokens")
def users_tokens(
    name: str | None = typer.Argument(None),
    home: str | None = typer.Option(None, envvar="DISTILLR_HOME"),
) -> None:
    """List API tokens (ids and labels; the tokens themselves are not stored)."""
    tokens = _store(home).tokens(name)
    if not tokens:
        typer.echo("No tokens.")
    for t in tokens:
        typer.echo(f"{t.id}\t{t.user}\t{t.label}")


@users_app.command("revoke")
def users_revoke(token_id: str, home: str | None = typer.Option(None, envvar="DISTILLR_HOME")) -> None:
    """Revoke an API token by its id."""
    from distillr.errors import DistillrError

    try:
        _store(home).revoke_token(token_id)
    except DistillrError as exc:
        _fail(str(exc))
    typer.echo(f"Revoked token {token_id}.")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(users_app, name="users")
