"""The loader on damaged shipped files: a clear error naming the file and what to do, never a traceback."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import iicsa_stats as ist
from iicsa_stats import _store
from iicsa_stats._paths import ENV_VAR, data_root


@pytest.fixture
def copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = tmp_path / "pkg"
    shutil.copytree(data_root() / "data", root / "data")
    shutil.copytree(data_root() / "schemas", root / "schemas")
    shutil.copy(data_root() / "datapackage.json", root / "datapackage.json")
    monkeypatch.setenv(ENV_VAR, str(root))
    _store.clear_cache()
    yield root
    monkeypatch.delenv(ENV_VAR)
    _store.clear_cache()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file is empty"),
        (b"figure_id,value\nx,1\n", "does not match the schema's columns"),
        ("\ufefffigure_id".encode() + b"\xff\xfe", "not UTF-8"),
        (None, "cells where the schema has|malformed CSV"),  # truncated mid-row or mid-quote
    ],
)
def test_damaged_figures_csv(copy: Path, content: bytes | None, message: str) -> None:
    path = copy / "data" / "processed" / "figures.csv"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] if content is None else content)
    with pytest.raises(ist.DataFileError, match=message) as info:
        ist.figure("police-recorded-online-csa-incidents-2016-17")
    assert "figures.csv" in str(info.value)


def test_bad_cell_type_names_line_and_column(copy: Path) -> None:
    path = copy / "data" / "processed" / "figure_caveats.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].rsplit(",", 1)[0] + ",three"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ist.DataFileError, match=r"figure_caveats\.csv, line 4, column 'position': 'three'"):
        ist.list_figures()


def test_missing_file(copy: Path) -> None:
    (copy / "data" / "processed" / "caveats.csv").unlink()
    with pytest.raises(ist.DataFileError, match=r"caveats\.csv: file is missing"):
        ist.list_figures()


def test_malformed_datapackage(copy: Path) -> None:
    (copy / "datapackage.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ist.DataFileError, match=r"datapackage\.json: not valid UTF-8 JSON"):
        ist.figures()


def test_truncated_parquet(copy: Path) -> None:
    path = copy / "data" / "processed" / "figures.parquet"
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ist.DataFileError, match=r"figures\.parquet: not a readable Parquet file"):
        ist.figures()


def test_parquet_from_another_version(copy: Path) -> None:
    path = copy / "data" / "processed" / "figures.parquet"
    table = pq.read_table(path)
    meta = dict(table.schema.metadata)
    meta[b"version"] = b"0.0.1"
    pq.write_table(table.replace_schema_metadata(meta), path)
    with pytest.raises(ist.DataFileError, match=r"written for version 0\.0\.1.*expecting"):
        ist.figures()


def test_inconsistent_tables_are_reported(copy: Path) -> None:
    path = copy / "data" / "processed" / "figure_caveats.csv"
    header = path.read_text(encoding="utf-8").splitlines()[0]
    path.write_text(header + "\n", encoding="utf-8")  # every figure loses its caveats
    with pytest.raises(ist.DataFileError, match=r"is inconsistent with the other tables.*validate"):
        ist.list_figures()
