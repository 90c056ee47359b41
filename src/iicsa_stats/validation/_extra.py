"""Files in the package's folders that are not part of the package.

``data/processed`` holds exactly the CSV and Parquet file of every table and
``PARQUET.sha256``; ``schemas`` the Table Schema of every table; ``data/raw``
the raw text of every document.  Anything else there (a stray export, an
editor's backup, a hidden file) travels with the package unchecked, so it is
reported.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .._pins import PARQUET_CHECKSUMS
from ..tables import TABLES


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
