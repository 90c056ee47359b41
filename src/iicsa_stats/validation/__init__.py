"""Check a data package end to end and report every problem found.

:func:`validate` runs every check on a data package root (a source checkout or
the copy shipped in the wheel) and returns a list of :class:`Problem`, empty
when all is well.  It never stops at the first problem and never raises for
bad data: a missing, empty, truncated or wrongly encoded file is reported as a
problem naming the file and what to do about it.

Checks, by their stable ``check`` name:

``files``
    every schema, table, raw document and ``datapackage.json`` can be read.
``package``
    ``frictionless`` validates ``datapackage.json`` and every CSV and text resource with
    zero errors (types, constraints and code lists, primary and foreign keys,
    every resource's ``bytes`` and ``hash``).
``checksums``
    the resources at the package's paths with the pins the loader requires,
    every schema against its pin, and every Parquet file against
    ``data/processed/PARQUET.sha256`` (frictionless cannot check its bytes).
``raw``
    every raw document's SHA-256, size and character count against the
    ``documents`` table.
``quotes``
    every figure's and source caveat's ``quote`` is the raw text between its
    offsets, and every declared value is among the numbers of its quote.
``ledger``
    every numeric mention of every raw document has its ledger row, and every
    ledger row its mention, inside the quote of the figure or caveat it is
    attributed to.
``keys``
    rows in primary-key order, bounds and periods in order, every figure has a
    caveat, and the loader's own join accepts the rows.
``comparisons``
    the ``comparisons`` and ``comparison_caveats`` tables equal a fresh
    computation from the figures and the curated overrides they record.
``parquet``
    every Parquet file has the columns and Arrow types of its schema and the
    same rows and values as its CSV file.
``rebuild``
    (source checkout only) a fresh build from ``data/raw`` and
    ``data/curation`` gives the committed CSV, JSON and Parquet content.  It
    runs by default whenever ``root`` has ``data/curation`` and ``schemas`` (a
    checkout or a copy of one); :func:`will_rebuild` tells whether it will.

A file that cannot be read is reported once, by ``files`` (or, for a Parquet
file, by ``parquet``).  The checks then leave out whatever depends on it rather
than report its absence again row by row; a check that left something out for
that reason adds one problem saying so and naming the file.

Every file is read through :mod:`iicsa_stats._loader` below the resolved root,
and JSON through its JSON reader; :func:`run_checks` runs only some
checks.  Layout: :mod:`._problem` (the :class:`Problem` type and the report),
:mod:`._state` (the loaded package every check reads), :mod:`.checks` (one
module per check) and :mod:`.registry` (the checks in the order they run).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from .. import _paths
from .._staging import reading
from ..errors import DataFileError, check_argument
from ._problem import CHECKS, Problem, format_report
from ._state import PackageState, changed, load
from .registry import REGISTRY, Check

__all__ = ["CHECKS", "REGISTRY", "Problem", "format_report", "run_checks", "validate", "will_rebuild"]


def _is_source_checkout(root: Path) -> bool:
    """Whether ``root`` holds what a rebuild needs: ``data/curation`` and ``schemas`` (any checkout or copy)."""
    return os.path.isdir(root / "data" / "curation") and os.path.exists(root / "schemas")


def _default_root() -> Path | None:
    try:
        return _paths.data_root()
    except DataFileError:
        return None


def will_rebuild(root: Path | None = None, rebuild: bool | None = None) -> bool:
    """Whether :func:`validate` with these arguments runs the ``rebuild`` check.

    By default (``rebuild=None``) it runs when ``root`` is a source checkout, or
    a copy of one: ``root / "data" / "curation"`` is a folder and
    ``root / "schemas"`` exists.  ``rebuild=False`` never runs it; with
    ``rebuild=True`` on a root that is not a source checkout it does not run
    either, and :func:`validate` reports one ``rebuild`` problem instead.

    Parameters
    ----------
    root : pathlib.Path, optional
        As for :func:`validate`; by default the data the package uses.
    rebuild : bool, optional
        As for :func:`validate`.

    Returns
    -------
    bool
        True when the rebuild comparison would run.
    """
    if rebuild is False:
        return False
    root = _default_root() if root is None else Path(root)
    return root is not None and _is_source_checkout(root)


def validate(root: Path | None = None, *, rebuild: bool | None = None) -> list[Problem]:
    """Check a data package and return every problem found (an empty list when it is sound).

    Parameters
    ----------
    root : pathlib.Path, optional
        The data package root (the folder holding ``datapackage.json``);
        by default the data the package uses (:func:`iicsa_stats._paths.data_root`).
    rebuild : bool, optional
        Also rebuild from ``data/raw`` and ``data/curation`` and compare with
        the files in ``root``, which must then be a source checkout (a folder
        with ``data/curation`` and ``schemas``, or a copy of one).  By default
        this is done whenever ``root`` is one, and skipped without a problem
        otherwise; :func:`will_rebuild` tells which.  ``rebuild=True`` on a
        root that is not a source checkout gives one ``rebuild`` problem.

    Returns
    -------
    list of Problem
        In the order of :data:`CHECKS`.  Bad data never raises: an unreadable
        file is a problem too, and so is a ``root`` that is not a folder.

    Examples
    --------
    >>> import iicsa_stats as ist
    >>> ist.validate(rebuild=False)
    []
    """
    check_argument(rebuild is None or isinstance(rebuild, bool), "rebuild", rebuild, "True, False or None")
    if root is None:
        try:
            root = _paths.data_root()
        except DataFileError as exc:
            return [Problem(check="files", message=str(exc))]
    root = _paths.root_argument(root, "root")
    what = None
    if not os.path.isdir(root):
        what = "it is a file" if os.path.isfile(root) else "it does not exist"
    elif not any(os.path.exists(root / name) for name in ("datapackage.json", "schemas", "data")):
        what = "it has no datapackage.json, schemas or data in it"
    if what is not None:
        return [
            Problem(
                check="files",
                message=f"{root} is not a folder holding a data package (datapackage.json): {what}; "
                "use the folder that `iicsa-stats build` writes, or a source checkout",
            )
        ]
    root = Path(os.path.realpath(root))  # resolved first: every path below is checked against the real root
    with reading(root, repair=False):  # one build's files throughout, even while a build runs
        for attempt in range(2):
            state = load(root, rebuild=will_rebuild(root, rebuild), rebuild_requested=bool(rebuild))
            problems = [p for check in REGISTRY for p in _run(check, state)]
            # A build that replaced the files while they were read gives problems of a mixed state: read it
            # again, once, when datapackage.json is not the copy that was read.
            if not problems or attempt or not changed(state):
                break
    return problems


def run_checks(root: Path, checks: Iterable[str], *, rebuild: bool = False) -> list[Problem]:
    """The problems of the named checks only (a subset of :data:`CHECKS`), on the package at ``root``.

    It reads the package as :func:`validate` does, then runs only ``checks``:
    a quick way to see one kind of problem (the ``files`` check reports what
    could not be read).

    Examples
    --------
    >>> run_checks(_paths.data_root(), ["raw", "quotes"])
    []
    """
    wanted = set(checks)
    if unknown := wanted - set(CHECKS):
        raise ValueError(f"unknown checks {sorted(unknown)}; choose among {CHECKS}")
    root = Path(os.path.realpath(root))
    state = load(root, rebuild=rebuild and _is_source_checkout(root), rebuild_requested=rebuild)
    return [p for check in REGISTRY if check.name in wanted for p in _run(check, state)]


def _run(check: Check, state: PackageState) -> list[Problem]:
    """The problems of one check; a check that breaks on unforeseen data gives one problem more, never raises."""
    found: list[Problem] = []
    try:
        found.extend(check.run(state))
    except Exception as exc:  # a safety net: data damaged in a way no check foresaw is still only a problem
        found.append(
            Problem(
                check=check.name,
                message=f"the {check.name} check stopped on data it could not handle ({type(exc).__name__}: {exc}); "
                "the other problems listed may explain why",
            )
        )
    return found
