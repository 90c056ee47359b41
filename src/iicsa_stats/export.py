"""Export the data package's figures into a folder: CSV, Parquet, JSON or an Excel workbook.

Everything to export is read, and checked against its pin, before anything is
written; the files are written into a temporary folder inside the target and
then moved into place, all or nothing (:func:`iicsa_stats._staging.stage_files`):
a failed export leaves the target as it was (and removes it if it created
it).  A target inside the data package itself is refused.  ``iicsa-stats export`` calls
:func:`export` and prints what it wrote.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from . import _store
from ._attribution import attribution_text
from ._output import shown as _shown
from ._paths import data_root
from ._pins import check_parquet_pin
from ._staging import reason, stage_files
from .errors import ExportError, check_argument
from .tables import TABLES, csv_path

__all__ = ["FORMATS", "export"]

#: The export formats.
FORMATS = ("csv", "parquet", "json", "xlsx")


def _contents(fmt: str) -> dict[str, bytes]:
    """Every file to write but the workbook, by name, read and checked against its pin."""
    root = data_root()
    files: dict[str, bytes] = {}
    if fmt == "json":
        figures = [f.to_dict() for f in _store.all_figures().values()]
        files["figures.json"] = json.dumps(figures, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"
    elif fmt == "csv":
        for table in TABLES:
            _store.rows(table)  # refuses a file that differs from its pin
            source = csv_path(root, table)
            files[source.name] = source.read_bytes()
    elif fmt == "parquet":
        for table in TABLES:
            files[f"{table}.parquet"] = check_parquet_pin(root, table)
    files["ATTRIBUTION.txt"] = attribution_text(_store.package()).encode("utf-8")
    return files


def export(fmt: str, out: str | os.PathLike[str]) -> list[str]:
    """Write the data in format ``fmt`` into the folder ``out``; return the names of the files written.

    Parameters
    ----------
    fmt : {"csv", "parquet", "json", "xlsx"}
        ``csv`` and ``parquet``: every table; ``json``: every figure with its
        caveats and provenance; ``xlsx``: one workbook.  Each comes with
        ``ATTRIBUTION.txt``.
    out : path-like
        The folder to write into; created if missing.

    Returns
    -------
    list of str
        The file names written, in order.

    Raises
    ------
    ExportError
        If ``fmt`` is unknown, or ``out`` is empty, a file, inside the data
        package or cannot be written (nothing in it has then changed).
    DataFileError
        If a file to export differs from its pin.
    """
    check_argument(isinstance(fmt, str), "fmt", fmt, f"one of {', '.join(FORMATS)}")
    check_argument(isinstance(out, (str, os.PathLike)), "out", out, "a folder path (str or pathlib.Path)")
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    if not str(out).strip():
        raise ExportError("--out is empty; give the folder to write into")
    target = Path(out)
    shown = _shown(str(out))
    try:
        if target.exists() and not target.is_dir():
            raise ExportError(f"--out {shown} is a file; give a folder")
        inside = _package_folder(target.resolve(), data_root())
    except OSError as exc:
        raise ExportError(f"cannot write to --out {shown}: {exc.strerror or exc}") from None
    if inside is not None:
        raise ExportError(
            f"--out {shown} is inside the data package ({inside}); export into a folder of your own, e.g. ./iicsa-data"
        )
    files = _contents(fmt)

    def write(staging: Path) -> list[str]:
        for name, data in files.items():
            (staging / name).write_bytes(data)
        if fmt == "xlsx":
            from .excel import write_workbook

            write_workbook(staging / "iicsa-stats.xlsx")
            return [*files, "iicsa-stats.xlsx"]
        return list(files)

    try:  # all or nothing (see _staging.stage_files): a failure leaves the folder as it was
        return stage_files(target, write, prefix=".iicsa-export-")
    except OSError as exc:
        raise ExportError(f"cannot write to --out {shown}: {reason(exc)}; nothing was written") from None


def _package_folder(target: Path, root: Path) -> str | None:
    """The folder of the data package (or of the source checkout) that ``target`` is or lies in, if any."""
    from ._paths import checkout_root

    checkout = checkout_root()
    for base in {root.resolve(), *([checkout.resolve()] if checkout else [])}:
        if target == base:
            return str(base)
        for name in ("data", "schemas"):
            if target.is_relative_to(base / name):
                return str(base / name)
    return None
