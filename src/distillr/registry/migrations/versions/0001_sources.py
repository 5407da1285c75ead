"""Create the sources table: one named data source per row, secrets encrypted.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("options", sa.Text, nullable=False),  # JSON object
        sa.Column("secrets", sa.Text, nullable=False),  # Fernet token of a JSON object, or ""
        sa.Column("secret_masks", sa.Text, nullable=False),  # JSON: name -> "****a1b2"
        sa.Column("created_at", sa.Text, nullable=False),  # ISO 8601, UTC
        sa.Column("updated_at", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sources")
