"""Export the data package: CSV, Parquet, JSON or an Excel workbook as a folder; a zip or a SQLite database.

Everything is read, each file checked against its pin, before anything is written; the output is then written
beside ``out`` and put in its place (:mod:`iicsa_stats._staging`), so a failed export leaves ``out`` as it was.
``iicsa-stats export`` calls :func:`export` and prints what it wrote.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from . import _catalog, _loader
from ._output import shown as _shown
from ._paths import data_root
from ._staging import guard, reading, reason, write_file, write_folder
from .errors import ExportError, check_argument
from .notices import attribution_text

__all__ = ["FILE_FORMATS", "FORMATS", "export"]

#: The formats written as one file (``out`` names the file); the others write a folder.
FILE_FORMATS = ("zip", "sqlite")
#: The export formats.
FORMATS = ("csv", "parquet", "json", "xlsx", *FILE_FORMATS)


def export(fmt: str, out: str | os.PathLike[str]) -> list[str]:
    """Write the data in format ``fmt`` to ``out``; return the names of the files written (or of ``out``).

    Parameters
    ----------
    fmt : {"csv", "parquet", "json", "xlsx", "zip", "sqlite"}
        ``csv`` and ``parquet``: every table; ``json``: every figure with its caveats and provenance; ``xlsx``:
        one workbook; each as the folder ``out`` with ``ATTRIBUTION.txt``.  ``zip``: the whole data package as
        the one file ``out`` (:mod:`iicsa_stats.bundle`); ``sqlite``: every table in the one SQLite database
        ``out`` (:mod:`iicsa_stats.sqlite`).
    out : path-like
        The folder to write (new, empty, or an earlier export), or for ``zip`` and ``sqlite`` the file to write
        (new, or an earlier export of the format).

    Raises
    ------
    ExportError
        If ``fmt`` is unknown, or ``out`` is empty, of the wrong kind (a file for a folder, a folder for a file, a
        link, device or FIFO), inside the data package, holds what an export did not write, or cannot be
        written (nothing has then changed).
    DataFileError
        If a file to export is missing or differs from its pin.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     export("sqlite", Path(folder) / "iicsa.sqlite")
    ['iicsa.sqlite']
    """
    check_argument(isinstance(fmt, str), "fmt", fmt, f"one of {', '.join(FORMATS)}")
    check_argument(isinstance(out, (str, os.PathLike)), "out", out, "a folder path (str or pathlib.Path)")
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    if not str(out).strip():
        raise ExportError(f"--out is empty; give the {'file' if fmt in FILE_FORMATS else 'folder'} to write")
    try:
        target = guard(Path(out), folder=fmt not in FILE_FORMATS)  # before anything is read
        if fmt in FILE_FORMATS and target.is_file() and not _ours(target, fmt):
            raise OSError(1, "is a file that iicsa-stats did not write, so it is never replaced; give a new name")
        with reading(data_root()):  # the files of one build; a file differing from its pin stops the write
            if fmt in FILE_FORMATS:
                write_file(target, _write_zip if fmt == "zip" else _write_database)
                return [target.name]
            names: list[str] = write_folder(target, lambda folder: _write_files(fmt, folder))
            return names
    except OSError as exc:
        raise ExportError(f"cannot write to --out {_shown(str(out))}: {reason(exc)}; nothing was written") from None


def _write_zip(path: Path) -> None:
    from .bundle import bundle_files, write_archive

    write_archive(path, bundle_files())


def _write_database(path: Path) -> None:
    from .sqlite import write_database

    write_database(path)


def _write_files(fmt: str, folder: Path) -> list[str]:
    """Write the files of ``fmt`` into ``folder``; their names."""
    files: dict[str, bytes] = {}
    if fmt == "json":
        figures = [f.to_dict() for f in _catalog.all_figures().values()]
        files["figures.json"] = (json.dumps(figures, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    elif fmt != "xlsx":
        from .bundle import table_files

        files = {path.rpartition("/")[2]: data for path, data in table_files(fmt).items()}
    files["ATTRIBUTION.txt"] = attribution_text(_loader.package()).encode("utf-8")
    for name, data in files.items():
        (folder / name).write_bytes(data)
    if fmt == "xlsx":
        from .excel import write_workbook

        write_workbook(folder / "iicsa-stats.xlsx")
        return [*files, "iicsa-stats.xlsx"]
    return list(files)


def _ours(target: Path, fmt: str) -> bool:
    """Whether the file ``target`` is empty or an earlier export: a zip with its attribution, a database its about."""
    import sqlite3
    import zipfile
    from contextlib import closing

    try:
        if target.stat().st_size == 0:
            return True
        if fmt == "zip":
            with zipfile.ZipFile(target) as archive:
                return "ATTRIBUTION.txt" in archive.namelist()
        with closing(sqlite3.connect(f"{target.as_uri()}?mode=ro", uri=True)) as connection:
            return connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'about'").fetchone() is not None
    except (OSError, ValueError, zipfile.BadZipFile, sqlite3.Error):  # not readable as one of ours: not ours
        return False
