"""Files sources: a directory of CSV/TSV, Parquet, JSON/NDJSON and Excel files as tables."""

from distillr.connectors.files.connector import FilesConnector

__all__ = ["FilesConnector"]
