"""Export the data package's figures into a folder: CSV, Parquet, JSON or an Excel workbook.

Everything to export is read, and checked against its pin, before anything is
written; the files are written into a temporary folder inside the target and
then moved into place, so a failed export leaves nothing half-written (and
removes the target folder if it created it).  ``iicsa-stats export`` calls
:func:`export` and prints what it wrote.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from . import _store
from ._attribution import attribution_text
from ._paths import data_root
from ._pins import check_parquet_pin
from .errors import ExportError
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
        If ``fmt`` is unknown, or ``out`` is empty, a file or cannot be written.
    DataFileError
        If a file to export differs from its pin.
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    if not str(out).strip():
        raise ExportError("--out is empty; give the folder to write into")
    target = Path(out)
    if target.exists() and not target.is_dir():
        raise ExportError(f"--out {str(target)!r} is a file; give a folder")
    files = _contents(fmt)
    created = not target.exists()
    try:
        target.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".iicsa-export-", dir=target))
    except OSError as exc:
        raise ExportError(f"cannot write to --out {str(target)!r}: {exc.strerror or exc}") from None
    written = list(files)
    try:
        for name, data in files.items():
            (staging / name).write_bytes(data)
        if fmt == "xlsx":
            from .excel import write_workbook

            write_workbook(staging / "iicsa-stats.xlsx")
            written.append("iicsa-stats.xlsx")
        for name in written:
            os.replace(staging / name, target / name)
    except BaseException as exc:  # leave nothing half-written behind, whatever stopped the export
        shutil.rmtree(staging, ignore_errors=True)
        if created:
            shutil.rmtree(target, ignore_errors=True)
        if isinstance(exc, OSError):
            raise ExportError(f"cannot write to --out {str(target)!r}: {exc.strerror or exc}") from None
        raise
    shutil.rmtree(staging, ignore_errors=True)
    return written
