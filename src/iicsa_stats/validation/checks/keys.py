"""The ``keys`` check.

Primary keys unique, foreign keys resolve, coded columns within their code lists, bounds and periods in order,
every figure has a caveat, rows in primary-key order (as the build writes them), and the loader's own join of
the rows into figures accepts them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from ..._shape import SHAPE_KEYS as _SHAPE_KEYS
from ..._shape import figure_shape
from ...tables import TABLES, Row, csv_path, field_names
from .. import _served
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
    refusal = _served.join_problem(str(pkg.root), pkg.tables)
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
        for fields in _served.order_problems(table, rows, primary, at.rel):
            yield problem(check=NAME, **fields)
        yield from _primary_key(at, rows)
        yield from _codes(at, rows)
        yield from _foreign_keys(at, rows, skipped)
    figures = pkg.figures()
    links = Counter(row["figure_id"] for row in pkg.tables.get("figure_caveats", []))
    where = _Where(pkg, "figures") if figures else None  # figures were read, so their schema was too
    for fig in figures:
        assert where is not None
        yield from _figure(where, fig, linked="figure_caveats" not in pkg.tables or bool(links[fig["figure_id"]]))
    if figures and "figure_caveats" not in pkg.tables:
        skipped.add(pkg.table_source("figure_caveats"))
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


def _primary_key(at: _Where, rows: list[Row]) -> Iterator[Problem]:
    primary = at.schema.get("primaryKey") or []
    seen: set[tuple[Any, ...]] = set()
    for row in rows:
        key = tuple(row.get(k) for k in primary)
        if primary and key in seen:
            yield problem(**at(row), field=", ".join(primary), message="duplicate primary key")
        seen.add(key)


def _codes(at: _Where, rows: list[Row]) -> Iterator[Problem]:
    for spec in at.schema["fields"]:
        allowed = spec.get("constraints", {}).get("enum")
        if not allowed:
            continue
        for row in rows:
            value = row.get(spec["name"])
            if value is not None and value not in allowed:
                yield problem(
                    **at(row),
                    field=spec["name"],
                    expected=f"one of {allowed}",
                    found=str(value),
                    message=f"{spec['name']} is not one of its codes",
                )


def _foreign_keys(at: _Where, rows: list[Row], skipped: set[str | None]) -> Iterator[Problem]:
    pkg = at.pkg
    for fk in at.schema.get("foreignKeys", []):
        fields, ref = fk["fields"], fk["reference"]
        fields = [fields] if isinstance(fields, str) else fields
        ref_fields = [ref["fields"]] if isinstance(ref["fields"], str) else ref["fields"]
        target = ref.get("resource") or at.table
        if target not in pkg.tables:
            if target in TABLES:
                skipped.add(pkg.table_source(target))  # the file itself is reported by `files`
            continue
        targets = {tuple(r.get(k) for k in ref_fields) for r in pkg.tables[target]}
        for row in rows:
            value = tuple(row.get(k) for k in fields)
            if any(v is None for v in value) or value in targets:
                continue
            yield problem(
                **at(row),
                field=", ".join(fields),
                found=", ".join(str(v) for v in value),
                message=f"{', '.join(fields)} names no row of the {target} table",
            )


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
