"""The loader on damaged shipped files: a clear error naming the file and what to do, never a traceback."""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import iicsa_stats as ist
from conftest import JSON_DAMAGE, hostile_json, write_pinned
from iicsa_stats import _loader
from iicsa_stats._paths import ENV_VAR, data_root
from iicsa_stats.cli import main


@pytest.fixture
def copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = tmp_path / "pkg"
    shutil.copytree(data_root() / "data", root / "data")
    shutil.copytree(data_root() / "schemas", root / "schemas")
    shutil.copy(data_root() / "datapackage.json", root / "datapackage.json")
    monkeypatch.setenv(ENV_VAR, str(root))
    _loader.clear_cache()
    yield root
    monkeypatch.delenv(ENV_VAR)
    _loader.clear_cache()


def test_a_changed_file_is_refused_not_served(copy: Path) -> None:
    path = copy / "data" / "processed" / "figures.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("8525", "8526"), encoding="utf-8")
    with pytest.raises(ist.DataFileError, match=r"figures\.csv: the file differs from its pin in datapackage\.json"):
        ist.figure("police-recorded-online-csa-offences-2017-18")


def test_a_changed_parquet_file_is_refused(copy: Path) -> None:
    path = copy / "data" / "processed" / "figures.parquet"
    pq.write_table(pq.read_table(path), path, compression="gzip")  # same rows, other bytes
    with pytest.raises(ist.DataFileError, match=r"figures\.parquet: the file differs from its pin in PARQUET\.sha256"):
        ist.figures()


def test_a_changed_raw_text_is_refused(copy: Path) -> None:
    raw = copy / "data" / "raw" / "iicsa-internet-report-b1.txt"
    raw.write_bytes(raw.read_bytes().replace(b"8,525", b"8,526"))
    with pytest.raises(ist.DataFileError, match="the raw document differs from its pin in the documents table"):
        ist.figure("police-recorded-online-csa-offences-2017-18").context()


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
    data = (copy / "data" / "processed" / "figures.csv").read_bytes()
    write_pinned(copy, "figures", data[: len(data) // 2] if content is None else content)
    with pytest.raises(ist.DataFileError, match=message) as info:
        ist.figure("police-recorded-online-csa-incidents-2016-17")
    assert "figures.csv" in str(info.value)


def test_bad_cell_type_names_line_and_column(copy: Path) -> None:
    path = copy / "data" / "processed" / "figure_caveats.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].rsplit(",", 1)[0] + ",three"
    write_pinned(copy, "figure_caveats", ("\n".join(lines) + "\n").encode())
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


def repin_parquet(copy: Path, name: str) -> None:
    """Re-pin a Parquet file in PARQUET.sha256, as a file of another build would be."""
    listing = copy / "data" / "processed" / "PARQUET.sha256"
    digest = hashlib.sha256((copy / "data" / "processed" / name).read_bytes()).hexdigest()
    lines = [f"{digest}  {name}" if line.endswith(f"  {name}") else line for line in listing.read_text().splitlines()]
    listing.write_text("\n".join(lines) + "\n")


def test_truncated_parquet(copy: Path) -> None:
    path = copy / "data" / "processed" / "figures.parquet"
    path.write_bytes(path.read_bytes()[:200])
    repin_parquet(copy, "figures.parquet")
    with pytest.raises(ist.DataFileError, match=r"figures\.parquet: not a readable Parquet file"):
        ist.figures()


def test_parquet_from_another_version(copy: Path) -> None:
    path = copy / "data" / "processed" / "figures.parquet"
    table = pq.read_table(path)
    meta = dict(table.schema.metadata)
    meta[b"version"] = b"0.0.1"
    pq.write_table(table.replace_schema_metadata(meta), path)
    repin_parquet(copy, "figures.parquet")
    with pytest.raises(ist.DataFileError, match=r"written for version 0\.0\.1.*expecting"):
        ist.figures()


def test_inconsistent_tables_are_reported(copy: Path) -> None:
    path = copy / "data" / "processed" / "figure_caveats.csv"
    header = path.read_text(encoding="utf-8").splitlines()[0]
    write_pinned(copy, "figure_caveats", (header + "\n").encode())  # every figure loses its caveats
    with pytest.raises(ist.DataFileError, match=r"figures\.csv: figure '.*': .*has no caveats.*validate"):
        ist.list_figures()


def test_a_link_to_a_missing_caveat_names_the_right_file(copy: Path) -> None:
    path = copy / "data" / "processed" / "caveats.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if not line.startswith("checked-against-nca-release,")]
    assert len(kept) == len(lines) - 1
    write_pinned(copy, "caveats", ("\n".join(kept) + "\n").encode())
    with pytest.raises(
        ist.DataFileError, match=r"caveats\.csv: no caveat 'checked-against-nca-release', which figure_caveats"
    ):
        ist.list_figures()


def test_a_bad_caveat_kind_is_a_clear_error(copy: Path) -> None:
    path = copy / "data" / "processed" / "caveats.csv"
    text = path.read_text(encoding="utf-8").replace(",comparability,", ",opinion,", 1)
    write_pinned(copy, "caveats", text.encode())
    with pytest.raises(ist.DataFileError, match=r"caveats\.csv: unknown caveat kind 'opinion'"):
        ist.list_figures()


def test_a_directory_in_place_of_a_file(copy: Path) -> None:
    path = copy / "data" / "processed" / "producers.csv"
    path.unlink()
    path.mkdir()
    with pytest.raises(ist.DataFileError, match=r"producers\.csv: is a folder, not a file"):
        ist.list_figures()


def test_a_raw_path_outside_the_package_is_refused(copy: Path) -> None:
    path = copy / "data" / "processed" / "documents.csv"
    text = path.read_text(encoding="utf-8").replace("data/raw/iicsa-internet-report-b1.txt", "../../../etc/passwd")
    write_pinned(copy, "documents", text.encode())
    with pytest.raises(ist.DataFileError, match="is not the raw file of a registered document"):
        ist.figure("police-recorded-online-csa-offences-2017-18").context()


def test_the_lookup_hash_is_sha256() -> None:
    from iicsa_stats._loader import sha256_hex

    data = bytes(range(256)) * 300  # more than one block, every byte value
    assert sha256_hex(data) == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("case", sorted(JSON_DAMAGE))
def test_hostile_json_is_one_clear_error(copy: Path, case: str, capsys: pytest.CaptureFixture[str]) -> None:
    hostile_json(copy, case)
    with pytest.raises(ist.DataFileError, match=JSON_DAMAGE[case]):
        ist.figure("police-recorded-online-csa-offences-2017-18")
    _loader.clear_cache()
    assert main(["list"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and re.search(JSON_DAMAGE[case], err), err
