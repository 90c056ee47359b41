"""Whatever the loader refuses, validate reports (issue 11): one case per damage that the two see by different means.

The loader and validate share the guard, the JSON reader, the CSV reader and the join into figures, so a damage
those refuse is refused by both by construction (and tested in test_bad_files.py and test_validate*.py).  The
cases here are the ones each side checks in its own way: the form of a pin, the schema pin (``schemaHash``),
a required cell and a retyped schema (the loader's reader and model against frictionless), and a raw text that
is not UTF-8 (the loader's decoding against validate's raw check).  Each re-pins what the damage would
otherwise betray, so that what is compared is the reading of the content.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, read_rows, write_rows
from iicsa_stats import _catalog, _loader
from iicsa_stats._paths import ENV_VAR
from iicsa_stats.errors import IICSAStatsError
from iicsa_stats.tables import TABLES
from iicsa_stats.validation import format_report, validate

PROCESSED = "data/processed"
RAW = "data/raw/iicsa-internet-report-b1.txt"


def _descriptor(pkg: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    data = json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))
    edit(data)
    (pkg / "datapackage.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _resource(data: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(r for r in data["resources"] if r["name"] == name)
    return found


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _unit_missing(pkg: Path) -> None:
    header, rows = read_rows(pkg / PROCESSED / "figures.csv")
    rows[0]["unit"] = ""
    write_rows(pkg / PROCESSED / "figures.csv", header, rows)


def _retype_value(pkg: Path) -> None:
    path = pkg / "schemas" / "figures.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    next(f for f in schema["fields"] if f["name"] == "value")["type"] = "string"
    path.write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")


def _raw_not_utf8(pkg: Path) -> None:
    with open(pkg / RAW, "ab") as handle:
        handle.write(b"\xff")


def _md5_pin(pkg: Path) -> None:
    """The right pin in another algorithm, which frictionless would accept: the loader takes only sha256."""
    md5 = hashlib.md5((pkg / PROCESSED / "figures.csv").read_bytes()).hexdigest()
    _descriptor(pkg, lambda data: _resource(data, "figures").__setitem__("hash", f"md5:{md5}"))


#: name: (damage, whether the package is re-pinned after it)
CASES: dict[str, tuple[Callable[[Path], None], bool]] = {
    "table-pinned-with-md5": (_md5_pin, False),
    "schema-pin-removed": (lambda pkg: _descriptor(pkg, lambda d: _resource(d, "ledger").pop("schemaHash")), False),
    "schema-retyped-and-re-pinned": (_retype_value, True),
    "required-cell-missing-re-pinned": (_unit_missing, True),
    "raw-not-utf8-re-pinned": (_raw_not_utf8, True),
}


def repin(pkg: Path) -> None:
    """Pin every file as it now is (a raw text in the documents table, then the tables and schemas)."""
    header, rows = read_rows(pkg / PROCESSED / "documents.csv")
    for row in rows:
        if (pkg / row["raw_path"]).resolve().is_relative_to(pkg / "data" / "raw"):
            row["sha256"], row["bytes"] = _sha(pkg / row["raw_path"]), str((pkg / row["raw_path"]).stat().st_size)
    write_rows(pkg / PROCESSED / "documents.csv", header, rows)

    def pin(data: dict[str, Any]) -> None:
        for res in data["resources"]:
            if "hash" in res:
                res["bytes"], res["hash"] = (pkg / res["path"]).stat().st_size, f"sha256:{_sha(pkg / res['path'])}"
            if "schemaHash" in res:
                res["schemaHash"] = f"sha256:{_sha(pkg / res['schema'])}"

    _descriptor(pkg, pin)


def load_everything() -> None:
    """Every table, every figure and the context of each (its raw text), as the loader serves them."""
    for table in TABLES:
        _loader.rows(table)
    for fig in _catalog.all_figures().values():
        fig.context(10)


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_loader_refuses_and_validate_reports(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = tmp_path / "package"
    for part in ("data/processed", "data/raw", "schemas"):
        shutil.copytree(REPO / part, pkg / part)
    shutil.copy(REPO / "datapackage.json", pkg)
    damage, pinned = CASES[name]
    damage(pkg)
    if pinned:
        repin(pkg)
    monkeypatch.setenv(ENV_VAR, str(pkg))
    _loader.clear_cache()
    try:
        with pytest.raises(IICSAStatsError):
            load_everything()
    finally:
        _loader.clear_cache()
    problems = validate(pkg, rebuild=False)
    assert problems, f"{name}: the loader refuses it, but validate is silent"
    assert "no problems found" not in format_report(problems)
