"""Export the data package: CSV, Parquet, JSON or an Excel workbook as a folder; the zip bundle; a SQLite database.

Each export reads one build, every file checked against its pin, and writes beside ``out``, then puts it in place
(:mod:`iicsa_stats._staging`).  The zip holds the data package as it is (``datapackage.json`` at its top level),
a ``README.md`` and ``ATTRIBUTION.txt``, its members sorted, timestamps and permissions fixed: the same data, the
same bytes.  The database (``datasette FILE``) has typed tables, keys, :data:`KEY_CAVEAT_VIEW` and ``about``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import zipfile
from contextlib import closing
from pathlib import Path

from . import _catalog, _loader
from ._loader import PARQUET_CHECKSUMS, check_parquet_pin, load_schema, read_file
from ._output import shown
from ._paths import data_root, root_argument
from ._staging import guard, reading, reason, write_file, write_folder
from .errors import DataFileError, ExportError, IICSAStatsError, check_argument
from .notices import about, attribution_text
from .tables import TABLES, csv_path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from .tables import Row

__all__ = ["FILE_FORMATS", "FORMATS", "KEY_CAVEAT_VIEW", "SQL_TYPES", "export", "table_files", "write_zip"]

#: The formats written as one file (``out`` names the file); the others write a folder.
FILE_FORMATS = ("zip", "sqlite")
#: The export formats.
FORMATS = ("csv", "parquet", "json", "xlsx", *FILE_FORMATS)
#: The timestamp of every member of the zip (the earliest a zip can hold): its bytes depend on the data alone.
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
#: The SQLite column type of each Table Schema type (a boolean is 0 or 1, a date ISO text).
SQL_TYPES = {"number": "REAL", "integer": "INTEGER", "boolean": "INTEGER", "string": "TEXT", "date": "TEXT"}
#: The view of the database that gives each figure with its key caveat.
KEY_CAVEAT_VIEW = "figures_with_key_caveat"
_VIEW = f"""CREATE VIEW "{KEY_CAVEAT_VIEW}" AS
SELECT f.*, c.caveat_id AS key_caveat_id, c.kind AS key_caveat_kind, c.basis AS key_caveat_basis,
  c.text AS key_caveat
FROM figures AS f
LEFT JOIN figure_caveats AS fc ON fc.figure_id = f.figure_id AND fc.position = 1
LEFT JOIN caveats AS c ON c.caveat_id = fc.caveat_id"""
_FIX = "restore it from the release or reinstall"


def export(fmt: str, out: str | os.PathLike[str]) -> list[str]:
    """Write the data as ``fmt`` (one of :data:`FORMATS`) to ``out``; the names of the files written (or of ``out``).

    A folder (new, empty or an earlier export) holds ``ATTRIBUTION.txt`` and every table (``csv``, ``parquet``), every
    figure (``json``) or one workbook (``xlsx``); ``zip`` and ``sqlite`` write the one file ``out`` (new or an earlier
    export).  An ExportError for an unknown format or an ``out`` refused or not writable (nothing has then changed);
    a DataFileError if a file to export is missing or differs from its pin.
    """
    check_argument(isinstance(fmt, str), "fmt", fmt, f"one of {', '.join(FORMATS)}")
    check_argument(isinstance(out, (str, os.PathLike)), "out", out, "a folder path (str or pathlib.Path)")
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    if not str(out).strip():
        raise ExportError(f"--out is empty; give the {'file' if fmt in FILE_FORMATS else 'folder'} to write")
    try:
        target = guard(Path(out), folder=fmt not in FILE_FORMATS)  # before anything is read
        if fmt in FILE_FORMATS and target.is_file() and not _ours(target, fmt):
            raise OSError(1, "is a file that iicsa-stats did not write, so it is never replaced; give a new name")
        with reading(data_root()):  # the files of one build; a file differing from its pin stops the write
            if fmt in FILE_FORMATS:
                write_file(target, _write_database if fmt == "sqlite" else lambda p: _archive(p, _bundle_files()))
                return [target.name]
            names: list[str] = write_folder(target, lambda folder: _write_files(fmt, folder))
            return names
    except OSError as exc:
        raise ExportError(f"cannot write to --out {shown(str(out))}: {reason(exc)}; nothing was written") from None


def _write_files(fmt: str, folder: Path) -> list[str]:
    files: dict[str, bytes] = {}
    if fmt == "json":
        figures = [f.to_dict() for f in _catalog.all_figures().values()]
        files["figures.json"] = (json.dumps(figures, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    elif fmt != "xlsx":
        files = {path.rpartition("/")[2]: data for path, data in table_files(fmt).items()}
    files["ATTRIBUTION.txt"] = attribution_text(_loader.package()).encode("utf-8")
    for name, data in files.items():
        (folder / name).write_bytes(data)
    if fmt == "xlsx":
        _write_workbook(folder / "iicsa-stats.xlsx")
        return [*files, "iicsa-stats.xlsx"]
    return list(files)


def _ours(target: Path, fmt: str) -> bool:
    """Whether the file ``target`` is empty or an earlier export: a zip with its attribution, a database its about."""
    try:
        if target.stat().st_size == 0:
            return True
        if fmt == "zip":  # ours: its attribution, and nothing but the package's own kinds of file
            with zipfile.ZipFile(target) as archive:
                names = archive.namelist()
            kinds = ("schemas/", "data/processed/", "data/raw/", "datapackage.json", "README.md", "ATTRIBUTION.txt")
            return "ATTRIBUTION.txt" in names and all(name.startswith(kinds) for name in names)
        with closing(sqlite3.connect(f"{target.as_uri()}?mode=ro", uri=True)) as connection:  # ours: nothing added
            names = [row[0] for row in connection.execute("SELECT name FROM sqlite_master")]
        own = {"about", KEY_CAVEAT_VIEW, *TABLES}
        return "about" in names and all(name in own or name.startswith("sqlite_autoindex_") for name in names)
    except (OSError, ValueError, zipfile.BadZipFile, sqlite3.Error):  # not readable as one of ours: not ours
        return False


def _tables() -> Iterator[tuple[str, dict[str, Any], tuple[Row, ...]]]:
    """Each table's name, schema and typed rows (the file and its schema checked against their pins)."""
    for table in TABLES:
        rows = _loader.rows(table)
        yield table, load_schema(data_root(), table), rows


def table_files(fmt: str) -> dict[str, bytes]:
    """Every table's file in ``fmt`` (csv or parquet) by its path in the package, each checked against its pin."""
    root, files = data_root(), {}
    for table in TABLES:
        if fmt == "csv":
            _loader.rows(table)  # refuses a file that differs from its pin
        path = f"data/processed/{table}.{fmt}"
        files[path] = csv_path(root, table).read_bytes() if fmt == "csv" else check_parquet_pin(root, table)
    return files


# --------------------------------------------------------------------------- the zip bundle


def write_zip(target: str | os.PathLike[str]) -> list[str]:
    """Write the zip bundle at ``target`` (beside it, then in its place); its members; an OSError leaves nothing."""
    target = root_argument(target, "target")
    with reading(data_root()):  # read and check everything before writing anything, from one build
        files = _bundle_files()
    write_file(target, lambda path: _archive(path, files))
    return list(files)


def _bundle_files() -> dict[str, bytes]:
    """Every file of the bundle by its path in the zip, sorted; a DataFileError if one differs from its pin."""
    root, package = data_root(), _loader.package()
    files = {**table_files("csv"), **table_files("parquet")}  # the tables' schemas checked by their pins too
    names = ["datapackage.json", f"data/processed/{PARQUET_CHECKSUMS}", *(f"schemas/{t}.schema.json" for t in TABLES)]
    files.update((rel, read_file(root, rel, fix=_FIX)) for rel in names)
    for document in _loader.rows("documents"):
        files[document["raw_path"]] = _loader.raw_text(document["raw_path"]).encode("utf-8")  # checked by its pin
    files["README.md"] = _readme(package).encode("utf-8")
    files["ATTRIBUTION.txt"] = attribution_text(package).encode("utf-8")
    return dict(sorted(files.items()))


def _archive(path: Path, files: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, so that the permissions are read: rw-r--r--, a regular file
            info.external_attr = 0o100644 << 16
            archive.writestr(info, data, compresslevel=9)


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _readme(package: dict[str, Any]) -> str:
    """The bundle's README.md: the template ``zip-readme.md`` filled from the descriptor and the data."""
    from .citation import cite_package

    titles = {r["name"]: r for r in package["resources"] if r.get("format") == "csv"}
    tables = []
    for name, schema, _ in _tables():
        resource = titles.get(name, {})
        tables += [
            f"### {resource.get('title', name)} (`{name}`)",
            "",
            _cell(resource.get("description", "")),
            "",
            f"Files: `data/processed/{name}.csv`, `data/processed/{name}.parquet`; schema: "
            f"`schemas/{name}.schema.json`.",
            "",
            "| column | type | description |",
            "|---|---|---|",
            *(
                f"| `{f['name']}` | {f.get('type', 'string')} | {_cell(f.get('description', ''))} |"
                for f in schema["fields"]
            ),
            "",
        ]
    figures = _catalog.all_figures().values()
    return (
        (Path(__file__).parent / "zip-readme.md")
        .read_text(encoding="utf-8")
        .format(
            title=package["title"],
            version=package["version"],
            name=package["name"],
            about="\n".join(f"- **{key}**: {value}" for key, value in about(package)[2:]),
            tables="\n".join(tables),
            caveats="\n".join(f"| `{f.id}` | {_cell(f.headline)} | {_cell(f.caveats[0].text)} |" for f in figures),
            citation=cite_package("text"),
        )
    )


# --------------------------------------------------------------------------- the database and the workbook


def _names(fields: str | list[str]) -> str:
    return ", ".join('"' + f.replace('"', '""') + '"' for f in ([fields] if isinstance(fields, str) else fields))


def _create_table(table: str, schema: dict[str, Any]) -> str:
    """The ``CREATE TABLE`` statement of a table: typed columns, ``NOT NULL``, primary and foreign keys."""
    lines = []
    for field in schema["fields"]:
        kind, name = field.get("type", "string"), _names(field["name"])
        required = " NOT NULL" if field.get("constraints", {}).get("required") else ""
        lines.append(
            f"{name} {SQL_TYPES[kind]}{required}" + (f" CHECK ({name} IN (0, 1))" if kind == "boolean" else "")
        )
    if schema.get("primaryKey"):
        lines.append(f"PRIMARY KEY ({_names(schema['primaryKey'])})")
    for key in schema.get("foreignKeys", []):
        ref = key["reference"]
        parent = _names(ref["resource"] or table)
        lines.append(f"FOREIGN KEY ({_names(key['fields'])}) REFERENCES {parent} ({_names(ref['fields'])})")
    return f"CREATE TABLE {_names(table)} (\n  " + ",\n  ".join(lines) + "\n)"


def _sql(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _write_database(path: Path) -> None:
    """Every table as a new SQLite database at ``path``, in one transaction (an sqlite3 error as an OSError)."""
    try:
        connection = sqlite3.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise OSError(str(exc)) from None
    try:
        connection.execute("BEGIN")
        connection.execute('CREATE TABLE "about" ("key" TEXT NOT NULL, "value" TEXT NOT NULL)')
        connection.executemany('INSERT INTO "about" VALUES (?, ?)', about(_loader.package()))
        for table, schema, rows in _tables():
            names = [field["name"] for field in schema["fields"]]
            connection.execute(_create_table(table, schema))
            connection.executemany(  # a date as ISO text; a boolean is stored as 0 or 1, None as NULL
                f"INSERT INTO {_names(table)} VALUES ({', '.join('?' * len(names))})",
                ([_sql(row[name]) for name in names] for row in rows),
            )
        connection.execute(_VIEW)
        connection.execute("COMMIT")
    except sqlite3.IntegrityError as exc:
        raise DataFileError(f"the tables break a key of their schemas ({exc}); run `iicsa-stats validate`") from None
    except sqlite3.Error as exc:
        raise OSError(str(exc)) from None
    finally:
        connection.close()


def _write_workbook(path: Path) -> None:
    """Every table, a sheet each, after an "about" sheet, as an Excel workbook; an IICSAStatsError without openpyxl."""
    try:
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font
    except ImportError:
        raise IICSAStatsError(
            'writing .xlsx needs the optional dependency openpyxl: pip install "iicsa-stats[excel]"'
        ) from None
    book = Workbook()
    sheet = book.active
    sheet.title = "about"
    for number, (key, value) in enumerate(about(_loader.package()), start=1):
        sheet.cell(row=number, column=1, value=key).font = Font(bold=True)
        sheet.cell(row=number, column=2, value=value).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width = 28, 120
    for table, schema, rows in _tables():
        fields = schema["fields"]
        sheet = book.create_sheet(table)
        sheet.append([field["name"] for field in fields])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([row[field["name"]] for field in fields])
        for column, field in enumerate(fields, start=1):
            letter = sheet.cell(row=1, column=column).column_letter
            sheet.column_dimensions[letter].width = 14 if field["type"] != "string" else 30
            if field["type"] == "string":  # text: shown as written, never reinterpreted (as "10-18", a date)
                for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                    cell.number_format = "@"
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
    book.save(path)
