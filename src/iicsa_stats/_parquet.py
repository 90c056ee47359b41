"""How the build writes Parquet: the Arrow schema from a Table Schema, the file's metadata, the writer settings.

One home for all three, so that ``validate`` compares every Parquet file with
exactly what the build writes (the ``parquet`` check of :mod:`iicsa_stats.validation.checks`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO

from .tables import Row, arrow_types

__all__ = ["parquet_metadata", "parquet_schema", "write_arrow", "write_parquet"]


def parquet_schema(schema: Mapping[str, Any], meta: Mapping[str, str]) -> Any:
    """The Arrow schema of a table's Parquet file: types, nullability and descriptions from its Table Schema.

    ``meta`` is the file's key-value metadata (:func:`parquet_metadata`).  The
    build writes exactly this schema and ``validate`` compares every Parquet
    file with it, metadata included.
    """
    import pyarrow as pa

    types = arrow_types()
    fields = []
    for field in schema["fields"]:
        metadata = {"title": field["title"], "description": field["description"]}
        enum = field.get("constraints", {}).get("enum")
        if enum:
            metadata["enum"] = json.dumps(enum)
        required = field.get("constraints", {}).get("required", False)
        fields.append(pa.field(field["name"], types[field["type"]], nullable=not required, metadata=metadata))
    return pa.schema(fields, metadata={**meta})


def parquet_metadata(package: Mapping[str, Any], name: str) -> dict[str, str]:
    """The key-value metadata the build writes into table ``name``'s Parquet file, from the descriptor.

    The file travels alone: its title, licence, attribution and sources travel with it.
    """
    resource = next(r for r in package["resources"] if r["name"] == name)
    return {
        "table": name,
        "title": resource["title"],
        "description": resource["description"],
        "package": package["name"],
        "version": package["version"],
        "attribution": package["attribution"],
        "licenses": json.dumps(package["licenses"], ensure_ascii=False),
        "sources": json.dumps(package["sources"], ensure_ascii=False),
    }


def write_parquet(rows: list[Row], schema: Mapping[str, Any], meta: Mapping[str, str], path: Path | BinaryIO) -> None:
    """Write rows as Parquet with Arrow types from the Table Schema and its descriptions as metadata."""
    import pyarrow as pa

    arrow_schema = parquet_schema(schema, meta)
    columns = {
        f.name: [
            (float(row[f.name]) if f.type == pa.float64() and row.get(f.name) is not None else row.get(f.name))
            for row in rows
        ]
        for f in arrow_schema
    }
    write_arrow(pa.table(columns, schema=arrow_schema), path)


def write_arrow(table: Any, where: Any) -> None:
    """Write an Arrow table as Parquet with the build's settings (``validate`` rewrites with the same)."""
    import pyarrow.parquet as pq

    pq.write_table(table, where, compression="zstd")
