"""The ``distillr`` command line: parse options, call the library, render.

Each command group lives in its own module and adds itself to ``app`` in ``register``;
heavy imports happen inside the commands so that ``distillr --help`` stays fast.

Exit codes: 0 success, 1 query, API or configuration error (a ``DistillrError``: its message,
no traceback unless ``--debug``), 2 usage error (bad options or arguments, a ``UsageError``).
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import typer
from typer._click import exceptions as click_errors  # typer ships its own copy of click

from distillr import __version__
from distillr.cli import startup
from distillr.errors import DistillrError, UsageError

app = typer.Typer(
    name="distillr",
    help="Query web APIs (Twilio first) with Apache Drill-style SQL.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

# Command modules, each with a ``register(app)`` function.
COMMAND_MODULES: list[str] = [
    "source",
    "tree",
    "query",
    "samples",
    "shell",
    "demo",
    "serve",
    "pg",
    "sandbox",
]


@dataclass
class State:
    """Options every command sees (set by the root callback)."""

    debug: bool = False
    home: Path | None = None


state = State()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"distillr {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks and debug logs."),
    home: Path | None = typer.Option(
        None,
        "--home",
        envvar="DISTILLR_HOME",
        show_envvar=True,
        help="Folder of the data source registry [default: ~/.distillr].",
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    state.debug = debug
    state.home = home
    if ctx.invoked_subcommand != "query":  # query resumes it once its statement is planned
        startup.resume()
    if debug:
        import logging

        logging.basicConfig(level=logging.DEBUG, format="%(levelname)s %(name)s: %(message)s")


_loaded: set[str] = set()


def _load_commands(argv: Sequence[str] | None = None) -> None:
    """Register the command modules. When ``argv`` names a command whose module has the same
    name (``query`` -> ``distillr.cli.query``), only that module is loaded: building every
    command's parameters costs more start-up time than ``distillr query`` should pay."""
    wanted = list(COMMAND_MODULES)
    args = list(argv or [])
    while args and args[0].startswith("-"):
        args = args[2:] if args[0] == "--home" else args[1:]
    if args and args[0] in COMMAND_MODULES:
        wanted = [args[0]]
    for name in wanted:
        if name not in _loaded:
            importlib.import_module(f"distillr.cli.{name}").register(app)
            _loaded.add(name)


def error(message: str) -> None:
    """Print an error line to stderr (what every failure looks like)."""
    typer.echo(f"Error: {message}", err=True)


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``) and return the exit code."""
    argv = list(argv) if argv is not None else sys.argv[1:]
    _load_commands(argv)
    state.debug = "--debug" in argv
    state.home = None
    with warnings.catch_warnings():
        if not state.debug:  # library warnings are for developers, not for the terminal
            warnings.simplefilter("ignore")
        return _run(argv)


def _run(argv: Sequence[str] | None) -> int:
    try:
        rv = app(
            args=list(argv) if argv is not None else None,
            prog_name="distillr",
            standalone_mode=False,
        )
    except click_errors.ClickException as exc:  # usage errors: exit 2
        exc.show()
        return exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        rv = 130
    except UsageError as exc:  # an option out of range, found past the option parser
        error(str(exc))
        return 2
    except DistillrError as exc:
        if state.debug:
            traceback.print_exc()
        error(str(exc))
        return 1
    except BrokenPipeError:  # `distillr query ... | head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:  # noqa: BLE001 - a bug: say so briefly, trace only with --debug
        if state.debug:
            traceback.print_exc()
        error(
            f"unexpected {type(exc).__name__}: {exc}. This is a bug in distillr; run the "
            "command again with --debug and report the traceback."
        )
        return 1
    if rv == 130:  # typer turns Ctrl-C into exit code 130
        error("Interrupted.")
        return 1
    return rv if isinstance(rv, int) else 0


def main() -> None:
    """The console script: ``run()``, with the garbage collector paused while it starts up
    (see ``distillr.cli.startup``)."""
    startup.pause()
    sys.exit(run())
