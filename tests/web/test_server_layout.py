"""The server's structure: create_app only assembles (no function over 120 lines, no route
closures), and the source name rule is defined once."""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).parents[2] / "src" / "distillr"


def test_no_server_function_is_over_120_lines():
    long = []
    for path in sorted((SRC / "server").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > 120:
                    long.append(f"{path.name}:{node.name} ({lines})")
    assert long == []


def test_create_app_defines_no_routes():
    tree = ast.parse((SRC / "server" / "app.py").read_text())
    create = next(n for n in ast.walk(tree) if getattr(n, "name", None) == "create_app")
    nested = [
        n.name for n in ast.walk(create) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    assert nested == ["create_app"]


def test_the_name_rule_is_defined_once():
    pattern = re.compile(r"\^\[a-z0-9_\]\+\$")
    places = [str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if pattern.search(p.read_text())]
    assert places == ["registry/store.py"]
    prose = [
        str(p.relative_to(SRC))
        for p in SRC.rglob("*.py")
        if "Lowercase letters, digits and underscores only" in p.read_text()
    ]
    assert prose == ["registry/store.py"]
