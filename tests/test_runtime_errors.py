"""Bad input and broken surroundings end in one clear line, never a traceback (issue 11: 0c, 0d, 2, 7, 9, 11, 12, 14).

The CLI tests call ``main(argv)`` in the process, where an exception the CLI
does not turn into a message would reach the test as that exception, or run
``python -m iicsa_stats`` where the surroundings (standard output) matter.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import iicsa_stats as ist
from conftest import REPO
from iicsa_stats import _loader
from iicsa_stats._staging import MARKER
from iicsa_stats.build import build
from iicsa_stats.cli import main
from iicsa_stats.errors import DataFileError, IICSAStatsError

FIGURE = "police-recorded-online-csa-offences-2017-18"
LONG = "a" * 300  # longer than any file system allows for one name (255)


def one_line(err: str) -> str:
    """The single line on standard error (and no traceback)."""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file (bytes) and folder (None) below ``folder``."""
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes() if p.is_file() else None) for p in sorted(folder.rglob("*"))
    }


def repin(root: Path, table: str) -> None:
    """Update a table's size and SHA-256 in datapackage.json after editing its CSV (a consistent tampering)."""
    package_path = root / "datapackage.json"
    package = json.loads(package_path.read_text(encoding="utf-8"))
    data = (root / "data" / "processed" / f"{table}.csv").read_bytes()
    for resource in package["resources"]:
        if resource["name"] == table:
            resource["bytes"] = len(data)
            resource["hash"] = f"sha256:{hashlib.sha256(data).hexdigest()}"
    package_path.write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- 0d: --root ""


@pytest.mark.parametrize("command", ["build", "validate", "todo"])
def test_an_empty_root_is_refused(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(REPO / "data" / "processed")
    assert main([command, "--root", ""]) == 2
    assert "--root is empty" in one_line(capsys.readouterr().err)
    assert snapshot(REPO / "data" / "processed") == before


# --------------------------------------------------------------------------- 0c and 11: export


def test_a_failed_export_leaves_the_folder_exactly_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["export", "--format", "csv", "--out", str(out)]) == 0
    capsys.readouterr()
    before = snapshot(out)
    real = Path.write_bytes

    def full(path: Path, data: Any) -> int:
        if path.name == "ledger.csv":
            raise OSError(28, "No space left on device", str(path))
        return real(path, data)

    monkeypatch.setattr(Path, "write_bytes", full)
    assert main(["export", "--format", "csv", "--out", str(out)]) == 2
    assert "No space left on device" in one_line(capsys.readouterr().err)
    assert snapshot(out) == before
    assert os.listdir(tmp_path) == ["out"]


@pytest.mark.parametrize("folder", ["data/raw", "."])
def test_export_into_the_package_is_refused(data_copy: Path, folder: str, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(data_copy)
    assert main(["export", "--format", "csv", "--out", str(data_copy / folder)]) == 2
    assert "inside the data package" in one_line(capsys.readouterr().err)
    assert snapshot(data_copy) == before


def test_export_into_the_checkout_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    target = REPO / "data" / "processed" / "exported"
    assert main(["export", "--format", "json", "--out", str(target)]) == 2
    assert "inside the data package" in one_line(capsys.readouterr().err)
    assert not target.exists()


# --------------------------------------------------------------------------- 2: damaged files, no traceback


def test_a_schema_field_type_changed_is_refused_cleanly(data_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = data_copy / "schemas" / "figures.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    next(f for f in schema["fields"] if f["name"] == "value")["type"] = "string"
    path.write_text(json.dumps(schema, indent=2), encoding="utf-8")
    package = json.loads((data_copy / "datapackage.json").read_text(encoding="utf-8"))
    for resource in package["resources"]:
        if isinstance(resource.get("schema"), dict) and resource["name"] == "figures":
            resource["schema"] = schema
        if resource.get("schema") == "schemas/figures.schema.json":  # re-pinned, so the type itself is refused
            resource["schemaHash"] = "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    (data_copy / "datapackage.json").write_text(json.dumps(package, indent=2), encoding="utf-8")
    for argv in (["show", FIGURE], ["list"], ["search", "offences"], ["cite", FIGURE], ["show", "--all"]):
        assert main(argv) == 1
        line = one_line(capsys.readouterr().err)
        assert "figures.csv" in line and "value" in line, line
    with pytest.raises(DataFileError, match="must be of type float"):
        ist.figure(FIGURE)


def test_a_raw_text_not_utf8_with_updated_pins_is_refused_cleanly(
    data_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = ist.figure(FIGURE).provenance
    raw = data_copy / doc.raw_path
    data = raw.read_bytes() + b"\xff\xfe not UTF-8\n"
    raw.write_bytes(data)
    documents = data_copy / "data" / "processed" / "documents.csv"
    rows = list(csv.reader(io.StringIO(documents.read_text(encoding="utf-8"), newline="")))
    header = rows[0]
    for row in rows[1:]:
        if row[header.index("document_id")] == doc.document_id:
            row[header.index("sha256")] = hashlib.sha256(data).hexdigest()
            row[header.index("bytes")] = str(len(data))
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    documents.write_text(buffer.getvalue(), encoding="utf-8")
    repin(data_copy, "documents")
    _loader.clear_cache()
    assert main(["show", FIGURE]) == 1
    line = one_line(capsys.readouterr().err)
    assert "not UTF-8 text" in line and doc.raw_path in line and "build failed" not in line


# --------------------------------------------------------------------------- 7 and 12: API arguments


@pytest.mark.parametrize("root", [1, b"/tmp", 2.5, ["."], "", "   "])
def test_bad_root_arguments_are_the_package_s_own_error(root: Any) -> None:
    with pytest.raises(IICSAStatsError, match=r"^root ") as info:
        ist.validate(root=root)
    assert isinstance(info.value, TypeError | ValueError)
    with pytest.raises(IICSAStatsError, match=r"^root "):
        build(root)


@pytest.mark.parametrize(
    ("call", "kind"),
    [
        (lambda: ist.figure(None), TypeError),  # type: ignore[arg-type]
        (lambda: ist.search(None), TypeError),  # type: ignore[arg-type]
        (lambda: ist.table(1), TypeError),  # type: ignore[arg-type]
        (lambda: ist.figure(FIGURE).context(-1), ValueError),
        (lambda: ist.figure(FIGURE).context(mark="<>"), TypeError),  # type: ignore[arg-type]
        (lambda: ist.search("arrests", limit=0), ValueError),
        (lambda: ist.search("arrests", limit="3"), TypeError),  # type: ignore[arg-type]
    ],
)
def test_bad_arguments_raise_errors_of_the_package(call: Any, kind: type[Exception]) -> None:
    with pytest.raises(IICSAStatsError) as info:
        call()
    assert isinstance(info.value, kind)


# --------------------------------------------------------------------------- 9: file-system errors


@pytest.mark.parametrize(
    "argv",
    [
        ["build", "--root", f"/tmp/{LONG}"],
        ["todo", "--root", f"/tmp/{LONG}"],
        ["validate", "--root", f"/tmp/{LONG}"],
        ["export", "--format", "csv", "--out", f"/tmp/{LONG}/out"],
    ],
)
def test_a_path_component_over_255_characters(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert len(one_line(capsys.readouterr().err)) < 400


@pytest.mark.parametrize("command", ["build", "todo"])
def test_a_curation_file_that_is_a_folder(
    checkout_copy: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = checkout_copy / "data" / "curation" / "caveats.toml"
    path.unlink()
    path.mkdir()
    assert main([command, "--root", str(checkout_copy)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "caveats.toml" in err and "is a folder" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="running as root: permission bits are not enforced")
@pytest.mark.parametrize("command", ["build", "todo", "validate"])
def test_a_folder_without_permission(checkout_copy: Path, command: str, capsys: pytest.CaptureFixture[str]) -> None:
    curation = checkout_copy / "data" / "curation"
    curation.chmod(0)
    try:
        status = main([command, "--root", str(checkout_copy)])
    finally:
        curation.chmod(0o755)
    assert status in (1, 2)
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("command", ["build", "todo"])
def test_a_curation_file_without_permission_simulated(
    checkout_copy: Path, command: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same failure as a folder without read permission, for a user to whom permission bits apply."""
    import builtins

    import iicsa_stats.curation as curation

    def denied(path: Any, *args: Any, **kwargs: Any) -> Any:
        if str(path).endswith(".toml"):
            raise PermissionError(13, "Permission denied", str(path))
        return builtins.open(path, *args, **kwargs)

    monkeypatch.setattr(curation, "open", denied, raising=False)
    assert main([command, "--root", str(checkout_copy)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "Permission denied" in err and ".toml" in err


def test_licenses_that_are_not_a_list(data_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = data_copy / "datapackage.json"
    package = json.loads(path.read_text(encoding="utf-8"))
    package["licenses"] = "CC-BY-4.0"
    path.write_text(json.dumps(package), encoding="utf-8")
    _loader.clear_cache()
    for call in (ist.figures, ist.caveats, lambda: ist.table("ledger")):
        with pytest.raises(DataFileError, match="licenses must be a list"):
            call()
    assert main(["export", "--format", "json", "--out", str(data_copy.parent / "out")]) == 1
    assert "licenses must be a list" in one_line(capsys.readouterr().err)
    assert not (data_copy.parent / "out").exists()


def _run_with_stdout(argv: list[str], how: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    command = [sys.executable, "-m", "iicsa_stats", *argv]
    if how == "full":
        with open("/dev/full", "w") as full:
            return subprocess.run(
                command, check=False, stdout=full, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd
            )
    return subprocess.run(
        command, check=False, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd, preexec_fn=lambda: os.close(1)
    )


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")
@pytest.mark.parametrize(
    ("argv", "how"),
    [(["show", FIGURE], "full"), (["list"], "closed"), (["export"], "full")],
    ids=["show-full", "list-closed", "export-full"],
)
def test_standard_output_full_or_closed(argv: list[str], how: str, tmp_path: Path) -> None:
    out = tmp_path / "export"
    if argv == ["export"]:
        argv = ["export", "--format", "csv", "--out", str(out)]
    result = _run_with_stdout(argv, how, tmp_path)
    line = one_line(result.stderr)
    assert "standard output" in line, line
    assert result.returncode in (1, 2)
    if argv[0] == "export":  # all or nothing, never half
        names = sorted(p.name for p in out.iterdir()) if out.exists() else []
        assert names in ([], sorted([*(f"{t}.csv" for t in ist.TABLES), "ATTRIBUTION.txt", MARKER])), names


# --------------------------------------------------------------------------- 14: search, terminal, snapshot


def test_search_does_not_echo_a_huge_query(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "zq" * 50_000]) == 0
    out = capsys.readouterr().out
    assert "No figure matches" in out and len(out) < 300


def test_fullwidth_letters_find_figures() -> None:
    plain = [f.id for f in ist.search("arrests")]
    assert plain
    assert [f.id for f in ist.search("\uff41\uff52\uff52\uff45\uff53\uff54\uff53")] == plain  # "arrests", fullwidth
    assert [f.id for f in ist.search("ARRESTS")] == plain


def test_escape_sequences_in_tampered_text_never_reach_the_terminal(
    data_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = ist.figure(FIGURE).caveats[0].text
    path = data_copy / "data" / "processed" / "caveats.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace(key, "\x1b[2J\x1b]0;title\x07" + key + "\x9b31m\u202e"),
        encoding="utf-8",
    )
    repin(data_copy, "caveats")
    _loader.clear_cache()
    for argv in (["show", FIGURE], ["list"], ["search", "offences"], ["list", "--format", "csv"]):
        assert main(argv) == 1  # the loader refuses a published text with a control character
        captured = capsys.readouterr()
        assert captured.out == "" and "control character" in captured.err and captured.err.count("\n") == 1, argv
        assert not any(c in captured.err for c in "\x1b\x07\x9b\u202e"), argv
