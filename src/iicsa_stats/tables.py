"""The tables of the data package, their schemas and their CSV form.

Standard library only: the figure lookup and the CLI read the processed CSV
files through this module without importing pandas or pyarrow.  The Table
Schemas in ``schemas/`` are the single description of every column; the build
writes CSV and Parquet from them and the loader types values by them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
import re
from collections.abc import Iterable, Mapping

from . import _guard
from ._pins import resource_pin
from .errors import DataFileError

# typing is imported for type checkers only: a lookup should not pay for it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any, TypeVar

    P = TypeVar("P", str, Path)

__all__ = [
    "TABLES",
    "Row",
    "csv_text",
    "format_cell",
    "load_schema",
    "parse_cell",
    "read_csv",
]

#: A control character (C0, DEL and C1; a line break is allowed) or a bidirectional override: never in a published
#: text. The schemas' pattern for free text says the same, and the curation is checked with it too.
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

#: Every table of the data package, in the order of ``datapackage.json``.
TABLES: tuple[str, ...] = (
    "documents",
    "producers",
    "figures",
    "caveats",
    "figure_caveats",
    "caveat_references",
    "figure_sources",
    "ledger",
    "comparisons",
    "comparison_caveats",
)

Row = dict[str, "Any"]

#: Where a raw document may live inside a data package (as the documents schema's raw_path pattern says).
RAW_PATH = re.compile(r"data/raw/[a-z0-9-]+\.txt")


def _join(root: P, *parts: str) -> P:
    """Join below ``root``, keeping its kind: a str stays a str (no pathlib on the lookup path)."""
    if isinstance(root, str):
        return os.path.join(root, *parts)
    return root.joinpath(*parts)


def arrow_types() -> dict[str, Any]:
    """The Arrow type of each Table Schema type, as the build writes Parquet (imports pyarrow)."""
    import pyarrow as pa

    return {
        "string": pa.string(),
        "integer": pa.int64(),
        "number": pa.float64(),
        "date": pa.date32(),
        "boolean": pa.bool_(),
    }


def schema_path(root: P, table: str) -> P:
    """Path of a table's Table Schema below a data package root (a str or a Path, like ``root``)."""
    return _join(root, "schemas", f"{table}.schema.json")


def csv_path(root: P, table: str) -> P:
    """Path of a table's CSV file below a data package root (a str or a Path, like ``root``)."""
    return _join(root, "data", "processed", f"{table}.csv")


def parquet_path(root: P, table: str) -> P:
    """Path of a table's Parquet file below a data package root (a str or a Path, like ``root``)."""
    return _join(root, "data", "processed", f"{table}.parquet")


#: What to do about a missing package file that the build writes.
_REBUILD = "rebuild with `iicsa-stats build` or reinstall"


def load_json(root: str | Path, rel: str, *, fix: str = _REBUILD) -> Any:
    """Read the JSON file at ``rel`` below ``root`` through the path guard and the JSON reader with limits.

    Raises
    ------
    DataFileError
        For every failure: missing, refused by :mod:`._guard`, or refused by :func:`._json.parse`.
    """
    return parse_json(os.path.join(root, rel), _guard.read_file(root, rel, fix=fix))


def parse_json(path: str | Path, data: bytes) -> Any:
    """``data`` (read from ``path``) parsed by :func:`._json.parse`, or a :class:`DataFileError`."""
    from ._json import JSONLimitError, parse

    try:
        return parse(data)
    except JSONLimitError as exc:
        raise DataFileError.at(
            str(path), f"not valid UTF-8 JSON: {exc}", "restore it from the release or rebuild"
        ) from None


def load_schema(root: P, table: str, *, sha256: str | None = None) -> dict[str, Any]:
    """Read a table's schema and check that it has the shape this package relies on.

    With ``sha256`` (``"sha256:<hex>"``, as ``datapackage.json`` pins it), a
    schema file whose bytes differ is refused before anything in it is used.
    """
    path = schema_path(root, table)
    # The loader (which passes the pin) and the other readers have always said different things about a missing file.
    fix = _REBUILD if sha256 is None else "restore it from the release or reinstall"
    data = _guard.read_file(root, f"schemas/{table}.schema.json", fix=fix)
    if sha256 is not None:
        found = resource_pin(data)
        if found != sha256:
            raise DataFileError(
                f"{path}: the schema differs from its pin in datapackage.json (expected {sha256}, found {found}): "
                "it was changed or damaged; restore it from the release or reinstall; `iicsa-stats validate` "
                "lists every problem"
            )
    return schema_from_bytes(path, data)


def schema_from_bytes(path: str | Path, data: bytes) -> dict[str, Any]:
    """The Table Schema in ``data`` (read from ``path``), refused unless it has a list of named fields."""
    schema: dict[str, Any] = parse_json(path, data)
    fields = schema.get("fields") if isinstance(schema, dict) else None
    if not isinstance(fields, list) or not all(isinstance(f, dict) and "name" in f for f in fields):
        raise DataFileError.at(
            str(path), "not a Table Schema with a list of named fields", "restore it from the release"
        )
    return schema


def field_names(schema: Mapping[str, Any]) -> list[str]:
    """Column names of a schema, in order."""
    return [field["name"] for field in schema["fields"]]


def parse_cell(value: str, field: Mapping[str, Any], missing: Iterable[str] = ("",)) -> Any:
    """Turn one CSV cell into a Python value of the field's type (a missing-value token is None).

    The schemas list ``"nan"`` as a missing value beside ``""`` because
    frictionless reads a Parquet null in a float column as NaN; the build
    itself only ever writes ``""`` for a missing value.

    Raises
    ------
    ValueError
        If the cell is not of the field's type.
    """
    if value in missing:
        return None
    kind = field.get("type", "string")
    if kind == "integer":
        return int(value)
    if kind == "number":
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"not a finite number: {value!r}")
        return number
    if kind == "date":
        return dt.date.fromisoformat(value)
    if kind == "boolean":
        if value not in ("true", "false"):
            raise ValueError(f"not 'true' or 'false': {value!r}")
        return value == "true"
    if control := CONTROL.search(value):
        raise ValueError(f"holds the control character {control.group()!r}")
    return value


def format_cell(value: Any, field: Mapping[str, Any]) -> str:
    """Write one value as the CSV cell the build publishes (fixed formats, no locale)."""
    if value is None:
        return ""
    kind = field.get("type", "string")
    if kind == "number":
        number = float(value)
        if number.is_integer() and abs(number) < 1e15:
            return str(int(number))
        return repr(number)
    if kind == "integer":
        return str(int(value))
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "date":
        return str(value.isoformat())
    return str(value)


def csv_text(rows: Iterable[Mapping[str, Any]], schema: Mapping[str, Any]) -> str:
    """The CSV text of a table: header, then rows, UTF-8 and LF line endings."""
    fields = schema["fields"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([field["name"] for field in fields])
    for row in rows:
        writer.writerow([format_cell(row.get(field["name"]), field) for field in fields])
    return buffer.getvalue()


def read_csv(
    root: P,
    table: str,
    schema: Mapping[str, Any] | None = None,
    *,
    sha256: str | None = None,
    schema_sha256: str | None = None,
    pinned_bytes: Any = None,
) -> list[Row]:
    """Read a processed CSV table into typed rows.

    With ``sha256`` (``"sha256:<hex>"``, as ``datapackage.json`` pins it), a
    file whose bytes differ is refused before anything in it is used; with
    ``schema_sha256``, so is a schema file that differs from its pin.  The file
    is read through :mod:`._guard` (``pinned_bytes`` bounds its size).

    Raises
    ------
    DataFileError
        If the file is missing, not UTF-8, has other columns than its schema,
        or a cell is not of its column's type.  The message names the file,
        the row and the column.
    """
    schema = schema or load_schema(root, table, sha256=schema_sha256)
    path = csv_path(root, table)
    names = field_names(schema)
    fix = "restore it from the release or rebuild it with `iicsa-stats build`"
    data = _guard.read_file(root, f"data/processed/{table}.csv", fix=fix, pinned_bytes=pinned_bytes)
    if sha256 is not None:
        found = resource_pin(data)
        if found != sha256:
            raise DataFileError(
                f"{path}: the file differs from its pin in datapackage.json (expected {sha256}, found {found}): "
                f"it was changed or damaged; {fix}; `iicsa-stats validate` lists every problem"
            )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataFileError.at(str(path), f"not UTF-8 text ({exc.reason} at byte {exc.start})", fix) from None
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise DataFileError.at(str(path), f"malformed CSV ({exc})", fix) from None
    if not records:
        raise DataFileError.at(str(path), "file is empty", fix)
    if records[0] != names:
        raise DataFileError(
            f"{path}: header {records[0]} does not match the schema's columns {names} "
            f"(a file from another version?); {fix}"
        )
    missing = tuple(schema.get("missingValues", [""]))
    rows: list[Row] = []
    for number, record in enumerate(records[1:], start=2):
        if len(record) != len(names):
            raise DataFileError(
                f"{path}, line {number}: {len(record)} cells where the schema has {len(names)} columns "
                f"(truncated file?); {fix}"
            )
        row: Row = {}
        for field, cell in zip(schema["fields"], record, strict=True):
            try:
                row[field["name"]] = parse_cell(cell, field, missing)
                if row[field["name"]] is None and field.get("constraints", {}).get("required"):
                    raise ValueError("a required value is missing")
            except ValueError as exc:
                raise DataFileError(
                    f"{path}, line {number}, column {field['name']!r}: {cell!r} is not of type "
                    f"{field.get('type', 'string')} ({exc}); {fix}"
                ) from None
        rows.append(row)
    return rows
