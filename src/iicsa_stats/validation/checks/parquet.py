"""The ``parquet`` check.

Every Parquet file has the columns and Arrow types of its schema and the same rows and values as its CSV file,
and what other readers see besides the values (schema metadata, footer key-value metadata, statistics, and the
bytes the writer makes of the values) is what the build writes; see :mod:`.._footer`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Generator, Iterator
from typing import Any

from ...tables import TABLES, Row, arrow_types, field_names, parquet_path
from .. import _footer
from .._problem import Problem, problem
from .._state import REBUILD_FIX, PackageState

NAME = "parquet"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def run(pkg: PackageState) -> Iterator[Problem]:
    """Yield every problem of this check on the loaded package ``pkg``."""
    skipped = {pkg.table_source(table) for table in TABLES if table not in pkg.schemas}
    for table, schema in pkg.schemas.items():
        rel = pkg.rel(parquet_path(pkg.root, table))
        arrow = yield from _read(pkg, table)
        if arrow is None:
            continue
        comparable: list[str] = []
        yield from _columns(pkg, table, arrow, comparable)
        if comparable == field_names(schema):  # the table's columns and types: compare what else readers see
            yield from _what_readers_see(pkg, table, arrow)
        if table not in pkg.tables:
            skipped.add(pkg.table_source(table))  # the CSV is unreadable: reported by `files`
            continue
        primary = schema.get("primaryKey") or []
        if all(k in comparable for k in primary):
            yield from _rows(pkg, table, rel, arrow.select(comparable).to_pylist(), comparable)
    yield from pkg.skipped("parquet", skipped)


def _what_readers_see(pkg: PackageState, table: str, arrow: Any) -> Iterator[Problem]:
    """The schema and metadata, the footer, the statistics and the bytes against what the build writes."""
    path = parquet_path(pkg.root, table)
    data = pkg.files[pkg.rel(path)]
    assert isinstance(data, bytes)  # it was read (see _read)
    expected = _footer.expected_schema(pkg.schemas[table], pkg.descriptor, table)
    found = itertools.chain(
        _footer.schema_problems(arrow.schema, expected) if expected else (),
        _footer.footer_problems(data, expected, arrow.schema) if expected else (),
        _footer.statistics_problems(data),
        _footer.writer_problems(data, arrow, expected) if expected else (),
    )
    for fields in found:
        yield problem(check=NAME, file=pkg.rel(path), table=table, **fields)


def _read(pkg: PackageState, table: str) -> Generator[Problem, None, Any]:
    """The Parquet file of ``table`` as an Arrow table, or None after a problem saying why it cannot be read."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rel = pkg.rel(parquet_path(pkg.root, table))
    data = pkg.files.get(rel)  # read once, while loading; None when refused (reported by `files`)
    if isinstance(data, str):
        yield problem(check="parquet", file=rel, table=table, message=data)
    if not isinstance(data, bytes):
        return None
    try:
        return pq.read_table(pa.BufferReader(data))
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError and others for a damaged file
        yield problem(
            check="parquet",
            file=rel,
            table=table,
            message=f"not a readable Parquet file ({type(exc).__name__}: {pkg.relative(str(exc))}); {REBUILD_FIX}",
        )
        return None


def _columns(pkg: PackageState, table: str, arrow: Any, comparable: list[str]) -> Iterator[Problem]:
    """The columns and their Arrow types against the schema; the columns fit to compare go to ``comparable``."""
    schema = pkg.schemas[table]
    rel = pkg.rel(parquet_path(pkg.root, table))
    types = arrow_types()
    names = field_names(schema)
    if arrow.column_names != names:
        yield problem(
            check="parquet",
            file=rel,
            table=table,
            expected=str(names),
            found=str(arrow.column_names),
            message="the Parquet columns differ from the schema's",
        )
    for spec in schema["fields"]:
        name = spec["name"]
        if name not in arrow.column_names:
            continue
        expected_type = types.get(spec.get("type", "string"))
        found_type = arrow.schema.field(name).type
        if found_type != expected_type:
            yield problem(
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


def _rows(pkg: PackageState, table: str, rel: str, rows: list[Row], comparable: list[str]) -> Iterator[Problem]:
    """The Parquet rows against the CSV rows, matched by primary key: rows only in one, and differing values."""
    primary = pkg.schemas[table].get("primaryKey") or []
    has_figure = "figure_id" in field_names(pkg.schemas[table])
    csv_rows = {tuple(row[k] for k in primary): row for row in pkg.tables[table]}
    parquet_rows: dict[tuple[Any, ...], Row] = {}
    for row in rows:
        key = tuple(row[k] for k in primary)
        if key in parquet_rows:
            yield problem(check="parquet", file=rel, table=table, row=pkg.key(table, row), message="duplicate row")
        parquet_rows[key] = row
    where = {"check": "parquet", "file": rel, "table": table}
    for only, other, message in (
        (csv_rows, parquet_rows, "a row of the CSV file is missing from the Parquet file"),
        (parquet_rows, csv_rows, "the Parquet file has a row that the CSV file does not"),
    ):
        for key in sorted(only.keys() - other.keys(), key=str):
            row = only[key]
            figure_id = row.get("figure_id") if has_figure else None
            yield problem(**where, row=pkg.key(table, row), figure_id=figure_id, message=message)
    for key in sorted(csv_rows.keys() & parquet_rows.keys(), key=str):
        expected_row, found_row = csv_rows[key], parquet_rows[key]
        for name in comparable:
            a, b = expected_row.get(name), found_row.get(name)
            if _missing(a) and _missing(b):
                continue
            if not _missing(a) and not _missing(b) and type(a) is type(b) and a == b:
                continue
            yield problem(
                **where,
                row=pkg.key(table, expected_row),
                field=name,
                figure_id=expected_row.get("figure_id") if has_figure else None,
                expected=repr(a),
                found=repr(b),
                message=f"the Parquet value differs from the CSV value; {REBUILD_FIX}",
            )
