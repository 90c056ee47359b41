"""The data package as validate read it, once: what could be read, and a ``files`` problem for what could not."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._loader import PARQUET_CHECKSUMS, parse_json, read_file, refusal, schema_from_bytes, signature
from ..errors import DataFileError
from ..tables import RAW_PATH, TABLES, Row, parse_csv
from ._problem import Problem

REBUILD_FIX = "rebuild with `iicsa-stats build` (or restore the file from the release)"
#: The folders of a data package; one that is a symbolic link leaving the root is refused once, with all below it.
FOLDERS = ("data", "data/processed", "data/raw", "schemas")
LISTING = f"data/processed/{PARQUET_CHECKSUMS}"


def csv_rel(table: str) -> str:
    return f"data/processed/{table}.csv"


def schema_rel(table: str) -> str:
    return f"schemas/{table}.schema.json"


def parquet_rel(table: str) -> str:
    return f"data/processed/{table}.parquet"


@dataclass
class Package:
    """What validate could read of a data package (``root`` resolved); what it could not is in ``problems``."""

    root: Path
    rebuild: bool = False
    rebuild_requested: bool = False
    problems: list[Problem] = field(default_factory=list)  # the ``files`` problems found while reading
    unreadable: set[str] = field(default_factory=set)  # relative POSIX paths
    refused: set[str] = field(default_factory=set)  # package folders leading outside the root
    descriptor: dict[str, Any] | None = None
    signature: list[tuple[int, int, int] | None] = field(default_factory=list)  # which copy of the files was read
    schemas: dict[str, dict[str, Any]] = field(default_factory=dict)
    tables: dict[str, list[Row]] = field(default_factory=dict)
    raw_paths: dict[str, str] = field(default_factory=dict)  # document id -> raw path
    raw_texts: dict[str, str] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)  # every file read, by relative path

    def changed(self) -> bool:
        """Whether ``datapackage.json`` was replaced since it was read (a build ran meanwhile)."""
        return signature(str(self.root)) != self.signature

    def relative(self, text: str) -> str:
        """``text`` with the root's absolute path removed, so that files appear as relative paths."""
        return text.replace(str(self.root) + os.sep, "").replace(str(self.root), ".")

    def key(self, table: str, row: Mapping[str, Any]) -> str:
        keys = self.schemas.get(table, {}).get("primaryKey") or []
        return ", ".join(f"{k}={row.get(k)}" for k in keys) or "?"

    def fail(self, rel: str, exc: Exception, table: str | None = None) -> None:
        """A ``files`` problem for ``rel``, the message without the file's path (the problem names it)."""
        self.unreadable.add(rel)
        message = self.relative(str(exc))
        message = message.removeprefix(rel).lstrip(",: ") if message.startswith(rel) else message
        self.problems.append(Problem(check="files", file=rel, table=table, message=message))

    def hidden(self, rel: str) -> bool:
        """Whether ``rel`` lies below a refused folder (that folder's problem says so; nothing there is read)."""
        return any(rel.startswith(folder + "/") for folder in self.refused)

    def read(self, rel: str, *, pinned: Any = None, table: str | None = None) -> bytes | None:
        """The bytes of ``rel``, or None and a ``files`` problem (none below a refused folder: it has one)."""
        if self.hidden(rel):
            self.unreadable.add(rel)
            return None
        try:
            self.files[rel] = read_file(self.root, rel, fix=REBUILD_FIX, pinned_bytes=pinned)
            return self.files[rel]
        except DataFileError as exc:
            self.fail(rel, exc, table)
            return None


def load(root: Path, *, rebuild: bool = False, rebuild_requested: bool = False) -> Package:
    """Read what can be read of the data package at ``root`` (resolved)."""
    pkg = Package(root=root, rebuild=rebuild, rebuild_requested=rebuild_requested)
    for folder in FOLDERS:
        why = refusal(root, root / folder)
        if why and not pkg.hidden(folder):
            pkg.refused.add(folder)
            pkg.problems.append(Problem(check="files", file=folder, message=f"{why}; {REBUILD_FIX}"))
    pkg.signature = signature(str(root))
    try:  # not JSON, beyond the JSON reader's limits, or not a descriptor: one files problem
        if (data := pkg.read("datapackage.json")) is not None:
            descriptor = parse_json("datapackage.json", data)
            if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
                raise DataFileError(f"not a data package descriptor (no list of resources); {REBUILD_FIX}")
            pkg.descriptor = descriptor
    except DataFileError as exc:
        pkg.fail("datapackage.json", exc)
    for table in TABLES:
        try:
            if (data := pkg.read(schema_rel(table), table=table)) is not None:
                pkg.schemas[table] = schema_from_bytes(schema_rel(table), data)
        except DataFileError as exc:
            pkg.fail(schema_rel(table), exc, table)
    resources = [r for r in (pkg.descriptor or {}).get("resources", []) if isinstance(r, dict)]
    sizes = {r["path"]: r.get("bytes") for r in reversed(resources) if isinstance(r.get("path"), str)}
    for table, schema in pkg.schemas.items():
        try:
            if (data := pkg.read(csv_rel(table), pinned=sizes.get(csv_rel(table)), table=table)) is not None:
                pkg.tables[table] = parse_csv(root / csv_rel(table), data, schema, REBUILD_FIX)
        except DataFileError as exc:
            pkg.fail(csv_rel(table), exc, table)
    for rel in [*(parquet_rel(table) for table in TABLES), LISTING]:
        pkg.read(rel)
    for doc in pkg.tables.get("documents", []):
        _load_raw(pkg, doc)
    return pkg


def _load_raw(pkg: Package, doc: Row) -> None:
    doc_id, rel = doc["document_id"], doc["raw_path"]
    if not isinstance(rel, str) or not RAW_PATH.fullmatch(rel):
        return  # not read; frictionless reports the schema's pattern for raw_path
    pkg.raw_paths[doc_id] = rel
    data = pkg.read(rel, pinned=doc.get("bytes"))
    if data is not None:
        try:
            pkg.raw_texts[doc_id] = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            why = f"raw document {doc_id!r} is not UTF-8 text ({exc.reason} at byte {exc.start}); restore it"
            pkg.fail(rel, ValueError(why))
