"""validate(): the sound package passes, each check fires on what it checks, bad files are problems, never raise.

Most tests damage one thing in a copy of a built package and run only the check meant for it (``run_checks``).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import re
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import REPO, edit_csv
from iicsa_stats import build as build_module
from iicsa_stats.errors import CurationError
from iicsa_stats.tables import TABLES
from iicsa_stats.validation import CHECKS, Problem, format_report, run_checks, validate, will_rebuild

PROFILES = Path(__file__).resolve().parent / "profiles" / "2.0"  # vendored, see tests/profiles/README.md
SHARED_PROFILES = Path(__file__).resolve().parents[2] / "shared" / "profiles" / "2.0"
FIGURES = "data/processed/figures.csv"


@pytest.fixture
def pristine(built_package: Path) -> Path:
    """A complete data package built from the checkout, never modified."""
    return built_package


@pytest.fixture
def package(pristine: Path, tmp_path: Path) -> Path:
    """A fresh copy of the data package that a test may damage."""
    return Path(shutil.copytree(pristine, tmp_path / "pkg"))


def csv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# --------------------------------------------------------------------------- the sound package, the rebuild


def test_the_checkout_validates_with_the_rebuild_and_a_built_copy_without() -> None:
    assert will_rebuild() is True  # the default root is this checkout
    problems = validate()
    assert problems == [], format_report(problems)


def test_asking_a_built_copy_for_a_rebuild_is_one_problem(pristine: Path) -> None:
    problems = run_checks(pristine, ["rebuild"], rebuild=True)
    assert [p.check for p in problems] == ["rebuild"], format_report(problems)
    assert "the rebuild check needs a source checkout" in problems[0].message and str(pristine) in problems[0].message


def test_will_rebuild_needs_curation_and_schemas(pristine: Path, checkout_copy: Path) -> None:
    assert (will_rebuild(checkout_copy), will_rebuild(checkout_copy, False), will_rebuild(pristine, True)) == (
        True,
        False,
        False,
    )
    shutil.rmtree(checkout_copy / "data" / "curation")
    (checkout_copy / "data" / "curation").write_text("not a folder", encoding="utf-8")
    assert will_rebuild(checkout_copy) is False


def test_a_failing_build_is_one_rebuild_problem_naming_the_curation_file(
    monkeypatch: pytest.MonkeyPatch, checkout_copy: Path
) -> None:
    figure_id = csv_rows(REPO / FIGURES)[0]["figure_id"]

    def failing_build(root: Path, *, out: Path | None = None) -> Path:
        raise CurationError(str(root / "data/curation/x.toml"), "declared value 1 is not among the numbers", figure_id)

    monkeypatch.setattr(build_module, "build", failing_build)
    problems = run_checks(checkout_copy, ["rebuild"], rebuild=True)
    assert [(p.check, p.file, p.figure_id) for p in problems] == [("rebuild", "data/curation/x.toml", figure_id)]
    assert "the build from data/raw and data/curation fails" in problems[0].message


def test_the_rebuild_finds_committed_files_that_differ_from_the_curation(checkout_copy: Path) -> None:
    fid = csv_rows(checkout_copy / FIGURES)[0]["figure_id"]
    curation = next(p for p in (checkout_copy / "data/curation").glob("*.toml") if f'id = "{fid}"' in p.read_text())
    text = curation.read_text(encoding="utf-8")
    measure = text.index('measure = "', text.index(f'id = "{fid}"')) + len('measure = "')
    curation.write_text(text[:measure] + "Changed: " + text[measure:], encoding="utf-8")
    problems = run_checks(checkout_copy, ["rebuild"], rebuild=True)
    assert any(p.file == FIGURES and p.figure_id == fid for p in problems), format_report(problems)
    # the Parquet files need no comparison of their own: the parquet check holds each equal to its CSV file


# --------------------------------------------------------------------------- Problem and the report


def test_problem_fields_and_its_one_line_form() -> None:
    assert [f.name for f in dataclasses.fields(Problem)] == [
        "check", "file", "table", "row", "field", "expected", "found", "figure_id", "message",
    ]  # fmt: skip
    with pytest.raises(dataclasses.FrozenInstanceError):
        Problem(check="raw", message="m").check = "keys"  # type: ignore[misc]
    with pytest.raises(ValueError, match="unknown check 'spelling'"):
        Problem(check="spelling", message="x")
    with pytest.raises(ValueError, match="needs a message"):
        Problem(check="keys", message="  ")
    text = str(Problem(check="quotes", file="f.csv", row="figure_id=a", expected="x\ny", message="not\nthe text"))
    assert text == "[quotes] f.csv, row figure_id=a: not | the text (expected 'x\\ny')"
    assert str(Problem(check="raw", message="m", expected="x" * 500)).endswith("...)")


def test_format_report_groups_by_check_and_counts() -> None:
    problems = [
        Problem(check="parquet", file="b.parquet", message="value differs"),
        Problem(check="files", file="a.csv", message="file is missing"),
    ]
    assert format_report(problems).splitlines() == [
        "validate: 2 problems found (files: 1, parquet: 1)",
        "  [files] a.csv: file is missing",
        "  [parquet] b.parquet: value differs",
    ]
    assert format_report([]) == "validate: no problems found"
    assert CHECKS == ("files", "package", "checksums", "raw", "quotes", "ledger", "keys", "comparisons", "parquet",
                      "rebuild")  # fmt: skip


# --------------------------------------------------------------------------- bad files never raise


def _latin1(path: Path) -> None:
    path.write_bytes(path.read_bytes().replace(b"e", b"\xe9", 1))


def _folder(path: Path) -> None:
    path.unlink()
    path.mkdir()


DAMAGE: dict[str, tuple[str, Callable[[Path], None], str, str]] = {
    # name: (file, damage, expected check, text the message must contain)
    "missing csv": (FIGURES, Path.unlink, "files", "file is missing"),
    "empty csv": ("data/processed/caveats.csv", lambda p: p.write_bytes(b""), "files", "file is empty"),
    "latin-1 csv": ("data/processed/producers.csv", _latin1, "files", "not UTF-8"),
    "corrupt parquet": ("data/processed/figures.parquet", lambda p: p.write_bytes(b"PAR1 no"), "parquet", "Parquet"),
    "missing parquet": ("data/processed/caveats.parquet", Path.unlink, "files", "file is missing"),
    "latin-1 raw": ("data/raw/iicsa-internet-report-b1.txt", _latin1, "files", "not UTF-8"),
    "garbage descriptor": ("datapackage.json", lambda p: p.write_text("{", encoding="utf-8"), "files", "JSON"),
    "list descriptor": ("datapackage.json", lambda p: p.write_text("[]", encoding="utf-8"), "files", "descriptor"),
    "missing schema": ("schemas/ledger.schema.json", Path.unlink, "files", "file is missing"),
    "missing checksums": ("data/processed/PARQUET.sha256", Path.unlink, "files", "file is missing"),
    "folder for a file": ("data/raw/iicsa-internet-report-b1.txt", _folder, "files", "is a folder, not a file"),
}


@pytest.mark.parametrize("name", sorted(DAMAGE))
def test_a_damaged_file_is_a_problem_naming_it(package: Path, name: str) -> None:
    file, damage, check, text = DAMAGE[name]
    damage(package / file)
    problems = run_checks(package, [check])
    assert any(p.file == file and text in p.message for p in problems), format_report(problems)
    assert not [p for p in problems if str(package) in str(p) or "\n" in str(p)], format_report(problems)


@pytest.mark.parametrize("name", ["missing folder", "a file", "folder without a package"])
def test_a_root_that_is_not_a_package_folder_is_one_problem(tmp_path: Path, name: str) -> None:
    root = {"missing folder": tmp_path / "nothing", "a file": Path(shutil.copy2(__file__, tmp_path / "f"))}.get(
        name, tmp_path
    )
    problems = validate(root, rebuild=True)
    assert [(p.check, p.file) for p in problems] == [("files", None)], format_report(problems)
    assert problems[0].message.startswith(f"{root} is not a folder holding a data package (datapackage.json): it ")


def test_a_package_folder_missing_every_file_is_problems_not_an_exception(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    problems = validate(tmp_path)
    assert {"datapackage.json", "schemas/figures.schema.json"} <= {p.file for p in problems if p.check == "files"}
    assert not [p for p in problems if "stopped on data" in p.message], format_report(problems)


def test_a_bad_data_dir_variable_is_a_problem(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("IICSA_STATS_DATA_DIR", str(tmp_path))
    problems = validate()
    assert [p.check for p in problems] == ["files"] and "IICSA_STATS_DATA_DIR" in problems[0].message


def test_a_check_that_breaks_is_one_problem_and_the_others_still_run(
    package: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iicsa_stats.validation import checks

    def broken(text: str) -> list[object]:
        raise RuntimeError("unexpected")

    monkeypatch.setattr(checks, "find_numbers", broken)
    (package / "data/processed/PARQUET.sha256").unlink()
    problems = run_checks(package, ["ledger", "checksums"])
    assert sorted(p.check for p in problems) == ["checksums", "ledger"], format_report(problems)
    assert any(p.check == "ledger" and "RuntimeError: unexpected" in p.message for p in problems)


SKIP_NOTE = re.compile(r"the (\w+) check left out what depends on (.+), which could not be read")


def test_an_unreadable_table_is_reported_once_and_each_check_that_needs_it_says_so_once(package: Path) -> None:
    (package / FIGURES).write_bytes(b"\x00\xff not a table\n")
    problems = validate(package)
    report = format_report(problems)
    assert [p.file for p in problems if p.check == "files"] == [FIGURES], report
    notes = Counter(p.check for p in problems if SKIP_NOTE.match(p.message) and p.file == FIGURES)
    assert {"ledger", "keys", "parquet", "comparisons"} <= set(notes) and set(notes.values()) == {1}, report
    assert {p.file for p in problems if p.check == "package"} == {FIGURES}, report  # no foreign-key errors elsewhere
    assert not [p for p in problems if re.search(r"names no|no caveat|missing from the Parquet", p.message)], report


# --------------------------------------------------------------------------- each check fires on what it checks


def test_frictionless_reports_keys_code_lists_foreign_keys_sizes_and_hashes(package: Path) -> None:
    fid = csv_rows(package / FIGURES)[0]["figure_id"]
    edited = {"data/processed/producers.csv", FIGURES, "data/processed/figure_caveats.csv"}
    edit_csv(package / "data/processed/producers.csv", lambda rows: [*rows, rows[0]])
    edit_csv(package / FIGURES, lambda rows: [{**r, "unit": "widgets"} if r["figure_id"] == fid else r for r in rows])
    edit_csv(package / "data/processed/figure_caveats.csv", lambda rows: [{**rows[0], "caveat_id": "nope"}, *rows[1:]])
    problems = run_checks(package, ["package", "checksums"])
    report = format_report(problems)
    assert any(p.table == "producers" and "primary-key" in p.message for p in problems), report
    assert any(p.figure_id == fid and p.field == "unit" and "constraint" in p.message for p in problems), report
    assert any(p.table == "figure_caveats" and "foreign-key" in p.message for p in problems), report
    pins = [p for p in problems if p.message.startswith(("byte-count", "hash-count"))]
    assert Counter(p.file for p in pins) == dict.fromkeys(edited, 2), report  # a byte-count and a hash-count each
    assert all("changed after the build: rebuild with" in p.message for p in pins), report
    assert {p.check for p in problems} == {"package"} and str(package) not in report, report


def test_keys_figure_shape_caveat_link_and_the_loaders_join(package: Path) -> None:
    figures = csv_rows(package / FIGURES)
    dated = next(f for f in figures if f["period_start"] and f["period_end"] and f["period_start"] < f["period_end"])
    unlinked = figures[0]["figure_id"]

    def swap(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        for row in rows:
            if row["figure_id"] == dated["figure_id"]:
                row["period_start"], row["period_end"] = row["period_end"], row["period_start"]
        return rows

    edit_csv(package / FIGURES, swap)
    edit_csv(
        package / "data/processed/figure_caveats.csv", lambda rows: [r for r in rows if r["figure_id"] != unlinked]
    )
    edit_csv(package / "data/processed/caveats.csv", lambda rows: [{**rows[0], "kind": "other"}, *rows[1:]])
    problems = run_checks(package, ["keys"])
    report = format_report(problems)
    assert any(p.figure_id == dated["figure_id"] and "period_start is after" in p.message for p in problems), report
    assert any(p.figure_id == unlinked and "no caveat" in p.message for p in problems), report
    join = [p for p in problems if "the loader refuses" in p.message]
    assert [p.file for p in join] == ["data/processed/caveats.csv"], report  # the file the loader names


def test_rows_out_of_order_are_a_problem_at_the_first_line_out_of_place(package: Path) -> None:
    edit_csv(package / "data/processed/ledger.csv", lambda rows: list(reversed(rows)))
    problems = run_checks(package, ["keys"])
    assert [(p.file, p.row) for p in problems] == [("data/processed/ledger.csv", "line 3")], format_report(problems)


def test_raw_document_pin(package: Path) -> None:
    edit_csv(package / "data/processed/documents.csv", lambda rows: [{**rows[0], "sha256": "0" * 64}, *rows[1:]])
    problems = run_checks(package, ["raw"])
    assert [(p.field, p.expected, p.file.startswith("data/raw/")) for p in problems if p.file] == [
        ("sha256", "0" * 64, True)
    ]


def test_source_caveat_quote(package: Path) -> None:
    quoted = next(c for c in csv_rows(package / "data/processed/caveats.csv") if c["basis"] == "source")
    edit_csv(
        package / "data/processed/caveats.csv",
        lambda rows: [{**r, "quote": r["quote"] + " x"} if r["caveat_id"] == quoted["caveat_id"] else r for r in rows],
    )
    assert [p.row for p in run_checks(package, ["quotes"])] == [f"caveat_id={quoted['caveat_id']}"]


def test_ledger_rows_without_a_number_and_an_excluded_declared_value(package: Path) -> None:
    fid = csv_rows(package / FIGURES)[0]["figure_id"]

    def change(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        for row in rows:
            if row["figure_id"] == fid:
                row.update(status="excluded", figure_id="", reason="other", note="test")
        return [{**rows[0], "start": "1", "end": "2", "text": "7"}, *rows]

    edit_csv(package / "data/processed/ledger.csv", change)
    problems = run_checks(package, ["ledger"])
    report = format_report(problems)
    assert any("no matching number at offset 1" in p.message for p in problems), report
    assert any(p.figure_id == fid and "the ledger excludes it" in p.message for p in problems), report


def test_parquet_checksum_listing(package: Path) -> None:
    listing = package / "data/processed/PARQUET.sha256"
    lines = listing.read_text(encoding="utf-8").splitlines()
    lines[0] = "f" * 64 + lines[0][64:]
    listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = run_checks(package, ["checksums"])
    assert [(p.file, p.expected) for p in problems] == [(f"data/processed/{lines[0][66:]}", "f" * 64)]


def test_parquet_column_type_and_a_file_of_another_table(package: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = package / "data/processed/figures.parquet"
    table = pq.read_table(path)
    index = table.column_names.index("quote_start")
    pq.write_table(table.set_column(index, "quote_start", table.column(index).cast(pa.string())), path)
    shutil.copy2(package / "data/processed/producers.parquet", package / "data/processed/caveats.parquet")
    problems = run_checks(package, ["parquet"])
    assert [(p.table, p.field, p.expected, p.found) for p in problems if p.table == "figures"] == [
        ("figures", "quote_start", "int64", "string")
    ]
    assert [p.message for p in problems if p.table == "caveats"] == ["the Parquet columns differ from the schema's"]


# --------------------------------------------------------------------------- Data Package v2 profiles


def test_vendored_profiles_equal_the_shared_copy() -> None:
    assert sorted(p.name for p in PROFILES.glob("*.json")) == [
        "datapackage.json",
        "dataresource.json",
        "tabledialect.json",
        "tableschema.json",
    ]
    if not SHARED_PROFILES.is_dir():
        pytest.skip(f"no shared copy of the profiles at {SHARED_PROFILES} to compare with")
    for profile in PROFILES.glob("*.json"):
        assert profile.read_bytes() == (SHARED_PROFILES / profile.name).read_bytes(), profile.name


def test_descriptor_and_schemas_follow_the_v2_profiles() -> None:
    from jsonschema import Draft7Validator

    def check(instance_path: Path, profile_name: str) -> list[str]:
        profile = json.loads((PROFILES / profile_name).read_text(encoding="utf-8"))
        Draft7Validator.check_schema(profile)
        instance = json.loads(instance_path.read_text(encoding="utf-8"))
        errors = Draft7Validator(profile).iter_errors(instance)
        return [f"{instance_path.name}: {'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]

    errors = check(REPO / "datapackage.json", "datapackage.json")
    schemas = sorted((REPO / "schemas").glob("*.schema.json"))
    assert len(schemas) == len(TABLES)
    for schema in schemas:
        errors += check(schema, "tableschema.json")
    assert errors == []
    profile = json.loads((PROFILES / "tableschema.json").read_text(encoding="utf-8"))
    assert list(Draft7Validator(profile).iter_errors({"fields": [{"name": "x", "type": "no-such-type"}]}))
