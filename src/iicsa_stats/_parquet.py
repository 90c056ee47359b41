"""How the build writes Parquet (Arrow schema, file metadata, writer settings); validate compares with the same."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO

from .tables import Row


def arrow_types() -> dict[str, Any]:
    """The Arrow type of each Table Schema type, as the build writes Parquet."""
    import pyarrow as pa

    return {
        "string": pa.string(),
        "integer": pa.int64(),
        "number": pa.float64(),
        "date": pa.date32(),
        "boolean": pa.bool_(),
    }


def parquet_schema(schema: Mapping[str, Any], meta: Mapping[str, str]) -> Any:
    """The Arrow schema of a table's Parquet file: types, nullability, titles, descriptions, code lists, ``meta``."""
    import pyarrow as pa

    types = arrow_types()
    fields = []
    for field in schema["fields"]:
        constraints = field.get("constraints", {})
        metadata = {"title": field["title"], "description": field["description"]}
        if constraints.get("enum"):
            metadata["enum"] = json.dumps(constraints["enum"])
        nullable = not constraints.get("required", False)
        fields.append(pa.field(field["name"], types[field["type"]], nullable=nullable, metadata=metadata))
    return pa.schema(fields, metadata={**meta})


def parquet_metadata(package: Mapping[str, Any], name: str) -> dict[str, str]:
    """The key-value metadata of table ``name``'s Parquet file: a file that travels alone keeps its attribution."""
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
    """Write a table's rows as Parquet (:func:`parquet_schema`; a number is written as a float)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrow_schema = parquet_schema(schema, meta)
    columns = {
        f.name: [
            float(row[f.name]) if f.type == pa.float64() and row[f.name] is not None else row[f.name] for row in rows
        ]
        for f in arrow_schema
    }
    pq.write_table(pa.table(columns, schema=arrow_schema), path, compression="zstd")
