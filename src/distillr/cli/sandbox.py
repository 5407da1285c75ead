"""``distillr sandbox``: serve a local Twilio REST API with realistic data until Ctrl-C."""

from __future__ import annotations

import json

import typer

__all__ = ["register"]

_SCALES = ("tiny", "small", "medium", "large")


def sandbox(
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
    faults: str | None = typer.Option(
        None,
        "--faults",
        metavar="SPEC",
        help="Injected faults, e.g. 'latency=50,jitter=10,429=0.05,500=0.02,503=0.02,slow=0.01,"
        "drop=0.01,truncate=0.01'.",
    ),
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
    from distillr.cli.serve import is_loopback

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


def register(app: typer.Typer) -> None:
    app.command("sandbox")(sandbox)
