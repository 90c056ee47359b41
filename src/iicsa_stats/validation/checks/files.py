"""The ``files`` check.

Every schema, table, raw document and ``datapackage.json`` can be read, none is refused (outside the root,
not a regular file, far larger than its pin), and the package folders hold nothing else. The files are read once, by
:func:`~iicsa_stats.validation._state.load`; this check reports what it could not read.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..._loader import PARQUET_CHECKSUMS
from ...tables import TABLES
from .._problem import Problem, problem
from .._state import PackageState

NAME = "files"


def run(pkg: PackageState) -> Iterator[Problem]:
    """The problems found while loading (files missing, unreadable, malformed or refused), and extra files."""
    yield from pkg.problems
    raw_known = "documents" in pkg.tables or pkg.descriptor is not None
    for fields in extra_problems(pkg.root, pkg.raw_paths.values(), raw_known=raw_known, refused=pkg.refused):
        yield problem(check=NAME, **fields)


# Files in the package's folders that are not part of the package.
#
# ``data/processed`` holds exactly the CSV and Parquet file of every table and
# ``PARQUET.sha256``; ``schemas`` the Table Schema of every table; ``data/raw``
# the raw text of every document.  Anything else there (a stray export, an
# editor's backup, a hidden file) travels with the package unchecked, so it is
# reported.
def expected_files(raw_paths: Iterable[str]) -> dict[str, set[str]]:
    """The files each package folder holds, by folder (POSIX paths relative to the root)."""
    processed = {f"{t}.{ext}" for t in TABLES for ext in ("csv", "parquet")} | {PARQUET_CHECKSUMS}
    raw = {path.removeprefix("data/raw/") for path in raw_paths if path.startswith("data/raw/")}
    return {
        "data/processed": processed,
        "schemas": {f"{t}.schema.json" for t in TABLES},
        "data/raw": raw,
    }


def extra_problems(
    root: Path, raw_paths: Iterable[str], *, raw_known: bool, refused: Iterable[str] = ()
) -> Iterator[dict[str, Any]]:
    """One problem per entry of a package folder that is not one of its files.

    ``raw_known`` is False when the list of raw documents could not be read;
    ``data/raw`` is then not checked, and neither is a folder in ``refused``
    (a symbolic link leaving the root: what it holds is not the package's).
    """
    skip = set(refused)
    for folder, names in expected_files(raw_paths).items():
        if (folder == "data/raw" and not raw_known) or folder in skip or folder.split("/")[0] in skip:
            continue
        try:
            entries = sorted(os.listdir(root / folder))
        except OSError:
            continue  # a missing folder: its files are reported missing one by one
        for entry in entries:
            if entry in names:
                continue
            kind = (
                "folder"
                if os.path.isdir(root / folder / entry) and not os.path.islink(root / folder / entry)
                else "file"
            )
            yield {
                "file": f"{folder}/{entry}",
                "message": f"an extra {kind} in {folder}, which is not part of the data package (nothing describes "
                f"or checks it); remove it, or rebuild with `iicsa-stats build`",
            }
