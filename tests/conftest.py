"""Fixtures shared by the test modules."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# In CI (CI=true) property tests are derandomized: the same examples every run, so a landing never
# depends on luck; locally they explore new examples each run. No deadlines: the machines are shared.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def built_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data package built from the checkout once per run (``build --out``), never modified: copy it to damage it."""
    from iicsa_stats.build import build

    return build(REPO, out=tmp_path_factory.mktemp("built") / "package")


@pytest.fixture
def checkout_copy(tmp_path: Path) -> Path:
    """A copy of the checkout's data package sources and outputs, safe to damage."""
    copy = tmp_path / "checkout"
    for name in ("data", "schemas"):
        shutil.copytree(REPO / name, copy / name)
    for name in ("pyproject.toml", "datapackage.json"):
        shutil.copy2(REPO / name, copy / name)
    return copy


@pytest.fixture
def data_copy(checkout_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the data package that the loader uses for this test (``IICSA_STATS_DATA_DIR``)."""
    from iicsa_stats import _loader

    monkeypatch.setenv("IICSA_STATS_DATA_DIR", str(checkout_copy))
    _loader.clear_cache()
    yield checkout_copy
    _loader.clear_cache()


# --------------------------------------------------------------------------- copy/edit helpers


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """The header and rows of a CSV file, as strings."""
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def write_rows(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    """Write rows as the build does (csv module defaults, LF line endings), so only the edit differs."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")


def edit_csv(path: Path, change: Callable[[list[dict[str, str]]], list[dict[str, str]]]) -> None:
    """Rewrite a CSV file the way the build writes it, after ``change`` edits its rows."""
    header, rows = read_rows(path)
    write_rows(path, header, change(rows))


def write_pinned(copy: Path, table: str, data: bytes) -> None:
    """Replace a table's CSV and re-pin it in datapackage.json, as a file of another build would be."""
    (copy / "data" / "processed" / f"{table}.csv").write_bytes(data)
    descriptor = copy / "datapackage.json"
    package = json.loads(descriptor.read_text(encoding="utf-8"))
    for resource in package["resources"]:
        if resource["name"] == table:
            resource["bytes"] = len(data)
            resource["hash"] = f"sha256:{hashlib.sha256(data).hexdigest()}"
    descriptor.write_text(json.dumps(package), encoding="utf-8")


def hostile_json(copy: Path, case: str) -> None:
    """Damage ``datapackage.json`` (or a schema, re-pinned) in a way Python's json module cannot take safely."""
    descriptor = copy / "datapackage.json"
    text = descriptor.read_text(encoding="utf-8")
    if case == "deep-nesting":
        descriptor.write_text("[" * 1000 + "]" * 1000, encoding="utf-8")
    elif case == "huge-integer":
        descriptor.write_text(text.replace('"bytes": ', '"bytes": ' + "9" * 4301 + "0", 1), encoding="utf-8")
    elif case == "duplicate-key":  # a wrong hash first, the right one last: json would keep the last
        wrong = '"hash": "sha256:' + "0" * 64 + '", '
        descriptor.write_text(text.replace('"name": "figures",', '"name": "figures", ' + wrong, 1), encoding="utf-8")
    else:  # a huge integer inside a schema, its pin updated so that only the JSON is wrong
        schema = copy / "schemas" / "figures.schema.json"
        schema.write_bytes(schema.read_bytes().replace(b'"fields"', b'"x": ' + b"9" * 4301 + b', "fields"', 1))
        package = json.loads(text)
        for resource in package["resources"]:
            if resource.get("schema") == "schemas/figures.schema.json":
                resource["schemaHash"] = "sha256:" + hashlib.sha256(schema.read_bytes()).hexdigest()
        descriptor.write_text(json.dumps(package), encoding="utf-8")


JSON_DAMAGE = {
    "deep-nesting": r"datapackage\.json: not valid UTF-8 JSON: nested more than 64 levels deep",
    "huge-integer": r"datapackage\.json: not valid UTF-8 JSON: a number of \d+ characters",
    "duplicate-key": r"datapackage\.json: not valid UTF-8 JSON: the key 'hash' appears twice",
    "schema-huge-integer": r"figures\.schema\.json(, table figures)?: not valid UTF-8 JSON: a number of 4301 ",
}
