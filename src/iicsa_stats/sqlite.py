"""Write the tables as one SQLite database, for SQL tools and Datasette (``datasette FILE`` browses it).

One table per table of the data package, with the columns of its Table Schema
in order and typed: ``REAL`` for a number, ``INTEGER`` for an integer and for a
boolean (0 or 1), ``TEXT`` for a string and for a date (ISO 8601, as in the
CSV).  A missing value is ``NULL``, never ``''``.  Each table keeps its Table
Schema's primary key and foreign keys, and a required column is ``NOT NULL``.
The view :data:`KEY_CAVEAT_VIEW` joins each figure to its key caveat
(``figure_caveats`` position 1), and the table ``about`` says what the data is,
how to read it, and the attribution and licence to keep.

Standard library only (:mod:`sqlite3`): the schemas say everything the tables
need, so a dependency would add nothing here.  The rows are the loader's typed
rows, each table checked against its pins; the same data gives the same
database.  ``iicsa-stats export --format sqlite --out FILE`` writes it
(:func:`iicsa_stats.export.export`).
"""

from __future__ import annotations

import datetime as dt
import sqlite3

from . import _loader
from ._attribution import attribution, licence_titles, source_lines
from ._loader import load_schema
from ._paths import data_root
from .errors import DataFileError
from .notices import CONTENT_NOTICE
from .tables import TABLES, Row

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

__all__ = ["KEY_CAVEAT_VIEW", "SQL_TYPES", "Contents", "database_contents", "write_database"]

#: The SQLite column type of each Table Schema type.
SQL_TYPES = {"number": "REAL", "integer": "INTEGER", "boolean": "INTEGER", "string": "TEXT", "date": "TEXT"}
#: The view that gives each figure with its key caveat.
KEY_CAVEAT_VIEW = "figures_with_key_caveat"

_HOW_TO_READ = (
    "Read every figure with its caveats: figure_caveats links each figure to the caveats table, position 1 being "
    f"the key caveat; the view {KEY_CAVEAT_VIEW} gives each figure with its key caveat. Units are as the source "
    "counts them: incidents and offences are different units and are never merged. Figures measured in different "
    "ways (reported offences, victims, perpetrators, images) count different things and should not be added or "
    "compared; the comparisons table says which pairs may be set side by side."
)

#: What the database is made of: the ``about`` lines, then each table's schema and typed rows.
Contents = tuple[list[tuple[str, str]], dict[str, tuple[dict[str, "Any"], tuple[Row, ...]]]]


def database_contents() -> Contents:
    """Everything the database holds, read (each table checked against its pins) before anything is written.

    Raises
    ------
    DataFileError
        If a table or its schema is missing or differs from its pin.

    Examples
    --------
    >>> about, tables = database_contents()
    >>> list(tables) == list(TABLES) and about[0][0]
    'title'
    """
    package = _loader.package()
    root = data_root()
    tables = {}
    for table in TABLES:
        rows = _loader.rows(table)  # the CSV and its schema checked against their pins
        tables[table] = (load_schema(root, table), rows)
    about = [
        ("title", str(package.get("title", ""))),
        ("version", str(package.get("version", ""))),
        ("description", str(package.get("description", ""))),
        ("content notice", CONTENT_NOTICE),
        ("how to read it", _HOW_TO_READ),
        ("attribution (reproduce it)", attribution(package)),
        *(("licence", title) for title in licence_titles(package)),
        *(("source", line) for line in source_lines(package)),
    ]
    return about, tables


def _name(identifier: str) -> str:
    """An SQL identifier, quoted."""
    return '"' + identifier.replace('"', '""') + '"'


def _names(fields: str | list[str]) -> str:
    return ", ".join(_name(f) for f in ([fields] if isinstance(fields, str) else fields))


def create_table(table: str, schema: dict[str, Any]) -> str:
    """The ``CREATE TABLE`` statement of a table: typed columns, ``NOT NULL``, primary and foreign keys.

    Examples
    --------
    >>> print(create_table("t", {"fields": [{"name": "a", "type": "boolean", "constraints": {"required": True}}],
    ...                          "primaryKey": ["a"]}))
    CREATE TABLE "t" (
      "a" INTEGER NOT NULL CHECK ("a" IN (0, 1)),
      PRIMARY KEY ("a")
    )
    """
    lines = []
    for field in schema["fields"]:
        kind = field.get("type", "string")
        line = f"{_name(field['name'])} {SQL_TYPES[kind]}"
        if field.get("constraints", {}).get("required"):
            line += " NOT NULL"
        if kind == "boolean":
            line += f" CHECK ({_name(field['name'])} IN (0, 1))"
        lines.append(line)
    if schema.get("primaryKey"):
        lines.append(f"PRIMARY KEY ({_names(schema['primaryKey'])})")
    for key in schema.get("foreignKeys", []):
        reference = key["reference"]
        lines.append(
            f"FOREIGN KEY ({_names(key['fields'])}) REFERENCES {_name(reference['resource'] or table)} "
            f"({_names(reference['fields'])})"
        )
    return f"CREATE TABLE {_name(table)} (\n  " + ",\n  ".join(lines) + "\n)"


_VIEW = f"""CREATE VIEW {_name(KEY_CAVEAT_VIEW)} AS
SELECT f.*, c.caveat_id AS key_caveat_id, c.kind AS key_caveat_kind, c.basis AS key_caveat_basis,
  c.text AS key_caveat
FROM figures AS f
LEFT JOIN figure_caveats AS fc ON fc.figure_id = f.figure_id AND fc.position = 1
LEFT JOIN caveats AS c ON c.caveat_id = fc.caveat_id"""


def _value(value: Any) -> Any:
    """A typed value as SQLite stores it: a date as ISO text, a boolean as 0 or 1, a missing value as NULL."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def write_database(path: Path, contents: Contents) -> None:
    """Write ``contents`` (from :func:`database_contents`) as a new SQLite database at ``path``.

    ``path`` is written directly, without a journal file beside it (a failed
    write is discarded whole): use ``iicsa-stats export --format sqlite`` or
    :func:`iicsa_stats.export.export` to replace a file safely.

    Raises
    ------
    DataFileError
        If the rows break a key of their schema (the foreign keys are checked
        once every table is in).
    OSError
        If the database cannot be written (e.g. the disk is full).
    """
    about, tables = contents
    try:
        connection = sqlite3.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise OSError(str(exc)) from None
    try:
        connection.execute("PRAGMA journal_mode = MEMORY")  # no FILE-journal beside it: a long name still fits
        connection.execute("BEGIN")
        connection.execute('CREATE TABLE "about" ("key" TEXT NOT NULL, "value" TEXT NOT NULL)')
        connection.executemany('INSERT INTO "about" VALUES (?, ?)', about)
        for table, (schema, rows) in tables.items():
            names = [field["name"] for field in schema["fields"]]
            connection.execute(create_table(table, schema))
            connection.executemany(
                f"INSERT INTO {_name(table)} VALUES ({', '.join('?' * len(names))})",
                ([_value(row[name]) for name in names] for row in rows),
            )
        connection.execute(_VIEW)
        broken = connection.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            table, rowid, parent, _ = broken[0]
            raise DataFileError(
                f"data/processed/{table}.csv: row {rowid} refers to a {parent} row that does not exist "
                f"({len(broken)} such references); run `iicsa-stats validate` to see every problem"
            )
        connection.execute("COMMIT")
    except sqlite3.IntegrityError as exc:
        raise DataFileError(
            f"the tables break a key of their schemas ({exc}); run `iicsa-stats validate` to see every problem"
        ) from None
    except sqlite3.Error as exc:
        raise OSError(str(exc)) from None
    finally:
        connection.close()
