"""The checks of :func:`~iicsa_stats.validation.validate`, one function each, in :data:`REGISTRY`."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import os
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from .._figure import SHAPE_KEYS, figure_shape
from .._loader import SCHEMA_PIN, parse_listing, refusal, resource_pin, resource_pins, sha256_hex
from ..errors import CurationError, DataFileError, IICSAStatsError
from ..numbers import NumberMention, find_numbers, same_value, values_in
from ..tables import TABLES, Row, field_names, format_cell
from ._frictionless import package
from ._problem import Problem, capped
from ._state import LISTING, REBUILD_FIX, Package, csv_rel, parquet_rel, schema_rel

VALUE_FIELDS = ("value", "value_lower", "value_upper")
Spans = dict[str, list[tuple[str, int, int]]]


def _number(value: Any) -> str:
    return str(value) if value is None or isinstance(value, dt.date) else format_cell(value, {"type": "number"})


def files(pkg: Package) -> Iterator[Problem]:
    """What could not be read (found while loading), and any entry of a package folder that is not the package's."""
    yield from pkg.problems
    expected = {
        "data/processed": {f"{t}.{ext}" for t in TABLES for ext in ("csv", "parquet")} | {LISTING.split("/")[-1]},
        "schemas": {f"{t}.schema.json" for t in TABLES},
        "data/raw": {p.removeprefix("data/raw/") for p in pkg.raw_paths.values()}
        if "documents" in pkg.tables
        else None,
    }
    for folder, names in expected.items():
        if names is None or folder in pkg.refused or pkg.hidden(folder) or not os.path.isdir(pkg.root / folder):
            continue  # a missing folder: its files are reported missing one by one
        for entry in sorted(set(os.listdir(pkg.root / folder)) - names):
            kind = "folder" if os.path.isdir(pkg.root / folder / entry) else "file"
            why = "which is not part of the data package (nothing describes or checks it)"
            message = f"an extra {kind} in {folder}, {why}; remove it, or rebuild with `iicsa-stats build`"
            yield Problem(check="files", file=f"{folder}/{entry}", message=message)


def checksums(pkg: Package) -> Iterator[Problem]:
    """The layout and pins the loader requires of ``datapackage.json``, each schema and each Parquet file."""
    resources = [r for r in (pkg.descriptor or {}).get("resources", []) if isinstance(r, dict)]
    for table in TABLES if pkg.descriptor is not None else ():
        at = {"check": "checksums", "file": "datapackage.json", "table": table}
        try:
            resource_pins(pkg.descriptor or {}, table, "datapackage.json")
        except DataFileError as exc:
            yield Problem(**at, message=f"the loader refuses the table: {str(exc).removeprefix('datapackage.json: ')}")
        for name, path in ((table, csv_rel(table)), (f"{table}-parquet", parquet_rel(table))):
            found = [r for r in resources if r.get("name") == name]
            pin = found[0].get(SCHEMA_PIN) if len(found) == 1 else None
            actual = resource_pin(pkg.files[schema_rel(table)]) if table in pkg.schemas else pin
            if len(found) != 1 or found[0].get("path") != path or found[0].get("schema") != schema_rel(table):
                why = f"with path {path} and schema {schema_rel(table)}, as the loader reads them"
                yield Problem(**at, message=f"not exactly one resource {name!r} {why}; {REBUILD_FIX}")
            elif pin != actual and (name != table or isinstance(pin, str)):  # else the loader's refusal says it
                why = "it was changed after the build; restore it, or rebuild if the change is intended"
                message = f"the schema differs from its pin in resource {name!r} of datapackage.json: {why}"
                where: dict[str, Any] = {
                    **at,
                    "file": schema_rel(table),
                    "field": SCHEMA_PIN,
                    "expected": str(pin),
                    "found": actual,
                }
                yield Problem(**where, message=message)
    data = pkg.files.get(LISTING)
    listed = parse_listing(data.decode("utf-8", "replace"))[0] if data is not None else {}
    for table in TABLES if data is not None else ():
        content = pkg.files.get(parquet_rel(table))
        if content is not None and listed.get(f"{table}.parquet") != sha256_hex(content):
            at = {"check": "checksums", "file": parquet_rel(table), "table": table}
            message = f"differs from its SHA-256 in {LISTING}: the file changed after the build; {REBUILD_FIX}"
            yield Problem(**at, expected=listed.get(f"{table}.parquet"), found=sha256_hex(content), message=message)


def raw(pkg: Package) -> Iterator[Problem]:
    """Every raw document's SHA-256, size and character count against the documents table."""
    for doc in (d for d in pkg.tables.get("documents", []) if pkg.raw_paths.get(d["document_id"]) in pkg.files):
        doc_id, data = doc["document_id"], pkg.files[pkg.raw_paths[doc["document_id"]]]
        found = {"sha256": sha256_hex(data), "bytes": len(data), "characters": len(pkg.raw_texts.get(doc_id, ""))}
        at = {"check": "raw", "file": pkg.raw_paths[doc_id], "table": "documents", "row": f"document_id={doc_id}"}
        for name, value in found.items():
            if doc.get(name) != value and (name != "characters" or doc_id in pkg.raw_texts):
                why = "restore the verbatim capture, or if the source changed on purpose, re-curate and rebuild"
                message = f"raw document {doc_id!r} differs from its {name} in the documents table: {why}"
                yield Problem(**at, field=name, expected=str(doc.get(name)), found=str(value), message=message)


def _quote(pkg: Package, table: str, row: Row, item: str, at: dict[str, Any]) -> Iterator[Problem]:
    """One quote against its raw text: the text between its offsets."""
    text, doc_id = pkg.raw_texts[row["document_id"]], row["document_id"]
    quote, start, end = row.get("quote"), row.get("quote_start"), row.get("quote_end")
    if quote is None or start is None or end is None:
        yield Problem(**at, field="quote", message=f"{item} has no quote, quote_start or quote_end")
    elif not 0 <= start <= end <= len(text):
        message = f"the quote offsets of {item} lie outside the raw text of {doc_id!r}"
        yield Problem(**at, field="quote_start", expected=f"0..{len(text)}", found=f"{start}..{end}", message=message)
    elif text[start:end] != quote:
        message = f"the quote of {item} is not the raw text of {doc_id!r} between offsets {start} and {end}"
        yield Problem(**at, field="quote", expected=quote, found=text[start:end], message=message)


def quotes(pkg: Package) -> Iterator[Problem]:
    """Every figure's and quoted caveat's quote at its offsets; every declared value among its quote's numbers."""
    for table, id_field in (("figures", "figure_id"), ("caveats", "caveat_id")):
        for row in pkg.tables.get(table, []):
            if table == "caveats" and row.get("basis") != "source" and row.get("quote") is None:
                continue
            fid = row["figure_id"] if table == "figures" else None
            at: dict[str, Any] = {"check": "quotes", "file": csv_rel(table), "table": table, "figure_id": fid}
            at["row"] = pkg.key(table, row)
            if row.get("document_id") in pkg.raw_texts:  # an unknown document: frictionless names the foreign key
                yield from _quote(pkg, table, row, f"{id_field.split('_')[0]} {row[id_field]!r}", at)
            numbers = values_in(row.get("quote") or "")
            for name in (n for n in VALUE_FIELDS if table == "figures" and row.get(n) is not None):
                if not any(same_value(row[name], v) for v in numbers):
                    expected = ", ".join(_number(v) for v in sorted(numbers)) or "a number in the quote"
                    message = f"{name} of figure {fid!r} is not among the numbers of its quote"
                    yield Problem(**at, field=name, expected=expected, found=_number(row[name]), message=message)


def spans_by_document(rows: Iterable[Row], key: str) -> Spans:
    """The quote spans ``(id, start, end)`` of ``rows`` by document, in the rows' order."""
    spans: Spans = defaultdict(list)
    for row in rows:
        start, end = row.get("quote_start"), row.get("quote_end")
        if row.get("document_id") and isinstance(start, int) and isinstance(end, int):
            spans[row["document_id"]].append((row[key], start, end))
    return spans


_LEDGER = {"check": "ledger", "file": csv_rel("ledger"), "table": "ledger"}


def _covering(spans: Iterable[tuple[str, int, int]], start: int, end: int) -> list[str]:
    return [owner for owner, s, e in spans if s <= start and end <= e]


def ledger(pkg: Package) -> Iterator[Problem]:
    """Every number of every raw text has its ledger row, inside the quote it is attributed to, and back.

    With the quotes check (each declared value among its quote's numbers) this holds every declared value to a
    ledger row of a figure or caveat: a row excluding one is reported.
    """
    if "ledger" not in pkg.tables:
        return  # reported by `files`
    spans = {s: spans_by_document(pkg.tables.get(f"{s}s", []), f"{s}_id") for s in ("figure", "caveat")}
    rows: dict[str, dict[int, Row]] = defaultdict(dict)
    for row in pkg.tables["ledger"]:
        rows[row["document_id"]].setdefault(row["start"], row)
    declared = {
        fig["figure_id"]: [fig[k] for k in VALUE_FIELDS if fig.get(k) is not None]
        for fig in pkg.tables.get("figures", [])
    }
    for doc_id, text in pkg.raw_texts.items():
        left = rows.pop(doc_id, {})
        for mention in find_numbers(text):
            yield from _mention(pkg, doc_id, mention, left.pop(mention.start, None), spans=spans, declared=declared)
        for start, row in sorted(left.items()):
            owner = row.get("figure_id") or next(iter(_covering(spans["figure"][doc_id], start, row["end"])), None)
            message = (
                f"the ledger row has no matching number at offset {start} of {pkg.raw_paths[doc_id]}; {REBUILD_FIX}"
            )
            where: dict[str, Any] = {**_LEDGER, "row": f"document_id={doc_id}, start={start}", "figure_id": owner}
            yield Problem(**where, found=row["text"], message=message)


def _mention(
    pkg: Package, doc_id: str, mention: NumberMention, row: Row | None, *, spans: dict[str, Spans], declared: Any
) -> Iterator[Problem]:
    """One number of a raw text against its ledger row: it exists, matches, and its status holds."""
    figs = _covering(spans["figure"][doc_id], mention.start, mention.end)
    where = f"the number {mention.text!r} at offset {mention.start} of {pkg.raw_paths[doc_id]}"
    owner = (row or {}).get("figure_id") or next(iter(figs), None)
    at: dict[str, Any] = {**_LEDGER, "row": f"document_id={doc_id}, start={mention.start}", "figure_id": owner}
    if row is None:
        yield Problem(**at, expected=mention.text, message=f"{where} has no ledger row; {REBUILD_FIX}")
        return
    for name in (n for n in ("end", "text", "kind") if row.get(n) != getattr(mention, n)):
        message = f"the ledger row does not match {where}; {REBUILD_FIX}"
        yield Problem(**at, field=name, expected=str(getattr(mention, name)), found=str(row.get(name)), message=message)
    status = row["status"]
    if status in spans and f"{status}s" in pkg.tables:
        claimed = row.get(f"{status}_id")
        span = next((s for s in spans[status][doc_id] if s[0] == claimed), None)
        at["figure_id"] = claimed if status == "figure" else owner
        if span is None:
            message = f"a {status} row of the ledger names no quoted {status} of document {doc_id!r}"
            yield Problem(**at, field=f"{status}_id", found=str(claimed), message=message)
        elif not span[1] <= mention.start <= mention.end <= span[2]:
            message = f"{where} lies outside the quote of {status} {claimed!r}"
            yield Problem(**at, expected=f"inside {span[1]}..{span[2]}", message=message)
    elif status == "excluded":
        if row.get("figure_id") or row.get("caveat_id") or not row.get("reason"):
            yield Problem(**at, message="an excluded ledger row needs a reason and no figure_id or caveat_id")
        for fid in figs:
            if any(same_value(v, d) for v in mention.values for d in declared.get(fid, [])):
                message = f"{where} is a declared value of figure {fid!r} but the ledger excludes it"
                yield Problem(**{**at, "figure_id": fid}, field="status", found=mention.text, message=message)


#: The tables the loader joins into figures.
JOINED = ("documents", "producers", "caveat_references", "caveats", "figure_caveats", "figure_sources", "figures")


def keys(pkg: Package) -> Iterator[Problem]:
    """Rows in primary-key order, every figure's shape and caveat, and the loader's own join of the rows."""
    from .._catalog import join_figures

    for table, rows in pkg.tables.items():
        primary = pkg.schemas[table].get("primaryKey") or []
        order = [tuple((v is not None, v) for v in (row.get(k) for k in primary)) for row in rows]
        late = [i for i in range(1, len(order)) if order[i - 1] > order[i]]
        if primary and late:
            fid = rows[late[0]].get("figure_id") if table == "figures" else None
            why = "the build writes every table sorted, so the file was changed after the build"
            message = f"the rows are not in the order of their primary key ({len(late)} after a greater key): {why}"
            at = {"check": "keys", "file": csv_rel(table), "table": table, "row": f"line {late[0] + 2}"}
            yield Problem(**at, field=", ".join(primary), figure_id=fid, message=f"{message}; {REBUILD_FIX}")
    linked = Counter(row["figure_id"] for row in pkg.tables.get("figure_caveats", []))
    for fig in pkg.tables.get("figures", []):
        at = {"check": "keys", "file": csv_rel("figures"), "table": "figures", "figure_id": fig["figure_id"]}
        at["row"] = pkg.key("figures", fig)
        for error in figure_shape(**{k: fig.get(k) for k in SHAPE_KEYS}):
            after = f" ({error.after_field})" if error.after_field and error.field != "period_end" else ""
            expected = f">= {_number(error.expected_after)}{after}" if error.after_field else None
            found = _number(error.found) if error.after_field else None
            yield Problem(**at, field=error.field, expected=expected, found=found, message=error.message)
        if "figure_caveats" in pkg.tables and not linked[fig["figure_id"]]:
            message = "the figure has no caveat in the figure_caveats table (every figure needs at least one)"
            yield Problem(**at, message=message)
    if all(table in pkg.tables for table in JOINED):
        try:
            join_figures(str(pkg.root), lambda table: pkg.tables[table])
        except DataFileError as exc:  # the loader stops at the first refusal: one problem, naming its file
            file = os.path.relpath(exc.path, pkg.root) if exc.path else None
            yield Problem(check="keys", file=file, message=f"the loader refuses the tables: {pkg.relative(str(exc))}")


_COMPARED = {
    "comparisons": ("figure_a", "figure_b", "dimension"),
    "comparison_caveats": ("figure_a", "figure_b", "caveat_id"),
}


def comparisons(pkg: Package) -> Iterator[Problem]:
    """The two comparison tables equal a fresh computation from the figures and the overrides they record.

    A curated row must rest on a caveat both figures carry and is refused where the fields already differ.  The
    curation file is not shipped: in a checkout the ``rebuild`` check compares with it too.
    """
    from ..comparability import comparison_tables, overrides_from_rows

    needed = ("figures", "figure_caveats", "caveats", *_COMPARED)
    if any(t not in pkg.tables for t in needed):
        return
    figures, links, caveats = (pkg.tables[t] for t in needed[:3])
    known = {row["figure_id"] for row in figures}

    def at(table: str, key: tuple[Any, ...], _row: Any = None) -> dict[str, Any]:
        row = ", ".join(f"{k}={v}" for k, v in zip(_COMPARED[table], key, strict=True))
        fid = next((k for k in key[:2] if k in known), None)
        return {"check": "comparisons", "file": csv_rel(table), "table": table, "row": row, "figure_id": fid}

    overrides = []
    for row in (r for r in pkg.tables["comparisons"] if r.get("basis") == "curated"):
        try:
            (override,) = overrides_from_rows([row])
            comparison_tables(figures, links, caveats, [override])
            overrides.append(override)
        except ValueError as exc:
            where = at("comparisons", tuple(row.get(k) for k in _COMPARED["comparisons"]))
            yield Problem(**where, field="basis", message=f"not a valid curated override: {exc}; {REBUILD_FIX}")
    try:
        fresh = dict(zip(_COMPARED, comparison_tables(figures, links, caveats, overrides), strict=True))
    except ValueError as exc:  # two curated rows for one pair and dimension: frictionless names the duplicate
        yield Problem(**at("comparisons", (None,) * 3), message=f"cannot recompute the table: {exc}; {REBUILD_FIX}")
        return
    for table, names in _COMPARED.items():
        expected, found = (
            {tuple(r.get(k) for k in names): r for r in rows} for rows in (fresh[table], pkg.tables[table])
        )
        words = (
            f"a row that the figures give is missing; {REBUILD_FIX}",
            f"a row that the figures do not give; {REBUILD_FIX}",
            f"differs from what the two figures' fields and the curated overrides give; {REBUILD_FIX}",
        )
        yield from capped(_diff(expected, found, functools.partial(at, table), words), csv_rel(table), table)


def _diff(
    expected: Mapping[Any, Row], found: Mapping[Any, Row], at: Callable[[Any, Row], dict[str, Any]], words: Any
) -> list[Problem]:
    """The rows (by key) only in ``expected``, only in ``found``, and the values that differ, worded by ``words``."""
    missing, extra, differs = words
    problems = [Problem(**at(k, expected[k]), message=missing) for k in sorted(expected.keys() - found.keys(), key=str)]
    problems += [Problem(**at(k, found[k]), message=extra) for k in sorted(found.keys() - expected.keys(), key=str)]
    for key in sorted(expected.keys() & found.keys(), key=str):
        a, b = expected[key], found[key]
        for name in (n for n in a if not (a[n] == b.get(n) and type(a[n]) is type(b.get(n)))):
            where = {**at(key, a), "field": name, "expected": repr(a[name]), "found": repr(b.get(name))}
            problems.append(Problem(**where, message=f"{name} {differs}"))
    return problems


def parquet(pkg: Package) -> Iterator[Problem]:
    """Every Parquet file: the bytes the build writes of its CSV rows; or else its schema and rows, told apart.

    A file whose writer is the installed pyarrow must be byte for byte what that writer makes of the CSV rows:
    that also catches what pyarrow does not show (page headers, statistics, padding).
    """
    for table, schema in pkg.schemas.items():
        if (data := pkg.files.get(parquet_rel(table))) is not None:
            at = {"check": "parquet", "file": parquet_rel(table), "table": table}
            yield from _parquet_file(pkg, table, schema, data, at)


def _parquet_file(
    pkg: Package, table: str, schema: Mapping[str, Any], data: bytes, at: dict[str, Any]
) -> Iterator[Problem]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .._parquet import parquet_metadata, parquet_schema, write_parquet

    written = io.BytesIO()
    try:
        expected = parquet_schema(schema, meta := parquet_metadata(pkg.descriptor or {}, table))
        if table in pkg.tables:
            write_parquet(pkg.tables[table], schema, meta, written)
    except Exception:  # the descriptor's or the rows' own problems are reported by the package check
        expected = None
    if written.getvalue() == data:
        return  # exactly what the build writes of the CSV rows
    try:
        arrow = pq.read_table(pa.BufferReader(data))
        writer = pq.read_metadata(pa.BufferReader(data)).created_by
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError and others for a damaged file
        yield Problem(**at, message=f"not a readable Parquet file ({type(exc).__name__}: {exc}); {REBUILD_FIX}")
        return
    if expected is None:
        return
    if arrow.schema.names != expected.names:
        message = "the Parquet columns differ from the schema's"
        yield Problem(**at, expected=str(expected.names), found=str(arrow.schema.names), message=message)
        return
    differ = [(f, arrow.schema.field(f.name)) for f in expected if not f.equals(arrow.schema.field(f.name))]
    for want, got in differ:
        message = "the Parquet column's type or nullability differs from what the build writes"
        yield Problem(**at, field=want.name, expected=str(want.type), found=str(got.type), message=message)
    if differ:
        return
    if not arrow.schema.equals(expected, check_metadata=True):
        message = f"as pyarrow reads it, the file's schema differs from what the build writes; {REBUILD_FIX}"
        yield Problem(**at, message=message)
    elif table in pkg.tables:
        problems = list(_rows(pkg, table, arrow.to_pylist(), at))
        yield from capped(problems, parquet_rel(table), table)
        if not problems and writer == f"parquet-cpp-arrow version {pa.__version__}":
            why = "a part other than the values was changed (a page header, statistics, padding)"
            message = f"the file is not what its writer makes of its own values and schema: {why}, which some readers"
            message += f" (DuckDB) may read differently or refuse; {REBUILD_FIX}"
            yield Problem(
                **at, expected=f"{len(written.getvalue())} bytes", found=f"{len(data)} bytes", message=message
            )


def _rows(pkg: Package, table: str, rows: list[Row], at: dict[str, Any]) -> Iterator[Problem]:
    """The Parquet rows against the CSV rows, by primary key: rows only in one, and values that differ."""
    primary = pkg.schemas[table].get("primaryKey") or field_names(pkg.schemas[table])
    csv_rows, parquet_rows = ({tuple(r[k] for k in primary): r for r in side} for side in (pkg.tables[table], rows))
    if len(parquet_rows) != len(rows):
        yield Problem(**at, message="the Parquet file has rows with the same primary key")

    def where(key: Any, row: Row) -> dict[str, Any]:
        return {**at, "row": pkg.key(table, row), "figure_id": row.get("figure_id")}

    words = (
        "a row of the CSV file is missing from the Parquet file",
        "the Parquet file has a row that the CSV file does not",
        f"differs in the Parquet file from the CSV value; {REBUILD_FIX}",
    )
    yield from _diff(csv_rows, parquet_rows, where, words)


def rebuild(pkg: Package) -> Iterator[Problem]:
    """(a source checkout only) A fresh build into a temporary folder equals the committed files."""
    from ..build import build

    if not pkg.rebuild:
        why = f"{pkg.root} is not one (use the checkout, or validate without the rebuild check)"
        message = f"the rebuild check needs a source checkout, a folder with data/curation and schemas; {why}"
        yield from [Problem(check="rebuild", message=message)] if pkg.rebuild_requested else []
        return
    if outside := sorted(_refused_sources(pkg)):
        why = "is not a regular file inside the package root (a symbolic link leaving it, or a pipe or device)"
        message = f"the rebuild was not run: {', '.join(outside)} {why}; replace it with the file itself"
        yield Problem(check="rebuild", message=message)
        return
    with tempfile.TemporaryDirectory(prefix="iicsa-validate-") as tmp:
        try:
            out = build(pkg.root, out=Path(tmp) / "package")
        except (IICSAStatsError, OSError, UnicodeDecodeError) as exc:  # UnicodeDecodeError: see build.read_raw
            file = os.path.relpath(exc.path, pkg.root) if isinstance(exc, CurationError) else None
            item = exc.item if isinstance(exc, CurationError) else None
            fid = item if item in {f["figure_id"] for f in pkg.tables.get("figures", [])} else None
            message = f"the build from data/raw and data/curation fails: {exc}"
            yield Problem(check="rebuild", file=file, figure_id=fid, message=message)
            return
        for rel in ["datapackage.json", *(csv_rel(table) for table in TABLES)]:
            if rel in pkg.files and rel not in pkg.unreadable:  # else `files` says why: a diff would repeat it
                yield from capped(_lines(pkg, rel, (out / rel).read_bytes()), rel)


def _refused_sources(pkg: Package) -> Iterator[str]:
    """The files a build would read (curation, raw texts, schemas) that validate must not read."""
    for folder in ("data/curation", "data/raw", "schemas"):
        if refusal(pkg.root, pkg.root / folder) is not None:
            yield folder
            continue
        for parent, folders, names in os.walk(pkg.root / folder):
            yield from (
                os.path.relpath(Path(parent) / n, pkg.root)
                for n in folders + names
                if refusal(pkg.root, Path(parent) / n) is not None
            )


_COMMIT = "rebuild with `iicsa-stats build` and commit the result"


def _lines(pkg: Package, rel: str, new: bytes) -> Iterator[Problem]:
    table = rel.removeprefix("data/processed/").removesuffix(".csv") if rel.endswith(".csv") else None
    old_lines, new_lines = (b.decode("utf-8", "replace").split("\n") for b in (pkg.files[rel], new))
    for i in range(max(len(old_lines), len(new_lines))):
        expected, found = (lines[i] if i < len(lines) else None for lines in (new_lines, old_lines))
        if expected != found:
            first = next(csv.reader([expected or found or ""]), [""]) if table == "figures" and i else [""]
            message = f"differs from a fresh build of data/raw and data/curation; {_COMMIT}"
            at: dict[str, Any] = {"check": "rebuild", "file": rel, "table": table, "row": f"line {i + 1}"}
            yield Problem(**at, figure_id=first[0] or None, expected=expected, found=found, message=message)


_RAW = ("figures", "caveats", "documents", "raw")
#: The tables (and "raw", the raw texts) each check needs: it leaves out what depends on one that was not read.
NEEDS: dict[str, tuple[str, ...]] = {
    "package": ("datapackage.json",),
    "checksums": ("datapackage.json", LISTING),
    "raw": ("documents",),
    "quotes": _RAW,
    "ledger": _RAW,
    "keys": JOINED,
    "comparisons": ("figures", "figure_caveats", "caveats", *_COMPARED),
    "parquet": (*TABLES, *map(parquet_rel, TABLES)),
}


def left_out(pkg: Package, check: str) -> list[Problem]:
    """One problem saying that ``check`` left out what depends on the files it needs that could not be read."""
    needs = NEEDS.get(check, ())
    files = {*needs, *pkg.raw_paths.values()} if "raw" in needs else set(needs)
    files |= {rel(t) for t in needs if t in TABLES for rel in (csv_rel, schema_rel)}
    names = sorted(f for f in files if f in pkg.unreadable or pkg.hidden(f))
    if not names:
        return []
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    message = f"the {check} check left out what depends on {listed}, which could not be read (see the files problems)"
    return [Problem(check=check, file=names[0] if len(names) == 1 else None, message=message)]


#: Every check by name, in the order they run (the order of :data:`~iicsa_stats.validation.CHECKS`).
REGISTRY: dict[str, Callable[[Package], Iterable[Problem]]] = {
    check.__name__: check
    for check in (files, package, checksums, raw, quotes, ledger, keys, comparisons, parquet, rebuild)
}
