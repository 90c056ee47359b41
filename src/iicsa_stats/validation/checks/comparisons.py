"""The ``comparisons`` check.

It recomputes the ``comparisons`` and ``comparison_caveats`` tables from the
published ``figures``, ``figure_caveats`` and ``caveats`` tables, with the
curated overrides the ``comparisons`` table records (its rows with basis
``curated``), and reports every row that differs, is missing or should not be
there.  A curated row must rest on a caveat both figures carry, and is refused
where the figures' fields already differ, so an override cannot hide a
difference or stand without a basis.  It runs on any data package, installed
or a checkout.  The curation file itself is not shipped, so a curated row
removed from the table together with its effects reads like a computed one
here; in a checkout the ``rebuild`` check compares the tables with a fresh
build from ``data/curation/comparisons.toml`` and catches that too.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ...comparability import Override, comparison_tables, overrides_from_rows
from ...tables import csv_path
from .._problem import Problem
from .._state import PackageState

__all__ = ["NAME", "run"]

#: The check's name, as in :data:`iicsa_stats.validation.CHECKS`.
NAME = "comparisons"
#: The tables the check reads: the three it computes from, then the two it checks.
SOURCES = ("figures", "figure_caveats", "caveats")
CHECKED = ("comparisons", "comparison_caveats")
_KEYS = {
    "comparisons": ("figure_a", "figure_b", "dimension"),
    "comparison_caveats": ("figure_a", "figure_b", "caveat_id"),
}
#: A table damaged throughout would differ on every row: at most this many problems per table are listed.
_CAP = 40
_FIX = "rebuild with `iicsa-stats build` (or restore the file from the release)"


def _key(table: str, row: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(row.get(k) for k in _KEYS[table])


def _shown(table: str, key: Sequence[Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in zip(_KEYS[table], key, strict=True))


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def run(pkg: PackageState) -> Iterator[Problem]:
    """Every problem with the comparison tables of a loaded data package.

    Parameters
    ----------
    pkg : iicsa_stats.validation._state.PackageState
        What :func:`iicsa_stats.validation.validate` could read of the package.

    Yields
    ------
    Problem
        Each naming the table, the row (its primary key), the field, the
        expected and found values, and the pair's first figure.
    """
    missing = [t for t in (*SOURCES, *CHECKED) if t not in pkg.tables]
    if missing:  # the unreadable files are reported by `files`
        yield from pkg.skipped(NAME, (pkg.table_source(t) for t in missing))
        return
    figures, links, caveats = (pkg.tables[t] for t in SOURCES)
    known = {row["figure_id"] for row in figures}
    rel = pkg.rel(csv_path(pkg.root, "comparisons"))

    overrides: list[Override] = []
    for row in pkg.tables["comparisons"]:
        if row.get("basis") != "curated":
            continue
        where: dict[str, Any] = {
            "check": NAME,
            "file": rel,
            "table": "comparisons",
            "row": _shown("comparisons", _key("comparisons", row)),
            "figure_id": row.get("figure_a") if row.get("figure_a") in known else None,
        }
        try:
            (override,) = overrides_from_rows([row])
            comparison_tables(figures, links, caveats, [override])
        except ValueError as exc:
            yield Problem(**where, field="basis", message=f"not a valid curated override: {exc}; {_FIX}")
            continue
        overrides.append(override)
    try:
        expected_tables = dict(zip(CHECKED, comparison_tables(figures, links, caveats, overrides), strict=True))
    except ValueError as exc:  # two curated rows for one pair and dimension: the keys check names the duplicate
        yield Problem(check=NAME, file=rel, table="comparisons", message=f"cannot recompute the table: {exc}; {_FIX}")
        return

    for table in CHECKED:
        yield from _compare(pkg, table, expected_tables[table], known)


def _compare(pkg: PackageState, table: str, expected_rows: list[dict[str, Any]], known: set[str]) -> Iterator[Problem]:
    rel = pkg.rel(csv_path(pkg.root, table))
    expected = {_key(table, row): row for row in expected_rows}
    found = {_key(table, row): row for row in pkg.tables[table]}
    problems: list[Problem] = []

    def add(key: tuple[Any, ...], **kwargs: Any) -> None:
        problems.append(
            Problem(
                check=NAME,
                file=rel,
                table=table,
                row=_shown(table, key),
                figure_id=key[0] if key[0] in known else (key[1] if key[1] in known else None),
                **kwargs,
            )
        )

    for key in sorted(expected.keys() - found.keys(), key=str):
        add(key, message=f"a row that the figures give is missing; {_FIX}")
    for key in sorted(found.keys() - expected.keys(), key=str):
        a, b = key[0], key[1]
        why = (
            f"figure_a must sort before figure_b ({a!r} does not)"
            if isinstance(a, str) and isinstance(b, str) and a >= b
            else "its pair or key is not among those the figures give"
        )
        add(key, message=f"a row that the figures do not give: {why}; {_FIX}")
    for key in sorted(expected.keys() & found.keys(), key=str):
        for name, value in expected[key].items():
            if found[key].get(name) != value:
                add(
                    key,
                    field=name,
                    expected=_text(value),
                    found=_text(found[key].get(name)),
                    message=f"{name} differs from what the two figures' fields and the curated overrides give; {_FIX}",
                )
    yield from problems[:_CAP]
    if len(problems) > _CAP:
        yield Problem(
            check=NAME,
            file=rel,
            table=table,
            message=f"{len(problems) - _CAP} more problems with this table (the first {_CAP} are listed); {_FIX}",
        )
