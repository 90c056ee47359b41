"""The ``files`` check.

Every schema, table, raw document and ``datapackage.json`` can be read, none is refused (outside the root,
not a regular file, far larger than its pin), and the package folders hold nothing else. The files are read once, by
:func:`~iicsa_stats.validation._state.load`; this check reports what it could not read.
"""

from __future__ import annotations

from collections.abc import Iterator

from .. import _extra
from .._problem import Problem, problem
from .._state import PackageState

NAME = "files"


def run(pkg: PackageState) -> Iterator[Problem]:
    """The problems found while loading (files missing, unreadable, malformed or refused), and extra files."""
    yield from pkg.problems
    raw_known = "documents" in pkg.tables or pkg.descriptor is not None
    for fields in _extra.extra_problems(pkg.root, pkg.raw_paths.values(), raw_known=raw_known, refused=pkg.refused):
        yield problem(check=NAME, **fields)
