"""Saved tables: query results kept as Parquet under ``DISTILLR_HOME/saved``, queryable as
``saved.NAME``, each remembering its SQL and when it ran (``distillr save``, ``refresh``,
``CREATE TABLE saved.NAME AS SELECT ...``, ``DROP TABLE saved.NAME``)."""

from distillr.saved.store import SavedInfo, SavedStore

__all__ = ["SavedInfo", "SavedStore"]
