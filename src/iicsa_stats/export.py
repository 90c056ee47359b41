"""Export the data package: CSV, Parquet, JSON or an Excel workbook into a folder; a zip or a SQLite database.

Everything to export is read, and checked against its pin, before anything is
written; the files are written into a temporary folder beside them and then
moved into place, all or nothing (:func:`iicsa_stats._staging.stage_files`):
a failed export leaves the target as it was (and removes a folder it created).
The one file of ``zip`` and ``sqlite`` goes the same way, the staging folder
then being made in the file's folder (:func:`write_file`).  :func:`export`
checks the target first, for every format alike: a target inside the data
package, or that is neither a regular file nor a folder (a device, a FIFO, a
link), is refused.  ``iicsa-stats export`` calls :func:`export` and prints what
it wrote.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from . import _catalog, _loader
from ._attribution import attribution_text
from ._output import shown as _shown
from ._paths import data_root
from ._staging import reason, stage_files, write_file
from .errors import ExportError, check_argument

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["FILE_FORMATS", "FORMATS", "export"]

#: The formats written as one file (``out`` names the file); the others write into a folder.
FILE_FORMATS = ("zip", "sqlite")
#: The export formats.
FORMATS = ("csv", "parquet", "json", "xlsx", *FILE_FORMATS)
#: Prefix of the staging folders of an export (short, so that a long target name still fits beside it).
STAGING_PREFIX = ".iicsa-export-"


def _contents(fmt: str) -> dict[str, bytes]:
    """Every file to write but the workbook, by name, read and checked against its pin."""
    files: dict[str, bytes] = {}
    if fmt == "json":
        figures = [f.to_dict() for f in _catalog.all_figures().values()]
        files["figures.json"] = json.dumps(figures, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"
    elif fmt in ("csv", "parquet"):  # as the zip reads them, each file checked against its pin
        from .bundle import table_files

        files.update({path.rpartition("/")[2]: data for path, data in table_files(fmt).items()})
    files["ATTRIBUTION.txt"] = attribution_text(_loader.package()).encode("utf-8")
    return files


def export(fmt: str, out: str | os.PathLike[str]) -> list[str]:
    """Write the data in format ``fmt`` to ``out``; return the names of the files written.

    Parameters
    ----------
    fmt : {"csv", "parquet", "json", "xlsx", "zip", "sqlite"}
        ``csv`` and ``parquet``: every table; ``json``: every figure with its
        caveats and provenance; ``xlsx``: one workbook; each into the folder
        ``out`` with ``ATTRIBUTION.txt``.  ``zip``: the whole data package as
        the one file ``out`` (:mod:`iicsa_stats.bundle`); ``sqlite``: every
        table in the one SQLite database ``out`` (:mod:`iicsa_stats.sqlite`).
    out : path-like
        The folder to write into (created if missing), or for ``zip`` and
        ``sqlite`` the file to write (replaced if it exists).

    Returns
    -------
    list of str
        The file names written, in order (for ``zip`` and ``sqlite``, the
        name of ``out``).

    Raises
    ------
    ExportError
        If ``fmt`` is unknown, or ``out`` is empty, of the wrong kind (a file
        for a folder, a folder for a file, a device or FIFO), inside the data
        package or cannot be written (nothing has then changed).
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
    one_file = fmt in FILE_FORMATS
    if not str(out).strip():
        raise ExportError(f"--out is empty; give the {'file to write' if one_file else 'folder to write into'}")
    target = Path(out)
    shown = _shown(str(out))
    _check_target(target, shown, fmt)
    if fmt == "zip":
        from .bundle import bundle_files, write_archive

        members = bundle_files()  # read and check everything before writing anything
        return _written(lambda: _one_file(target, lambda path: write_archive(path, members)), shown)
    if fmt == "sqlite":
        from .sqlite import database_contents, write_database

        contents = database_contents()
        return _written(lambda: _one_file(target, lambda path: write_database(path, contents)), shown)
    files = _contents(fmt)

    def write(staging: Path) -> list[str]:
        for name, data in files.items():
            (staging / name).write_bytes(data)
        if fmt == "xlsx":
            from .excel import write_workbook

            write_workbook(staging / "iicsa-stats.xlsx")
            return [*files, "iicsa-stats.xlsx"]
        return list(files)

    return _written(lambda: stage_files(target, write, prefix=STAGING_PREFIX), shown)


def _one_file(target: Path, write: Callable[[Path], object]) -> list[str]:
    """Write the one file ``target`` beside itself, then in its place (:func:`~iicsa_stats._staging.write_file`)."""
    write_file(target, write)
    return [target.name]


def _written(run: Callable[[], list[str]], shown: str) -> list[str]:
    """Run the staged write; an OSError (nothing has then changed) becomes one :class:`ExportError`."""
    try:  # all or nothing (see _staging.stage_files): a failure leaves the target as it was
        return run()
    except OSError as exc:
        raise ExportError(f"cannot write to --out {shown}: {reason(exc)}; nothing was written") from None


def _check_target(target: Path, shown: str, fmt: str) -> None:
    """Refuse a target of the wrong kind, or inside the data package, before anything is read or written."""
    what = {"zip": "the zip file to write, e.g. iicsa-stats.zip", "sqlite": "the SQLite file to write, e.g. iicsa.db"}
    try:
        mode = target.lstat().st_mode if target.exists() or target.is_symlink() else None
        inside = _package_folder(target.resolve(), data_root())
    except OSError as exc:  # e.g. a name longer than the file system allows
        raise ExportError(f"cannot write to --out {shown}: {exc.strerror or exc}") from None
    if inside is not None:
        raise ExportError(
            f"--out {shown} is inside the data package ({inside}); export to a place of your own, e.g. "
            f"{'./iicsa-stats.' + fmt if fmt in FILE_FORMATS else './iicsa-data'}"
        )
    if stat.S_ISREG(mode or 0) and fmt in FILE_FORMATS and not _ours(target, fmt):
        raise ExportError(
            f"--out {shown} is a file that iicsa-stats did not write, so it is never replaced; remove it first "
            "or give a new name"
        )
    if mode is None or (stat.S_ISREG(mode) and fmt in FILE_FORMATS) or (stat.S_ISDIR(mode) and fmt not in FILE_FORMATS):
        return
    if stat.S_ISDIR(mode):
        raise ExportError(f"--out {shown} is a folder; give {what[fmt]}")
    if stat.S_ISREG(mode):
        raise ExportError(f"--out {shown} is a file; give a folder")
    raise ExportError(
        f"--out {shown} is not a regular file or folder (a device, FIFO, socket or link), so it is never "
        "replaced; give another path"
    )


def _ours(target: Path, fmt: str) -> bool:
    """Whether the existing file ``target`` is an earlier export of ``fmt`` (or empty).

    An earlier zip holds a data package with its attribution; an earlier database has the ``about`` table.
    """
    import sqlite3
    import zipfile

    try:
        if target.stat().st_size == 0:
            return True
        if fmt == "zip":
            with zipfile.ZipFile(target) as archive:
                return {"datapackage.json", "ATTRIBUTION.txt"} <= set(archive.namelist())
        with open(target, "rb") as handle:
            if handle.read(16) != b"SQLite format 3\x00":
                return False
        connection = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
        try:
            found = connection.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'about'").fetchone()
        finally:
            connection.close()
        return found is not None
    except (OSError, ValueError, zipfile.BadZipFile, sqlite3.Error):  # not readable as one of ours: not ours
        return False


def _package_folder(target: Path, root: Path) -> str | None:
    """The part of the data package (or of the source checkout) that ``target`` is or lies in, if any."""
    from ._paths import checkout_root

    checkout = checkout_root()
    for base in {root.resolve(), *([checkout.resolve()] if checkout else [])}:
        if target == base:
            return str(base)
        for name in ("data", "schemas", "datapackage.json"):
            if target.is_relative_to(base / name):
                return str(base / name)
    return None
