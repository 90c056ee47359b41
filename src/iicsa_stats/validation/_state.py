"""The loaded state of a data package that every check reads: what could be read, and what could not."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import _loader
from .._loader import PARQUET_CHECKSUMS, parse_json, read_csv, schema_from_bytes
from ..errors import DataFileError
from ..tables import (
    RAW_PATH,
    TABLES,
    Row,
    csv_path,
    format_cell,
    parquet_path,
    schema_path,
)
from ._problem import Problem

__all__ = [
    "CAP",
    "REBUILD_FIX",
    "VALUE_FIELDS",
    "PackageState",
    "as_csv_number",
    "load",
]

VALUE_FIELDS = ("value", "value_lower", "value_upper")
REBUILD_FIX = "rebuild with `iicsa-stats build` (or restore the file from the release)"
RESTORE_FIX = "restore it from the release or rebuild it with `iicsa-stats build`"
#: frictionless repeats an error for every row it affects (a foreign key into a broken table fails on every
#: row), and a rebuild that differs may differ on every line: at most this many of one kind per file are
#: listed, then one problem says how many more there are.  Every other check lists every problem.
CAP = 10
#: The folders of a data package; one that is a symbolic link leaving the root is refused with all it holds.
PACKAGE_FOLDERS = ("data", "data/processed", "data/raw", "schemas")


def _names(items: Iterable[str]) -> str:
    names = sorted(set(items))
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def as_csv_number(value: float) -> str:
    """A number as the CSV files write it."""
    return format_cell(value, {"type": "number"})


@dataclass
class PackageState:
    """What could be read of a data package; unreadable parts are left out and reported.

    Attributes
    ----------
    root : pathlib.Path
        The data package folder.
    rebuild : bool
        Whether the ``rebuild`` check runs (see :func:`~iicsa_stats.validation.will_rebuild`).
    rebuild_requested : bool
        Whether the caller asked for the rebuild check (``rebuild=True``).
    problems : list of Problem
        The ``files`` problems found while loading (reported by the ``files`` check).
    descriptor : dict or None
        ``datapackage.json``, when it could be read and has a list of resources.
    schemas, tables : dict
        The table schemas and typed rows that could be read, by table name.
    raw_bytes, raw_texts, raw_paths : dict
        The raw documents by document id: their bytes, UTF-8 text and path.
    unreadable : set of str
        The files (relative POSIX paths) that could not be read.
    text_failures : dict
        Documents whose raw text could not be read, each with its file.
    schema_bytes : dict
        The bytes of every schema file that could be read, by table (checked against its pin).
    refused : dict
        The files and folders (relative POSIX paths) that validate does not read, with the reason: outside
        the root (a symbolic link leaving it), not a regular file, or far larger than their pinned size.
    files : dict
        The Parquet files and ``PARQUET.sha256`` by relative path: their bytes, read once while loading, or
        why they could not be read (a ``str``; reported by the check that uses the file).
    descriptor_stamp : tuple or None
        The identity (device, inode, modification time, size) of ``datapackage.json`` when it was read:
        :func:`changed` tells whether another copy has replaced it since.
    """

    root: Path
    rebuild: bool = False
    rebuild_requested: bool = False
    problems: list[Problem] = field(default_factory=list)
    descriptor: dict[str, Any] | None = None
    schemas: dict[str, dict[str, Any]] = field(default_factory=dict)
    tables: dict[str, list[Row]] = field(default_factory=dict)
    raw_bytes: dict[str, bytes] = field(default_factory=dict)
    raw_texts: dict[str, str] = field(default_factory=dict)
    raw_paths: dict[str, str] = field(default_factory=dict)
    unreadable: set[str] = field(default_factory=set)
    #: Documents whose raw text could not be read, each with its file.
    text_failures: dict[str, str] = field(default_factory=dict)
    schema_bytes: dict[str, bytes] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)
    descriptor_stamp: tuple[int, ...] | None = None
    files: dict[str, bytes | str] = field(default_factory=dict)

    def pinned_bytes(self, rel: str) -> Any:
        """The size ``datapackage.json`` pins for the file at ``rel``, if any."""
        for resource in (self.descriptor or {}).get("resources", []):
            if isinstance(resource, dict) and resource.get("path") == rel:
                return resource.get("bytes")
        return None

    def refuse(self, path: Path, *, pinned_bytes: Any = None, table: str | None = None) -> bool:
        """Whether ``path`` must not be read (see :func:`.._loader.refusal`); reported once, as a ``files`` problem."""
        rel = self.rel(path)
        if rel in self.refused:
            return True
        folder = next((f for f in self.refused if rel.startswith(f + "/")), None)
        if folder is not None:  # below a refused folder: that folder's problem says it
            self.refused[rel] = f"lies below {folder}, which is not read"
            self.unreadable.add(rel)
            return True
        why = _loader.refusal(self.root, path, pinned_bytes=pinned_bytes)
        if why is None:
            return False
        self.refused[rel] = why
        self.unreadable.add(rel)
        self.add(check="files", file=rel, table=table, message=f"{why}; {RESTORE_FIX}")
        return True

    def rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def add(self, **kwargs: Any) -> None:
        self.problems.append(Problem(**kwargs))

    def unreadable_file(self, path: Path, exc: Exception, table: str | None = None) -> None:
        rel = self.rel(path)
        self.unreadable.add(rel)
        message = str(exc)
        for prefix in (str(path), rel):
            if message.startswith(prefix):
                message = message[len(prefix) :].lstrip(",: ")
                break
        self.add(check="files", file=rel, table=table, message=message)

    def table_source(self, table: str) -> str | None:
        """The unreadable file that keeps ``table`` from being loaded, or None when it was loaded."""
        if table in self.tables:
            return None
        if table not in self.schemas:
            return self.rel(schema_path(self.root, table))
        return self.rel(csv_path(self.root, table))

    def skipped(self, check: str, files: Iterable[str | None]) -> list[Problem]:
        """One problem saying that ``check`` left out what depends on ``files``, which could not be read."""
        names = sorted({f for f in files if f})
        if not names:
            return []
        return [
            Problem(
                check=check,
                file=names[0] if len(names) == 1 else None,
                message=f"the {check} check left out what depends on {_names(names)}, which could not be read "
                f"(see the files problems); it runs in full once {'it is' if len(names) == 1 else 'they are'} "
                "restored",
            )
        ]

    def relative(self, text: str) -> str:
        """``text`` with the package root's absolute path removed, so that files appear as relative paths."""
        for base in {str(self.root.absolute()), str(self.root.resolve()), str(self.root)}:
            text = text.replace(base + os.sep, "").replace(base + "/", "")
        return text

    def key(self, table: str, row: Mapping[str, Any]) -> str:
        keys = self.schemas.get(table, {}).get("primaryKey") or []
        return ", ".join(f"{k}={row.get(k)}" for k in keys) or "?"

    def figures(self) -> list[Row]:
        return self.tables.get("figures", [])


def load(root: Path, *, rebuild: bool = False, rebuild_requested: bool = False) -> PackageState:
    """Read what can be read of the data package at ``root``; what cannot is a ``files`` problem."""
    pkg = PackageState(root=root, rebuild=rebuild, rebuild_requested=rebuild_requested)
    for folder in PACKAGE_FOLDERS:  # a folder that leads outside the root is refused once, with all below it
        pkg.refuse(root / folder)
    _load_descriptor(pkg)
    _refuse_unsafe(pkg)
    _load_tables(pkg)
    for rel in [*(f"data/processed/{table}.parquet" for table in TABLES), f"data/processed/{PARQUET_CHECKSUMS}"]:
        if rel not in pkg.refused:
            try:
                pkg.files[rel] = _loader.read_file(root, rel, fix=REBUILD_FIX)
            except DataFileError as exc:
                pkg.files[rel] = str(exc).removeprefix(f"{root / rel}: ")
    for doc_id, raw_path in _raw_sources(pkg).items():
        _load_raw(pkg, doc_id, raw_path)
    return pkg


def _refuse_unsafe(pkg: PackageState) -> None:
    """Every file a check reads that must not be read: outside the root, not a regular file, far too large.

    Decided once, while loading, so that each is reported once (by ``files``) and no check reads it.
    """
    root = pkg.root
    for table in TABLES:
        pkg.refuse(schema_path(root, table), table=table)
        path = csv_path(root, table)
        pkg.refuse(path, pinned_bytes=pkg.pinned_bytes(pkg.rel(path)), table=table)
        pkg.refuse(parquet_path(root, table), table=table)
    pkg.refuse(root / "data" / "processed" / PARQUET_CHECKSUMS)
    for resource in (pkg.descriptor or {}).get("resources", []):
        if not isinstance(resource, dict):
            continue
        for key in ("path", "extrapaths", "schema", "dialect"):
            value = resource.get(key)
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str) and _loader.path_problem(item) is None:
                    pinned = resource.get("bytes") if key == "path" and item == value else None
                    pkg.refuse(root / item, pinned_bytes=pinned)


def stamp(path: Path) -> tuple[int, ...] | None:
    """The identity of the file at ``path`` (device, inode, modification time, size), or None when missing."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_dev, info.st_ino, info.st_mtime_ns, info.st_size)


def changed(pkg: PackageState) -> bool:
    """Whether ``datapackage.json`` was replaced or changed since :func:`load` read it (a build ran meanwhile)."""
    return stamp(pkg.root / "datapackage.json") != pkg.descriptor_stamp


def _read(pkg: PackageState, path: Path, fix: str, table: str | None = None) -> bytes | None:
    """The bytes of a package file through :mod:`.._loader`, or None after a ``files`` problem saying why not."""
    try:
        return _loader.read_file(pkg.root, pkg.rel(path), fix=fix)
    except DataFileError as exc:
        pkg.unreadable_file(path, exc, table)
        return None


def _load_descriptor(pkg: PackageState) -> None:
    descriptor_path = pkg.root / "datapackage.json"
    if pkg.refuse(descriptor_path):
        return
    pkg.descriptor_stamp = stamp(descriptor_path)
    data = _read(pkg, descriptor_path, REBUILD_FIX)
    if data is None:
        return
    try:
        descriptor = parse_json(descriptor_path, data)
    except DataFileError as exc:  # not JSON, or beyond the JSON reader's limits
        pkg.unreadable_file(descriptor_path, exc)
        return
    if isinstance(descriptor, dict) and isinstance(descriptor.get("resources"), list):
        pkg.descriptor = descriptor
    else:
        pkg.unreadable.add("datapackage.json")
        pkg.add(
            check="files",
            file="datapackage.json",
            message=f"not a data package descriptor (no list of resources); {REBUILD_FIX}",
        )


def _load_tables(pkg: PackageState) -> None:
    root = pkg.root
    for table in TABLES:
        path = schema_path(root, table)
        if pkg.rel(path) in pkg.unreadable:
            continue
        data = _read(pkg, path, RESTORE_FIX, table)
        if data is None:
            continue
        try:
            pkg.schemas[table] = schema_from_bytes(path, data)
            pkg.schema_bytes[table] = data
        except DataFileError as exc:
            pkg.unreadable_file(path, exc, table)
    for table, schema in pkg.schemas.items():
        if pkg.rel(csv_path(root, table)) in pkg.unreadable:
            continue
        try:
            pkg.tables[table] = read_csv(root, table, schema)
        except DataFileError as exc:
            pkg.unreadable_file(csv_path(root, table), exc, table)


def _raw_sources(pkg: PackageState) -> dict[str, Any]:
    """The raw documents by id: listed by the documents table, or else by the descriptor's raw resources."""
    if "documents" in pkg.tables:
        sources = {row["document_id"]: row["raw_path"] for row in pkg.tables["documents"]}
    elif pkg.descriptor is not None:
        sources = {
            str(r["name"]).removeprefix("raw-"): r.get("path")
            for r in pkg.descriptor["resources"]
            if isinstance(r, dict) and str(r.get("name", "")).startswith("raw-")
        }
    else:
        sources = {}
    return sources


def _raw_size(pkg: PackageState, doc_id: str, raw_path: str) -> Any:
    """The pinned size of a raw text: in the documents table, or else in the descriptor."""
    for row in pkg.tables.get("documents", []):
        if row.get("document_id") == doc_id:
            return row.get("bytes")
    return pkg.pinned_bytes(raw_path)


def _load_raw(pkg: PackageState, doc_id: str, raw_path: Any) -> None:
    root = pkg.root
    if not isinstance(raw_path, str) or not RAW_PATH.fullmatch(raw_path):
        pkg.add(
            check="files",
            table="documents",
            row=f"document_id={doc_id}",
            field="raw_path",
            found=repr(raw_path),
            message="raw_path is not a file below data/raw/ (like data/raw/name.txt); the raw text was not read",
        )
        return
    pkg.raw_paths[doc_id] = raw_path
    path = root / raw_path
    fix = "restore the verbatim capture from the release or the source checkout"
    if pkg.refuse(path, pinned_bytes=_raw_size(pkg, doc_id, raw_path)):
        pkg.text_failures[doc_id] = raw_path
        return
    try:
        data = _loader.read_file(root, raw_path, fix=fix)
    except DataFileError as exc:
        reason = str(exc).removeprefix(f"{path}: ")
        pkg.unreadable_file(path, DataFileError(f"raw document {doc_id!r}: {reason}"))
        pkg.text_failures[doc_id] = raw_path
        return
    pkg.raw_bytes[doc_id] = data
    try:
        pkg.raw_texts[doc_id] = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        pkg.unreadable_file(
            path,
            DataFileError(f"raw document {doc_id!r} is not UTF-8 text ({exc.reason} at byte {exc.start}); {fix}"),
        )
        pkg.text_failures[doc_id] = raw_path
