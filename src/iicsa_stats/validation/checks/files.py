"""The ``files`` check.

Every schema, table, raw document and ``datapackage.json`` can be read. The files are read once, by
:func:`~iicsa_stats.validation._state.load`; this check reports what it could not read.
"""

from __future__ import annotations

from collections.abc import Iterator

from .._problem import Problem
from .._state import PackageState

NAME = "files"


def run(pkg: PackageState) -> Iterator[Problem]:
    """The problems found while loading the package: files that are missing, unreadable or malformed."""
    yield from pkg.problems
