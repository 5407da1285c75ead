"""What an import made and what it skipped, as text for a terminal and as data for the web."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["SUMMED", "Report", "Skipped", "TableReport"]

#: reasons the text report counts instead of listing each operation
SUMMED = {"not included": "not included", "only GET operations are tables": "not GET"}


@dataclass(frozen=True)
class TableReport:
    """One table the import made."""

    name: str
    aliases: tuple[str, ...]
    method: str
    path: str
    description: str
    #: parameters as shown: ``boardId (path, integer, required)``
    parameters: tuple[str, ...]
    paginator: str
    data_path: str | None
    columns: int
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Skipped:
    """One operation the import left out, and why."""

    method: str
    path: str
    reason: str


@dataclass
class Report:
    """The import report: the source's settings, its tables and the operations skipped."""

    title: str
    version: str
    base_url: str | None
    auth: str
    tables: list[TableReport] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def text(self, skipped: bool = True) -> str:
        """The report as lines for a terminal."""
        head = f"{self.title or 'The spec'} (OpenAPI {self.version})"
        lines = [head, f"base URL: {self.base_url or '(none: give --base-url)'}"]
        lines.append(f"auth: {self.auth}")
        lines.append(f"{len(self.tables)} tables:")
        for t in self.tables:
            alias = f" ({', '.join(t.aliases)})" if t.aliases else ""
            lines.append(f"  {t.name}{alias}  {t.method} {t.path}")
            lines.append(f"      paginator: {t.paginator}; {t.columns} columns")
            if t.parameters:
                lines.append(f"      parameters: {'; '.join(t.parameters)}")
        if self.skipped:
            counted = Counter(s.reason for s in self.skipped if s.reason in SUMMED)
            summary = ", ".join(f"{n} {SUMMED[r]}" for r, n in counted.items())
            lines.append(
                f"{len(self.skipped)} operations skipped"
                + (f" ({summary})" if summary else "")
                + ":"
            )
            if skipped:
                shown = [s for s in self.skipped if s.reason not in SUMMED]
                lines.extend(f"  {s.method} {s.path}: {s.reason}" for s in shown)
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)
