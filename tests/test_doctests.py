"""Every example in a docstring of ``src/distillr`` runs (as sqlglot's ``tests/test_docs.py``)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import distillr

#: modules that run something on import: Alembic's environment (only under Alembic) and
#: every ``__main__``
SKIP = ("distillr.registry.migrations",)


def _modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(distillr.__path__, "distillr."):
        if not info.name.startswith(SKIP) and not info.name.endswith(".__main__"):
            names.append(info.name)
    return names


def _with_examples() -> list[str]:
    found = []
    for name in _modules():
        module = importlib.import_module(name)
        if doctest.DocTestFinder().find(module) and any(
            t.examples for t in doctest.DocTestFinder().find(module)
        ):
            found.append(name)
    return found


MODULES = _with_examples()


def test_the_examples_are_found():
    # a guard against the finder silently finding nothing (a moved package, a broken walk)
    assert "distillr.errors" in MODULES and "distillr.connectors.http" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    failures, _ = doctest.testmod(
        module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    assert failures == 0, f"{failures} docstring example(s) of {name} failed (see above)"
