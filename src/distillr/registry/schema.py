"""The registry's tables as SQLAlchemy Core objects (the migrations create them)."""

from __future__ import annotations

from sqlalchemy import Column, MetaData, Table, Text

metadata = MetaData()

sources = Table(
    "sources",
    metadata,
    Column("name", Text, primary_key=True),
    Column("type", Text, nullable=False),
    Column("options", Text, nullable=False),
    Column("secrets", Text, nullable=False),
    Column("secret_masks", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
)
