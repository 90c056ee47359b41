"""Check a data package end to end and report every problem found.

:func:`validate` runs every check on a data package root (a source checkout or
the copy shipped in the wheel) and returns a list of :class:`Problem`, empty
when all is well.  It never stops at the first problem and never raises for
bad data: a missing, empty, truncated or wrongly encoded file is reported as a
problem naming the file and what to do about it.

Checks, by their stable ``check`` name:

``files``
    every schema, table, raw document and ``datapackage.json`` can be read.
``package``
    ``frictionless`` validates ``datapackage.json`` and every resource with
    zero errors (types, constraints, foreign keys, sizes and hashes).
``checksums``
    every resource's ``bytes`` and ``hash`` in ``datapackage.json``, and every
    Parquet file against ``data/processed/PARQUET.sha256``.
``raw``
    every raw document's SHA-256, size and character count against the
    ``documents`` table.
``quotes``
    every figure's and source caveat's ``quote`` is the raw text between its
    offsets, and every declared value is among the numbers of its quote.
``ledger``
    every numeric mention of every raw document has its ledger row, and every
    ledger row its mention, inside the quote of the figure or caveat it is
    attributed to.
``keys``
    primary keys unique, foreign keys resolve, coded columns within their
    code lists, bounds and periods in order, every figure has a caveat.
``parquet``
    every Parquet file has the columns and Arrow types of its schema and the
    same rows and values as its CSV file.
``rebuild``
    (source checkout only) a fresh build from ``data/raw`` and
    ``data/curation`` gives the committed CSV, JSON and Parquet content.  It
    runs by default whenever ``root`` has ``data/curation`` and ``schemas`` (a
    checkout or a copy of one); :func:`will_rebuild` tells whether it will.

A file that cannot be read is reported once, by ``files`` (or, for a Parquet
file, by ``parquet``).  The checks then leave out whatever depends on it rather
than report its absence again row by row; a check that left something out for
that reason adds one problem saying so and naming the file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import math
import os
import re
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from . import _check_extra, _check_meta, _check_parquet_meta, _check_refs, _check_tables, _paths
from .errors import CurationError, DataFileError, IICSAStatsError
from .figures import RANGE_QUALIFIERS
from .numbers import find_numbers, same_value, values_in
from .tables import (
    RAW_PATH,
    TABLES,
    Row,
    arrow_types,
    csv_path,
    field_names,
    format_cell,
    load_json,
    load_schema,
    parquet_path,
    read_csv,
    schema_path,
)

__all__ = ["CHECKS", "Problem", "format_report", "validate", "will_rebuild"]

#: Every check :func:`validate` runs, in the order it runs them.
CHECKS: tuple[str, ...] = (
    "files",
    "package",
    "checksums",
    "raw",
    "quotes",
    "ledger",
    "keys",
    "parquet",
    "rebuild",
)

_PARQUET_CHECKSUMS = "PARQUET.sha256"
_VALUE_FIELDS = ("value", "value_lower", "value_upper")
_REBUILD_FIX = "rebuild with `iicsa-stats build` (or restore the file from the release)"
_RESTORE_FIX = "restore it from the release or rebuild it with `iicsa-stats build`"
#: frictionless errors left out: ``checksums`` checks the same sizes and hashes and names the file relatively.
_DROPPED_ERRORS = frozenset({"hash-count", "byte-count"})
#: frictionless errors that a resource gets when a resource its foreign keys point to cannot be loaded.
_LOAD_ERRORS = frozenset(
    {"resource-error", "source-error", "scheme-error", "format-error", "encoding-error", "compression-error"}
)
#: frictionless repeats an error for every row it affects (a foreign key into a broken table fails on every
#: row), and a rebuild that differs may differ on every line: at most this many of one kind per file are
#: listed, then one problem says how many more there are.  Every other check lists every problem.
_CAP = 10


@dataclass(frozen=True, kw_only=True, slots=True)
class Problem:
    """One thing wrong with a data package.

    Attributes
    ----------
    check : str
        The check that found it, one of :data:`CHECKS`.
    file : str or None
        The file concerned, relative to the data package root (POSIX form).
    table : str or None
        The table concerned.
    row : str or None
        The row concerned, usually as its primary key (``"figure_id=..."``).
    field : str or None
        The column concerned.
    expected, found : str or None
        What the check expected and what it found.
    figure_id : str or None
        The figure concerned, when there is one.
    message : str
        What is wrong and, where it helps, what to do.
    """

    check: str
    file: str | None = None
    table: str | None = None
    row: str | None = None
    field: str | None = None
    expected: str | None = None
    found: str | None = None
    figure_id: str | None = None
    message: str

    def __post_init__(self) -> None:
        if self.check not in CHECKS:
            raise ValueError(f"unknown check {self.check!r}; expected one of {CHECKS}")
        if not self.message.strip():
            raise ValueError("a problem needs a message")

    def __str__(self) -> str:
        where = [
            part
            for part in (
                self.file,
                f"table {self.table}" if self.table else None,
                (self.row if self.row.startswith("line ") else f"row {self.row}") if self.row else None,
                f"field {self.field}" if self.field else None,
                f"figure {self.figure_id}" if self.figure_id else None,
            )
            if part
        ]
        text = f"[{self.check}] " + (", ".join(where) + ": " if where else "") + _one_line(self.message)
        details = [
            f"{label} {_short(value)}"
            for label, value in (("expected", self.expected), ("found", self.found))
            if value is not None
        ]
        if details:
            text += f" ({'; '.join(details)})"
        return text


def _one_line(text: str) -> str:
    return " | ".join(line.strip() for line in text.splitlines() if line.strip())


def _short(value: str, width: int = 80) -> str:
    text = repr(value) if "\n" in value or value != value.strip() else value
    return text if len(text) <= width else text[: width - 3] + "..."


def _read_error(path: Path, exc: OSError) -> str:
    """Why a file could not be read, in words and without its (absolute) path."""
    if isinstance(exc, FileNotFoundError):
        return "file is missing"
    if isinstance(exc, IsADirectoryError) or _is_dir(path):
        return "is a folder, not a file"
    if isinstance(exc, NotADirectoryError):
        return "file is missing (a part of its path is a file, not a folder)"
    return f"cannot be read ({exc.strerror or type(exc).__name__})"


def _is_dir(path: Path) -> bool:
    return os.path.isdir(path)  # unlike Path.is_dir, never raises (no permission to look, for one)


def _is_file(path: Path) -> bool:
    return os.path.isfile(path)


def _names(items: Iterable[str]) -> str:
    names = sorted(set(items))
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def format_report(problems: Sequence[Problem]) -> str:
    """A plain-text report: a summary line, then one line per problem, grouped by check.

    Examples
    --------
    >>> print(format_report([]))
    validate: no problems found
    >>> print(format_report([Problem(check="raw", file="data/raw/a.txt", message="size differs")]))
    validate: 1 problem found (raw: 1)
      [raw] data/raw/a.txt: size differs
    """
    if not problems:
        return "validate: no problems found"
    counts = Counter(p.check for p in problems)
    order = {check: i for i, check in enumerate(CHECKS)}
    summary = ", ".join(f"{check}: {counts[check]}" for check in sorted(counts, key=order.__getitem__))
    noun = "problem" if len(problems) == 1 else "problems"
    lines = [f"validate: {len(problems)} {noun} found ({summary})"]
    lines += [f"  {p}" for p in sorted(problems, key=lambda p: order[p.check])]
    return "\n".join(lines)


# --------------------------------------------------------------------------- loading


class _RefusedError(Exception):
    """A file that validate does not read (already reported)."""


@dataclass
class _Package:
    """What could be read of a data package; unreadable parts are left out and reported."""

    root: Path
    problems: list[Problem] = field(default_factory=list)
    descriptor: dict[str, Any] | None = None
    schemas: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: The bytes of every schema file that could be read, by table (checked against its pin).
    schema_bytes: dict[str, bytes] = field(default_factory=dict)
    tables: dict[str, list[Row]] = field(default_factory=dict)
    raw_bytes: dict[str, bytes] = field(default_factory=dict)
    raw_texts: dict[str, str] = field(default_factory=dict)
    raw_paths: dict[str, str] = field(default_factory=dict)
    unreadable: set[str] = field(default_factory=set)
    #: Documents whose raw text could not be read, each with its file.
    text_failures: dict[str, str] = field(default_factory=dict)
    #: Files validate does not read (outside the root, not a regular file, far too large), with the reason.
    refused: dict[str, str] = field(default_factory=dict)

    def pinned_bytes(self, rel: str) -> Any:
        """The size ``datapackage.json`` pins for the file at ``rel``, if any."""
        for resource in (self.descriptor or {}).get("resources", []):
            if isinstance(resource, dict) and resource.get("path") == rel:
                return resource.get("bytes")
        return None

    def refuse(self, path: Path, *, pinned_bytes: Any = None, table: str | None = None) -> bool:
        """Whether ``path`` must not be read (see :func:`_check_refs.refusal`); reported once, by ``files``."""
        rel = self.rel(path)
        if rel in self.refused:
            return True
        why = _check_refs.refusal(self.root, path, pinned_bytes=pinned_bytes)
        if why is None:
            return False
        self.refused[rel] = why
        self.unreadable.add(rel)
        self.add(check="files", file=rel, table=table, message=f"{why}; {_RESTORE_FIX}")
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

    def read_failed(self, path: Path, exc: OSError, fix: str, table: str | None = None) -> None:
        """Report a file that :func:`open` refused (missing, a folder, no permission)."""
        self.unreadable_file(path, DataFileError(f"{_read_error(path, exc)}; {fix}"), table)

    def table_source(self, table: str) -> str | None:
        """The unreadable file that keeps ``table`` from being loaded, or None when it was loaded."""
        if table in self.tables:
            return None
        if table not in self.schemas:
            return self.rel(schema_path(self.root, table))
        return self.rel(csv_path(self.root, table))

    def skipped(self, check: str, files: Iterable[str | None]) -> None:
        """One problem saying that ``check`` left out what depends on ``files``, which could not be read."""
        names = sorted({f for f in files if f})
        if names:
            self.add(
                check=check,
                file=names[0] if len(names) == 1 else None,
                message=f"the {check} check left out what depends on {_names(names)}, which could not be read "
                f"(see the files problems); it runs in full once {'it is' if len(names) == 1 else 'they are'} "
                "restored",
            )

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


def _load(root: Path) -> _Package:
    pkg = _Package(root=root)
    descriptor_path = root / "datapackage.json"
    try:
        if pkg.refuse(descriptor_path):
            raise _RefusedError
        descriptor = load_json(descriptor_path)
    except _RefusedError:
        pass
    except DataFileError as exc:
        pkg.unreadable_file(descriptor_path, exc)
    except OSError as exc:  # a folder in its place, no permission: load_json only turns a missing file into words
        pkg.read_failed(descriptor_path, exc, _REBUILD_FIX)
    else:
        if isinstance(descriptor, dict) and isinstance(descriptor.get("resources"), list):
            pkg.descriptor = descriptor
        else:
            pkg.unreadable.add("datapackage.json")
            pkg.add(
                check="files",
                file="datapackage.json",
                message=f"not a data package descriptor (no list of resources); {_REBUILD_FIX}",
            )
    for table in TABLES:
        if pkg.refuse(schema_path(root, table), table=table):
            continue
        try:
            pkg.schemas[table] = load_schema(root, table)
            pkg.schema_bytes[table] = schema_path(root, table).read_bytes()
        except DataFileError as exc:
            pkg.unreadable_file(schema_path(root, table), exc, table)
        except OSError as exc:
            pkg.read_failed(schema_path(root, table), exc, _RESTORE_FIX, table)
    for table, schema in pkg.schemas.items():
        path = csv_path(root, table)
        if pkg.refuse(path, pinned_bytes=pkg.pinned_bytes(pkg.rel(path)), table=table):
            continue
        try:
            pkg.tables[table] = read_csv(root, table, schema)
        except DataFileError as exc:
            pkg.unreadable_file(csv_path(root, table), exc, table)
        except OSError as exc:
            pkg.read_failed(csv_path(root, table), exc, _RESTORE_FIX, table)

    # Raw documents: listed by the documents table, or else by the descriptor's raw resources.
    sizes: dict[str, Any] = {}
    if "documents" in pkg.tables:
        sources = {row["document_id"]: row["raw_path"] for row in pkg.tables["documents"]}
        sizes = {row["document_id"]: row.get("bytes") for row in pkg.tables["documents"]}
    elif pkg.descriptor is not None:
        sources = {
            str(r["name"]).removeprefix("raw-"): r.get("path")
            for r in pkg.descriptor["resources"]
            if isinstance(r, dict) and str(r.get("name", "")).startswith("raw-")
        }
    else:
        sources = {}
    for doc_id, raw_path in sources.items():
        if not isinstance(raw_path, str) or not RAW_PATH.fullmatch(raw_path):
            pkg.add(
                check="files",
                table="documents",
                row=f"document_id={doc_id}",
                field="raw_path",
                found=repr(raw_path),
                message="raw_path is not a file below data/raw/ (like data/raw/name.txt); the raw text was not read",
            )
            continue
        pkg.raw_paths[doc_id] = raw_path
        path = root / raw_path
        fix = "restore the verbatim capture from the release or the source checkout"
        if pkg.refuse(path, pinned_bytes=sizes.get(doc_id, pkg.pinned_bytes(raw_path))):
            pkg.text_failures[doc_id] = raw_path
            continue
        try:
            data = path.read_bytes()
        except OSError as exc:
            pkg.unreadable_file(path, DataFileError(f"raw document {doc_id!r}: {_read_error(path, exc)}; {fix}"))
            pkg.text_failures[doc_id] = raw_path
            continue
        pkg.raw_bytes[doc_id] = data
        try:
            pkg.raw_texts[doc_id] = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            pkg.unreadable_file(
                path,
                DataFileError(f"raw document {doc_id!r} is not UTF-8 text ({exc.reason} at byte {exc.start}); {fix}"),
            )
            pkg.text_failures[doc_id] = raw_path
    return pkg


# --------------------------------------------------------------------------- package (frictionless)


def _resource_table(name: str | None) -> str | None:
    if name is None:
        return None
    base = name.removesuffix("-parquet")
    return base if base in TABLES else None


def _foreign_tables(pkg: _Package, table: str | None) -> set[str]:
    """The other tables that ``table``'s foreign keys point to."""
    if table is None:
        return set()
    targets = set()
    for fk in pkg.schemas.get(table, {}).get("foreignKeys", []):
        target = fk.get("reference", {}).get("resource") if isinstance(fk, dict) else None
        if target and target != table:
            targets.add(str(target))
    return targets


def _frictionless_may_see(pkg: _Package) -> bool:
    """Report every reference frictionless must not follow; True when there is none (see :mod:`_check_refs`)."""
    found = list(_check_refs.descriptor_problems(pkg.root, pkg.descriptor or {}))
    for table, schema in pkg.schemas.items():
        rel = pkg.rel(schema_path(pkg.root, table))
        found += [(f"{rel} {where}", value, why) for where, value, why in _check_refs.nested_problems(schema)]
    for where, value, why in found:
        pkg.add(
            check="package",
            file="datapackage.json",
            found=value,
            message=f"{where} {why}: a data package refers only to files inside its own folder; {_REBUILD_FIX}",
        )
    if found:
        pkg.add(
            check="package",
            file="datapackage.json",
            message="frictionless was not run on the package, so that nothing outside it is read or fetched; "
            "it runs once the references above are fixed",
        )
    return not found


def _frictionless_source(pkg: _Package) -> Any:
    """``datapackage.json`` for frictionless, without the resources whose files validate refused to read."""
    path = str(pkg.root / "datapackage.json")
    if not pkg.refused or pkg.descriptor is None:
        return path
    descriptor = dict(pkg.descriptor)
    descriptor["resources"] = [
        r for r in descriptor["resources"] if not (isinstance(r, dict) and r.get("path") in pkg.refused)
    ]
    return descriptor


def _check_package(pkg: _Package) -> None:
    path = pkg.root / "datapackage.json"
    if "datapackage.json" in pkg.unreadable or not _is_file(path):
        pkg.skipped("package", ["datapackage.json"])  # the file itself is reported by `files`
        return
    for kwargs in _check_meta.metadata_problems(pkg.descriptor or {}):
        pkg.add(check="package", **kwargs)
    if not _frictionless_may_see(pkg):
        return
    import frictionless

    try:
        with _check_refs.offline():
            report = frictionless.validate(_frictionless_source(pkg), basepath=str(pkg.root))
    except Exception as exc:  # frictionless raises its own errors for descriptors it cannot use
        pkg.add(
            check="package",
            file="datapackage.json",
            message=f"frictionless could not validate the package: {pkg.relative(str(exc))}",
        )
        return
    for error in report.errors:
        pkg.add(check="package", file="datapackage.json", message=f"{error.type}: {pkg.relative(error.message)}")
    skipped: set[str] = set()
    for task in report.tasks:
        table = _resource_table(task.name)
        place = str(task.place) if task.place else None
        # A resource whose foreign keys point to an unreadable table fails on loading that table, or on every
        # row that names it: those errors are about the other file, already reported by `files`.
        broken = {t: source for t in _foreign_tables(pkg, table) if (source := pkg.table_source(t))}
        follow_on = bool(broken) and place not in pkg.unreadable
        counts: Counter[str] = Counter()
        for error in task.errors:
            if error.type in _DROPPED_ERRORS:
                continue  # the `checksums` check reports sizes and hashes
            if follow_on and error.type in _LOAD_ERRORS:
                skipped.update(broken.values())
                continue
            reference = getattr(error, "reference_name", None)
            if error.type == "foreign-key" and reference in broken:
                skipped.add(broken[reference])
                continue
            counts[error.type] += 1
            if counts[error.type] > _CAP:
                continue
            row_number = getattr(error, "row_number", None)
            field_name = getattr(error, "field_name", None)
            cells = getattr(error, "cells", None)
            figure_id = None
            if table == "figures" and cells and isinstance(cells[0], str) and cells[0]:
                figure_id = cells[0]
            pkg.add(
                check="package",
                file=place,
                table=table,
                row=str(row_number) if row_number else None,
                field=field_name or None,
                figure_id=figure_id,
                message=f"{error.type} in resource {task.name!r}: {pkg.relative(error.message)}",
            )
        for kind, count in counts.items():
            if count > _CAP:
                pkg.add(
                    check="package",
                    file=place,
                    table=table,
                    message=f"{count - _CAP} more {kind} errors in resource {task.name!r} "
                    f"(the first {_CAP} are listed)",
                )
    pkg.skipped("package", skipped)


# --------------------------------------------------------------------------- checksums


def _safe_relative(path: Any) -> bool:
    if not isinstance(path, str) or "://" in path:
        return False
    pure = PurePosixPath(path)
    return not pure.is_absolute() and ".." not in pure.parts


def _check_checksums(pkg: _Package) -> None:
    if "datapackage.json" in pkg.unreadable:
        pkg.skipped("checksums", ["datapackage.json"])  # its sizes and hashes; PARQUET.sha256 is still checked
    if pkg.descriptor is not None:
        for kwargs in _check_meta.layout_problems(pkg.descriptor):
            pkg.add(check="checksums", **kwargs)
        for kwargs in _check_meta.pin_problems(pkg.root, pkg.descriptor, pkg.schema_bytes):
            pkg.add(check="checksums", **kwargs)
        for resource in pkg.descriptor["resources"]:
            if not isinstance(resource, dict) or ("bytes" not in resource and "hash" not in resource):
                continue
            rel, name = resource.get("path"), resource.get("name")
            if not _safe_relative(rel):
                pkg.add(
                    check="checksums",
                    file="datapackage.json",
                    message=f"resource {name!r} has path {rel!r}, which is not a relative path inside the package",
                )
                continue
            _check_file_digest(pkg, pkg.root / str(rel), resource, _resource_table(name))
    listing = pkg.root / "data" / "processed" / _PARQUET_CHECKSUMS
    listing_rel = pkg.rel(listing)
    if pkg.refuse(listing):
        return
    try:
        lines = listing.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        pkg.add(check="checksums", file=listing_rel, message=f"{_read_error(listing, exc)}; {_REBUILD_FIX}")
        return
    except UnicodeDecodeError as exc:
        pkg.add(
            check="checksums",
            file=listing_rel,
            message=f"not UTF-8 text ({exc.reason} at byte {exc.start}); {_REBUILD_FIX}",
        )
        return
    listed: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        match = re.fullmatch(r"([0-9a-f]{64})  (\S+)", line)
        if not match:
            pkg.add(
                check="checksums",
                file=listing_rel,
                row=f"line {number}",
                found=line,
                message=f"not a line of the form '<64 hex digits>  <name>.parquet'; {_REBUILD_FIX}",
            )
            continue
        listed[match.group(2)] = match.group(1)
    expected_names = {f"{table}.parquet": table for table in TABLES}
    for name in sorted(set(listed) - set(expected_names)):
        pkg.add(check="checksums", file=listing_rel, found=name, message="lists a file that is not part of the package")
    for name, table in expected_names.items():
        path = parquet_path(pkg.root, table)
        rel = pkg.rel(path)
        if name not in listed:
            pkg.add(
                check="checksums", file=listing_rel, table=table, message=f"has no SHA-256 for {name}; {_REBUILD_FIX}"
            )
            continue
        if pkg.refuse(path, table=table):
            continue
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            continue  # reported by `parquet`
        if digest != listed[name]:
            pkg.add(
                check="checksums",
                file=rel,
                table=table,
                expected=listed[name],
                found=digest,
                message=f"SHA-256 differs from the one in {listing_rel}: the file changed after the build; "
                f"{_REBUILD_FIX}",
            )


def _check_file_digest(pkg: _Package, path: Path, resource: Mapping[str, Any], table: str | None) -> None:
    rel = pkg.rel(path)
    if rel in pkg.unreadable or pkg.refuse(path, pinned_bytes=resource.get("bytes"), table=table):
        return
    try:
        data = path.read_bytes()
    except OSError as exc:
        pkg.add(
            check="checksums",
            file=rel,
            table=table,
            message=f"listed in datapackage.json but {_read_error(path, exc)}; {_REBUILD_FIX}",
        )
        return
    if "bytes" in resource and resource["bytes"] != len(data):
        pkg.add(
            check="checksums",
            file=rel,
            table=table,
            field="bytes",
            expected=str(resource["bytes"]),
            found=str(len(data)),
            message=f"size differs from the one in datapackage.json: the file changed after the build; {_REBUILD_FIX}",
        )
    if "hash" in resource:
        declared = str(resource["hash"])
        algorithm, _, expected = declared.rpartition(":")
        algorithm = algorithm or "md5"  # the Data Package default when no algorithm is named
        try:
            digest = hashlib.new(algorithm, data).hexdigest()
        except ValueError:
            pkg.add(
                check="checksums",
                file="datapackage.json",
                table=table,
                field="hash",
                found=declared,
                message=f"unknown hash algorithm {algorithm!r}",
            )
            return
        if digest != expected.lower():
            pkg.add(
                check="checksums",
                file=rel,
                table=table,
                field="hash",
                expected=f"{algorithm}:{expected}",
                found=f"{algorithm}:{digest}",
                message="hash differs from the one in datapackage.json: the file changed after the build; "
                f"{_REBUILD_FIX}",
            )


# --------------------------------------------------------------------------- raw documents


def _check_raw(pkg: _Package) -> None:
    pkg.skipped("raw", [pkg.table_source("documents")])  # the pins of the raw documents
    for doc in pkg.tables.get("documents", []):
        doc_id = doc["document_id"]
        data = pkg.raw_bytes.get(doc_id)
        if data is None:
            continue  # reported by `files`
        rel = pkg.raw_paths[doc_id]
        found = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), "characters": None}
        if doc_id in pkg.raw_texts:
            found["characters"] = len(pkg.raw_texts[doc_id])
        for name, value in found.items():
            if value is None or doc.get(name) == value:
                continue
            pkg.add(
                check="raw",
                file=rel,
                table="documents",
                row=f"document_id={doc_id}",
                field=name,
                expected=str(doc.get(name)),
                found=str(value),
                message=f"raw document {doc_id!r} differs from its {name} in the documents table: "
                "restore the verbatim capture, or if the source changed on purpose, re-curate and rebuild",
            )


# --------------------------------------------------------------------------- quotes


def _as_csv_number(value: float) -> str:
    return format_cell(value, {"type": "number"})


def _check_quote(
    pkg: _Package, table: str, row: Row, *, item: str, text: str | None, figure_id: str | None
) -> tuple[int, int] | None:
    """Check one quote against its raw text; return its span when it is sound."""
    csv_rel = pkg.rel(csv_path(pkg.root, table))
    where = {"check": "quotes", "file": csv_rel, "table": table, "row": pkg.key(table, row), "figure_id": figure_id}
    doc_id = row.get("document_id")
    if text is None:
        pkg.add(
            **where,
            field="document_id",
            found=str(doc_id),
            message=f"the quote of {item} cannot be checked: the raw text of document {doc_id!r} is not available",
        )
        return None
    quote, start, end = row.get("quote"), row.get("quote_start"), row.get("quote_end")
    if quote is None or start is None or end is None:
        pkg.add(**where, field="quote", message=f"{item} has no quote, quote_start or quote_end")
        return None
    if not 0 <= start <= end <= len(text):
        pkg.add(
            **where,
            field="quote_start",
            expected=f"0 <= quote_start <= quote_end <= {len(text)}",
            found=f"{start}..{end}",
            message=f"the quote offsets of {item} lie outside the raw text of {doc_id!r}",
        )
        return None
    if text[start:end] != quote:
        pkg.add(
            **where,
            field="quote",
            expected=quote,
            found=text[start:end],
            message=f"the quote of {item} is not the raw text of {doc_id!r} between offsets {start} and {end}",
        )
        return None
    return start, end


def _unread_text(pkg: _Package, doc_id: Any) -> str | None:
    """The unreadable file that keeps the raw text of ``doc_id`` from being checked against, or None."""
    if doc_id in pkg.text_failures:
        return pkg.text_failures[doc_id]
    if doc_id not in pkg.raw_paths and "documents" not in pkg.tables:
        return pkg.table_source("documents")  # the raw texts it lists could not all be found
    return None


def _check_quotes(pkg: _Package) -> None:
    skipped: set[str] = set()
    for fig in pkg.figures():
        fid = fig["figure_id"]
        text = pkg.raw_texts.get(fig["document_id"])
        if text is None and (unread := _unread_text(pkg, fig["document_id"])):
            skipped.add(unread)
        else:
            _check_quote(pkg, "figures", fig, item=f"figure {fid!r}", text=text, figure_id=fid)
        found = values_in(fig.get("quote") or "")
        for name in _VALUE_FIELDS:
            value = fig.get(name)
            if value is None or any(same_value(value, v) for v in found):
                continue
            pkg.add(
                check="quotes",
                file=pkg.rel(csv_path(pkg.root, "figures")),
                table="figures",
                row=pkg.key("figures", fig),
                field=name,
                figure_id=fid,
                expected=f"one of {', '.join(_as_csv_number(v) for v in sorted(found))}"
                if found
                else "a number in the quote",
                found=_as_csv_number(value),
                message=f"{name} of figure {fid!r} is not among the numbers of its quote",
            )
    for caveat in pkg.tables.get("caveats", []):
        if caveat.get("basis") != "source" and caveat.get("quote") is None:
            continue
        text = pkg.raw_texts.get(caveat.get("document_id") or "")
        if text is None and (unread := _unread_text(pkg, caveat.get("document_id"))):
            skipped.add(unread)
            continue
        _check_quote(pkg, "caveats", caveat, item=f"caveat {caveat['caveat_id']!r}", text=text, figure_id=None)
    pkg.skipped("quotes", skipped)


# --------------------------------------------------------------------------- ledger


def _spans(rows: Iterable[Row], key: str) -> dict[str, tuple[str, int, int]]:
    spans = {}
    for row in rows:
        start, end = row.get("quote_start"), row.get("quote_end")
        if row.get("document_id") and isinstance(start, int) and isinstance(end, int):
            spans[row[key]] = (row["document_id"], start, end)
    return spans


def _check_ledger(pkg: _Package) -> None:
    if "ledger" not in pkg.tables:
        return  # reported by `files`
    ledger_rel = pkg.rel(csv_path(pkg.root, "ledger"))
    # A row that claims a number for a figure or a caveat is checked only when that table could be read.
    unread_status = {
        status: source
        for status, table in (("figure", "figures"), ("caveat", "caveats"))
        if (source := pkg.table_source(table))
    }
    skipped = {
        pkg.text_failures[row["document_id"]]
        for row in pkg.tables["ledger"]
        if row.get("document_id") in pkg.text_failures
    }
    figure_spans = _spans(pkg.figures(), "figure_id")
    caveat_spans = _spans(pkg.tables.get("caveats", []), "caveat_id")
    declared = {fig["figure_id"]: [fig[k] for k in _VALUE_FIELDS if fig.get(k) is not None] for fig in pkg.figures()}
    rows_by_doc: dict[str, dict[int, Row]] = defaultdict(dict)
    usable = []
    for row in pkg.tables["ledger"]:
        if not isinstance(row.get("start"), int) or not isinstance(row.get("end"), int):
            pkg.add(
                check="ledger",
                file=ledger_rel,
                table="ledger",
                row=pkg.key("ledger", row),
                field="start" if not isinstance(row.get("start"), int) else "end",
                figure_id=row.get("figure_id"),
                message=f"the ledger row has no start or end offset; {_REBUILD_FIX}",
            )
            continue
        usable.append(row)
        rows_by_doc[row["document_id"]].setdefault(row["start"], row)

    def covering(doc_id: str, start: int, end: int) -> list[str]:
        return [fid for fid, (d, s, e) in figure_spans.items() if d == doc_id and s <= start and end <= e]

    for doc_id, text in pkg.raw_texts.items():
        raw_rel = pkg.raw_paths[doc_id]
        rows = rows_by_doc.pop(doc_id, {})
        for mention in find_numbers(text):
            figs = covering(doc_id, mention.start, mention.end)
            where = {
                "check": "ledger",
                "file": ledger_rel,
                "table": "ledger",
                "row": f"document_id={doc_id}, start={mention.start}",
            }
            if mention.start not in rows:
                inside = f"; it lies in the quote of figure {figs[0]!r}" if figs else ""
                pkg.add(
                    **where,
                    figure_id=figs[0] if figs else None,
                    expected=mention.text,
                    message=f"the number {mention.text!r} at offset {mention.start} of {raw_rel} has no ledger row"
                    f"{inside}; {_REBUILD_FIX}",
                )
                continue
            row = rows.pop(mention.start)
            owner = row.get("figure_id") or (figs[0] if figs else None)
            for name, actual in (("end", mention.end), ("text", mention.text), ("kind", mention.kind)):
                if row.get(name) != actual:
                    pkg.add(
                        **where,
                        field=name,
                        figure_id=owner,
                        expected=str(actual),
                        found=str(row.get(name)),
                        message=f"the ledger row does not match the number at offset {mention.start} of {raw_rel}; "
                        f"{_REBUILD_FIX}",
                    )
            status = row.get("status")
            if status in unread_status:
                skipped.add(unread_status[status])
            elif status in ("figure", "caveat"):
                # The row claims the number for a figure's or a caveat's quote: that quote must hold it.
                column, spans, none = (
                    ("figure_id", figure_spans, "no figure")
                    if status == "figure"
                    else ("caveat_id", caveat_spans, "no quoted caveat")
                )
                claimed = row.get(column)
                named = claimed if status == "figure" else owner
                span = spans.get(claimed or "")
                if span is None or span[0] != doc_id:
                    pkg.add(
                        **where,
                        field=column,
                        figure_id=named,
                        found=str(claimed),
                        message=f"a {status} row of the ledger names {none} of document {doc_id!r}",
                    )
                elif not span[1] <= mention.start <= mention.end <= span[2]:
                    pkg.add(
                        **where,
                        figure_id=named,
                        expected=f"inside {span[1]}..{span[2]}",
                        found=f"{mention.start}..{mention.end}",
                        message=f"the number {mention.text!r} lies outside the quote of {status} {claimed!r}",
                    )
            elif status == "excluded":
                if row.get("figure_id") or row.get("caveat_id") or not row.get("reason"):
                    pkg.add(
                        **where,
                        figure_id=owner,
                        message="an excluded ledger row needs a reason and no figure_id or caveat_id",
                    )
                if "figure" in unread_status:
                    skipped.add(unread_status["figure"])
                for fid in figs:
                    if any(same_value(v, d) for v in mention.values for d in declared.get(fid, [])):
                        pkg.add(
                            **where,
                            field="status",
                            figure_id=fid,
                            found=mention.text,
                            message=f"the number {mention.text!r} is a declared value of figure {fid!r} "
                            "but the ledger marks it excluded",
                        )
        for start, row in sorted(rows.items()):
            owner = row.get("figure_id") or next(iter(covering(doc_id, start, row["end"])), None)
            pkg.add(
                check="ledger",
                file=ledger_rel,
                table="ledger",
                row=f"document_id={doc_id}, start={start}",
                figure_id=owner,
                found=str(row.get("text")),
                message=f"the ledger row has no matching number at offset {start} of {raw_rel}; {_REBUILD_FIX}",
            )

    # Every declared value is in the ledger, as a number inside its figure's quote that is not excluded.
    accounted: dict[str, set[float]] = defaultdict(set)
    for row in usable:
        if row.get("status") in ("figure", "caveat") and row.get("text"):
            for fid in covering(row["document_id"], row["start"], row["end"]):
                accounted[fid] |= values_in(row["text"])
    for fig in pkg.figures():
        fid = fig["figure_id"]
        if fig["document_id"] not in pkg.raw_texts or fid not in figure_spans:
            continue  # reported by `files` or `quotes`
        for name in _VALUE_FIELDS:
            value = fig.get(name)
            if value is not None and not any(same_value(value, v) for v in accounted[fid]):
                pkg.add(
                    check="ledger",
                    file=ledger_rel,
                    table="ledger",
                    field=name,
                    figure_id=fid,
                    expected=_as_csv_number(value),
                    found=", ".join(_as_csv_number(v) for v in sorted(accounted[fid])) or "no number",
                    message=f"{name} of figure {fid!r} is not among the ledger's numbers inside its quote",
                )
    pkg.skipped("ledger", skipped)


# --------------------------------------------------------------------------- keys


def _check_keys(pkg: _Package) -> None:
    skipped: set[str | None] = set()
    for table, rows in pkg.tables.items():
        schema = pkg.schemas[table]
        rel = pkg.rel(csv_path(pkg.root, table))
        has_figure = "figure_id" in field_names(schema)

        def at(row: Row, table: str = table, rel: str = rel, has_figure: bool = has_figure) -> dict[str, Any]:
            return {
                "check": "keys",
                "file": rel,
                "table": table,
                "row": pkg.key(table, row),
                "figure_id": row.get("figure_id") if has_figure else None,
            }

        primary = schema.get("primaryKey") or []
        for kwargs in _check_tables.order_problems(table, rows, primary, rel):
            pkg.add(check="keys", **kwargs)
        seen: set[tuple[Any, ...]] = set()
        for row in rows:
            key = tuple(row.get(k) for k in primary)
            if primary and key in seen:
                pkg.add(**at(row), field=", ".join(primary), message="duplicate primary key")
            seen.add(key)
        for spec in schema["fields"]:
            allowed = spec.get("constraints", {}).get("enum")
            if not allowed:
                continue
            for row in rows:
                value = row.get(spec["name"])
                if value is not None and value not in allowed:
                    pkg.add(
                        **at(row),
                        field=spec["name"],
                        expected=f"one of {allowed}",
                        found=str(value),
                        message=f"{spec['name']} is not one of its codes",
                    )
        for fk in schema.get("foreignKeys", []):
            fields, ref = fk["fields"], fk["reference"]
            fields = [fields] if isinstance(fields, str) else fields
            ref_fields = [ref["fields"]] if isinstance(ref["fields"], str) else ref["fields"]
            target = ref.get("resource") or table
            if target not in pkg.tables:
                if target in TABLES:
                    skipped.add(pkg.table_source(target))  # the file itself is reported by `files`
                continue
            targets = {tuple(r.get(k) for k in ref_fields) for r in pkg.tables[target]}
            for row in rows:
                value = tuple(row.get(k) for k in fields)
                if any(v is None for v in value) or value in targets:
                    continue
                pkg.add(
                    **at(row),
                    field=", ".join(fields),
                    found=", ".join(str(v) for v in value),
                    message=f"{', '.join(fields)} names no row of the {target} table",
                )
    figures = pkg.figures()
    links = Counter(row["figure_id"] for row in pkg.tables.get("figure_caveats", []))
    rel = pkg.rel(csv_path(pkg.root, "figures"))
    for fig in figures:
        fid = fig["figure_id"]
        where = {"check": "keys", "file": rel, "table": "figures", "row": pkg.key("figures", fig), "figure_id": fid}
        value, low, high = (fig.get(k) for k in _VALUE_FIELDS)
        ordered = [("value_lower", low), ("value", value), ("value_upper", high)]
        present = [(n, v) for n, v in ordered if v is not None]
        for (name_a, a), (name_b, b) in itertools.pairwise(present):
            if a > b:
                pkg.add(
                    **where,
                    field=name_b,
                    expected=f">= {_as_csv_number(a)} ({name_a})",
                    found=_as_csv_number(b),
                    message=f"{name_a} is greater than {name_b}",
                )
        qualifier = fig.get("qualifier")
        if qualifier in RANGE_QUALIFIERS and (low is None or high is None or value is not None):
            pkg.add(
                **where,
                field="qualifier",
                message=f"qualifier {qualifier!r} needs value_lower and value_upper and no value",
            )
        elif (
            qualifier is not None
            and qualifier not in RANGE_QUALIFIERS
            and (value is None or low is not None or high is not None)
        ):
            pkg.add(**where, field="qualifier", message=f"qualifier {qualifier!r} needs a value and no bounds")
        start, end = fig.get("period_start"), fig.get("period_end")
        if start is not None and end is not None and start > end:
            pkg.add(
                **where,
                field="period_end",
                expected=f">= {start}",
                found=str(end),
                message="period_start is after period_end",
            )
        if "figure_caveats" in pkg.tables and not links[fid]:
            pkg.add(
                **where,
                message="the figure has no caveat in the figure_caveats table (every figure needs at least one)",
            )
    if figures and "figure_caveats" not in pkg.tables:
        skipped.add(pkg.table_source("figure_caveats"))
    pkg.skipped("keys", skipped)
    _check_join(pkg)


def _check_join(pkg: _Package) -> None:
    """Whatever the loader's join refuses is a problem, unless a problem already names the file it refuses."""
    refusal = _check_tables.join_problem(str(pkg.root), pkg.tables)
    if refusal is None:
        return
    message = pkg.relative(refusal["message"])
    named = {p.file for p in pkg.problems if p.file}
    culprit = next((f for f in named if f"{f}:" in message or f"{f}," in message), None)
    if culprit is None:
        file = re.search(r"data/processed/[a-z_]+\.csv", message)
        pkg.add(check="keys", file=file.group(0) if file else None, message=message)


# --------------------------------------------------------------------------- parquet


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _check_parquet(pkg: _Package) -> None:
    import pyarrow.parquet as pq

    types = arrow_types()
    skipped = {pkg.table_source(table) for table in TABLES if table not in pkg.schemas}
    for table, schema in pkg.schemas.items():
        path = parquet_path(pkg.root, table)
        rel = pkg.rel(path)
        if rel in pkg.refused or pkg.refuse(path, table=table):
            continue
        if not _is_file(path):  # pyarrow would read a folder as a (possibly empty) data set
            reason = "is a folder, not a file" if _is_dir(path) else "file is missing"
            pkg.add(check="parquet", file=rel, table=table, message=f"{reason}; {_REBUILD_FIX}")
            continue
        try:
            arrow = pq.read_table(path)
        except Exception as exc:  # pyarrow raises ArrowInvalid, OSError and others for a damaged file
            pkg.add(
                check="parquet",
                file=rel,
                table=table,
                message=f"not a readable Parquet file ({type(exc).__name__}: {pkg.relative(str(exc))}); {_REBUILD_FIX}",
            )
            continue
        names = field_names(schema)
        if arrow.column_names != names:
            pkg.add(
                check="parquet",
                file=rel,
                table=table,
                expected=str(names),
                found=str(arrow.column_names),
                message="the Parquet columns differ from the schema's",
            )
        comparable = []
        for spec in schema["fields"]:
            name = spec["name"]
            if name not in arrow.column_names:
                continue
            expected_type = types.get(spec.get("type", "string"))
            found_type = arrow.schema.field(name).type
            if found_type != expected_type:
                pkg.add(
                    check="parquet",
                    file=rel,
                    table=table,
                    field=name,
                    expected=str(expected_type),
                    found=str(found_type),
                    message="the Parquet column has another Arrow type than the schema's",
                )
            else:
                comparable.append(name)
        if comparable == names:  # the file has the table's columns and types: compare what else readers see
            expected_schema = _check_parquet_meta.expected_schema(schema, pkg.descriptor, table)
            footer = itertools.chain(
                _check_parquet_meta.schema_problems(arrow.schema, expected_schema) if expected_schema else (),
                _check_parquet_meta.footer_problems(path, expected_schema, arrow.schema) if expected_schema else (),
                _check_parquet_meta.statistics_problems(path),
                _check_parquet_meta.writer_problems(path, arrow, expected_schema) if expected_schema else (),
            )
            for kwargs in footer:
                pkg.add(check="parquet", file=rel, table=table, **kwargs)
        if table not in pkg.tables:
            skipped.add(pkg.table_source(table))  # the CSV is unreadable: reported by `files`
            continue
        primary = schema.get("primaryKey") or []
        if not all(k in comparable for k in primary):
            continue
        csv_rows = {tuple(row[k] for k in primary): row for row in pkg.tables[table]}
        parquet_rows: dict[tuple[Any, ...], Row] = {}
        for row in arrow.select(comparable).to_pylist():
            key = tuple(row[k] for k in primary)
            if key in parquet_rows:
                pkg.add(check="parquet", file=rel, table=table, row=pkg.key(table, row), message="duplicate row")
            parquet_rows[key] = row
        has_figure = "figure_id" in names
        for only, other, message in (
            (csv_rows, parquet_rows, "a row of the CSV file is missing from the Parquet file"),
            (parquet_rows, csv_rows, "the Parquet file has a row that the CSV file does not"),
        ):
            for key in sorted(only.keys() - other.keys(), key=str):
                row = only[key]
                pkg.add(
                    check="parquet",
                    file=rel,
                    table=table,
                    row=pkg.key(table, row),
                    figure_id=row.get("figure_id") if has_figure else None,
                    message=message,
                )
        for key in sorted(csv_rows.keys() & parquet_rows.keys(), key=str):
            expected_row, found_row = csv_rows[key], parquet_rows[key]
            for name in comparable:
                a, b = expected_row.get(name), found_row.get(name)
                if _missing(a) and _missing(b):
                    continue
                if not _missing(a) and not _missing(b) and type(a) is type(b) and a == b:
                    continue
                pkg.add(
                    check="parquet",
                    file=rel,
                    table=table,
                    row=pkg.key(table, expected_row),
                    field=name,
                    figure_id=expected_row.get("figure_id") if has_figure else None,
                    expected=repr(a),
                    found=repr(b),
                    message=f"the Parquet value differs from the CSV value; {_REBUILD_FIX}",
                )
    pkg.skipped("parquet", skipped)


# --------------------------------------------------------------------------- rebuild


def _check_rebuild(pkg: _Package) -> None:
    from .build import build

    figure_ids = {fig["figure_id"] for fig in pkg.figures()}
    outside = _refused_sources(pkg)
    if outside:
        pkg.add(
            check="rebuild",
            message=f"the rebuild was not run: {_names(outside)} "
            f"{'is' if len(outside) == 1 else 'are'} not a regular file inside the package root "
            "(a symbolic link leaving it, or a pipe or device); replace "
            f"{'it' if len(outside) == 1 else 'them'} with the file itself",
        )
        return
    with tempfile.TemporaryDirectory(prefix="iicsa-validate-") as tmp:
        out = Path(tmp) / "package"
        try:
            build(pkg.root, out=out)
        except (IICSAStatsError, OSError, UnicodeDecodeError) as exc:  # UnicodeDecodeError: see build.read_raw
            file = item = None
            if isinstance(exc, CurationError):
                file, item = pkg.rel(Path(exc.path)), exc.item
            pkg.add(
                check="rebuild",
                file=file,
                figure_id=item if item in figure_ids else None,
                message=f"the build from data/raw and data/curation fails: {exc}",
            )
            return
        for name in ["datapackage.json", *(f"data/processed/{table}.csv" for table in TABLES)]:
            _compare_bytes(pkg, name, out / name)
        _compare_parquet(pkg, out)


def _refused_sources(pkg: _Package) -> list[str]:
    """The files a build would read (curation, raw texts, schemas) that validate must not read."""
    found = []
    for folder in ("data/curation", "data/raw", "schemas"):
        base = pkg.root / folder
        if _check_refs.refusal(pkg.root, base) is not None:
            found.append(folder)
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            for name in dirnames + filenames:
                path = Path(dirpath) / name
                if _check_refs.refusal(pkg.root, path) is not None:
                    found.append(pkg.rel(path))
    return sorted(found)


def _compare_bytes(pkg: _Package, name: str, fresh: Path) -> None:
    committed = pkg.root / name
    table = name.removeprefix("data/processed/").removesuffix(".csv") if name.endswith(".csv") else None
    fix = "rebuild with `iicsa-stats build` and commit the result"
    if name in pkg.unreadable or name in pkg.refused:
        return  # reported by `files`; comparing it line by line would only repeat that
    try:
        old = committed.read_bytes()
    except OSError as exc:
        pkg.add(check="rebuild", file=name, table=table, message=f"{_read_error(committed, exc)}; {fix}")
        return
    new = fresh.read_bytes()
    if old == new:
        return
    old_lines, new_lines = old.decode("utf-8", "replace").split("\n"), new.decode("utf-8", "replace").split("\n")
    differing = [i for i in range(max(len(old_lines), len(new_lines))) if old_lines[i : i + 1] != new_lines[i : i + 1]]
    for i in differing[:_CAP]:
        expected = new_lines[i] if i < len(new_lines) else None
        found = old_lines[i] if i < len(old_lines) else None
        figure_id = None
        if table == "figures" and i > 0:
            first = next(csv.reader(io.StringIO(expected or found or "")), [""])
            figure_id = first[0] if first else None
        pkg.add(
            check="rebuild",
            file=name,
            table=table,
            row=f"line {i + 1}",
            figure_id=figure_id or None,
            expected=expected,
            found=found,
            message=f"differs from a fresh build of data/raw and data/curation; {fix}",
        )
    if len(differing) > _CAP:
        pkg.add(
            check="rebuild",
            file=name,
            table=table,
            message=f"{len(differing) - _CAP} more lines differ from a fresh build "
            f"(the first {_CAP} are listed); {fix}",
        )


def _compare_parquet(pkg: _Package, out: Path) -> None:
    import pyarrow.parquet as pq

    fix = "rebuild with `iicsa-stats build` and commit the result"
    for table in TABLES:
        committed = parquet_path(pkg.root, table)
        rel = pkg.rel(committed)
        if not _is_file(committed) or rel in pkg.refused:
            continue  # reported by `parquet`
        try:
            old = pq.read_table(committed)
        except Exception:  # unreadable: reported by `parquet`
            continue
        new = pq.read_table(parquet_path(out, table))
        if not old.schema.equals(new.schema, check_metadata=True):
            pkg.add(
                check="rebuild",
                file=rel,
                table=table,
                message=f"the Parquet schema or its metadata differs from a fresh build; {fix}",
            )
        elif not old.equals(new):
            pkg.add(
                check="rebuild", file=rel, table=table, message=f"the Parquet rows differ from a fresh build; {fix}"
            )


# --------------------------------------------------------------------------- entry point


def _is_source_checkout(root: Path) -> bool:
    """Whether ``root`` holds what a rebuild needs: ``data/curation`` and ``schemas`` (any checkout or copy)."""
    return _is_dir(root / "data" / "curation") and os.path.exists(root / "schemas")


def _default_root() -> Path | None:
    try:
        return _paths.data_root()
    except DataFileError:
        return None


def will_rebuild(root: Path | None = None, rebuild: bool | None = None) -> bool:
    """Whether :func:`validate` with these arguments runs the ``rebuild`` check.

    By default (``rebuild=None``) it runs when ``root`` is a source checkout, or
    a copy of one: ``root / "data" / "curation"`` is a folder and
    ``root / "schemas"`` exists.  ``rebuild=False`` never runs it; with
    ``rebuild=True`` on a root that is not a source checkout it does not run
    either, and :func:`validate` reports one ``rebuild`` problem instead.

    Parameters
    ----------
    root : pathlib.Path, optional
        As for :func:`validate`; by default the data the package uses.
    rebuild : bool, optional
        As for :func:`validate`.

    Returns
    -------
    bool
        True when the rebuild comparison would run.
    """
    if rebuild is False:
        return False
    root = _default_root() if root is None else Path(root)
    return root is not None and _is_source_checkout(root)


def validate(root: Path | None = None, *, rebuild: bool | None = None) -> list[Problem]:
    """Check a data package and return every problem found (an empty list when it is sound).

    Parameters
    ----------
    root : pathlib.Path, optional
        The data package root (the folder holding ``datapackage.json``);
        by default the data the package uses (:func:`iicsa_stats._paths.data_root`).
    rebuild : bool, optional
        Also rebuild from ``data/raw`` and ``data/curation`` and compare with
        the files in ``root``, which must then be a source checkout (a folder
        with ``data/curation`` and ``schemas``, or a copy of one).  By default
        this is done whenever ``root`` is one, and skipped without a problem
        otherwise; :func:`will_rebuild` tells which.  ``rebuild=True`` on a
        root that is not a source checkout gives one ``rebuild`` problem.

    Returns
    -------
    list of Problem
        In the order of :data:`CHECKS`.  Bad data never raises: an unreadable
        file is a problem too, and so is a ``root`` that is not a folder.
    """
    if root is None:
        try:
            root = _paths.data_root()
        except DataFileError as exc:
            return [Problem(check="files", message=str(exc))]
    root = Path(root)
    what = None
    if not _is_dir(root):
        what = "it is a file" if _is_file(root) else "it does not exist"
    elif not any(os.path.exists(root / name) for name in ("datapackage.json", "schemas", "data")):
        what = "it has no datapackage.json, schemas or data in it"
    if what is not None:
        return [
            Problem(
                check="files",
                message=f"{root} is not a folder holding a data package (datapackage.json): {what}; "
                "use the folder that `iicsa-stats build` writes, or a source checkout",
            )
        ]
    run_rebuild = will_rebuild(root, rebuild)
    pkg = _load(root)
    for kwargs in _check_extra.extra_problems(
        root, pkg.raw_paths.values(), raw_known="documents" in pkg.tables or pkg.descriptor is not None
    ):
        pkg.add(check="files", **kwargs)
    checks = [
        ("package", _check_package),
        ("checksums", _check_checksums),
        ("raw", _check_raw),
        ("quotes", _check_quotes),
        ("ledger", _check_ledger),
        ("keys", _check_keys),
        ("parquet", _check_parquet),
    ]
    if run_rebuild:
        checks.append(("rebuild", _check_rebuild))
    for name, check in checks:
        try:
            check(pkg)
        except Exception as exc:  # a safety net: data damaged in a way no check foresaw is still only a problem
            pkg.add(
                check=name,
                message=f"the {name} check stopped on data it could not handle ({type(exc).__name__}: {exc}); "
                "the other problems listed may explain why",
            )
    if rebuild and not run_rebuild:
        pkg.add(
            check="rebuild",
            message=f"the rebuild check needs a source checkout, a folder with data/curation and schemas; "
            f"{root} is not one (use the checkout, or validate without the rebuild check)",
        )
    return pkg.problems
