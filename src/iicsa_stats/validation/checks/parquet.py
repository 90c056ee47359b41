"""The ``parquet`` check.

Every Parquet file has the columns and Arrow types of its schema and the same rows and values as its CSV file,
and what other readers see besides the values (schema metadata, footer key-value metadata, statistics, and the
bytes the writer makes of the values) is what the build writes (the functions below the check).
"""

from __future__ import annotations

import base64
import itertools
import math
from collections.abc import Generator, Iterator, Mapping
from typing import Any

from ...tables import TABLES, Row, arrow_types, field_names, parquet_path
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
    expected = expected_schema(pkg.schemas[table], pkg.descriptor, table)
    found = itertools.chain(
        schema_problems(arrow.schema, expected) if expected else (),
        footer_problems(data, expected, arrow.schema) if expected else (),
        statistics_problems(data),
        writer_problems(data, arrow, expected) if expected else (),
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


# What a Parquet file tells its readers besides its values: the schema, the footer metadata, the statistics.
#
# Comparing values alone misses what other readers rely on.  pyarrow restores
# the Arrow schema (types and every field's and the file's metadata) from the
# ``ARROW:schema`` entry of the footer, while DuckDB, Polars and others read the
# footer's plain key-value metadata and the Parquet schema; and readers that
# filter (DuckDB's ``WHERE``) skip row groups by the statistics of each column
# chunk.  A byte changed in any of them, with the file's pin updated, changes
# what some reader sees.  So, for every Parquet file, against what the build
# writes (:func:`iicsa_stats._parquet.parquet_schema`):
#
# * the schema as pyarrow reads it, metadata included;
# * the footer's key-value metadata, key by key, as DuckDB sees it
#   (``parquet_kv_metadata``), and the Arrow schema stored in it;
# * the Parquet schema's column names and physical types;
# * every column chunk's statistics (null count, minimum, maximum) against its values.
#
# These yield the keyword arguments of a
# :class:`~iicsa_stats.validation.Problem` without ``check``, ``file`` and ``table``.
_FIX = "rebuild with `iicsa-stats build` (or restore the file from the release)"
_ARROW_SCHEMA = b"ARROW:schema"


def expected_schema(schema: Mapping[str, Any], descriptor: Mapping[str, Any] | None, table: str) -> Any:
    """The Arrow schema the build writes for ``table``, or None when the descriptor lacks what it needs."""
    from ..._parquet import parquet_metadata, parquet_schema

    if descriptor is None:
        return None
    try:
        return parquet_schema(schema, parquet_metadata(descriptor, table))
    except (KeyError, StopIteration, TypeError, AttributeError):
        return None  # the descriptor's own problems are reported by the package check


def _decode(value: bytes) -> str:
    return value.decode("utf-8", "backslashreplace")


def schema_problems(arrow_schema: Any, expected: Any) -> Iterator[dict[str, Any]]:
    """The schema pyarrow reads (with its metadata) against the build's."""
    if arrow_schema.equals(expected, check_metadata=True):
        return
    found_meta = dict(arrow_schema.metadata or {})
    expected_meta = dict(expected.metadata or {})
    for key in sorted(set(found_meta) | set(expected_meta)):
        if found_meta.get(key) != expected_meta.get(key):
            yield {
                "field": None,
                "expected": None if key not in expected_meta else _decode(expected_meta[key]),
                "found": None if key not in found_meta else _decode(found_meta[key]),
                "message": f"the file's metadata {_decode(key)!r}, as pyarrow reads it, differs from what the build "
                f"writes; {_FIX}",
            }
    for field in expected:
        if field.name not in arrow_schema.names:
            continue  # a missing column is reported with the columns
        found = arrow_schema.field(field.name)
        if found.type != field.type:
            continue  # reported with the column types
        if not found.equals(field, check_metadata=True):
            yield {
                "field": field.name,
                "expected": f"nullable={field.nullable}, {dict(field.metadata or {})}",
                "found": f"nullable={found.nullable}, {dict(found.metadata or {})}",
                "message": f"the column's nullability or metadata (title, description, codes) differs from what the "
                f"build writes; {_FIX}",
            }


def footer_problems(data: bytes, expected: Any, read: Any) -> Iterator[dict[str, Any]]:
    """The footer as every reader sees it: key-value metadata, the stored Arrow schema and the Parquet schema.

    ``read`` is the schema as pyarrow read it; what differs there is reported by
    :func:`schema_problems` and not again here.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        metadata = pq.read_metadata(pa.BufferReader(data))
    except Exception as exc:  # a damaged footer: pyarrow raises several kinds of error
        yield {"message": f"the Parquet footer cannot be read ({type(exc).__name__}: {exc}); {_FIX}"}
        return
    raw = dict(metadata.metadata or {})
    stored = raw.pop(_ARROW_SCHEMA, None)
    wanted = dict(expected.metadata or {})
    shown = dict(read.metadata or {})
    for key in sorted(set(raw) | set(wanted)):
        if raw.get(key) != wanted.get(key) and raw.get(key) != shown.get(key):
            yield {
                "expected": None if key not in wanted else _decode(wanted[key]),
                "found": None if key not in raw else _decode(raw[key]),
                "message": f"the footer's key-value metadata {_decode(key)!r} (what DuckDB and other readers show) "
                f"differs from what the build writes; {_FIX}",
            }
    try:
        arrow = None if stored is None else pa.ipc.read_schema(pa.py_buffer(base64.b64decode(stored)))
    except Exception:  # not base64, or not an Arrow schema
        arrow = None
    if read.equals(expected, check_metadata=True) and (
        arrow is None or not arrow.equals(expected, check_metadata=True)
    ):
        yield {
            "message": f"the Arrow schema stored in the footer ({_ARROW_SCHEMA.decode()}) is missing or differs "
            f"from what the build writes; {_FIX}",
        }
    names = [metadata.schema.column(i).name for i in range(metadata.num_columns)]
    if names != expected.names:
        yield {
            "expected": str(expected.names),
            "found": str(names),
            "message": f"the column names of the Parquet schema (what DuckDB and other readers show) differ from "
            f"the build's; {_FIX}",
        }


def statistics_problems(data: bytes) -> Iterator[dict[str, Any]]:
    """Every column chunk's statistics against its values: readers that filter skip row groups by them."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        handle = pq.ParquetFile(pa.BufferReader(data))
        metadata = handle.metadata
    except Exception as exc:
        yield {"message": f"the Parquet footer cannot be read ({type(exc).__name__}: {exc}); {_FIX}"}
        return
    for group in range(metadata.num_row_groups):
        chunks = metadata.row_group(group)
        try:
            values = handle.read_row_group(group)
        except Exception:
            continue  # an unreadable file is reported with the values
        for index in range(metadata.num_columns):
            chunk = chunks.column(index)
            name = metadata.schema.column(index).name
            # pyarrow aborts the process when asked for the statistics of a chunk whose type does not match
            if chunk.physical_type != metadata.schema.column(index).physical_type:
                yield {
                    "field": name,
                    "expected": metadata.schema.column(index).physical_type,
                    "found": chunk.physical_type,
                    "message": f"row group {group}: the column chunk's type differs from the Parquet schema's; {_FIX}",
                }
                continue
            stats = chunk.statistics
            if stats is None or name not in values.column_names:
                continue
            column = values.column(name)
            found: dict[str, Any] = {}
            if stats.has_null_count:
                found["null count"] = (stats.null_count, column.null_count)
            if stats.has_min_max:
                try:
                    actual = pc.min_max(column).as_py()
                    found["minimum"] = (stats.min, actual["min"])
                    found["maximum"] = (stats.max, actual["max"])
                except Exception:  # statistics of a type pyarrow cannot compare: left to the value comparison
                    pass
            for what, (declared, actual_value) in found.items():
                if declared != actual_value:
                    yield {
                        "field": name,
                        "expected": repr(actual_value),
                        "found": repr(declared),
                        "message": f"row group {group}: the {what} in the column's statistics differs from its "
                        f"values (readers that filter, like DuckDB, would skip or keep the wrong rows); {_FIX}",
                    }


def writer_problems(data: bytes, arrow_table: Any, expected: Any) -> Iterator[dict[str, Any]]:
    """The file's bytes against what the build's writer makes of the same values and schema.

    Parquet bytes depend on the writer's version, so this runs only when the
    file names the installed pyarrow as its writer (``created_by``); the same
    writer given the same table writes the same bytes.  It catches what the
    other checks cannot see through pyarrow: a changed page header that
    pyarrow tolerates but DuckDB refuses, or padding and offsets.  With another
    writer version the other checks still run.
    """
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    from ..._parquet import write_arrow

    try:
        written_by = pq.read_metadata(pa.BufferReader(data)).created_by
    except Exception:
        return  # reported by the footer check
    if written_by != f"parquet-cpp-arrow version {pa.__version__}" or not arrow_table.schema.equals(
        expected, check_metadata=True
    ):
        return  # another writer, or a schema already reported as different
    buffer = io.BytesIO()
    try:
        write_arrow(pa.Table.from_batches(arrow_table.to_batches(), schema=expected), buffer)
    except Exception:
        return  # values pyarrow cannot write back: reported with the values
    if buffer.getvalue() != data:
        same_size = len(buffer.getvalue()) == len(data)
        first = next((i for i, (a, b) in enumerate(zip(buffer.getvalue(), data, strict=False)) if a != b), None)
        yield {
            "expected": f"{len(buffer.getvalue())} bytes as {written_by} writes these values",
            "found": f"{len(data)} bytes" + (f", first difference at byte {first}" if same_size else ""),
            "message": "the file is not what its writer makes of its own values and schema: a part of it other than "
            "the values was changed (a page header, statistics, padding), which some readers (DuckDB) may read "
            f"differently or refuse; {_FIX}",
        }
