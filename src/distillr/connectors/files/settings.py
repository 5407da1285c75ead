"""The ``files`` type's settings, declared once (see ``connectors/settings.py``).

``path`` is the directory; ``~`` and relative paths are resolved when the source is saved
(``FilesConnector.prepare_options``), so a source means the same directory from any working
directory. ``delimiter``, ``header`` and ``sheet`` are reader options for every file of the
source; left out, the reader guesses (DuckDB's CSV sniffer) or takes the first sheet.
"""

from __future__ import annotations

from distillr.connectors.settings import Setting, Settings

__all__ = ["FILES_SETTINGS"]


def _delimiter(value: str) -> str:
    if value.lower() in ("tab", "\\t"):
        return "\t"
    if len(value) != 1:
        raise ValueError(f"must be one character (or 'tab'), not {value!r}")
    return value


FILES_SETTINGS = Settings(
    [
        Setting(
            "path",
            "string",
            "the directory whose files are tables (~ and relative paths are resolved when"
            " the source is saved)",
            required=True,
            placeholder="DIR",
        ),
        Setting(
            "delimiter",
            "string",
            "the CSV delimiter (one character, or 'tab'); guessed when left out",
            check=_delimiter,
        ),
        Setting("header", "boolean", "whether the first row of CSV and Excel files names columns"),
        Setting("sheet", "string", "the Excel sheet to read (default: the first)"),
    ]
)
