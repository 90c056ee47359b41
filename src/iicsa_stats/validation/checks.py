"""The checks of :func:`~iicsa_stats.validation.validate`: one function per check, each yielding its problems.

Frictionless checks what it can (types, constraints, code lists, primary and foreign keys, every CSV resource's
``bytes`` and ``hash``); the functions here add the package's own rules.  Each takes the :class:`.Package` read once
by :func:`._state.load` and leaves out what depends on a file that could not be read (the ``files`` check
reports that file, the others add one note naming it).
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import os
import re
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .._guard import path_problem, refusal
from .._pins import SCHEMA_PIN, parse_listing, resource_pin, resource_pins, sha256_hex
from .._shape import SHAPE_KEYS, figure_shape
from ..errors import CurationError, DataFileError, IICSAStatsError
from ..numbers import find_numbers, same_value, values_in
from ..tables import TABLES, Row, field_names, format_cell
from ._problem import Problem
from ._state import LISTING, REBUILD_FIX, Package, csv_rel, parquet_rel, schema_rel

#: At most this many problems of one kind per file are listed (a table damaged throughout differs on every row).
CAP = 10
VALUE_FIELDS = ("value", "value_lower", "value_upper")


def _number(value: Any) -> str:
    return str(value) if value is None or isinstance(value, dt.date) else format_cell(value, {"type": "number"})


def _capped(problems: Iterable[Problem], file: str | None, table: str | None = None) -> Iterator[Problem]:
    found = list(problems)
    yield from found[:CAP]
    if len(found) > CAP:
        more = f"{len(found) - CAP} more problems of this kind (the first {CAP} are listed); {REBUILD_FIX}"
        yield Problem(check=found[0].check, file=file, table=table, message=more)


# --------------------------------------------------------------------------- files


def files(pkg: Package) -> Iterator[Problem]:
    """What could not be read (found while loading), and any file in a package folder that is not the package's."""
    yield from pkg.problems
    raw = {path.removeprefix("data/raw/") for path in pkg.raw_paths.values()}
    expected = {
        "data/processed": {f"{t}.{ext}" for t in TABLES for ext in ("csv", "parquet")} | {LISTING.split("/")[-1]},
        "schemas": {f"{t}.schema.json" for t in TABLES},
        "data/raw": raw if "documents" in pkg.tables else None,
    }
    for folder, names in expected.items():
        if names is None or folder in pkg.refused or pkg.hidden(folder):
            continue
        try:
            entries = sorted(os.listdir(pkg.root / folder))
        except OSError:
            continue  # a missing folder: its files are reported missing one by one
        for entry in (e for e in entries if e not in names):
            kind = "folder" if os.path.isdir(pkg.root / folder / entry) else "file"
            yield Problem(
                check="files",
                file=f"{folder}/{entry}",
                message=f"an extra {kind} in {folder}, which is not part of the data package (nothing describes or "
                "checks it); remove it, or rebuild with `iicsa-stats build`",
            )


# --------------------------------------------------------------------------- package (frictionless)

_PROFILES = frozenset(
    f"https://datapackage.org/profiles/{version}/{name}.json"
    for version in ("1.0", "2.0")
    for name in ("datapackage", "dataresource", "tableschema", "tabledialect")
)
_METADATA: dict[str, tuple[Callable[[Any], bool], str]] = {
    "name": (lambda v: isinstance(v, str) and bool(re.fullmatch(r"[a-z0-9._-]+", v)), "a name (lowercase, 0-9 ._-)"),
    "version": (lambda v: isinstance(v, str) and bool(v.strip()), "a version"),
    "licenses": (
        lambda v: (
            isinstance(v, list)
            and bool(v)
            and all(
                isinstance(x, dict) and any(isinstance(x.get(k), str) and x[k].strip() for k in ("name", "path"))
                for x in v
            )
        ),
        "licenses (a list of objects, each with a name or a path): the licence travels with the data",
    ),
    "attribution": (lambda v: isinstance(v, str) and bool(v.strip()), "an attribution: it travels with the data"),
}


def _references(pkg: Package) -> Iterator[tuple[str, Any, str]]:
    """Every reference in the descriptor that frictionless must not follow: ``(where, value, why)``."""
    descriptor = pkg.descriptor or {}
    objects: list[tuple[str, Any]] = [("the package", descriptor)]
    for index, resource in enumerate(r for r in descriptor.get("resources", []) if isinstance(r, dict)):
        label = f"resource {resource.get('name', index)!r}"
        objects += [(label, resource)] + [
            (f"{label} {k}", resource[k]) for k in ("schema", "dialect") if isinstance(resource.get(k), dict)
        ]
        if resource.get("scheme") not in (None, "file"):
            yield f"{label} scheme", resource["scheme"], "names a scheme other than local files (nothing is fetched)"
        for key in ("path", "extrapaths", "schema", "dialect"):
            values = resource.get(key)
            for value in values if isinstance(values, list) else [values]:
                if value is None or isinstance(value, dict):
                    continue
                if why := path_problem(value) or (None if value in pkg.unreadable else _refused(pkg, resource, value)):
                    yield f"{label} {key}", value, why
    for label, obj in objects + [(f"{schema_rel(t)}", s) for t, s in pkg.schemas.items()]:
        for key in ("$schema", "profile"):
            value = obj.get(key, "tabular-data-package")
            if not (value in _PROFILES or (isinstance(value, str) and re.fullmatch(r"[a-z-]+", value))):
                yield f"{label} {key}", value, "is not one of the standard Data Package profiles (none other is read)"


def _refused(pkg: Package, resource: Mapping[str, Any], path: str) -> str | None:
    """Why the guard refuses the local file a resource names (a link leaving the root, a pipe, far too large)."""
    return refusal(
        pkg.root, pkg.root / path, pinned_bytes=resource.get("bytes") if resource.get("path") == path else None
    )


@contextmanager
def offline() -> Iterator[None]:
    """Run frictionless in untrusted mode with an HTTP session that refuses every request."""
    import frictionless
    import requests  # frictionless's own HTTP client

    class Refuse(requests.adapters.BaseAdapter):  # type: ignore[misc,unused-ignore]
        def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
            raise OSError(f"validate never fetches anything ({request.url!r} refused)")

        def close(self) -> None:
            pass

    session = requests.Session()
    for prefix in ("http://", "https://", "ftp://", "ftps://"):
        session.mount(prefix, Refuse())
    with frictionless.system.use_context(trusted=False, http_session=session):
        yield


def _frictionless_source(pkg: Package, broken: set[str]) -> dict[str, Any]:
    """The descriptor as read, the schemas inlined as read, without what frictionless must not or cannot check.

    Left out: the Parquet resources (the ``parquet`` check compares them with their CSV files), resources whose
    schema could not be read, and foreign keys into the tables in ``broken`` (unreadable: reported once).
    """
    assert pkg.descriptor is not None
    by_path = {schema_rel(table): schema for table, schema in pkg.schemas.items()}
    resources = []
    for resource in pkg.descriptor["resources"]:
        schema = resource.get("schema") if isinstance(resource, dict) else None
        if not isinstance(resource, dict) or resource.get("format") == "parquet" or schema in pkg.unreadable:
            continue
        paths = resource.get("path") if isinstance(resource.get("path"), list) else [resource.get("path")]
        if any(p in pkg.unreadable and _refused(pkg, resource, p) for p in paths):
            continue  # refused by the guard: the files problem says why
        if isinstance(schema, str) and schema in by_path:
            schema = copy.deepcopy(by_path[schema])
            keys = schema.get("foreignKeys", [])
            schema["foreignKeys"] = [
                k for k in keys if not (isinstance(k, dict) and k.get("reference", {}).get("resource") in broken)
            ]
        resources.append({**resource, "schema": schema} if isinstance(schema, dict) else resource)
    return {**pkg.descriptor, "resources": resources}


def package(pkg: Package) -> Iterator[Problem]:
    """The package metadata; then frictionless on ``datapackage.json`` and every CSV resource, with zero errors."""
    if pkg.descriptor is None:
        yield from pkg.skipped("package", ["datapackage.json"])
        return
    for key, (ok, what) in _METADATA.items():
        if not ok(value := pkg.descriptor.get(key)):
            found = None if value is None else repr(value)
            message = f"the package has no {what}; {REBUILD_FIX}"
            yield Problem(check="package", file="datapackage.json", field=key, found=found, message=message)
    unsafe = list(_references(pkg))
    for where, value, why in unsafe:
        yield Problem(
            check="package",
            file="datapackage.json",
            found=repr(value),
            message=f"{where} {why}: a data package refers only to files inside its own folder",
        )
    if unsafe:
        yield Problem(
            check="package",
            file="datapackage.json",
            message="frictionless was not run on the package, so "
            "that nothing outside it is read or fetched; it runs once the references above are fixed",
        )
        return
    import frictionless

    broken = {t for t in TABLES if pkg.source(t) in pkg.unreadable}
    try:
        with offline():
            report = frictionless.validate(_frictionless_source(pkg, broken), basepath=str(pkg.root))
    except Exception as exc:  # frictionless raises its own errors for a descriptor it cannot use
        message = f"frictionless could not validate the package: {pkg.relative(str(exc))}"
        yield Problem(check="package", file="datapackage.json", message=message)
        return
    for error in report.errors:
        yield Problem(check="package", file="datapackage.json", message=f"{error.type}: {pkg.relative(error.message)}")
    for task in report.tasks:
        table = task.name if task.name in TABLES else None
        place = str(task.place) if task.place else None
        counts: Counter[str] = Counter()
        for error in task.errors:
            counts[error.type] += 1
            if counts[error.type] > CAP:
                continue
            cells = getattr(error, "cells", None) or [None]
            yield Problem(
                check="package",
                file=place,
                table=table,
                row=str(error.row_number) if getattr(error, "row_number", None) else None,
                field=getattr(error, "field_name", None) or None,
                figure_id=cells[0] if table == "figures" and isinstance(cells[0], str) and cells[0] else None,
                message=f"{error.type} in resource {task.name!r}: {pkg.relative(error.message)}"
                + (f"; the file changed after the build: {REBUILD_FIX}" if error.type.endswith("-count") else ""),
            )
        for kind, count in counts.items():
            if count > CAP:
                message = f"{count - CAP} more {kind} errors in resource {task.name!r} (the first {CAP} are listed)"
                yield Problem(check="package", file=place, table=table, message=message)
    yield from pkg.skipped(
        "package",
        (
            pkg.source(t)
            for t in broken
            if any(
                t in {k.get("reference", {}).get("resource") for k in s.get("foreignKeys", []) if isinstance(k, dict)}
                for s in pkg.schemas.values()
            )
        ),
    )


# --------------------------------------------------------------------------- checksums


def checksums(pkg: Package) -> Iterator[Problem]:
    """The layout and pins the loader requires of ``datapackage.json``, each schema and each Parquet file."""
    descriptor = pkg.descriptor
    if descriptor is None:
        yield from pkg.skipped("checksums", ["datapackage.json"])  # PARQUET.sha256 is still checked
    resources = [r for r in (descriptor or {}).get("resources", []) if isinstance(r, dict)]
    for table in TABLES if descriptor is not None else ():
        where = {"check": "checksums", "file": "datapackage.json", "table": table}
        try:
            resource_pins(descriptor, table, "datapackage.json")
        except DataFileError as exc:
            yield Problem(
                **where, message=f"the loader refuses the table: {str(exc).removeprefix('datapackage.json: ')}"
            )
        for name, path in ((table, csv_rel(table)), (f"{table}-parquet", parquet_rel(table))):
            found = [r for r in resources if r.get("name") == name]
            expected = {"path": path, "schema": schema_rel(table)}
            if len(found) != 1 or any(found[0].get(k) != v for k, v in expected.items()):
                message = (
                    f"not exactly one resource {name!r} with path {path} and schema {schema_rel(table)}, as "
                    f"the loader reads them; {REBUILD_FIX}"
                )
                yield Problem(**where, message=message)
            elif table in pkg.schema_bytes and found[0].get(SCHEMA_PIN) != resource_pin(pkg.schema_bytes[table]):
                if name == table and not isinstance(found[0].get(SCHEMA_PIN), str):
                    continue  # the loader's refusal above says it
                yield Problem(
                    check="checksums",
                    file=schema_rel(table),
                    table=table,
                    field=SCHEMA_PIN,
                    expected=str(found[0].get(SCHEMA_PIN)),
                    found=resource_pin(pkg.schema_bytes[table]),
                    message=f"the schema differs from its pin in resource {name!r} of datapackage.json: it "
                    "was changed after the build; restore it, or rebuild if the change is intended",
                )
    yield from _listing(pkg)


def _listing(pkg: Package) -> Iterator[Problem]:
    """Every Parquet file against its SHA-256 in ``PARQUET.sha256``."""
    data = pkg.files.get(LISTING)
    if isinstance(data, str) and not pkg.hidden(LISTING):
        yield Problem(check="checksums", file=LISTING, message=data)
    if not isinstance(data, bytes):
        return
    listed, bad = parse_listing(data.decode("utf-8", "replace"))
    for number, line in bad:
        message = f"not a line of the form '<64 hex digits>  <name>.parquet'; {REBUILD_FIX}"
        yield Problem(check="checksums", file=LISTING, row=f"line {number}", found=line, message=message)
    for table in TABLES:
        content = pkg.files.get(parquet_rel(table))
        if isinstance(content, bytes) and listed.get(f"{table}.parquet") != sha256_hex(content):
            yield Problem(
                check="checksums",
                file=parquet_rel(table),
                table=table,
                expected=listed.get(f"{table}.parquet"),
                found=sha256_hex(content),
                message=f"differs from its SHA-256 in {LISTING}: the file changed after the build; {REBUILD_FIX}",
            )


# --------------------------------------------------------------------------- raw, quotes


def raw(pkg: Package) -> Iterator[Problem]:
    """Every raw document's SHA-256, size and character count against the documents table."""
    yield from pkg.skipped("raw", [pkg.source("documents")])
    for doc in pkg.tables.get("documents", []):
        doc_id = doc["document_id"]
        if doc_id not in pkg.raw_bytes:
            continue  # reported by `files`
        data = pkg.raw_bytes[doc_id]
        found = {"sha256": sha256_hex(data), "bytes": len(data), "characters": len(pkg.raw_texts.get(doc_id, ""))}
        for name, value in found.items():
            if doc.get(name) != value and (name != "characters" or doc_id in pkg.raw_texts):
                yield Problem(
                    check="raw",
                    file=pkg.raw_paths[doc_id],
                    table="documents",
                    row=f"document_id={doc_id}",
                    field=name,
                    expected=str(doc.get(name)),
                    found=str(value),
                    message=f"raw document {doc_id!r} differs from its {name} in the documents table: restore "
                    "the verbatim capture, or if the source changed on purpose, re-curate and rebuild",
                )


def _quote(pkg: Package, table: str, row: Row, item: str, figure_id: str | None) -> Iterator[Problem]:
    """One quote against its raw text: the text between its offsets."""
    where = {"check": "quotes", "file": csv_rel(table), "table": table, "row": pkg.key(table, row)}
    text = pkg.raw_texts.get(row.get("document_id") or "")
    quote, start, end = row.get("quote"), row.get("quote_start"), row.get("quote_end")
    doc_id = row.get("document_id")
    if text is None:
        message = f"the quote of {item} cannot be checked: the raw text of document {doc_id!r} is not available"
        yield Problem(**where, figure_id=figure_id, field="document_id", found=str(doc_id), message=message)
    elif quote is None or start is None or end is None:
        yield Problem(**where, figure_id=figure_id, field="quote", message=f"{item} has no quote, start or end")
    elif not 0 <= start <= end <= len(text):
        yield Problem(
            **where,
            figure_id=figure_id,
            field="quote_start",
            found=f"{start}..{end}",
            expected=f"0 <= quote_start <= quote_end <= {len(text)}",
            message=f"the quote offsets of {item} lie outside the raw text of {doc_id!r}",
        )
    elif text[start:end] != quote:
        yield Problem(
            **where,
            figure_id=figure_id,
            field="quote",
            expected=quote,
            found=text[start:end],
            message=f"the quote of {item} is not the raw text of {doc_id!r} between offsets {start} and {end}",
        )


def quotes(pkg: Package) -> Iterator[Problem]:
    """Every figure's and quoted caveat's quote at its offsets; every declared value among its quote's numbers."""
    skipped = set()
    for table, id_field in (("figures", "figure_id"), ("caveats", "caveat_id")):
        for row in pkg.tables.get(table, []):
            if table == "caveats" and row.get("basis") != "source" and row.get("quote") is None:
                continue
            fid = row[id_field] if table == "figures" else None
            if unread := pkg.raw_source(row.get("document_id")):
                skipped.add(unread)
            else:
                yield from _quote(pkg, table, row, f"{id_field.split('_')[0]} {row[id_field]!r}", fid)
            found = values_in(row.get("quote") or "") if table == "figures" else set()
            for name in VALUE_FIELDS if table == "figures" else ():
                value = row.get(name)
                if value is not None and not any(same_value(value, v) for v in found):
                    numbers = ", ".join(_number(v) for v in sorted(found))
                    yield Problem(
                        check="quotes",
                        file=csv_rel(table),
                        table=table,
                        row=pkg.key(table, row),
                        field=name,
                        figure_id=fid,
                        found=_number(value),
                        expected=f"one of {numbers}" if found else "a number in the quote",
                        message=f"{name} of figure {fid!r} is not among the numbers of its quote",
                    )
    yield from pkg.skipped("quotes", skipped)


# --------------------------------------------------------------------------- ledger


def spans_by_document(rows: Iterable[Row], key: str) -> dict[str, list[tuple[str, int, int]]]:
    """The quote spans ``(id, start, end)`` of ``rows`` by document, in the rows' order."""
    spans: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
    for row in rows:
        start, end = row.get("quote_start"), row.get("quote_end")
        if row.get("document_id") and isinstance(start, int) and isinstance(end, int):
            spans[row["document_id"]].append((row[key], start, end))
    return spans


def _covering(spans: Iterable[tuple[str, int, int]], start: int, end: int) -> list[str]:
    return [owner for owner, s, e in spans if s <= start and end <= e]


def ledger(pkg: Package) -> Iterator[Problem]:
    """Every number of every raw text has its ledger row inside the quote it is attributed to, and back."""
    if "ledger" not in pkg.tables:
        return  # reported by `files`
    figures = spans_by_document(pkg.figures(), "figure_id")
    caveats = spans_by_document(pkg.tables.get("caveats", []), "caveat_id")
    declared = {f["figure_id"]: [f[k] for k in VALUE_FIELDS if f.get(k) is not None] for f in pkg.figures()}
    rows: dict[str, dict[int, Row]] = defaultdict(dict)
    accounted: dict[str, set[float]] = defaultdict(set)
    skipped = {pkg.source(t) for t in ("figures", "caveats")}
    for row in pkg.tables["ledger"]:
        rows[row["document_id"]].setdefault(row["start"], row)
        if row["status"] in ("figure", "caveat"):
            for fid in _covering(figures[row["document_id"]], row["start"], row["end"]):
                accounted[fid] |= values_in(row["text"])
    for doc_id, text in pkg.raw_texts.items():
        where = {"check": "ledger", "file": csv_rel("ledger"), "table": "ledger"}
        left = rows.pop(doc_id, {})
        for mention in find_numbers(text):
            figs = _covering(figures[doc_id], mention.start, mention.end)
            at = {**where, "row": f"document_id={doc_id}, start={mention.start}"}
            row = left.pop(mention.start, None)
            if row is None:
                yield Problem(
                    **at,
                    figure_id=next(iter(figs), None),
                    expected=mention.text,
                    message=f"the number {mention.text!r} at offset {mention.start} of "
                    f"{pkg.raw_paths[doc_id]} has no ledger row; {REBUILD_FIX}",
                )
                continue
            owner = row.get("figure_id") or next(iter(figs), None)
            for name in ("end", "text", "kind"):
                if row.get(name) != getattr(mention, name):
                    yield Problem(
                        **at,
                        field=name,
                        figure_id=owner,
                        expected=str(getattr(mention, name)),
                        found=str(row.get(name)),
                        message=f"the ledger row does not match the number at "
                        f"offset {mention.start} of {pkg.raw_paths[doc_id]}; {REBUILD_FIX}",
                    )
            status = row["status"]
            if status in ("figure", "caveat") and pkg.source(f"{status}s") is None:
                claimed = row.get(f"{status}_id")
                span = next((s for s in (figures if status == "figure" else caveats)[doc_id] if s[0] == claimed), None)
                named = claimed if status == "figure" else owner
                if span is None:
                    yield Problem(
                        **at,
                        field=f"{status}_id",
                        figure_id=named,
                        found=str(claimed),
                        message=f"a {status} row of the ledger names no quoted {status} of document {doc_id!r}",
                    )
                elif not span[1] <= mention.start <= mention.end <= span[2]:
                    yield Problem(
                        **at,
                        figure_id=named,
                        expected=f"inside {span[1]}..{span[2]}",
                        found=f"{mention.start}..{mention.end}",
                        message=f"the number {mention.text!r} lies outside the quote of {status} {claimed!r}",
                    )
            elif status == "excluded":
                if row.get("figure_id") or row.get("caveat_id") or not row.get("reason"):
                    message = "an excluded ledger row needs a reason and no figure_id or caveat_id"
                    yield Problem(**at, figure_id=owner, message=message)
                for fid in figs:
                    if any(same_value(v, d) for v in mention.values for d in declared.get(fid, [])):
                        yield Problem(
                            **at,
                            field="status",
                            figure_id=fid,
                            found=mention.text,
                            message=f"the number {mention.text!r} is a declared value of figure {fid!r} "
                            "but the ledger marks it excluded",
                        )
        for start, row in sorted(left.items()):
            owner = row.get("figure_id") or next(iter(_covering(figures[doc_id], start, row["end"])), None)
            yield Problem(
                **where,
                row=f"document_id={doc_id}, start={start}",
                figure_id=owner,
                found=str(row["text"]),
                message=f"the ledger row has no matching number at offset {start} of "
                f"{pkg.raw_paths[doc_id]}; {REBUILD_FIX}",
            )
    for fig in pkg.figures():
        fid = fig["figure_id"]
        if fig["document_id"] not in pkg.raw_texts or fid not in {s[0] for s in figures[fig["document_id"]]}:
            continue  # reported by `files` or `quotes`
        for name in VALUE_FIELDS:
            value = fig.get(name)
            if value is not None and not any(same_value(value, v) for v in accounted[fid]):
                yield Problem(
                    check="ledger",
                    file=csv_rel("ledger"),
                    table="ledger",
                    field=name,
                    figure_id=fid,
                    expected=_number(value),
                    found=", ".join(_number(v) for v in sorted(accounted[fid])) or "no number",
                    message=f"{name} of figure {fid!r} is not among the ledger's numbers inside its quote",
                )
    unread_docs = {row["document_id"] for row in pkg.tables["ledger"]} - set(pkg.raw_texts)
    skipped |= {pkg.raw_source(doc_id) for doc_id in unread_docs}
    yield from pkg.skipped("ledger", skipped)


# --------------------------------------------------------------------------- keys

#: The tables the loader joins into figures.
JOINED = ("documents", "producers", "caveat_references", "caveats", "figure_caveats", "figure_sources", "figures")


def keys(pkg: Package) -> Iterator[Problem]:
    """Rows in primary-key order, every figure's shape and caveat, and the loader's own join of the rows."""
    from .._store import join_figures

    for table, rows in pkg.tables.items():
        primary = pkg.schemas[table].get("primaryKey") or []
        order = [tuple((v is not None, v) for v in (row.get(k) for k in primary)) for row in rows]
        try:
            late = [i for i in range(1, len(order)) if order[i - 1] > order[i]]
        except TypeError:
            continue  # values of mixed types in a key column: reported by frictionless
        if primary and late:
            row = rows[late[0]]
            yield Problem(
                check="keys",
                file=csv_rel(table),
                table=table,
                row=f"line {late[0] + 2}",
                field=", ".join(primary),
                figure_id=row.get("figure_id") if table == "figures" else None,
                message=f"the rows are not in the order of their primary key ({len(late)} after a greater "
                "key, the first at this line): the build writes every table sorted, so the file was changed "
                f"after the build; {REBUILD_FIX}",
            )
    linked = Counter(row["figure_id"] for row in pkg.tables.get("figure_caveats", []))
    for fig in pkg.figures():
        where = {
            "check": "keys",
            "file": csv_rel("figures"),
            "table": "figures",
            "row": pkg.key("figures", fig),
            "figure_id": fig["figure_id"],
        }
        for error in figure_shape(**{k: fig.get(k) for k in SHAPE_KEYS}):
            after = f" ({error.after_field})" if error.after_field and error.field != "period_end" else ""
            yield Problem(
                **where,
                field=error.field,
                message=error.message,
                expected=f">= {_number(error.expected_after)}{after}" if error.after_field else None,
                found=_number(error.found) if error.after_field else None,
            )
        if "figure_caveats" in pkg.tables and not linked[fig["figure_id"]]:
            yield Problem(
                **where,
                message="the figure has no caveat in the figure_caveats table (every figure needs at least one)",
            )
    if all(table in pkg.tables for table in JOINED):
        try:
            join_figures(str(pkg.root), lambda table: pkg.tables[table])
        except DataFileError as exc:
            file = os.path.relpath(exc.path, pkg.root) if exc.path else None
            yield Problem(check="keys", file=file, message=f"the loader refuses the tables: {pkg.relative(str(exc))}")
    yield from pkg.skipped("keys", [pkg.source(t) for t in JOINED if t in ("figures", "figure_caveats")])


# --------------------------------------------------------------------------- comparisons

_COMPARED = {
    "comparisons": ("figure_a", "figure_b", "dimension"),
    "comparison_caveats": ("figure_a", "figure_b", "caveat_id"),
}


def comparisons(pkg: Package) -> Iterator[Problem]:
    """The two comparison tables equal a fresh computation from the figures and the overrides they record.

    A curated row must rest on a caveat both figures carry and is refused where the fields already differ; the
    curation file is not shipped, so in a checkout the ``rebuild`` check compares with it too.
    """
    from ..comparability import comparison_tables, overrides_from_rows

    needed = ("figures", "figure_caveats", "caveats", *_COMPARED)
    if any(t not in pkg.tables for t in needed):
        yield from pkg.skipped("comparisons", (pkg.source(t) for t in needed))
        return
    sources = [pkg.tables[t] for t in needed[:3]]
    known = {row["figure_id"] for row in pkg.figures()}

    def where(table: str, key: tuple[Any, ...]) -> dict[str, Any]:
        figure = next((k for k in key[:2] if k in known), None)
        row = ", ".join(f"{k}={v}" for k, v in zip(_COMPARED[table], key, strict=True))
        return {"check": "comparisons", "file": csv_rel(table), "table": table, "row": row, "figure_id": figure}

    overrides = []
    for row in (r for r in pkg.tables["comparisons"] if r.get("basis") == "curated"):
        try:
            (override,) = overrides_from_rows([row])
            comparison_tables(*sources, [override])
        except ValueError as exc:
            at = where("comparisons", tuple(row.get(k) for k in _COMPARED["comparisons"]))
            yield Problem(**at, field="basis", message=f"not a valid curated override: {exc}; {REBUILD_FIX}")
            continue
        overrides.append(override)
    try:
        fresh = dict(zip(_COMPARED, comparison_tables(*sources, overrides), strict=True))
    except ValueError as exc:  # two curated rows for one pair and dimension: frictionless names the duplicate
        message = f"cannot recompute the table: {exc}; {REBUILD_FIX}"
        yield Problem(check="comparisons", file=csv_rel("comparisons"), table="comparisons", message=message)
        return
    for table, names in _COMPARED.items():
        expected = {tuple(row.get(k) for k in names): row for row in fresh[table]}
        found = {tuple(row.get(k) for k in names): row for row in pkg.tables[table]}
        problems = [
            Problem(**where(table, key), message=f"a row that the figures give is missing; {REBUILD_FIX}")
            for key in sorted(expected.keys() - found.keys(), key=str)
        ]
        for key in sorted(found.keys() - expected.keys(), key=str):
            why = "its pair or key is not among those the figures give"
            if isinstance(key[0], str) and isinstance(key[1], str) and key[0] >= key[1]:
                why = f"figure_a must sort before figure_b ({key[0]!r} does not)"
            problems.append(
                Problem(**where(table, key), message=f"a row that the figures do not give: {why}; {REBUILD_FIX}")
            )
        for key in sorted(expected.keys() & found.keys(), key=str):
            for name, value in expected[key].items():
                if found[key].get(name) != value:
                    problems.append(
                        Problem(
                            **where(table, key),
                            field=name,
                            expected=_text(value),
                            found=_text(found[key].get(name)),
                            message=f"{name} differs from what the "
                            f"two figures' fields and the curated overrides give; {REBUILD_FIX}",
                        )
                    )
        yield from _capped(problems, csv_rel(table), table)


def _text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else "" if value is None else str(value)


# --------------------------------------------------------------------------- parquet


def parquet(pkg: Package) -> Iterator[Problem]:
    """Every Parquet file: the columns, Arrow types and metadata the build writes, and the rows of its CSV file.

    A file is also compared, byte for byte, with what its writer makes of those rows when it names the installed
    pyarrow as its writer: that catches what no reader shows through pyarrow (page headers, statistics, padding).
    """
    skipped = {pkg.source(table) for table in TABLES if table not in pkg.schemas}
    for table, schema in pkg.schemas.items():
        data = pkg.files.get(parquet_rel(table))
        where = {"check": "parquet", "file": parquet_rel(table), "table": table}
        if isinstance(data, str) and not pkg.hidden(parquet_rel(table)):
            yield Problem(**where, message=data)
        if not isinstance(data, bytes):
            continue
        if table not in pkg.tables:
            skipped.add(pkg.source(table))
        yield from _parquet_file(pkg, table, schema, data, where)
    yield from pkg.skipped("parquet", skipped)


def _expected_parquet(pkg: Package, table: str, schema: Mapping[str, Any]) -> tuple[Any, bytes | None]:
    """The Arrow schema the build writes for ``table`` (None without the descriptor's metadata), and its bytes."""
    from .._parquet import parquet_metadata, parquet_schema, write_parquet

    try:
        meta = parquet_metadata(pkg.descriptor or {}, table)
        expected = parquet_schema(schema, meta)
    except (KeyError, StopIteration, TypeError, AttributeError):
        return None, None  # the descriptor's own problems are reported by the package check
    if table not in pkg.tables:
        return expected, None
    buffer = io.BytesIO()
    try:
        write_parquet(pkg.tables[table], schema, meta, buffer)
    except Exception:  # values pyarrow cannot write with the schema's types: reported by the type checks
        return expected, None
    return expected, buffer.getvalue()


def _parquet_file(
    pkg: Package, table: str, schema: Mapping[str, Any], data: bytes, where: dict[str, Any]
) -> Iterator[Problem]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ..tables import arrow_types

    expected, written = _expected_parquet(pkg, table, schema)
    if written == data:
        return  # exactly what the build writes of the CSV rows
    try:
        arrow = pq.read_table(pa.BufferReader(data))
        created_by = pq.read_metadata(pa.BufferReader(data)).created_by
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError and others for a damaged file
        yield Problem(**where, message=f"not a readable Parquet file ({type(exc).__name__}: {exc}); {REBUILD_FIX}")
        return
    names, types = field_names(schema), arrow_types()
    if arrow.column_names != names:
        yield Problem(
            **where,
            expected=str(names),
            found=str(arrow.column_names),
            message="the Parquet columns differ from the schema's",
        )
    mistyped = False
    for spec in (f for f in schema["fields"] if f["name"] in arrow.column_names):
        found = arrow.schema.field(spec["name"]).type
        if found != types.get(spec.get("type", "string")):
            mistyped = True
            yield Problem(
                **where,
                field=spec["name"],
                expected=str(types.get(spec.get("type", "string"))),
                found=str(found),
                message="the Parquet column has another Arrow type than the schema's",
            )
    if mistyped or arrow.column_names != names:
        return
    if expected is not None and not arrow.schema.equals(expected, check_metadata=True):
        differ = sorted(
            {
                k.decode("utf-8", "replace")
                for k in {**(arrow.schema.metadata or {}), **(expected.metadata or {})}
                if (arrow.schema.metadata or {}).get(k) != (expected.metadata or {}).get(k)
            }
            | {f.name for f in expected if not arrow.schema.field(f.name).equals(f, check_metadata=True)}
        )
        yield Problem(
            **where,
            found=", ".join(repr(d) for d in differ),
            message="the schema's metadata or "
            "nullability (as pyarrow reads it) differs from what the build writes for "
            f"{', '.join(repr(d) for d in differ)}; {REBUILD_FIX}",
        )
        return
    if table in pkg.tables:
        rows = list(_rows(pkg, table, arrow.to_pylist(), where))
        yield from _capped(rows, parquet_rel(table), table)
        if not rows and written is not None and created_by == f"parquet-cpp-arrow version {pa.__version__}":
            yield Problem(
                **where,
                expected=f"{len(written)} bytes as {created_by} writes these values",
                found=f"{len(data)} bytes",
                message="the file is not what its writer makes of its own "
                "values and schema: a part other than the values was changed (a page header, statistics, "
                f"padding), which some readers (DuckDB) may read differently or refuse; {REBUILD_FIX}",
            )


def _rows(pkg: Package, table: str, rows: list[Row], where: dict[str, Any]) -> Iterator[Problem]:
    """The Parquet rows against the CSV rows, by primary key: rows only in one, and values that differ."""
    primary = pkg.schemas[table].get("primaryKey") or field_names(pkg.schemas[table])
    has_figure = "figure_id" in field_names(pkg.schemas[table])
    by_key = [{tuple(row[k] for k in primary): row for row in side} for side in (pkg.tables[table], rows)]
    if len(by_key[1]) != len(rows):
        yield Problem(**where, message="the Parquet file has rows with the same primary key")
    for only, other, message in (
        (0, 1, "a row of the CSV file is missing from the Parquet file"),
        (1, 0, "the Parquet file has a row that the CSV file does not"),
    ):
        for key in sorted(by_key[only].keys() - by_key[other].keys(), key=str):
            row = by_key[only][key]
            yield Problem(
                **where,
                row=pkg.key(table, row),
                figure_id=row.get("figure_id") if has_figure else None,
                message=message,
            )
    for key in sorted(by_key[0].keys() & by_key[1].keys(), key=str):
        a, b = by_key[0][key], by_key[1][key]
        for name in field_names(pkg.schemas[table]):
            if not (a.get(name) == b.get(name) and type(a.get(name)) is type(b.get(name))):
                yield Problem(
                    **where,
                    row=pkg.key(table, a),
                    field=name,
                    expected=repr(a.get(name)),
                    found=repr(b.get(name)),
                    figure_id=a.get("figure_id") if has_figure else None,
                    message=f"the Parquet value differs from the CSV value; {REBUILD_FIX}",
                )


# --------------------------------------------------------------------------- rebuild


def rebuild(pkg: Package) -> Iterator[Problem]:
    """(a source checkout only) A fresh build into a temporary folder equals the committed files."""
    from ..build import build

    if not pkg.rebuild:
        if pkg.rebuild_requested:
            yield Problem(
                check="rebuild",
                message="the rebuild check needs a source checkout, a folder with "
                f"data/curation and schemas; {pkg.root} is not one (use the checkout, or validate without "
                "the rebuild check)",
            )
        return
    outside = sorted(_refused_sources(pkg))
    if outside:
        yield Problem(
            check="rebuild",
            message=f"the rebuild was not run: {', '.join(outside)} is not a regular file "
            "inside the package root (a symbolic link leaving it, or a pipe or device); replace it with the "
            "file itself",
        )
        return
    with tempfile.TemporaryDirectory(prefix="iicsa-validate-") as tmp:
        out = Path(tmp) / "package"
        try:
            build(pkg.root, out=out)
        except (IICSAStatsError, OSError, UnicodeDecodeError) as exc:  # UnicodeDecodeError: see build.read_raw
            file = os.path.relpath(exc.path, pkg.root) if isinstance(exc, CurationError) else None
            item = exc.item if isinstance(exc, CurationError) else None
            yield Problem(
                check="rebuild",
                file=file,
                figure_id=item if item in {f["figure_id"] for f in pkg.figures()} else None,
                message=f"the build from data/raw and data/curation fails: {exc}",
            )
            return
        for rel in ["datapackage.json", *(csv_rel(table) for table in TABLES)]:
            if rel not in pkg.unreadable:  # else reported by `files`; a line by line comparison would only repeat it
                yield from _capped(_lines(pkg, rel, (out / rel).read_bytes()), rel)
        yield from _fresh_parquet(pkg, out)


def _refused_sources(pkg: Package) -> Iterator[str]:
    """The files a build would read (curation, raw texts, schemas) that validate must not read."""
    for folder in ("data/curation", "data/raw", "schemas"):
        if refusal(pkg.root, pkg.root / folder) is not None:
            yield folder
            continue
        for parent, folders, names in os.walk(pkg.root / folder):
            for name in folders + names:
                if refusal(pkg.root, Path(parent) / name) is not None:
                    yield os.path.relpath(Path(parent) / name, pkg.root)


def _lines(pkg: Package, rel: str, new: bytes) -> Iterator[Problem]:
    from .._guard import read_file

    table = rel.removeprefix("data/processed/").removesuffix(".csv") if rel.endswith(".csv") else None
    fix = "rebuild with `iicsa-stats build` and commit the result"
    try:
        old = read_file(pkg.root, rel, fix=fix)
    except DataFileError as exc:
        yield Problem(check="rebuild", file=rel, table=table, message=pkg.relative(str(exc)).removeprefix(rel + ": "))
        return
    old_lines, new_lines = (b.decode("utf-8", "replace").split("\n") for b in (old, new))
    for i in range(max(len(old_lines), len(new_lines))):
        expected, found = (lines[i] if i < len(lines) else None for lines in (new_lines, old_lines))
        if expected != found:
            first = next(csv.reader([expected or found or ""]), [""]) if table == "figures" and i else [""]
            yield Problem(
                check="rebuild",
                file=rel,
                table=table,
                row=f"line {i + 1}",
                figure_id=first[0] or None,
                expected=expected,
                found=found,
                message=f"differs from a fresh build of data/raw and data/curation; {fix}",
            )


def _fresh_parquet(pkg: Package, out: Path) -> Iterator[Problem]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    fix = "rebuild with `iicsa-stats build` and commit the result"
    for table in TABLES:
        data = pkg.files.get(parquet_rel(table))
        try:
            old = pq.read_table(pa.BufferReader(data)) if isinstance(data, bytes) else None
        except Exception:  # unreadable: reported by `parquet`
            old = None
        if old is None:
            continue
        new = pq.read_table(out / parquet_rel(table))
        what = None if old.equals(new) else "rows differ"
        what = "schema or its metadata differs" if not old.schema.equals(new.schema, check_metadata=True) else what
        if what:
            message = f"the Parquet {what} from a fresh build; {fix}"
            yield Problem(check="rebuild", file=parquet_rel(table), table=table, message=message)


#: Every check, in the order they run (the order of :data:`~iicsa_stats.validation.CHECKS`).
REGISTRY: dict[str, Callable[[Package], Iterable[Problem]]] = {
    "files": files,
    "package": package,
    "checksums": checksums,
    "raw": raw,
    "quotes": quotes,
    "ledger": ledger,
    "keys": keys,
    "comparisons": comparisons,
    "parquet": parquet,
    "rebuild": rebuild,
}
