"""The tables of the data package and their CSV form: names, paths, and CSV text to typed rows and back.

Standard library only, no file access; the Table Schemas in ``schemas/`` describe every column.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
import re

from .errors import DataFileError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from pathlib import Path
    from typing import Any, TypeVar

    P = TypeVar("P", str, Path)

__all__ = ["CONTROL", "RAW_PATH", "TABLES", "Row", "csv_text", "format_cell", "parse_csv"]

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
    return os.path.join(root, *parts) if isinstance(root, str) else root.joinpath(*parts)


def csv_path(root: P, table: str) -> P:
    """Path of a table's CSV file below a data package root (a str or a Path, like ``root``)."""
    return _join(root, "data", "processed", f"{table}.csv")


def parquet_path(root: P, table: str) -> P:
    """Path of a table's Parquet file below a data package root (a str or a Path, like ``root``)."""
    return _join(root, "data", "processed", f"{table}.parquet")


def field_names(schema: Mapping[str, Any]) -> list[str]:
    """Column names of a schema, in order."""
    return [field["name"] for field in schema["fields"]]


def finite(text: str) -> float:
    """``text`` as a finite float (ValueError for an infinity or NaN): a CSV cell, or a number in JSON."""
    if not math.isfinite(value := float(text)):
        raise ValueError(f"{text[:40]} is not a finite number")
    return value


def _boolean(value: str) -> bool:
    if value not in ("true", "false"):
        raise ValueError(f"not 'true' or 'false': {value!r}")
    return value == "true"


def _string(value: str) -> str:
    if control := CONTROL.search(value):
        raise ValueError(f"holds the control character {control.group()!r}")
    return value


#: How a cell of each Table Schema type is read (a string is refused if it holds a control character).
_PARSE: dict[str, Callable[[str], Any]] = {
    "integer": int,
    "number": finite,
    "date": dt.date.fromisoformat,
    "boolean": _boolean,
}


def format_cell(value: Any, field: Mapping[str, Any]) -> str:
    """Write one value as the CSV cell the build publishes (fixed formats, no locale)."""
    kind = field.get("type", "string")
    if value is None:
        return ""
    if kind == "number":
        number = float(value)
        return str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)
    if kind == "integer":
        return str(int(value))
    if kind == "boolean":
        return "true" if value else "false"
    return str(value.isoformat()) if kind == "date" else str(value)


def csv_text(rows: Iterable[Mapping[str, Any]], schema: Mapping[str, Any]) -> str:
    """The CSV text of a table: header, then rows, UTF-8 and LF line endings."""
    fields = schema["fields"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(field_names(schema))
    writer.writerows([format_cell(row.get(f["name"]), f) for f in fields] for row in rows)
    return buffer.getvalue()


def parse_csv(path: str | Path, data: bytes, schema: Mapping[str, Any], fix: str) -> list[Row]:
    """The rows of CSV ``data`` (from ``path``) typed by ``schema``, or a DataFileError naming the cell and ``fix``."""
    try:
        text = data.decode("utf-8")
        records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except UnicodeDecodeError as exc:
        raise DataFileError.at(str(path), f"not UTF-8 text ({exc.reason} at byte {exc.start})", fix) from None
    except csv.Error as exc:
        raise DataFileError.at(str(path), f"malformed CSV ({exc})", fix) from None
    if not records:
        raise DataFileError.at(str(path), "file is empty", fix)
    if records[0] != (names := field_names(schema)):
        why = f"header {records[0]} does not match the schema's columns {names} (a file from another version?)"
        raise DataFileError.at(str(path), why, fix)
    # "nan" is a missing value beside "" in the schemas: frictionless reads a Parquet null in a float column as NaN
    missing = frozenset(schema.get("missingValues", [""]))
    clean = CONTROL.search(text) is None  # then no string cell need be searched on its own
    columns = [
        (f["name"], kind, _PARSE.get(kind, str if clean else _string), f.get("constraints", {}).get("required"))
        for f in schema["fields"]
        for kind in [f.get("type", "string")]
    ]
    rows: list[Row] = []
    for number, record in enumerate(records[1:], start=2):
        where = f"{path}, line {number}"
        if len(record) != len(names):
            why = f"{len(record)} cells where the schema has {len(names)} columns (truncated file?)"
            raise DataFileError(f"{where}: {why}; {fix}", path=str(path), fix=fix)
        row: Row = {}
        for (name, kind, parse, required), cell in zip(columns, record, strict=True):
            try:
                if (value := None if cell in missing else parse(cell)) is None and required:
                    raise ValueError("a required value is missing")
            except ValueError as exc:
                why = f"column {name!r}: {cell!r} is not of type {kind} ({exc})"
                raise DataFileError(f"{where}, {why}; {fix}", path=str(path), fix=fix) from None
            row[name] = value
        rows.append(row)
    return rows
