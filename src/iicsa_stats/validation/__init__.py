"""Check a data package end to end: :func:`validate` returns every :class:`Problem` found, and never raises."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from .. import _paths
from .._staging import reading
from ..errors import DataFileError, check_argument
from ._problem import CHECKS, Problem, format_report
from ._state import Package, load
from .checks import REGISTRY, left_out

__all__ = ["CHECKS", "REGISTRY", "Problem", "format_report", "run_checks", "validate", "will_rebuild"]


def _is_source_checkout(root: Path) -> bool:
    return os.path.isdir(root / "data" / "curation") and os.path.exists(root / "schemas")


def will_rebuild(root: Path | None = None, rebuild: bool | None = None) -> bool:
    """Whether :func:`validate` with these arguments runs the ``rebuild`` check.

    It runs unless ``rebuild=False``, and only on a source checkout or a copy of one (``root / "data" /
    "curation"`` is a folder and ``root / "schemas"`` exists); ``rebuild=True`` on another root gives one
    ``rebuild`` problem instead.

    Parameters
    ----------
    root : pathlib.Path, optional
        As for :func:`validate`.
    rebuild : bool, optional
        As for :func:`validate`.

    Returns
    -------
    bool
        True when the rebuild comparison would run.
    """
    if rebuild is False:
        return False
    try:
        return _is_source_checkout(_paths.data_root() if root is None else Path(root))
    except DataFileError:
        return False


def _not_a_package(root: Path) -> str | None:
    if not os.path.isdir(root):
        return "it is a file" if os.path.isfile(root) else "it does not exist"
    if not any(os.path.exists(root / name) for name in ("datapackage.json", "schemas", "data")):
        return "it has no datapackage.json, schemas or data in it"
    return None


def validate(root: Path | None = None, *, rebuild: bool | None = None) -> list[Problem]:
    """Check a data package and return every problem found (an empty list when it is sound).

    Parameters
    ----------
    root : pathlib.Path, optional
        The data package root (the folder holding ``datapackage.json``); by default the data the package uses.
    rebuild : bool, optional
        Also rebuild from ``data/raw`` and ``data/curation`` into a temporary folder and compare with the files in
        ``root``; by default whenever ``root`` is a source checkout (:func:`will_rebuild`).

    Returns
    -------
    list of Problem
        In the order of :data:`CHECKS`.  Bad data never raises: an unreadable file is a problem too, and so is a
        ``root`` that is not a folder.

    Examples
    --------
    >>> import iicsa_stats as ist
    >>> ist.validate(rebuild=False)
    []
    """
    check_argument(rebuild is None or isinstance(rebuild, bool), "rebuild", rebuild, "True, False or None")
    try:
        root = _paths.data_root() if root is None else _paths.root_argument(root, "root")
    except DataFileError as exc:
        return [Problem(check="files", message=str(exc))]
    if what := _not_a_package(root):
        why = "use the folder that `iicsa-stats build` writes, or a source checkout"
        return [
            Problem(
                check="files",
                message=f"{root} is not a folder holding a data package (datapackage.json): {what}; {why}",
            )
        ]
    root = Path(os.path.realpath(root))  # resolved first: every path below is checked against the real root
    with reading(root, repair=False):  # one build's files throughout, even while a build runs
        for attempt in range(2):
            state = load(root, rebuild=will_rebuild(root, rebuild), rebuild_requested=bool(rebuild))
            problems = [p for name in CHECKS for p in _run(name, state)]
            # A build that replaced the files while they were read gives problems of a mixed state: read it
            # again, once, when datapackage.json is not the copy that was read.
            if not problems or attempt or not state.changed():
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
    return [p for name in CHECKS if name in wanted for p in _run(name, state)]


def _run(name: str, state: Package) -> list[Problem]:
    """The problems of one check; a check that breaks on unforeseen data gives one problem more, never raises."""
    found: list[Problem] = []
    try:
        found.extend(REGISTRY[name](state))
        found.extend(left_out(state, name))
    except Exception as exc:  # a safety net: data damaged in a way no check foresaw is still only a problem
        why = f"the {name} check stopped on data it could not handle ({type(exc).__name__}: {exc})"
        found.append(Problem(check=name, message=f"{why}; the other problems listed may explain why"))
    return found
