"""``distillr sandbox twilio|jira``: serve a local API with realistic data until Ctrl-C.

``distillr sandbox`` with no sandbox name (and only options) is ``distillr sandbox twilio``, as
it was before there were two. Each command prints its base URL and credentials (``--json``: one
JSON object on one line, before serving) and serves until Ctrl-C.
"""

from __future__ import annotations

import json

import typer
from typer.core import TyperGroup

__all__ = ["register"]

_SCALES = ("tiny", "small", "medium", "large")
_JIRA_SCALES = ("tiny", "small", "large")
_FAULTS_HELP = (
    "Injected faults, e.g. 'latency=50,jitter=10,429=0.05,500=0.02,503=0.02,slow=0.01,"
    "drop=0.01,truncate=0.01'."
)


class _TwilioByDefault(TyperGroup):
    """A group whose commands are the sandboxes; without a name it runs ``twilio``."""

    def parse_args(self, ctx, args):
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h")):
            args = ["twilio", *args]
        return super().parse_args(ctx, args)


def twilio(
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to listen on (loopback by default)."
    ),
    port: int = typer.Option(8099, "--port", help="Port to listen on (0: any free port)."),
    seed: int = typer.Option(
        42, "--seed", help="Seed of the generated data (same seed, same data)."
    ),
    scale: str = typer.Option("small", "--scale", help="Data size: tiny, small, medium or large."),
    messages: int | None = typer.Option(
        None, "--messages", min=0, help="Number of messages (overrides the scale)."
    ),
    calls: int | None = typer.Option(
        None, "--calls", min=0, help="Number of calls (overrides the scale)."
    ),
    latency_ms: float = typer.Option(
        0.0, "--latency-ms", min=0, help="Delay added to every response, in ms."
    ),
    faults: str | None = typer.Option(None, "--faults", metavar="SPEC", help=_FAULTS_HELP),
    max_concurrency: int = typer.Option(
        100, "--max-concurrency", min=1, help="Concurrent requests per account before 429/20429."
    ),
    account_sid: str | None = typer.Option(
        None,
        "--account-sid",
        metavar="AC...",
        help="Use this main Account SID instead of a generated one.",
    ),
    auth_token: str | None = typer.Option(
        None,
        "--auth-token",
        metavar="TOKEN",
        help="Use this Auth Token (a test fixture, not a real secret).",
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print the base URL and credentials as one JSON object."
    ),
) -> None:
    """Serve a local Twilio REST API (every product on one port) until Ctrl-C."""
    import time

    from distillr.errors import ConfigError
    from distillr.sandbox import TwilioSandbox

    if scale not in _SCALES:
        raise typer.BadParameter(f"use one of {', '.join(_SCALES)}", param_hint="--scale")
    from distillr.cli.common import is_loopback

    t0 = time.perf_counter()
    try:
        sb = TwilioSandbox(
            seed=seed,
            scale=scale,
            messages=messages,
            calls=calls,
            latency_ms=latency_ms,
            faults=faults,
            max_concurrency=max_concurrency,
            account_sid=account_sid,
            auth_token=auth_token,
            host=host,
            port=port,
        )
    except ConfigError:
        raise
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    sb.start()
    info = sb.credentials()
    info.update(
        {
            "seed": seed,
            "scale": scale,
            "messages": sb.data.sizes["messages"],
            "calls": sb.data.sizes["calls"],
            "faults": sb.app.faults.spec() or None,
            "startup_seconds": round(time.perf_counter() - t0, 3),
        }
    )
    if as_json:
        typer.echo(json.dumps(info))
    else:
        base = info["base_url"]
        lines = [
            f"Twilio sandbox at {base}  ({scale}: {info['messages']:,} messages, "
            f"{info['calls']:,} calls, seed {seed}; started in {info['startup_seconds']:.2f}s)",
            "",
            f"  Account SID      {info['account_sid']}",
            f"  Auth Token       {info['auth_token']}",
            f"  API key          {info['api_key_sid']}",
            f"  API secret       {info['api_key_secret']}",
            f"  Subaccount SID   {info['subaccount_sid']}  (token {info['subaccount_auth_token']})",
            "",
            f"  API 2010         {base}/2010-04-01/Accounts/{info['account_sid']}/Messages.json",
            f"  Other products   {base}/messaging/v1/..., /conversations/v1, /monitor/v1, "
            "/studio/v2, /verify/v2, /insights/v1",
            "",
            "These are the sandbox's own test credentials. Press Ctrl-C to stop.",
        ]
        if info["faults"]:
            lines.insert(2, f"  Faults           {info['faults']}")
        if not is_loopback(host):
            lines.append(f"Warning: listening on {host}, beyond this machine.")
        typer.echo("\n".join(lines))
    sb.serve_forever()


def jira(
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to listen on (loopback by default)."
    ),
    port: int = typer.Option(8098, "--port", help="Port to listen on (0: any free port)."),
    seed: int = typer.Option(
        42, "--seed", help="Seed of the generated data (same seed, same data)."
    ),
    scale: str = typer.Option(
        "small", "--scale", help="Data size: tiny (150 issues), small (2,000) or large (50,000)."
    ),
    issues: int | None = typer.Option(
        None, "--issues", min=0, max=1_000_000, help="Number of issues (overrides the scale)."
    ),
    latency_ms: float = typer.Option(
        0.0, "--latency-ms", min=0, help="Delay added to every response, in ms."
    ),
    faults: str | None = typer.Option(None, "--faults", metavar="SPEC", help=_FAULTS_HELP),
    email: str | None = typer.Option(
        None, "--email", metavar="ADDRESS", help="Use this account email instead of the default."
    ),
    api_token: str | None = typer.Option(
        None,
        "--api-token",
        metavar="TOKEN",
        help="Use this API token (a test fixture, not a real secret).",
    ),
    token_ttl: float = typer.Option(
        3600.0, "--token-ttl", min=1, help="Lifetime of the test OAuth access tokens, in seconds."
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print the base URL and credentials as one JSON object."
    ),
) -> None:
    """Serve a local JIRA Cloud API (Agile 1.0, REST 3, test endpoints) until Ctrl-C."""
    import time

    from distillr.cli.common import is_loopback
    from distillr.sandbox import JiraSandbox

    if scale not in _JIRA_SCALES:
        raise typer.BadParameter(f"use one of {', '.join(_JIRA_SCALES)}", param_hint="--scale")
    t0 = time.perf_counter()
    sb = JiraSandbox(
        seed=seed,
        scale=scale,
        issues=issues,
        latency_ms=latency_ms,
        faults=faults,
        email=email,
        api_token=api_token,
        token_ttl=token_ttl,
        host=host,
        port=port,
    )
    sb.start()
    info = sb.credentials()
    info.update(
        {
            "seed": seed,
            "scale": scale,
            "issues": len(sb.data.issues),
            "projects": [p.key for p in sb.data.projects],
            "boards": len(sb.data.boards),
            "faults": sb.app.faults.spec() or None,
            "startup_seconds": round(time.perf_counter() - t0, 3),
        }
    )
    if as_json:
        typer.echo(json.dumps(info))
    else:
        typer.echo("\n".join(_jira_lines(info, host, is_loopback(host))))
    sb.serve_forever()


def _jira_lines(info: dict, host: str, loopback: bool) -> list[str]:
    base = info["base_url"]
    lines = [
        f"JIRA sandbox at {base}  ({info['scale']}: {info['issues']:,} issues in "
        f"{len(info['projects'])} projects, {info['boards']} boards, seed {info['seed']}; "
        f"started in {info['startup_seconds']:.2f}s)",
        "",
        f"  Email            {info['email']}",
        f"  API token        {info['api_token']}",
        "",
        f"  Agile 1.0        {base}/rest/agile/1.0/board",
        f"  REST 3           {base}/rest/api/3/search/jql?jql=project%3D{info['projects'][0]}",
        f"  OpenAPI          {base}/openapi.json",
        f"  Test endpoints   {base}/test/...",
        f"  Bearer token     {info['bearer_token']}",
        f"  API key          {info['api_key']}",
        f"  OAuth client     {info['client_id']}  (secret {info['client_secret']})",
        f"  OAuth tokens     {info['token_url']}  (refresh token {info['refresh_token']})",
        "",
        "These are the sandbox's own test credentials. Press Ctrl-C to stop.",
    ]
    if info["faults"]:
        lines.insert(2, f"  Faults           {info['faults']}")
    if not loopback:
        lines.append(f"Warning: listening on {host}, beyond this machine.")
    return lines


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        cls=_TwilioByDefault,
        help="Serve a local API with realistic data: twilio (the default) or jira.",
        no_args_is_help=False,
        rich_markup_mode=None,
    )
    group.command("twilio")(twilio)
    group.command("jira")(jira)
    app.add_typer(group, name="sandbox")
