"""``FilesConnector``: the files of one directory as tables, through the connector contract.

Every supported file is a table named by its path (``/customers.csv``); any glob is a table
over the files it matches (``/exports/*.parquet``), found when a query names it. Schemas are
inferred once per file version (modification time and size) and kept in memory.

Filters on plain columns are pushed and exact (the readers apply them with DuckDB's
semantics); a LIMIT travels when the planner allows. A Parquet table is one split per file,
holding only the row groups whose statistics may match; EXPLAIN shows how many were skipped.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa

from distillr.connectors.base import Column, Connector, ScanRequest, ScanStats, Split, TableDef
from distillr.connectors.files import paths
from distillr.connectors.files.readers import ReadOptions, options_of, read_batches, schema_of
from distillr.connectors.files.settings import FILES_SETTINGS
from distillr.connectors.parquet import column_filters, row_groups
from distillr.connectors.settings import Settings
from distillr.errors import CatalogError, ConfigError, SourceError, did_you_mean

__all__ = ["FilesConnector"]


class FilesConnector(Connector):
    """A directory of CSV/TSV, Parquet, JSON/NDJSON and Excel files (see the module doc)."""

    type: ClassVar[str] = "files"
    label: ClassVar[str] = "Files"
    description: ClassVar[str] = (
        "A folder of CSV/TSV, Parquet, JSON/NDJSON and Excel files, each a table;"
        " drop files or folders to upload them."
    )
    category: ClassVar[str] = "files"
    form: ClassVar[str] = "files"
    settings: ClassVar[Settings] = FILES_SETTINGS
    identity_options: ClassVar[tuple[str, ...] | None] = ()
    url_options: ClassVar[tuple[str, ...]] = ()
    max_concurrency = 4
    max_fanout = 10_000

    def __init__(
        self,
        name: str,
        path: str | os.PathLike[str],
        *,
        delimiter: str | None = None,
        header: bool | None = None,
        sheet: str | None = None,
    ) -> None:
        super().__init__(name)
        self.root = paths.check_root(str(path))
        self.options = ReadOptions(delimiter=delimiter, header=header, sheet=sheet)
        self._schemas: dict[tuple, pa.Schema] = {}
        self._lock = threading.Lock()

    @classmethod
    def prepare_options(cls, options: Mapping[str, Any]) -> dict[str, Any]:
        """Options checked, with ``path`` made absolute (``~`` and relative resolved now)."""
        values = FILES_SETTINGS.validate(options)
        if "path" in values:
            values["path"] = str(paths.check_root(values["path"]))
        return values

    @classmethod
    def from_source(
        cls, name: str, options: Mapping[str, Any], secrets: Mapping[str, str]
    ) -> FilesConnector:
        if secrets:
            raise ConfigError("A files source has no secrets.")
        values = FILES_SETTINGS.validate(options)
        if not os.path.isabs(os.path.expanduser(values["path"])):
            raise ConfigError(
                f"path '{values['path']}' is relative: save the source again so that it is"
                " resolved (distillr source update NAME --path DIR)."
            )
        path = values.pop("path")
        return cls(name, path, **options_of(values).__dict__)

    def check(self) -> None:
        if not os.access(self.root, os.R_OK | os.X_OK):
            raise ConfigError(f"The directory '{self.root}' cannot be read by this process.")

    def __repr__(self) -> str:
        return f"<FilesConnector {self.name!r} {str(self.root)!r}>"

    # -- catalog --------------------------------------------------------------------------

    def tables(self) -> Sequence[TableDef]:
        out = []
        for rel in paths.list_files(self.root):
            try:
                out.append(self._table_def(rel, [rel]))
            except (SourceError, CatalogError) as exc:
                out.append(TableDef(name="/" + rel, columns=(), description=str(exc)))
        return out

    def table(self, name: str) -> TableDef:
        rel = paths.clean_name(name, self.root)
        if paths.is_glob(rel):
            return self._table_def(rel, paths.match(self.root, rel))
        paths.format_of(rel)
        if not (self.root / rel).exists() and not (self.root / rel).is_symlink():
            rel = self._case_insensitive(rel, name)
        paths.safe_path(self.root, rel)
        return self._table_def(rel, [rel])

    def _case_insensitive(self, rel: str, name: str) -> str:
        listed = list(paths.list_files(self.root))
        found = [r for r in listed if r.lower() == rel.lower()]
        if len(found) == 1:
            return found[0]
        shown = ["/" + r for r in listed]
        raise CatalogError(
            f"Source '{self.name}' has no file '/{rel}'.{did_you_mean('/' + rel, shown)}"
            f" Run SHOW TABLES IN {self.name} to see its files; table paths are relative to"
            " its directory."
        )

    def _files(self, rels: Sequence[str]) -> tuple[str, list[Path]]:
        fmts = {paths.format_of(r) for r in rels}
        if len(fmts) > 1:
            raise CatalogError(
                f"The files matched are of several types ({', '.join(sorted(fmts))}): a glob"
                " table reads one type; narrow it, e.g. /exports/*.csv."
            )
        return fmts.pop(), [paths.safe_path(self.root, r) for r in rels]

    def _table_def(self, rel: str, rels: Sequence[str]) -> TableDef:
        fmt, files = self._files(rels)
        stamp = []
        for f in files:
            st = f.stat()
            stamp.append((str(f), st.st_mtime_ns, st.st_size))
        key = (rel, tuple(stamp))
        with self._lock:
            schema = self._schemas.get(key)
        if schema is None:
            schema = schema_of(fmt, self.root, files, self.options, "/" + rel)
            with self._lock:
                if len(self._schemas) > 5000:
                    self._schemas.clear()
                self._schemas[key] = schema
        columns = tuple(
            Column(f.name, f.type, filters=column_filters(f.type, floats=fmt != "parquet"))
            for f in schema
        )
        many = f"{len(files)} {fmt} files" if paths.is_glob(rel) else f"a {fmt} file"
        return TableDef(
            name="/" + rel, columns=columns, description=f"{many} under {self.name}", aliases=(rel,)
        )

    # -- uploads --------------------------------------------------------------------------

    def store_upload(
        self, name: str, read: Any, *, max_bytes: int | None = None, replace: bool = False
    ) -> str:
        """Save an uploaded file (``read(n)`` gives its bytes) as ``name`` in the directory;
        returns its table name. See ``connectors.files.uploads``."""
        from distillr.connectors.files import uploads

        limit = uploads.MAX_BYTES if max_bytes is None else max_bytes
        return uploads.store(self.root, name, read, max_bytes=limit, replace=replace)

    def list_files(self) -> list[dict[str, Any]]:
        """The directory's files: table name, size in bytes, modification time (epoch)."""
        out = []
        for rel in paths.list_files(self.root):
            st = (self.root / rel).stat()
            out.append({"table": "/" + rel, "bytes": st.st_size, "modified": st.st_mtime})
        return out

    # -- reading --------------------------------------------------------------------------

    def plan(self, request: ScanRequest, stats: ScanStats | None = None) -> Sequence[Split]:
        table = self.table(request.table)
        rel = table.name[1:]
        rels = paths.match(self.root, rel) if paths.is_glob(rel) else [rel]
        fmt, files = self._files(rels)
        params = {
            "format": fmt,
            "columns": request.columns,
            "predicates": tuple(request.predicates),
        }
        if fmt != "parquet":
            what = rels[0] if len(rels) == 1 else f"{len(rels)} files"
            return [
                Split(
                    table=table.name,
                    params={**params, "files": tuple(rels)},
                    limit=request.limit,
                    describe=f"read /{what} ({fmt})",
                )
            ]
        splits = []
        for r, f in zip(rels, files):
            kept, total = row_groups(f, table.schema, request.predicates, "/" + r)
            if not kept:
                continue
            skipped = total - len(kept)
            splits.append(
                Split(
                    table=table.name,
                    params={**params, "files": (r,), "row_groups": tuple(kept)},
                    limit=request.limit,
                    describe=f"read /{r} (parquet): {len(kept)} of {total} row groups"
                    f" ({skipped} skipped by statistics)",
                )
            )
        return splits

    def read(self, split: Split, stats: ScanStats | None = None) -> Iterator[pa.RecordBatch]:
        table = self.table(split.table)
        p = split.params
        rels = list(p["files"])
        fmt, files = self._files(rels)
        groups = p.get("row_groups")
        for batch in read_batches(
            fmt,
            self.root,
            files,
            self.options,
            shown="/" + (rels[0] if len(rels) == 1 else table.name[1:]),
            schema=table.schema,
            columns=p.get("columns"),
            preds=p.get("predicates", ()),
            limit=split.limit,
            row_groups=list(groups) if groups is not None else None,
        ):
            if stats is not None:
                stats.add(pages=1, rows=batch.num_rows)
            yield batch
