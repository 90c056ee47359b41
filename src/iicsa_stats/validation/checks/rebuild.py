"""The ``rebuild`` check.

(source checkout only) a fresh build from ``data/raw`` and ``data/curation`` gives the committed CSV, JSON and
Parquet content.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ...errors import CurationError, IICSAStatsError
from ...tables import TABLES, parquet_path
from .._problem import Problem, problem
from .._state import CAP, PackageState, is_file, read_error

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


def _compare_bytes(pkg: PackageState, name: str, fresh: Path) -> Iterator[Problem]:
    committed = pkg.root / name
    table = name.removeprefix("data/processed/").removesuffix(".csv") if name.endswith(".csv") else None
    fix = "rebuild with `iicsa-stats build` and commit the result"
    if name in pkg.unreadable:
        return  # reported by `files`; comparing it line by line would only repeat that
    try:
        old = committed.read_bytes()
    except OSError as exc:
        yield problem(check="rebuild", file=name, table=table, message=f"{read_error(committed, exc)}; {fix}")
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
    import pyarrow.parquet as pq

    fix = "rebuild with `iicsa-stats build` and commit the result"
    for table in TABLES:
        committed = parquet_path(pkg.root, table)
        rel = pkg.rel(committed)
        if not is_file(committed):
            continue  # reported by `parquet`
        try:
            old = pq.read_table(committed)
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
