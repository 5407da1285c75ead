"""Alembic environment for the registry database.

distillr runs migrations itself (``distillr.registry.db.migrate``) and hands Alembic an open
connection through ``config.attributes["connection"]``; there is no ``alembic.ini``.
To write a new revision during development::

    python -m distillr.registry.db revision "add a column"
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
