"""Where the data package is: a wheel's ``_data/``, a source checkout, or ``IICSA_STATS_DATA_DIR``; path arguments.

Plain strings, no :mod:`pathlib` at import: it costs more than the lookup itself.
"""

from __future__ import annotations

import os

from .errors import DataFileError, InvalidArgumentError, check_argument

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

_HERE = os.path.dirname(os.path.realpath(__file__))
#: Environment variable that points the loader at another copy of the data package.
ENV_VAR = "IICSA_STATS_DATA_DIR"


def _checkout_dir() -> str | None:
    root = os.path.dirname(os.path.dirname(_HERE))
    if os.path.isfile(os.path.join(root, "pyproject.toml")) and os.path.isdir(os.path.join(root, "data", "curation")):
        return root
    return None


def checkout_root() -> Path | None:
    """The source checkout this package runs from, or None when installed from a wheel."""
    from pathlib import Path

    root = _checkout_dir()
    return Path(root) if root is not None else None


def data_dir() -> str:
    """The folder holding ``datapackage.json`` and the data it describes, as a string."""
    if override := os.environ.get(ENV_VAR):
        if not os.path.isfile(os.path.join(override, "datapackage.json")):
            fix = "`iicsa-stats build`, or unset it to use the data shipped with the package."
            raise DataFileError(f"{ENV_VAR}={override!r} has no datapackage.json: point it at a folder built by {fix}")
        return override
    for root in (os.path.join(_HERE, "_data"), _checkout_dir()):
        if root is not None and os.path.isfile(os.path.join(root, "datapackage.json")):
            return root
    where = f"the data package was not found in {os.path.join(_HERE, '_data')} or in a source checkout"
    raise DataFileError(f"{where}: reinstall iicsa_stats, or run `iicsa-stats build` in the checkout.")


def data_root() -> Path:
    """The folder holding ``datapackage.json`` and the data it describes."""
    from pathlib import Path

    return Path(data_dir())


def root_argument(value: object, name: str = "root") -> Path:
    """A path argument as a Path; InvalidArgumentError for another type, an empty path or a NUL."""
    from pathlib import Path

    text = os.fspath(value) if isinstance(value, os.PathLike) else value
    check_argument(isinstance(text, str), name, value, "a folder path (str or pathlib.Path)")
    assert isinstance(text, str)
    if not text.strip():
        raise InvalidArgumentError(f"{name} is empty; give the folder (e.g. '.' for the current one)")
    if "\0" in text:
        raise InvalidArgumentError(f"{name} {text!r:.80} contains a NUL character, which no path can hold")
    return Path(text)
