"""validate(): the committed data is sound, every check fires on what it checks, bad files never raise."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import REPO, edit_csv
from iicsa_stats import build as build_module
from iicsa_stats.build import build
from iicsa_stats.errors import CurationError
from iicsa_stats.tables import TABLES
from iicsa_stats.validation import CHECKS, Problem, format_report, run_checks, validate, will_rebuild

PROFILES = Path(__file__).resolve().parent / "profiles" / "2.0"  # vendored, see tests/profiles/README.md
SHARED_PROFILES = Path(__file__).resolve().parents[2] / "shared" / "profiles" / "2.0"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete data package built from the checkout, never modified."""
    return build(REPO, out=tmp_path_factory.mktemp("validate") / "pkg")


@pytest.fixture
def package(pristine: Path, tmp_path: Path) -> Path:
    """A fresh copy of the data package that a test may damage."""
    return Path(shutil.copytree(pristine, tmp_path / "pkg"))


def csv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def checks_of(problems: list[Problem]) -> set[str]:
    return {p.check for p in problems}


# --------------------------------------------------------------------------- committed data


def test_committed_data_validates_with_zero_problems() -> None:
    problems = validate(REPO)
    assert problems == [], format_report(problems)


def test_default_root_is_the_checkout_and_validates() -> None:
    problems = validate()
    assert problems == [], format_report(problems)


def test_built_copy_validates_with_zero_problems(pristine: Path) -> None:
    problems = validate(pristine)
    assert problems == [], format_report(problems)


def test_rebuild_runs_by_default_on_any_source_checkout(
    monkeypatch: pytest.MonkeyPatch, pristine: Path, checkout_copy: Path
) -> None:
    figure_id = csv_rows(REPO / "data" / "processed" / "figures.csv")[0]["figure_id"]

    def failing_build(root: Path, *, out: Path | None = None) -> Path:
        raise CurationError("data/curation/x.toml", "declared value 1 is not among the numbers", figure_id)

    monkeypatch.setattr(build_module, "build", failing_build)
    for root in (REPO, checkout_copy):  # the checkout this package runs from, and a copy of one
        problems = validate(root)
        assert [p.check for p in problems] == ["rebuild"], format_report(problems)
        assert problems[0].figure_id == figure_id
        assert problems[0].file == "data/curation/x.toml"
        assert re.search(r"the build from data/raw and data/curation fails", problems[0].message)
        assert validate(root, rebuild=False) == []
    assert validate(pristine) == []  # no data/curation: no rebuild, and no problem for skipping it


def test_will_rebuild_tells_whether_validate_runs_the_rebuild(
    pristine: Path, checkout_copy: Path, tmp_path: Path
) -> None:
    assert will_rebuild() is True  # the default root is this checkout
    assert will_rebuild(REPO) is True
    assert will_rebuild(checkout_copy) is True
    assert will_rebuild(checkout_copy, True) is True
    assert will_rebuild(REPO, False) is False
    assert will_rebuild(pristine) is False
    assert will_rebuild(pristine, True) is False  # validate reports it instead
    assert will_rebuild(tmp_path / "nothing-here") is False
    shutil.rmtree(checkout_copy / "schemas")
    assert will_rebuild(checkout_copy) is False
    (checkout_copy / "schemas").mkdir()
    shutil.rmtree(checkout_copy / "data" / "curation")
    assert will_rebuild(checkout_copy) is False
    (checkout_copy / "data" / "curation").write_text("not a folder", encoding="utf-8")
    assert will_rebuild(checkout_copy) is False


def test_rebuild_asked_for_without_a_source_checkout_is_one_problem(pristine: Path) -> None:
    problems = validate(pristine, rebuild=True)
    assert [p.check for p in problems] == ["rebuild"], format_report(problems)
    assert re.search(r"the rebuild check needs a source checkout, a folder with data/curation and schemas",
                     problems[0].message)  # fmt: skip
    assert str(pristine) in problems[0].message


# --------------------------------------------------------------------------- Problem and the report


def test_problem_is_frozen_and_keyword_only() -> None:
    problem = Problem(check="quotes", message="the quote differs", figure_id="a-figure")
    with pytest.raises(dataclasses.FrozenInstanceError):
        problem.check = "keys"  # type: ignore[misc]
    with pytest.raises(TypeError, match="positional"):
        Problem("quotes", "the quote differs")  # type: ignore[misc]
    assert (problem.file, problem.table, problem.row, problem.field, problem.expected, problem.found) == (None,) * 6
    assert [f.name for f in dataclasses.fields(Problem)] == [
        "check", "file", "table", "row", "field", "expected", "found", "figure_id", "message",
    ]  # fmt: skip


def test_problem_refuses_an_unknown_check_or_an_empty_message() -> None:
    with pytest.raises(ValueError, match="unknown check 'spelling'"):
        Problem(check="spelling", message="x")
    with pytest.raises(ValueError, match="needs a message"):
        Problem(check="keys", message="  ")


def test_problem_str_is_one_readable_line() -> None:
    problem = Problem(
        check="quotes",
        file="data/processed/figures.csv",
        table="figures",
        row="figure_id=a-figure",
        field="quote",
        expected="recorded 5,653\nincidents",
        found="recorded 5,654",
        figure_id="a-figure",
        message="the quote is not the raw text\nbetween its offsets",
    )
    text = str(problem)
    assert "\n" not in text
    assert text.startswith("[quotes] data/processed/figures.csv, table figures, row figure_id=a-figure, field quote")
    assert "figure a-figure" in text
    assert "expected 'recorded 5,653\\nincidents'" in text
    assert "found recorded 5,654" in text
    assert "between its offsets" in text
    assert str(Problem(check="raw", message="m")) == "[raw] m"
    long = str(Problem(check="raw", message="m", expected="x" * 500))
    assert len(long) < 120
    assert long.endswith("...)")


def test_format_report_groups_by_check_and_counts() -> None:
    problems = [
        Problem(check="parquet", file="b.parquet", message="value differs"),
        Problem(check="files", file="a.csv", message="file is missing"),
        Problem(check="parquet", file="c.parquet", message="row missing"),
    ]
    report = format_report(problems)
    lines = report.splitlines()
    assert lines[0] == "validate: 3 problems found (files: 1, parquet: 2)"
    assert lines[1:] == ["  [files] a.csv: file is missing", "  [parquet] b.parquet: value differs",
                         "  [parquet] c.parquet: row missing"]  # fmt: skip
    assert format_report([]) == "validate: no problems found"
    assert format_report(problems[:1]).startswith("validate: 1 problem found (parquet: 1)")


def test_checks_are_stable() -> None:
    assert CHECKS == (
        "files",
        "package",
        "checksums",
        "raw",
        "quotes",
        "ledger",
        "keys",
        "comparisons",
        "parquet",
        "rebuild",
    )


# --------------------------------------------------------------------------- bad files never raise


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _latin1(path: Path) -> None:
    path.write_bytes(path.read_bytes().replace(b"e", b"\xe9", 1))


DAMAGE: dict[str, tuple[str, Callable[[Path], None], str, str]] = {
    # name: (file, damage, expected check, text the message must contain)
    "missing csv": ("data/processed/figures.csv", Path.unlink, "files", "file is missing"),
    "empty csv": ("data/processed/caveats.csv", lambda p: p.write_bytes(b""), "files", "file is empty"),
    "truncated csv": ("data/processed/ledger.csv", _truncate, "files", "restore it"),
    "latin-1 csv": ("data/processed/producers.csv", _latin1, "files", "not UTF-8"),
    "corrupt parquet": ("data/processed/figures.parquet", lambda p: p.write_bytes(b"PAR1 no"), "parquet", "Parquet"),
    "empty parquet": ("data/processed/ledger.parquet", lambda p: p.write_bytes(b""), "parquet", "Parquet"),
    "missing parquet": ("data/processed/caveats.parquet", Path.unlink, "parquet", "file is missing"),
    "missing raw": ("data/raw/iicsa-internet-report-b1.txt", Path.unlink, "files", "file is missing"),
    "latin-1 raw": ("data/raw/iicsa-internet-report-b1.txt", _latin1, "files", "not UTF-8"),
    "missing descriptor": ("datapackage.json", Path.unlink, "files", "file is missing"),
    "garbage descriptor": ("datapackage.json", lambda p: p.write_text("{", encoding="utf-8"), "files", "JSON"),
    "list descriptor": ("datapackage.json", lambda p: p.write_text("[]", encoding="utf-8"), "files", "descriptor"),
    "missing schema": ("schemas/ledger.schema.json", Path.unlink, "files", "file is missing"),
    "missing checksums": ("data/processed/PARQUET.sha256", Path.unlink, "checksums", "file is missing"),
}


@pytest.mark.parametrize("name", sorted(DAMAGE))
def test_a_damaged_file_is_a_problem_naming_it(package: Path, name: str) -> None:
    file, damage, check, text = DAMAGE[name]
    damage(package / file)
    problems = run_checks(package, [check])
    named = [p for p in problems if p.check == check and p.file == file]
    assert named, format_report(problems)
    assert any(text in p.message for p in named), format_report(named)
    for problem in problems:
        assert "\n" not in str(problem)
    assert format_report(problems).startswith(f"validate: {len(problems)} problem")


ROOTS: dict[str, Callable[[Path], Path]] = {
    # name: make the root from an empty temporary folder
    "missing folder": lambda tmp: tmp / "nothing-here",
    "a file": lambda tmp: Path(shutil.copy2("/etc/passwd" if Path("/etc/passwd").is_file() else __file__, tmp / "f")),
    "below a file": lambda tmp: Path(shutil.copy2(__file__, tmp / "f")) / "pkg",
    "folder without a package": lambda tmp: tmp,
}


@pytest.mark.parametrize("name", sorted(ROOTS))
@pytest.mark.parametrize("rebuild", [None, True, False])
def test_a_root_that_is_not_a_package_folder_is_one_problem(tmp_path: Path, name: str, rebuild: bool | None) -> None:
    root = ROOTS[name](tmp_path)
    problems = validate(root, rebuild=rebuild)
    assert len(problems) == 1, format_report(problems)
    assert problems[0].check == "files"
    assert problems[0].file is None
    assert re.match(rf"{re.escape(str(root))} is not a folder holding a data package \(datapackage\.json\): it ",
                    problems[0].message)  # fmt: skip


def test_a_package_folder_missing_every_file_is_problems_not_an_exception(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    problems = validate(tmp_path)
    files = {p.file for p in problems if p.check == "files"}
    assert "datapackage.json" in files
    assert "schemas/figures.schema.json" in files
    assert not [p for p in problems if "stopped on data" in p.message], format_report(problems)


def test_a_bad_data_dir_variable_is_a_problem(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("IICSA_STATS_DATA_DIR", str(tmp_path))
    problems = validate()
    assert [p.check for p in problems] == ["files"]
    assert "IICSA_STATS_DATA_DIR" in problems[0].message


@pytest.mark.parametrize("table", TABLES)
def test_blank_cells_are_problems_not_exceptions(package: Path, table: str) -> None:
    path = package / "data" / "processed" / f"{table}.csv"
    with open(path, encoding="utf-8", newline="") as handle:
        records = list(csv.reader(handle))
    for record in records[1:3]:
        record[:] = [""] * len(record)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(records)
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    problems = validate(package)
    assert any(p.table == table and p.check == "package" for p in problems), format_report(problems)
    assert not [p for p in problems if "stopped on data" in p.message], format_report(problems)


def test_a_parquet_file_of_another_table(package: Path) -> None:
    processed = package / "data" / "processed"
    shutil.copy2(processed / "producers.parquet", processed / "figures.parquet")
    problems = run_checks(package, ["parquet"])
    assert len(problems) == 1, format_report(problems)
    assert problems[0].file == "data/processed/figures.parquet"
    assert "columns differ" in problems[0].message


def test_a_check_that_breaks_is_a_problem_and_the_others_still_run(
    package: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import iicsa_stats.validation.checks.ledger as ledger_check

    def broken(text: str) -> list[object]:
        raise RuntimeError("unexpected")

    monkeypatch.setattr(ledger_check, "find_numbers", broken)
    (package / "data" / "processed" / "PARQUET.sha256").unlink()
    problems = validate(package)
    assert {p.check for p in problems} == {"ledger", "checksums"}
    assert any(p.check == "ledger" and "RuntimeError: unexpected" in p.message for p in problems)


# --------------------------------------------------------------------------- an unreadable file is reported once

SKIP_NOTE = re.compile(
    r"the (\w+) check left out what depends on (.+), which could not be read \(see the files problems\)"
)


def _garbage(path: Path) -> None:
    path.write_bytes(b"\x00\xff not a table\n")


def _folder(path: Path) -> None:
    path.unlink()
    path.mkdir()


UNREADABLE: dict[str, Callable[[Path], None]] = {"garbage": _garbage, "folder": _folder, "truncated": _truncate}


def assert_reported_once(problems: list[Problem], rel: str, root: Path) -> None:
    """``rel`` is reported by `files`; other checks add at most one note each naming it, and nothing else."""
    report = format_report(problems)
    assert [p.file for p in problems if p.check == "files"] == [rel], report
    notes = [p for p in problems if SKIP_NOTE.match(p.message)]
    assert all(Counter(p.check for p in notes)[p.check] == 1 for p in notes), report
    for note in notes:
        match = SKIP_NOTE.match(note.message)
        assert match is not None
        assert match.group(1) == note.check
        assert match.group(2) == rel == note.file, report
    for problem in problems:
        if problem.check in ("files", "package") or problem in notes:
            continue
        assert problem.file == rel, report  # e.g. [checksums] or [raw] about the damaged file itself
    for problem in problems:
        assert str(root) not in str(problem) and str(root.resolve()) not in str(problem), report


@pytest.mark.parametrize("damage", sorted(UNREADABLE))
def test_an_unreadable_figures_table_is_not_reported_again_by_the_checks_that_use_it(
    package: Path, damage: str
) -> None:
    rel = "data/processed/figures.csv"
    UNREADABLE[damage](package / rel)
    problems = validate(package)
    assert_reported_once(problems, rel, package)
    report = format_report(problems)
    assert not [p for p in problems if re.search(r"names no figure|no caveat|missing from the Parquet", p.message)]
    for check in ("ledger", "keys", "parquet"):  # each uses the figures table for other tables' rows
        assert [SKIP_NOTE.match(p.message) is not None for p in problems if p.check == check] == [True], report
    package_problems = [p for p in problems if p.check == "package"]
    assert {p.file for p in package_problems} == {rel}, report  # no foreign-key errors in figure_caveats, ledger


@pytest.mark.parametrize("damage", ["garbage", "folder"])
@pytest.mark.parametrize(
    "rel", [*(f"data/processed/{t}.csv" for t in TABLES), *(f"schemas/{t}.schema.json" for t in TABLES)]
)
def test_every_unreadable_table_or_schema_is_reported_once(package: Path, rel: str, damage: str) -> None:
    UNREADABLE[damage](package / rel)
    problems = validate(package)
    assert_reported_once(problems, rel, package)
    for problem in problems:
        if problem.check == "package" and problem.file != rel:
            # frictionless cannot open the package without the schema: one problem, naming the schema
            assert rel.startswith("schemas/") and problem.file == "datapackage.json", format_report(problems)
            assert rel in problem.message


@pytest.mark.parametrize("damage", ["garbage", "folder"])
def test_an_unreadable_raw_document_is_not_reported_again_for_each_quote(package: Path, damage: str) -> None:
    rel = "data/raw/iicsa-internet-report-b1.txt"
    UNREADABLE[damage](package / rel)
    problems = validate(package)
    assert_reported_once(problems, rel, package)
    assert not [p for p in problems if re.search(r"cannot be checked|no ledger row|no matching number", p.message)]
    for check in ("quotes", "ledger"):
        notes = [p for p in problems if p.check == check]
        assert len(notes) == 1 and SKIP_NOTE.match(notes[0].message), format_report(problems)


def test_an_unreadable_descriptor_skips_what_it_describes_once(package: Path) -> None:
    _folder(package / "datapackage.json")
    problems = validate(package)
    assert_reported_once(problems, "datapackage.json", package)
    assert sorted(p.check for p in problems) == ["checksums", "files", "package"], format_report(problems)


def test_the_rebuild_does_not_compare_an_unreadable_file_line_by_line(checkout_copy: Path) -> None:
    rel = "data/processed/figures.csv"
    _garbage(checkout_copy / rel)
    problems = validate(checkout_copy)  # a source checkout: the rebuild runs by default
    assert_reported_once(problems, rel, checkout_copy)
    assert not [p for p in problems if p.check == "rebuild"], format_report(problems)


def test_sizes_and_hashes_are_frictionless_problems_with_relative_paths(package: Path) -> None:
    def change(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        rows[0]["name"] += " (edited)"
        return rows

    rel = "data/processed/producers.csv"
    edit_csv(package / rel, change)
    problems = run_checks(package, ["package", "checksums"])
    report = format_report(problems)
    assert sorted(p.message.split(" ")[0] for p in problems if p.file == rel) == ["byte-count", "hash-count"], report
    assert all("changed after the build: rebuild with" in p.message for p in problems if p.file == rel), report
    assert not [p for p in problems if p.check == "checksums"], report
    assert not [p for p in problems if str(package) in str(p) or str(package.resolve()) in str(p)], report


FOLDERS = [
    "data/processed/figures.csv",
    "data/processed/figures.parquet",
    "data/processed/PARQUET.sha256",
    "data/raw/iicsa-internet-report-b1.txt",
    "datapackage.json",
    "schemas/figures.schema.json",
]


@pytest.mark.parametrize("rel", FOLDERS)
def test_a_folder_in_place_of_a_file_is_a_problem_naming_it(package: Path, rel: str) -> None:
    _folder(package / rel)
    problems = validate(package)
    named = [p for p in problems if p.file == rel and not SKIP_NOTE.match(p.message)]
    assert named, format_report(problems)
    assert any(re.search(r"is a folder, not a file|Is a directory", p.message) for p in named), format_report(named)
    assert not [p for p in problems if re.search(r"stopped on data|file is missing", p.message)], format_report(
        problems
    )
    assert not [p for p in problems if str(package) in str(p)], format_report(problems)


# --------------------------------------------------------------------------- each check fires on what it checks


def _figures(package: Path) -> list[dict[str, str]]:
    return csv_rows(package / "data" / "processed" / "figures.csv")


def test_a_duplicate_primary_key_is_reported_by_frictionless(package: Path) -> None:
    edit_csv(package / "data/processed/producers.csv", lambda rows: [*rows, rows[0]])
    problems = run_checks(package, ["package"])
    assert any(p.table == "producers" and "primary-key" in p.message for p in problems), format_report(problems)


def test_keys_foreign_key_and_missing_caveat_link(package: Path) -> None:
    fid = _figures(package)[0]["figure_id"]

    def unlink(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        kept = [r for r in rows if r["figure_id"] != fid]
        kept[0] = {**kept[0], "caveat_id": "no-such-caveat"}
        return kept

    edit_csv(package / "data/processed/figure_caveats.csv", unlink)
    problems = run_checks(package, ["package", "keys"])
    keys = [p for p in problems if p.check == "keys"]
    assert any(p.figure_id == fid and "no caveat" in p.message for p in keys), format_report(keys)
    assert any(
        p.check == "package"
        and p.table == "figure_caveats"
        and "foreign-key" in p.message
        and "no-such-caveat" in p.message
        for p in problems
    ), format_report(problems)


def test_keys_enum_bounds_and_period(package: Path) -> None:
    figures = _figures(package)
    dated = next(f for f in figures if f["period_start"] and f["period_end"] and f["period_start"] < f["period_end"])
    ranged = next(f for f in figures if f["value_lower"] and f["value_upper"])

    def change(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        for row in rows:
            if row["figure_id"] == dated["figure_id"]:
                row["period_start"], row["period_end"] = row["period_end"], row["period_start"]
            if row["figure_id"] == ranged["figure_id"]:
                row["value_lower"], row["value_upper"] = row["value_upper"], row["value_lower"]
                row["unit"] = "persons"
        return rows

    edit_csv(package / "data/processed/figures.csv", change)
    problems = run_checks(package, ["package", "keys"])
    keys = [p for p in problems if p.check == "keys"]
    assert any(p.figure_id == dated["figure_id"] and "period_start is after" in p.message for p in keys)
    assert any(p.figure_id == ranged["figure_id"] and "value_lower is greater" in p.message for p in keys)
    assert any(
        p.check == "package" and p.figure_id == ranged["figure_id"] and p.field == "unit" and "constraint" in p.message
        for p in problems
    ), format_report(problems)


def test_raw_document_pin(package: Path) -> None:
    def change(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        rows[0]["sha256"] = "0" * 64
        return rows

    edit_csv(package / "data/processed/documents.csv", change)
    raw = run_checks(package, ["raw"])
    assert len(raw) == 1
    assert raw[0].field == "sha256"
    assert raw[0].expected == "0" * 64
    assert raw[0].file is not None
    assert raw[0].file.startswith("data/raw/")


def test_ledger_row_without_a_number(package: Path) -> None:
    def change(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        extra = {**rows[0], "start": "1", "end": "2", "text": "7"}
        return [extra, *rows]

    edit_csv(package / "data/processed/ledger.csv", change)
    ledger = run_checks(package, ["ledger"])
    assert any("no matching number at offset 1" in p.message for p in ledger), format_report(ledger)


def test_ledger_excluding_a_declared_value(package: Path) -> None:
    fid = _figures(package)[0]["figure_id"]

    def change(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        for row in rows:
            if row["figure_id"] == fid:
                row.update(status="excluded", figure_id="", reason="other", note="test")
        return rows

    edit_csv(package / "data/processed/ledger.csv", change)
    ledger = [p for p in run_checks(package, ["ledger"]) if p.figure_id == fid]
    assert any("marks it excluded" in p.message for p in ledger), format_report(ledger)
    assert any("not among the ledger's numbers" in p.message for p in ledger), format_report(ledger)


def test_parquet_checksum_listing(package: Path) -> None:
    listing = package / "data/processed/PARQUET.sha256"
    lines = listing.read_text(encoding="utf-8").splitlines()
    lines[0] = "f" * 64 + lines[0][64:]
    listing.write_text("\n".join([*lines, "not a checksum line"]) + "\n", encoding="utf-8")
    checksums = run_checks(package, ["checksums"])
    assert any(p.expected == "f" * 64 and p.file == f"data/processed/{lines[0][66:]}" for p in checksums)
    assert any(p.found == "not a checksum line" for p in checksums)


def test_parquet_column_type(package: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = package / "data/processed/figures.parquet"
    table = pq.read_table(path)
    index = table.column_names.index("quote_start")
    table = table.set_column(index, "quote_start", table.column(index).cast(pa.string()))
    pq.write_table(table, path)
    parquet = run_checks(package, ["parquet"])
    assert [(p.field, p.expected, p.found) for p in parquet] == [("quote_start", "int64", "string")]


def test_source_caveat_quote(package: Path) -> None:
    caveats = csv_rows(package / "data/processed/caveats.csv")
    quoted = next(c for c in caveats if c["basis"] == "source")

    def change(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        for row in rows:
            if row["caveat_id"] == quoted["caveat_id"]:
                row["quote"] = row["quote"] + " (edited)"
        return rows

    edit_csv(package / "data/processed/caveats.csv", change)
    quotes = run_checks(package, ["quotes"])
    assert [p.row for p in quotes] == [f"caveat_id={quoted['caveat_id']}"]


def test_rebuild_finds_committed_files_that_differ_from_the_curation(checkout_copy: Path) -> None:
    root = checkout_copy
    fid = csv_rows(root / "data/processed/figures.csv")[0]["figure_id"]
    curation = next(p for p in (root / "data/curation").glob("*.toml") if f'id = "{fid}"' in p.read_text("utf-8"))
    text = curation.read_text(encoding="utf-8")
    start = text.index(f'id = "{fid}"')
    measure = text.index('measure = "', start) + len('measure = "')
    curation.write_text(text[:measure] + "Changed: " + text[measure:], encoding="utf-8")
    rebuild = run_checks(root, ["rebuild"], rebuild=True)
    assert any(p.file == "data/processed/figures.csv" and p.figure_id == fid for p in rebuild), format_report(rebuild)
    assert any(p.table == "figures" and "Parquet rows differ" in p.message for p in rebuild), format_report(rebuild)


def test_rebuild_reports_a_curation_error(checkout_copy: Path) -> None:
    root = checkout_copy
    raw = next((root / "data/raw").glob("*.txt"))
    raw.write_bytes(raw.read_bytes() + b"\n")
    rebuild = run_checks(root, ["rebuild"], rebuild=True)
    assert len(rebuild) == 1
    assert raw.name in rebuild[0].message
    assert "does not match its pin" in rebuild[0].message


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


def test_the_v2_profile_check_can_fail() -> None:
    from jsonschema import Draft7Validator

    profile = json.loads((PROFILES / "tableschema.json").read_text(encoding="utf-8"))
    assert list(Draft7Validator(profile).iter_errors({"fields": [{"name": "x", "type": "no-such-type"}]}))
