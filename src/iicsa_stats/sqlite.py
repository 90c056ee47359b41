"""The tables as one SQLite database, for SQL tools and Datasette (``datasette FILE`` browses it).

One table per table of the data package, with its Table Schema's columns in order and typed (``REAL`` for a
number, ``INTEGER`` for an integer and for a boolean, 0 or 1, ``TEXT`` for a string and an ISO date), ``NULL`` for
a missing value, ``NOT NULL`` for a required column, and the schema's primary and foreign keys.  The view
:data:`KEY_CAVEAT_VIEW` joins each figure to its key caveat, and the table ``about`` says what the data is, how to
read it, and the attribution and licence to keep.  The rows are the loader's typed rows, each table checked
against its pins; the same data gives the same database.  Standard library only (:mod:`sqlite3`).
"""

from __future__ import annotations

import datetime as dt
import sqlite3

from . import _loader
from ._loader import load_schema
from ._paths import data_root
from .errors import DataFileError
from .notices import about
from .tables import TABLES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

__all__ = ["KEY_CAVEAT_VIEW", "SQL_TYPES", "create_table", "write_database"]

#: The SQLite column type of each Table Schema type.
SQL_TYPES = {"number": "REAL", "integer": "INTEGER", "boolean": "INTEGER", "string": "TEXT", "date": "TEXT"}
#: The view that gives each figure with its key caveat.
KEY_CAVEAT_VIEW = "figures_with_key_caveat"
_VIEW = f"""CREATE VIEW "{KEY_CAVEAT_VIEW}" AS
SELECT f.*, c.caveat_id AS key_caveat_id, c.kind AS key_caveat_kind, c.basis AS key_caveat_basis,
  c.text AS key_caveat
FROM figures AS f
LEFT JOIN figure_caveats AS fc ON fc.figure_id = f.figure_id AND fc.position = 1
LEFT JOIN caveats AS c ON c.caveat_id = fc.caveat_id"""


def _names(fields: str | list[str]) -> str:
    """SQL identifiers, quoted."""
    return ", ".join('"' + f.replace('"', '""') + '"' for f in ([fields] if isinstance(fields, str) else fields))


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


def _value(value: Any) -> Any:
    """A typed value as SQLite stores it: a date as ISO text, a boolean as 0 or 1, a missing value as NULL."""
    return value.isoformat() if isinstance(value, dt.date) else int(value) if isinstance(value, bool) else value


def write_database(path: Path) -> None:
    """Write every table as a new SQLite database at ``path``, in one transaction.

    A DataFileError if a table differs from its pin or its rows break a key of their schema (the foreign keys are
    declared, for the tools that read the database, and were checked by the build); an OSError if it cannot be
    written.
    """
    try:
        connection = sqlite3.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise OSError(str(exc)) from None
    try:
        connection.execute("BEGIN")
        connection.execute('CREATE TABLE "about" ("key" TEXT NOT NULL, "value" TEXT NOT NULL)')
        connection.executemany('INSERT INTO "about" VALUES (?, ?)', about(_loader.package()))
        for table in TABLES:
            schema = load_schema(data_root(), table)
            names = [field["name"] for field in schema["fields"]]
            connection.execute(create_table(table, schema))
            connection.executemany(
                f"INSERT INTO {_names(table)} VALUES ({', '.join('?' * len(names))})",
                ([_value(row[name]) for name in names] for row in _loader.rows(table)),
            )
        connection.execute(_VIEW)
        connection.execute("COMMIT")
    except sqlite3.IntegrityError as exc:
        raise DataFileError(f"the tables break a key of their schemas ({exc}); run `iicsa-stats validate`") from None
    except sqlite3.Error as exc:
        raise OSError(str(exc)) from None
    finally:
        connection.close()
