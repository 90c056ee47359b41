"""The published files read the same in DuckDB, Polars, frictionless and pandas."""

from __future__ import annotations

import csv
import json
import math
from typing import Any

import duckdb
import frictionless
import pandas as pd
import polars as pl
import pytest

import iicsa_stats as ist
from conftest import REPO

PROCESSED = REPO / "data" / "processed"
TABLES = list(ist.TABLES)

# Table Schema type -> the type each tool should give the column.
DUCKDB_TYPES = {"string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN", "date": "DATE"}
POLARS_TYPES = {"string": pl.String, "integer": pl.Int64, "number": pl.Float64, "boolean": pl.Boolean, "date": pl.Date}
PANDAS_DTYPES = {"string": "string", "integer": "Int64", "number": "Float64", "boolean": "boolean"}


def _schema(table: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((REPO / "schemas" / f"{table}.schema.json").read_text(encoding="utf-8"))
    return schema


def _csv_records(table: str) -> list[dict[str, str]]:
    with open(PROCESSED / f"{table}.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _parquet(table: str) -> str:
    return str(PROCESSED / f"{table}.parquet")


# -- DuckDB --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("table", TABLES)
def test_duckdb_reads_every_row_with_the_schema_types(table: str) -> None:
    records = _csv_records(table)
    assert records, f"{table}.csv has no rows"
    with duckdb.connect() as con:
        described = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [_parquet(table)]).fetchall()
        (count,) = con.execute("SELECT count(*) FROM read_parquet(?)", [_parquet(table)]).fetchone() or (None,)
        (csv_count,) = con.execute(
            "SELECT count(*) FROM read_csv(?, header = true, all_varchar = true)", [str(PROCESSED / f"{table}.csv")]
        ).fetchone() or (None,)
    assert [(name, kind) for name, kind, *_ in described] == [
        (f["name"], DUCKDB_TYPES[f["type"]]) for f in _schema(table)["fields"]
    ]
    assert count == csv_count == len(records)


def test_duckdb_typed_query_on_figures() -> None:
    records = _csv_records("figures")
    expected = sum(float(r["value"]) for r in records if r["unit"] == "offences")
    assert expected > 0, "the figures include a count of offences"
    with duckdb.connect() as con:
        total, rows = con.execute(
            "SELECT sum(value), count(*) FROM read_parquet(?) WHERE unit = 'offences'", [_parquet("figures")]
        ).fetchone() or (None, None)
        starts = con.execute(
            "SELECT figure_id, period_start FROM read_parquet(?) "
            "WHERE period_type = 'financial_year' ORDER BY period_start",
            [_parquet("figures")],
        ).fetchall()
    assert isinstance(total, float)
    assert math.isclose(total, expected)
    assert rows == sum(r["unit"] == "offences" for r in records)
    assert [str(day) for _, day in starts] == sorted(
        r["period_start"] for r in records if r["period_type"] == "financial_year"
    )


def test_duckdb_joins_each_figure_to_its_key_caveat() -> None:
    with duckdb.connect() as con:
        rows = con.execute(
            "SELECT f.figure_id, c.caveat_id FROM read_parquet(?) f "
            "JOIN read_parquet(?) l ON l.figure_id = f.figure_id AND l.position = 1 "
            "JOIN read_parquet(?) c ON c.caveat_id = l.caveat_id ORDER BY f.figure_id",
            [_parquet("figures"), _parquet("figure_caveats"), _parquet("caveats")],
        ).fetchall()
    assert rows == [(fid, ist.figure(fid).caveats[0].id) for fid in ist.list_figures()]


# -- Polars --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("table", TABLES)
def test_polars_reads_parquet_and_csv(table: str) -> None:
    fields = _schema(table)["fields"]
    names = [f["name"] for f in fields]
    from_parquet = pl.read_parquet(_parquet(table))
    assert from_parquet.columns == names
    assert [from_parquet.schema[f["name"]] for f in fields] == [POLARS_TYPES[f["type"]] for f in fields]
    from_csv = pl.read_csv(
        PROCESSED / f"{table}.csv",
        schema={f["name"]: POLARS_TYPES[f["type"]] for f in fields},
    )  # an empty cell is null, as in the Parquet file
    assert from_csv.columns == names
    assert from_csv.height == from_parquet.height == len(_csv_records(table))
    assert from_csv.equals(from_parquet, null_equal=True)


# -- frictionless --------------------------------------------------------------------------------------------


def test_frictionless_figures_match_the_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    frame = frictionless.Package("datapackage.json").get_resource("figures").to_pandas().reset_index()
    assert sorted(frame["figure_id"]) == ist.list_figures()
    for row in frame.itertuples():
        fig = ist.figure(row.figure_id)
        assert row.unit == fig.unit
        if fig.value is None:
            assert pd.isna(row.value)
        else:
            assert row.value == fig.value


# -- pandas: CSV with the schema's types equals Parquet ------------------------------------------------------


def _normalise(frame: pd.DataFrame, fields: list[dict[str, Any]]) -> pd.DataFrame:
    """One dtype per schema type, whatever the reader produced."""
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    for field in fields:
        column = frame[field["name"]].reset_index(drop=True)
        if field["type"] == "date":
            out[field["name"]] = pd.to_datetime(column).astype("datetime64[ns]")
        else:
            out[field["name"]] = column.astype(PANDAS_DTYPES[field["type"]])
    return out


def _read_csv_typed(table: str) -> pd.DataFrame:
    schema = _schema(table)
    fields = schema["fields"]
    return pd.read_csv(
        PROCESSED / f"{table}.csv",
        dtype={f["name"]: PANDAS_DTYPES[f["type"]] for f in fields if f["type"] != "date"},
        parse_dates=[f["name"] for f in fields if f["type"] == "date"],
        keep_default_na=False,
        na_values=schema.get("missingValues", [""]),
        encoding="utf-8",
    )


@pytest.mark.parametrize("table", TABLES)
def test_pandas_csv_with_schema_dtypes_equals_parquet(table: str) -> None:
    fields = _schema(table)["fields"]
    from_csv = _read_csv_typed(table)
    from_parquet = pd.read_parquet(_parquet(table))
    assert list(from_csv.columns) == list(from_parquet.columns) == [f["name"] for f in fields]
    pd.testing.assert_frame_equal(_normalise(from_csv, fields), _normalise(from_parquet, fields), check_exact=True)


def test_pandas_comparison_can_fail() -> None:
    fields = _schema("figures")["fields"]
    from_csv = _normalise(_read_csv_typed("figures"), fields)
    changed = from_csv.copy()
    changed.loc[0, "quote_start"] = changed.loc[0, "quote_start"] + 1
    with pytest.raises(AssertionError, match="quote_start"):
        pd.testing.assert_frame_equal(from_csv, changed, check_exact=True)


@pytest.mark.parametrize("table", TABLES)
def test_api_table_equals_parquet(table: str) -> None:
    fields = _schema(table)["fields"]
    api = ist.table(table)
    enum_columns = {f["name"] for f in fields if "enum" in f.get("constraints", {})}
    for name in enum_columns:
        assert isinstance(api[name].dtype, pd.CategoricalDtype)
    plain = api.astype(dict.fromkeys(enum_columns, "object"))
    pd.testing.assert_frame_equal(_normalise(plain, fields), _normalise(pd.read_parquet(_parquet(table)), fields))


@pytest.mark.parametrize("table", ist.TABLES)
def test_parquet_files_carry_their_attribution_and_licence(table: str) -> None:
    import pyarrow.parquet as pq

    metadata = pq.read_schema(PROCESSED / f"{table}.parquet").metadata
    meta = {k.decode(): v.decode() for k, v in metadata.items()}
    package = json.loads((REPO / "datapackage.json").read_text(encoding="utf-8"))
    assert meta["attribution"] == package["attribution"]
    assert json.loads(meta["licenses"]) == package["licenses"]
    assert json.loads(meta["sources"]) == package["sources"]
