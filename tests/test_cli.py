"""The command line, called as main(argv) and as a real process."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import iicsa_stats as ist
from iicsa_stats.cli import _COMMANDS, main

FIGURE = "police-recorded-online-csa-incidents-2016-17"


def test_show_prints_value_caveats_source_and_context(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", FIGURE]) == 0
    out = capsys.readouterr().out
    fig = ist.figure(FIGURE)
    assert out.startswith(fig.headline)
    for caveat in fig.caveats:
        assert caveat.text in out
    assert "\u00bb" + fig.provenance.quote + "\u00ab" in " ".join(out.split())
    assert "\033[" not in out  # captured output is not a terminal: no colour


def test_show_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", FIGURE, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data == json.loads(json.dumps(ist.figure(FIGURE).to_dict()))
    assert data["caveats"] and data["provenance"]["quote"]
    assert main(["show", "--all", "--format", "json"]) == 0
    assert [d["figure_id"] for d in json.loads(capsys.readouterr().out)] == ist.list_figures()


def test_show_all(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "--all"]) == 0
    out = capsys.readouterr().out
    for figure_id in ist.list_figures():
        assert f"id: {figure_id}" in out


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_list_formats(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--format", fmt]) == 0
    out = capsys.readouterr().out
    for figure_id in ist.list_figures():
        assert figure_id in out
    if fmt == "json":
        records = json.loads(out)
        assert [r["figure_id"] for r in records] == ist.list_figures()
        assert all(r["key_caveat"] for r in records)
    if fmt == "csv":
        assert out.splitlines()[0].startswith("figure_id,value,value_lower")
        assert "7.5e" not in out


def test_list_filter(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--unit", "offences", "--format", "json"]) == 0
    assert [r["figure_id"] for r in json.loads(capsys.readouterr().out)] == [
        "police-recorded-online-csa-offences-2017-18"
    ]
    assert main(["list", "--unit", "offences", "--unit", "incidents", "--format", "json"]) == 0
    assert [r["figure_id"] for r in json.loads(capsys.readouterr().out)] == [
        "police-recorded-online-csa-incidents-2016-17",
        "police-recorded-online-csa-offences-2017-18",
    ]


def test_search_shows_key_caveats(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "arrests", "each", "month"]) == 0
    out = capsys.readouterr().out
    fig = ist.figure("people-arrested-online-csa-per-month")
    assert f"  {fig.headline}\n  key caveat: {fig.caveats[0].text}\n" in out


def test_search_and_cite(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "arrests", "--format", "json"]) == 0
    ids = [r["figure_id"] for r in json.loads(capsys.readouterr().out)]
    assert set(ids) == {"people-arrested-online-csa-per-month", "nca-police-joint-operation-arrests-2018"}
    assert main(["cite", FIGURE]) == 0
    assert ist.figure(FIGURE).cite() in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["show", "no-such-figure"], "unknown figure id 'no-such-figure'"),
        (["show", "police-recorded-online-csa-incidents"], "Did you mean"),
        (["list", "--unit", "offence"], "matches no figure"),
        (["list", "--bogus"], "unrecognized arguments: --bogus"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        ([], "give a command"),
        (["show"], "give one figure id, or --all"),
        (["show", "--context", "x", FIGURE], "not a whole number"),
        (["search", "x", "--limit", "0"], "limit must be a whole number >= 1, got 0"),
        (["export", "--format", "xls", "--out", "x"], "invalid choice: 'xls'"),
        (["export", "--format", "csv", "--out", ""], "--out is empty"),
        (["site", "--out", " "], "--out is empty; give the folder"),
        (["validate", "--root", "/nonexistent"], "is not a data package folder"),
        (["build", "--root", "/nonexistent"], "is not a source checkout"),
        (["todo", "--root", "/nonexistent"], "is not a source checkout"),
    ],
)
def test_bad_input_exits_2_with_one_line(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1
    assert message in captured.err
    assert "Traceback" not in captured.err


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx", "json"])
def test_export(fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "export"
    assert main(["export", "--format", fmt, "--out", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir() if p.name != ".iicsa-stats-output")
    assert "ATTRIBUTION.txt" in names
    attribution = (out / "ATTRIBUTION.txt").read_text(encoding="utf-8")
    assert "Crown copyright" in attribution and "incidents and offences" in attribution
    names.remove("ATTRIBUTION.txt")
    if fmt == "json":
        assert names == ["figures.json"]
        data = json.loads((out / "figures.json").read_text(encoding="utf-8"))
        assert [d["figure_id"] for d in data] == ist.list_figures()
        assert all(d["caveats"] and d["provenance"]["quote"] for d in data)
    elif fmt == "xlsx":
        import openpyxl

        assert names == ["iicsa-stats.xlsx"]
        book = openpyxl.load_workbook(out / "iicsa-stats.xlsx")
        assert book.sheetnames == ["about", *ist.TABLES]
        for table in ist.TABLES:
            frame = ist.table(table)
            sheet = book[table]
            assert [c.value for c in sheet[1]] == list(frame.columns)
            assert sheet.max_row == len(frame) + 1
        ledger = [[c.value for c in row] for row in book["ledger"].iter_rows(min_row=2)]
        as_text = ["0800", "18-25", "10-18"]  # Excel would read these as a number and dates from a CSV
        assert [r[3] for r in ledger if r[3] in as_text] == as_text
        figures = {row[0].value: row for row in book["figures"].iter_rows(min_row=2)}
        value = list(ist.table("figures").columns).index("value")
        assert figures["police-recorded-online-csa-offences-2017-18"][value].value == 8525
    else:
        assert names == sorted(f"{t}.{fmt}" for t in ist.TABLES)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".iicsa-tmp-")]


def test_export_to_a_file_or_unwritable_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "a-file"
    target.write_text("x")
    assert main(["export", "--format", "csv", "--out", str(target)]) == 2
    assert "is a file" in capsys.readouterr().err
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user that can write anywhere (root): permissions are not enforced")
        assert main(["export", "--format", "csv", "--out", str(locked / "sub")]) == 2
        assert "cannot write" in capsys.readouterr().err
    finally:
        locked.chmod(0o700)


def test_export_under_a_read_only_path_fails_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    # /proc refuses new folders even for root
    assert main(["export", "--format", "csv", "--out", "/proc/iicsa-export-test"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("iicsa-stats: error: cannot write to --out") and "Traceback" not in err


@pytest.mark.parametrize("command", _COMMANDS)
def test_every_command_has_help_with_an_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "example:" in out
    assert f"iicsa-stats {command}" in out


def test_real_processes_exit_status_and_no_colour_in_a_pipe() -> None:
    command = [sys.executable, "-m", "iicsa_stats", "show", FIGURE]
    shown = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert shown.returncode == 0, shown.stderr
    assert "\033[" not in shown.stdout and ist.figure(FIGURE).headline in shown.stdout
    script = shutil.which("iicsa-stats", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the iicsa-stats console script is not installed next to this Python")
    missing = subprocess.run([script, "show", "nope"], capture_output=True, text=True, timeout=120, check=False)
    assert missing.returncode == 2
    assert missing.stderr.count("\n") == 1 and "Traceback" not in missing.stderr


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0 and capsys.readouterr().out.strip() == f"iicsa-stats {ist.__version__}"


def test_validate_command_exit_status_formats_and_the_rebuild_option(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command's part: --rebuild/--no-rebuild passed on, the report in text or JSON, exit 1 on problems."""
    from iicsa_stats import validation

    calls: list[object] = []
    found = [validation.Problem(check="quotes", figure_id=FIGURE, message="the quote moved")]

    def fake(root: Path | None = None, rebuild: bool | None = None) -> list[validation.Problem]:
        calls.append(rebuild)
        return found if rebuild is False else []

    monkeypatch.setattr(validation, "validate", fake)
    assert main(["validate"]) == 0
    out = capsys.readouterr().out
    assert "no problems found" in out and "rebuild check: skipped" not in out  # a checkout: the rebuild runs
    assert main(["validate", "--no-rebuild", "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)[0] == {**dataclasses.asdict(found[0]), "figure_id": FIGURE}
    assert main(["validate", "--no-rebuild"]) == 1
    out = capsys.readouterr().out
    assert "the quote moved" in out and "rebuild check: skipped" in out
    assert main(["validate", "--rebuild"]) == 0
    assert calls == [None, False, False, True]


def test_build_and_todo_commands(
    checkout_copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from iicsa_stats import build

    root = checkout_copy
    before = (root / "datapackage.json").read_bytes()
    assert main(["todo", "--root", str(root)]) == 0
    assert "Every number in the raw documents is accounted for." in capsys.readouterr().out
    curation = root / "data" / "curation" / "iicsa-research-online.toml"
    text = curation.read_text(encoding="utf-8")
    curation.write_text(text.replace('[[excluded]]\nspan = "January 2018"\nreason = "date"\n', ""), encoding="utf-8")
    assert main(["todo", "--root", str(root)]) == 1
    out = capsys.readouterr().out
    assert "'2018'" in out and "[[excluded]]" in out and "context:" in out
    assert main(["build", "--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("iicsa-stats: build failed:") and "not accounted for" in err and "Traceback" not in err
    assert (root / "datapackage.json").read_bytes() == before
    built: list[Path] = []
    monkeypatch.setattr(build, "build", built.append)  # a real build: tests/test_output.py
    assert main(["build", "--root", str(root)]) == 0
    assert built == [root] and capsys.readouterr().out.startswith(f"Built the data package in {root}:")
