"""Locate the package's data: one small module, so there is one place to look.

An installed wheel carries the data package inside the package, in ``_data/``
(``datapackage.json``, ``data/processed/``, ``data/raw/``, ``schemas/``).  A
source checkout keeps the same layout at the repository root.  The lookup uses
the package's own directory rather than :mod:`importlib.resources`, whose import
alone costs about twice the interpreter's start-up; a test installs the wheel
and proves the shipped data is found this way.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import DataFileError

_HERE = Path(__file__).resolve().parent
#: Environment variable that points the loader at another copy of the data package.
ENV_VAR = "IICSA_STATS_DATA_DIR"


def checkout_root() -> Path | None:
    """The source checkout this package runs from, or None when installed from a wheel."""
    root = _HERE.parent.parent
    if (root / "pyproject.toml").is_file() and (root / "data" / "curation").is_dir():
        return root
    return None


def data_root() -> Path:
    """The folder holding ``datapackage.json`` and the data it describes."""
    override = os.environ.get(ENV_VAR)
    if override:
        root = Path(override)
        if not (root / "datapackage.json").is_file():
            raise DataFileError(
                f"{ENV_VAR}={override!r} has no datapackage.json: point it at a folder built by "
                "`iicsa-stats build`, or unset it to use the data shipped with the package."
            )
        return root
    shipped = _HERE / "_data"
    if (shipped / "datapackage.json").is_file():
        return shipped
    checkout = checkout_root()
    if checkout is not None and (checkout / "datapackage.json").is_file():
        return checkout
    raise DataFileError(
        f"the data package was not found in {shipped} or in a source checkout: "
        "reinstall iicsa_stats, or run `iicsa-stats build` in the checkout."
    )
