"""``distillr demo`` (what ``make demo`` runs): sample queries against a local sandbox."""

from __future__ import annotations

from pathlib import Path

import typer

NEXT_STEPS = """\
What next:
  distillr demo --shell                 this demo, then an interactive shell on demo_twilio
  distillr source add twilio my_twilio --account-sid AC... --auth-token-env TWILIO_AUTH_TOKEN
                                        your own account (the token is read from a variable)
  distillr tree my_twilio               its tables, required parameters and columns
  distillr samples my_twilio            these queries, with values from your data
  distillr query "SELECT * FROM my_twilio.calls LIMIT 10" --format csv
"""


def demo(
    home: Path | None = typer.Option(
        None,
        "--demo-home",
        metavar="DIR",
        help="Keep the demo's registry here (default: a temporary folder, so your own "
        "sources are untouched).",
    ),
    shell: bool = typer.Option(False, "--shell", help="Open the SQL shell after the queries."),
    rows: int = typer.Option(10, "--rows", metavar="N", help="Rows to show per result."),
    seed: int = typer.Option(42, "--seed", help="Seed of the sandbox's generated data."),
) -> None:
    """Run sample queries against a local Twilio sandbox (no account or network needed)."""
    from rich.syntax import Syntax

    from distillr import samples
    from distillr.cli import error
    from distillr.cli.common import console
    from distillr.cli.query import query_and_emit
    from distillr.demo import demo_environment
    from distillr.errors import DistillrError

    out = console()
    failed = []
    out.print("[bold]distillr demo[/]: starting a local Twilio sandbox ...")
    with demo_environment(home, seed=seed) as env:
        where = "a temporary folder" if env.temporary else str(env.home)
        out.print(
            f"Sandbox at {env.sandbox.base_url}; saved the data source "
            f"[bold]{env.source}[/] in {where} (credentials checked).\n"
        )
        try:
            examples = samples.find_examples(env.session, env.source)
        except DistillrError as exc:
            error(f"could not look up example values ({exc}); using placeholders")
            examples = {}
        for i, sample in enumerate(samples.for_source(env.session, env.source, examples), 1):
            out.rule(f"[bold]{i}. {sample.title}[/]", align="left")
            out.print(Syntax(sample.sql, "sql", theme="ansi_dark", background_color="default"))
            if sample.note:
                out.print(f"[dim]{sample.note}[/]")
            try:
                query_and_emit(env.session, sample.sql, "table", max_rows=rows, fit=True)
            except DistillrError as exc:
                error(str(exc))
                failed.append(sample.title)
            out.print()
        if shell:
            from distillr.cli.shell import Shell, _session

            sh = Shell(env.session)
            prompt = _session(env.home / "shell_history", sh.catalog)
            out.print(f"Shell on the demo ({env.source}); .help for commands, .quit to leave.")
            while True:
                try:
                    text = prompt.prompt("distillr> ")
                except KeyboardInterrupt:
                    continue
                except EOFError:
                    break
                if not sh.handle(text):
                    break
    if failed:
        error(
            f"{len(failed)} sample quer{'y' if len(failed) == 1 else 'ies'} failed: "
            f"{'; '.join(failed)}. Run again with --debug and report it."
        )
        raise typer.Exit(1)
    out.print(NEXT_STEPS)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
