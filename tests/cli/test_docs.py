"""The examples in docstrings and docs/cli.md stay true."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

import distillr.cli.shell
import distillr.tree

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("module", [distillr.tree, distillr.cli.shell])
def test_doctests(module):
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert tried and not failures


def test_cli_doc_names_every_source_command():
    from distillr.cli.source import source_app

    doc = (REPO / "docs" / "cli.md").read_text()
    names = [c.name for c in source_app.registered_commands]
    assert names == [
        "add",
        "list",
        "show",
        "test",
        "rename",
        "update",
        "edit",
        "export",
        "refresh",
        "remove",
    ]
    for name in names:
        assert re.search(rf"`source {name}\b", doc), name


def test_readme_commands_exist(cli):
    """Every `distillr X` the README shows is a real command."""
    readme = (REPO / "README.md").read_text()
    commands = set(re.findall(r"^distillr ([a-z]+)", readme, re.M))
    assert {"source", "tree", "query", "shell", "samples"} <= commands
    for command in commands:
        assert cli(command, "--help").code == 0, command
