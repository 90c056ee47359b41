"""The SQLite export: typed columns, NULL for every missing value, the schemas' keys, the key-caveat view."""

from __future__ import annotations

import csv
import json
import sqlite3
import subprocess
from pathlib import Path

import pytest

from iicsa_stats import _catalog, _loader
from iicsa_stats._loader import load_schema
from iicsa_stats._paths import data_root
from iicsa_stats.cli import main
from iicsa_stats.export import KEY_CAVEAT_VIEW, SQL_TYPES, export
from iicsa_stats.tables import TABLES, csv_path

SQLITE3 = Path("/usr/bin/sqlite3")


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("sqlite") / "iicsa.db"
    assert main(["export", "--format", "sqlite", "--out", str(target)]) == 0
    return target


def query(database: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        return connection.execute(sql).fetchall()


def csv_cells(table: str) -> tuple[list[str], list[dict[str, str]]]:
    with open(csv_path(data_root(), table), encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


@pytest.mark.parametrize("table", TABLES)
def test_columns_are_typed_as_their_schema_says(database: Path, table: str) -> None:
    schema = load_schema(data_root(), table)
    columns = query(database, f'PRAGMA table_info("{table}")')
    assert [(c[1], c[2]) for c in columns] == [(f["name"], SQL_TYPES[f["type"]]) for f in schema["fields"]]
    primary_key = [c[1] for c in sorted(columns, key=lambda c: c[5]) if c[5]]
    assert primary_key == schema["primaryKey"]
    keys = query(database, f'PRAGMA foreign_key_list("{table}")')
    expected = [
        (k["fields"][0], k["reference"]["resource"], k["reference"]["fields"][0]) for k in schema.get("foreignKeys", [])
    ]
    assert sorted((k[3], k[2], k[4]) for k in keys) == sorted(expected)


@pytest.mark.parametrize("table", TABLES)
def test_every_empty_cell_is_null_and_every_value_kept(database: Path, table: str) -> None:
    header, rows = csv_cells(table)
    schema = {f["name"]: f for f in load_schema(data_root(), table)["fields"]}
    columns = ", ".join(f'"{name}"' for name in header)
    stored = query(database, f'SELECT {columns} FROM "{table}"')
    assert len(stored) == len(rows)
    for name in header:
        values = [row[header.index(name)] for row in stored]
        assert values.count(None) == [r[name] for r in rows].count(""), name
        assert "" not in values, name
        kind = schema[name]["type"]
        if kind == "boolean":
            assert values == [int(r[name] == "true") for r in rows], name
        elif kind in ("string", "date"):
            assert [v or "" for v in values] == [r[name] for r in rows], name
        else:
            assert values == [None if r[name] == "" else float(r[name]) for r in rows], name


def test_the_sqlite_command_finds_the_keys_intact_and_the_view_joined(database: Path) -> None:
    if not SQLITE3.exists():
        pytest.skip("no sqlite3 command line on this system")

    def sqlite(sql: str) -> str:
        result = subprocess.run(
            [str(SQLITE3), "-json", str(database), sql], capture_output=True, text=True, timeout=60, check=True
        )
        return result.stdout

    assert sqlite("PRAGMA foreign_keys = ON; PRAGMA foreign_key_check;").strip() == ""
    view = json.loads(sqlite(f"SELECT figure_id, key_caveat_id, key_caveat FROM {KEY_CAVEAT_VIEW}"))
    assert [(r["figure_id"], r["key_caveat_id"], r["key_caveat"]) for r in view] == [
        (f.id, f.caveats[0].id, f.caveats[0].text) for f in _catalog.all_figures().values()
    ]


def test_the_about_table_carries_the_attribution(database: Path) -> None:
    about = dict(query(database, 'SELECT "key", "value" FROM about'))
    package = _loader.package()
    assert about["attribution (reproduce it)"] == package["attribution"]
    assert about["version"] == package["version"]
    assert KEY_CAVEAT_VIEW in about["how to read it"]


def test_a_failure_while_writing_keeps_the_earlier_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "iicsa.db"
    target.write_bytes(b"an earlier file, kept as it was")
    import iicsa_stats.export as module

    def full(*args: object) -> str:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(module, "_create_table", full)
    assert main(["export", "--format", "sqlite", "--out", str(target)]) == 2
    assert target.read_bytes() == b"an earlier file, kept as it was"
    assert [p.name for p in tmp_path.iterdir()] == ["iicsa.db"]


@pytest.mark.parametrize("fmt", ["sqlite", "zip"])
def test_a_file_the_export_did_not_write_is_never_replaced(
    tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Red-team: ``export --out thesis.docx`` silently replaced the user's file."""
    thesis = tmp_path / "thesis.docx"
    thesis.write_bytes(b"my thesis")
    assert main(["export", "--format", fmt, "--out", str(thesis)]) == 2
    assert "a file that iicsa-stats did not write" in capsys.readouterr().err
    assert thesis.read_bytes() == b"my thesis"


def test_an_earlier_database_is_replaced(database: Path, tmp_path: Path) -> None:
    target = tmp_path / "again.db"
    target.write_bytes(database.read_bytes())
    connection = sqlite3.connect(target)
    with connection:
        connection.execute('DELETE FROM "ledger"')
    connection.close()
    assert export("sqlite", target) == ["again.db"]
    assert target.read_bytes() == database.read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["again.db"]  # the temporary is gone


def test_an_earlier_database_holding_a_table_of_the_users_is_never_replaced(tmp_path: Path) -> None:
    from iicsa_stats.errors import ExportError

    target = tmp_path / "iicsa.db"
    export("sqlite", target)
    with sqlite3.connect(target) as connection:
        connection.execute("CREATE TABLE mine (x)")
    with pytest.raises(ExportError, match="did not write, so it is never replaced"):
        export("sqlite", target)
    assert ("mine",) in query(target, "SELECT name FROM sqlite_master")
    with pytest.raises(ExportError, match="NUL character"):
        export("sqlite", tmp_path / "a\0b.db")
