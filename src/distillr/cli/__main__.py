"""``python -m distillr.cli``: the same as the ``distillr`` command."""

from distillr.cli import main

main()
