"""The ``rebuild`` check.

(source checkout only) a fresh build from ``data/raw`` and ``data/curation`` gives the committed CSV, JSON and
Parquet content.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ..._loader import read_file, refusal
from ...errors import CurationError, DataFileError, IICSAStatsError
from ...tables import TABLES, parquet_path
from .._problem import Problem, problem
from .._state import CAP, PackageState

NAME = "rebuild"


def run(pkg: PackageState) -> Iterator[Problem]:
    """Rebuild into a temporary folder and compare with the committed files, when ``pkg.rebuild`` says so."""
    if pkg.rebuild:
        yield from _rebuild_and_compare(pkg)
    elif pkg.rebuild_requested:
        yield problem(
            check="rebuild",
            message=f"the rebuild check needs a source checkout, a folder with data/curation and schemas; "
            f"{pkg.root} is not one (use the checkout, or validate without the rebuild check)",
        )


def _rebuild_and_compare(pkg: PackageState) -> Iterator[Problem]:
    from ...build import build

    figure_ids = {fig["figure_id"] for fig in pkg.figures()}
    outside = _refused_sources(pkg)
    if outside:
        one = len(outside) == 1
        yield problem(
            check="rebuild",
            message=f"the rebuild was not run: {', '.join(outside)} {'is' if one else 'are'} not a regular file "
            "inside the package root (a symbolic link leaving it, or a pipe or device); replace "
            f"{'it' if one else 'them'} with the file itself",
        )
        return
    with tempfile.TemporaryDirectory(prefix="iicsa-validate-") as tmp:
        out = Path(tmp) / "package"
        try:
            build(pkg.root, out=out)
        except (IICSAStatsError, OSError, UnicodeDecodeError) as exc:  # UnicodeDecodeError: see build.read_raw
            file = item = None
            if isinstance(exc, CurationError):
                file, item = pkg.rel(Path(exc.path)), exc.item
            yield problem(
                check="rebuild",
                file=file,
                figure_id=item if item in figure_ids else None,
                message=f"the build from data/raw and data/curation fails: {exc}",
            )
            return
        for name in ["datapackage.json", *(f"data/processed/{table}.csv" for table in TABLES)]:
            yield from _compare_bytes(pkg, name, out / name)
        yield from _compare_parquet(pkg, out)


def _refused_sources(pkg: PackageState) -> list[str]:
    """The files a build would read (curation, raw texts, schemas) that validate must not read."""
    found = []
    for folder in ("data/curation", "data/raw", "schemas"):
        base = pkg.root / folder
        if refusal(pkg.root, base) is not None:
            found.append(folder)
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            for name in dirnames + filenames:
                path = Path(dirpath) / name
                if refusal(pkg.root, path) is not None:
                    found.append(pkg.rel(path))
    return sorted(found)


def _compare_bytes(pkg: PackageState, name: str, fresh: Path) -> Iterator[Problem]:
    committed = pkg.root / name
    table = name.removeprefix("data/processed/").removesuffix(".csv") if name.endswith(".csv") else None
    fix = "rebuild with `iicsa-stats build` and commit the result"
    if name in pkg.unreadable or name in pkg.refused:
        return  # reported by `files`; comparing it line by line would only repeat that
    try:
        old = read_file(pkg.root, name, fix=fix)
    except DataFileError as exc:
        yield problem(check="rebuild", file=name, table=table, message=str(exc).removeprefix(f"{committed}: "))
        return
    new = fresh.read_bytes()
    if old == new:
        return
    old_lines, new_lines = old.decode("utf-8", "replace").split("\n"), new.decode("utf-8", "replace").split("\n")
    differing = [i for i in range(max(len(old_lines), len(new_lines))) if old_lines[i : i + 1] != new_lines[i : i + 1]]
    for i in differing[:CAP]:
        expected = new_lines[i] if i < len(new_lines) else None
        found = old_lines[i] if i < len(old_lines) else None
        figure_id = None
        if table == "figures" and i > 0:
            first = next(csv.reader(io.StringIO(expected or found or "")), [""])
            figure_id = first[0] if first else None
        yield problem(
            check="rebuild",
            file=name,
            table=table,
            row=f"line {i + 1}",
            figure_id=figure_id or None,
            expected=expected,
            found=found,
            message=f"differs from a fresh build of data/raw and data/curation; {fix}",
        )
    if len(differing) > CAP:
        yield problem(
            check="rebuild",
            file=name,
            table=table,
            message=f"{len(differing) - CAP} more lines differ from a fresh build (the first {CAP} are listed); {fix}",
        )


def _compare_parquet(pkg: PackageState, out: Path) -> Iterator[Problem]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    fix = "rebuild with `iicsa-stats build` and commit the result"
    for table in TABLES:
        committed = parquet_path(pkg.root, table)
        rel = pkg.rel(committed)
        data = pkg.files.get(rel)  # read once, while loading
        if not isinstance(data, bytes):
            continue  # reported by `parquet` or `files`
        try:
            old = pq.read_table(pa.BufferReader(data))
        except Exception:  # unreadable: reported by `parquet`
            continue
        new = pq.read_table(parquet_path(out, table))
        if not old.schema.equals(new.schema, check_metadata=True):
            yield problem(
                check="rebuild",
                file=rel,
                table=table,
                message=f"the Parquet schema or its metadata differs from a fresh build; {fix}",
            )
        elif not old.equals(new):
            yield problem(
                check="rebuild", file=rel, table=table, message=f"the Parquet rows differ from a fresh build; {fix}"
            )
