"""The zip bundle: deterministic, complete, valid zipped and unzipped, never half-written or in the wrong place."""

from __future__ import annotations

import os
import shutil
import stat
import zipfile
from pathlib import Path

import frictionless
import pytest

import iicsa_stats as ist
from iicsa_stats import _catalog, _loader, export
from iicsa_stats._paths import data_root
from iicsa_stats.cli import main
from iicsa_stats.notices import CONTENT_NOTICE, attribution_text
from iicsa_stats.tables import TABLES


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("bundle") / "iicsa.zip"
    assert main(["export", "--format", "zip", "--out", str(target)]) == 0
    return target


@pytest.fixture(scope="module")
def unzipped(exported: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("unzipped")
    with zipfile.ZipFile(exported) as archive:
        archive.extractall(folder)
    return folder


def test_exporting_again_over_an_earlier_zip_gives_identical_bytes(exported: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.zip"
    shutil.copy(exported, again)
    again.write_bytes(again.read_bytes()[:-1] + b"x")  # damaged, still one of ours: replaced
    assert main(["export", "--format", "zip", "--out", str(again)]) == 0
    assert again.read_bytes() == exported.read_bytes()
    assert os.listdir(tmp_path) == ["again.zip"]


def test_members_are_sorted_with_fixed_timestamps_and_permissions(exported: Path) -> None:
    with zipfile.ZipFile(exported) as archive:
        infos = archive.infolist()
        assert archive.testzip() is None
    names = [i.filename for i in infos]
    assert names == sorted(names)
    assert "datapackage.json" in names  # at the top level, where frictionless looks for it
    assert {i.date_time for i in infos} == {export.ZIP_TIMESTAMP}
    assert {i.external_attr >> 16 for i in infos} == {0o100644}
    assert {i.compress_type for i in infos} == {zipfile.ZIP_DEFLATED}


def test_the_bundle_holds_the_data_package_byte_for_byte(unzipped: Path) -> None:
    root = data_root()
    expected = ["datapackage.json", "data/processed/PARQUET.sha256"]
    expected += [f"schemas/{t}.schema.json" for t in TABLES]
    expected += [f"data/processed/{t}.{ext}" for t in TABLES for ext in ("csv", "parquet")]
    expected += [d["raw_path"] for d in _loader.rows("documents")]
    for name in expected:
        assert (unzipped / name).read_bytes() == (root / name).read_bytes(), name
    found = sorted(p.relative_to(unzipped).as_posix() for p in unzipped.rglob("*") if p.is_file())
    assert found == sorted([*expected, "README.md", "ATTRIBUTION.txt"])


def test_frictionless_validates_every_resource_of_the_zip(exported: Path) -> None:
    # About 2.5 s of CPU: frictionless opens each of the 22 resources about three times (each foreign key reads
    # its table again) and copies and re-validates its metadata at every step.  Its typed reading is compared
    # with the API in test_interop.py, the members with the data package byte for byte above.
    report = frictionless.validate(str(exported))
    assert report.valid, report.flatten(["type", "note"])[:5]
    assert sorted(task.name for task in report.tasks) == sorted(r["name"] for r in _loader.package()["resources"])


def test_readme_and_attribution_are_generated_from_the_data(unzipped: Path) -> None:
    package = _loader.package()
    readme = (unzipped / "README.md").read_text(encoding="utf-8")
    assert readme.startswith(f"# {package['title']}\n")
    assert CONTENT_NOTICE in readme
    for table in TABLES:
        assert f"(`{table}`)" in readme
        for field in ist.table(table).columns:
            assert f"| `{field}` |" in readme
    for fig in _catalog.all_figures().values():
        assert f"| `{fig.id}` | {fig.headline} |" in readme
        assert " ".join(fig.caveats[0].text.split()) in readme
    assert package["attribution"] in readme
    assert package["licenses"][0]["title"] in readme
    assert "iicsa-stats cite FIGURE_ID" in readme
    assert (unzipped / "ATTRIBUTION.txt").read_text(encoding="utf-8") == attribution_text(package)


def test_export_zip_into_a_folder_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--format", "zip", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "is a folder; give a file name" in err
    assert err.count("\n") == 1


def test_a_failure_while_writing_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out" / "iicsa.zip"
    target.parent.mkdir()
    target.write_bytes(b"an earlier file, kept as it was")
    calls = []

    def failing(self: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes, compresslevel: int | None = None) -> None:
        calls.append(info.filename)
        if len(calls) == 5:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", failing)
    with pytest.raises(OSError, match="No space left"):
        export.write_zip(target)
    assert sorted(p.name for p in target.parent.iterdir()) == ["iicsa.zip"]
    assert target.read_bytes() == b"an earlier file, kept as it was"


def test_damaged_data_is_refused_before_anything_is_written(
    data_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parquet = data_copy / "data" / "processed" / "ledger.parquet"
    parquet.write_bytes(parquet.read_bytes()[:-20])
    target = tmp_path / "bundle" / "iicsa.zip"
    assert main(["export", "--format", "zip", "--out", str(target)]) == 1
    assert "ledger.parquet: the file differs from its pin" in one_line(capsys.readouterr().err)
    assert not target.parent.exists()


# --------------------------------------------------------------------------- where the zip may go


def one_line(err: str) -> str:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize("out", ["datapackage.json", "data/processed/figures.csv"])
def test_a_zip_over_a_file_of_the_data_package_is_refused(
    data_copy: Path, out: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (data_copy / out).read_bytes()
    monkeypatch.chdir(data_copy)
    assert main(["export", "--format", "zip", "--out", out]) == 2
    assert "inside the data package" in one_line(capsys.readouterr().err)
    assert (data_copy / out).read_bytes() == before


@pytest.mark.parametrize("kind", ["device", "fifo"])
def test_a_zip_over_a_device_or_fifo_is_refused(kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if kind == "device":
        target = Path("/dev/full")
        if not target.is_char_device():
            pytest.skip("no /dev/full on this system")
    else:
        target = tmp_path / "pipe"
        os.mkfifo(target)
    assert main(["export", "--format", "zip", "--out", str(target)]) == 2
    assert "not a regular file or folder" in one_line(capsys.readouterr().err)
    assert stat.S_ISCHR(target.lstat().st_mode) if kind == "device" else stat.S_ISFIFO(target.lstat().st_mode)
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".iicsa-")]


def test_a_zip_name_too_long_for_the_file_system_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "--format", "zip", "--out", str(tmp_path / ("a" * 300 + ".zip"))]) == 2
    assert "File name too long" in one_line(capsys.readouterr().err)
    assert list(tmp_path.iterdir()) == []


def test_a_zip_of_a_folder_holding_only_the_descriptor_names_the_missing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    shutil.copy2(data_root() / "datapackage.json", damaged / "datapackage.json")
    monkeypatch.setenv("IICSA_STATS_DATA_DIR", str(damaged))
    _loader.clear_cache()
    try:
        status = main(["export", "--format", "zip", "--out", str(tmp_path / "out" / "iicsa.zip")])
    finally:
        _loader.clear_cache()
    assert status == 1
    assert "schemas/documents.schema.json: file is missing" in one_line(capsys.readouterr().err)
    assert not (tmp_path / "out").exists()
