"""Checks of the tables as the loader serves them: the build's row order, and the loader's own join.

* :func:`order_problems`: the build writes every table sorted by its primary
  key, so a table out of that order was edited by hand (or by another tool)
  after the build.  Readers see the rows in file order (``ist.figures()``,
  DuckDB, a spreadsheet), so this is reported as a problem, not a warning.
* :func:`join_problem`: runs the loader's join of the typed rows into
  :class:`~iicsa_stats.figures.Figure` objects (the model objects' own checks
  included); whatever it refuses, validate reports.

Each yields (or returns) the keyword arguments of a
:class:`~iicsa_stats.validation.Problem` without its ``check``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ..errors import DataFileError
from ..tables import Row

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
    from .._store import join_figures

    if not all(table in tables for table in JOINED):
        return None  # an unreadable table is reported by `files`; the loader refuses it in the same words
    try:
        join_figures(root, lambda table: tables[table])
    except DataFileError as exc:
        return {"message": f"the loader refuses the tables: {exc}"}
    return None
