"""The ``keys`` check.

Bounds and periods in order, every figure has a caveat, rows in primary-key order (as the build writes them),
and the loader's own join of the rows into figures accepts them.  Primary keys, foreign keys and code lists are
frictionless's to check (the ``package`` check).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ..._figure import SHAPE_KEYS as _SHAPE_KEYS
from ..._figure import figure_shape
from ...errors import DataFileError
from ...tables import Row, csv_path, field_names
from .._problem import Problem, problem
from .._state import PackageState, as_csv_number

NAME = "keys"


def run(pkg: PackageState) -> Iterator[Problem]:
    """Yield every problem of this check on the loaded package ``pkg``."""
    found = list(_keys(pkg))
    yield from found
    yield from _join(pkg, found)


def _join(pkg: PackageState, found: list[Problem]) -> Iterator[Problem]:
    """Whatever the loader's join refuses is a problem, unless a problem already names the file it refuses."""
    refusal = join_problem(str(pkg.root), pkg.tables)
    if refusal is None:
        return
    message = pkg.relative(refusal["message"])
    named = {p.file for p in [*pkg.problems, *found] if p.file}
    if not any(f"{f}:" in message or f"{f}," in message for f in named):
        file = re.search(r"data/processed/[a-z_]+\.csv", message)
        yield problem(check=NAME, file=file.group(0) if file else None, message=message)


def _keys(pkg: PackageState) -> Iterator[Problem]:
    skipped: set[str | None] = set()
    for table, rows in pkg.tables.items():
        at = _Where(pkg, table)
        primary = at.schema.get("primaryKey") or []
        for fields in order_problems(table, rows, primary, at.rel):
            yield problem(check=NAME, **fields)
    figures = pkg.figures()
    links = Counter(row["figure_id"] for row in pkg.tables.get("figure_caveats", []))
    where = _Where(pkg, "figures") if figures else None  # figures were read, so their schema was too
    for fig in figures:
        assert where is not None
        yield from _figure(where, fig, linked="figure_caveats" not in pkg.tables or bool(links[fig["figure_id"]]))
    if figures and "figure_caveats" not in pkg.tables:
        skipped.add(pkg.table_source("figure_caveats"))
    if "figures" not in pkg.tables:  # the figure rules and the loader's join need it
        skipped.add(pkg.table_source("figures"))
    yield from pkg.skipped("keys", skipped)


class _Where:
    """Where a problem of one table is: its file, table, row key and figure."""

    def __init__(self, pkg: PackageState, table: str) -> None:
        self.pkg, self.table = pkg, table
        self.schema = pkg.schemas[table]
        self.rel = pkg.rel(csv_path(pkg.root, table))
        self.has_figure = "figure_id" in field_names(self.schema)

    def __call__(self, row: Row) -> dict[str, Any]:
        return {
            "check": "keys",
            "file": self.rel,
            "table": self.table,
            "row": self.pkg.key(self.table, row),
            "figure_id": row.get("figure_id") if self.has_figure else None,
        }


def _figure(at: _Where, fig: Row, *, linked: bool) -> Iterator[Problem]:
    """A figure's bounds in order, its qualifier fitting its values, its period in order, and a caveat."""
    where = at(fig)
    shape = {k: fig.get(k) for k in _SHAPE_KEYS}
    for error in figure_shape(**shape):
        if error.after_field is None:
            yield problem(**where, field=error.field, message=error.message)
        else:
            yield problem(
                **where,
                field=error.field,
                expected=f">= {_cell(error.expected_after)}"
                + (f" ({error.after_field})" if error.field != "period_end" else ""),
                found=_cell(error.found),
                message=error.message,
            )
    if not linked:
        yield problem(
            **where,
            message="the figure has no caveat in the figure_caveats table (every figure needs at least one)",
        )


def _cell(value: float | dt.date | None) -> str:
    """A number as the CSV files write it, a date in ISO form."""
    return str(value) if value is None or isinstance(value, dt.date) else as_csv_number(value)


# Checks of the tables as the loader serves them: the build's row order, and the loader's own join.
#
# * :func:`order_problems`: the build writes every table sorted by its primary
#   key, so a table out of that order was edited by hand (or by another tool)
#   after the build.  Readers see the rows in file order (``ist.figures()``,
#   DuckDB, a spreadsheet), so this is reported as a problem, not a warning.
# * :func:`join_problem`: runs the loader's join of the typed rows into
#   :class:`~iicsa_stats.figures.Figure` objects (the model objects' own checks
#   included); whatever it refuses, validate reports.
#
# Each yields (or returns) the keyword arguments of a
# :class:`~iicsa_stats.validation.Problem` without its ``check``.
#: The tables the loader joins into figures.
JOINED = ("documents", "producers", "caveat_references", "caveats", "figure_caveats", "figure_sources", "figures")


def _sortable(value: Any) -> tuple[int, Any]:
    return (0, "") if value is None else (1, value)


def order_problems(table: str, rows: Sequence[Row], primary: Sequence[str], rel: str) -> Iterator[dict[str, Any]]:
    """One problem when ``rows`` are not in the order of their primary key, naming the first row out of place."""
    if not primary:
        return
    keys = [tuple(_sortable(row.get(k)) for k in primary) for row in rows]
    try:
        out_of_order = [i for i in range(1, len(keys)) if keys[i - 1] > keys[i]]
    except TypeError:
        return  # values of mixed types in a key column: reported by the type checks
    if not out_of_order:
        return
    first = out_of_order[0]
    row = rows[first]
    yield {
        "file": rel,
        "table": table,
        "row": f"line {first + 2}",
        "field": ", ".join(primary),
        "figure_id": row.get("figure_id") if table == "figures" else None,
        "message": f"the rows are not in the order of their primary key ({len(out_of_order)} "
        f"{'row comes' if len(out_of_order) == 1 else 'rows come'} after a greater key, the first at this line): "
        "the build writes every table sorted, so the file was changed after the build; rebuild it with "
        "`iicsa-stats build` (or restore it from the release)",
    }


def join_problem(root: str, tables: Mapping[str, Sequence[Row]]) -> dict[str, Any] | None:
    """The loader's refusal to join ``tables`` into figures, or None when it serves them (or a table is missing)."""
    from ..._catalog import join_figures

    if not all(table in tables for table in JOINED):
        return None  # an unreadable table is reported by `files`; the loader refuses it in the same words
    try:
        join_figures(root, lambda table: tables[table])
    except DataFileError as exc:
        return {"message": f"the loader refuses the tables: {exc}"}
    return None
