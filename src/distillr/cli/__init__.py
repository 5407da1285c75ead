"""The ``distillr`` command line: parse options, call the library, render.

Each command group lives in its own module and adds itself to ``app`` in ``register``;
heavy imports happen inside the commands so that ``distillr --help`` stays fast.
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="distillr",
    help="Query web APIs (Twilio first) with Apache Drill-style SQL.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Command modules, each with a ``register(app)`` function.
COMMAND_MODULES: list[str] = []


def _load_commands() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(f"distillr.cli.{name}").register(app)


def main() -> None:
    _load_commands()
    app()
