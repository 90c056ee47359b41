"""Build the data package from ``data/raw/`` and ``data/curation/``.

The build is separate from the loader: importing :mod:`iicsa_stats` never reads
``data/raw/``.  Steps:

1. check every raw document against its pinned SHA-256 and size;
2. read and check the curation files;
3. locate every figure's and caveat's quote in its raw text (exactly one match,
   or an explicit occurrence) and record the offsets;
4. parse every number inside each figure's quote and require each declared
   value to be among them;
5. classify every numeric mention of every raw document (the ledger) and
   require all of them to be accounted for;
6. write the tables as CSV and Parquet, and ``datapackage.json``, into a
   temporary folder, then move them into place.  The same inputs give the same
   CSV and JSON bytes: rows sorted by primary key, fixed number and date
   formats, no timestamps.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import _loader, _staging
from ._loader import PARQUET_CHECKSUMS, SCHEMA_PIN, format_listing, load_schema, resource_pin, sha256_hex
from ._parquet import parquet_metadata, write_parquet
from ._version import __version__
from .accounting import Span, classify, locate, stub_for
from .comparability import comparison_tables, load_overrides
from .curation import Curation, load_curation
from .errors import BuildError, CurationError, DataFileError, RawDocumentError, UnaccountedNumbersError
from .numbers import same_value, values_in
from .tables import TABLES, Row, csv_path, csv_text, parquet_path, schema_path

__all__ = ["BuildResult", "build", "build_tables", "unaccounted_report"]

PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
PARQUET_MEDIATYPE = "application/vnd.apache.parquet"


@dataclass
class BuildResult:
    """What a build produced.

    Attributes
    ----------
    tables : dict of str to list of dict
        Every table's rows, sorted by primary key.
    raw_texts : dict of str to str
        Each document's raw text, by document id.
    package : dict
        The ``datapackage.json`` descriptor (without resource sizes and hashes,
        which are added when files are written).
    """

    tables: dict[str, list[Row]]
    raw_texts: dict[str, str]
    package: dict[str, Any]


def read_raw(root: Path, doc: Mapping[str, Any]) -> str:
    """Read a raw document and check it against its pin.

    Raises
    ------
    RawDocumentError
        If the file is missing, differs in size or SHA-256, or is not UTF-8.
    """
    path = root / doc["raw_path"]
    fix = (
        "restore the verbatim capture, or if the source changed on purpose, update its sha256 and bytes "
        "in data/curation/documents.toml and re-curate its figures"
    )
    try:  # through the guard: a raw_path leaving the root, or a pipe, is refused before it is opened
        data = _loader.read_file(root, doc["raw_path"], fix=fix, pinned_bytes=doc["bytes"])
    except DataFileError as exc:
        reason = str(exc).removeprefix(f"{path}: ")
        if reason.startswith("file is missing"):
            raise RawDocumentError(f"{path}: raw document {doc['id']!r} is missing; {fix}") from None
        raise RawDocumentError(f"{path}: raw document {doc['id']!r} {reason}") from None
    digest = sha256_hex(data)
    if digest != doc["sha256"] or len(data) != doc["bytes"]:
        raise RawDocumentError(
            f"{path}: raw document {doc['id']!r} does not match its pin (expected sha256 {doc['sha256']} and "
            f"{doc['bytes']} bytes, found sha256 {digest} and {len(data)} bytes); {fix}"
        )
    try:
        text: str = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RawDocumentError(
            f"{path}: raw document {doc['id']!r} is not UTF-8 text ({exc.reason} at byte {exc.start}); {fix}"
        ) from None
    return text


def _figure_row(fig: Mapping[str, Any], doc_id: str, start: int, end: int) -> Row:
    return {
        "figure_id": fig["id"],
        "document_id": doc_id,
        "title": fig["title"],
        "measure": fig["measure"],
        "measure_code": fig["measure_code"],
        "value": fig.get("value"),
        "value_lower": fig.get("value_lower"),
        "value_upper": fig.get("value_upper"),
        "qualifier": fig["qualifier"],
        "unit": fig["unit"],
        "unit_label": fig["unit_label"],
        "period_label": fig["period_label"],
        "period_type": fig["period_type"],
        "period_start": fig.get("period_start"),
        "period_end": fig.get("period_end"),
        "period_start_precision": fig.get("period_start_precision"),
        "period_end_precision": fig.get("period_end_precision"),
        "frequency": fig.get("frequency"),
        "geography": fig["geography"],
        "population": fig["population"],
        "scale_measure": fig.get("scale_measure"),
        "producer_id": fig.get("producer"),
        "producer_basis": fig["producer_basis"],
        "cited_work": fig["cited_work"],
        "locator": fig["locator"],
        "footnote_markers": " ".join(fig["footnotes"]) or None,
        "quote": fig["quote"],
        "quote_start": start,
        "quote_end": end,
    }


def _declared_values(fig: Mapping[str, Any]) -> list[float]:
    return [float(fig[k]) for k in ("value", "value_lower", "value_upper") if k in fig]


def build_tables(root: Path) -> BuildResult:
    """Run every check and compute every table, writing nothing.

    Parameters
    ----------
    root : pathlib.Path
        A source checkout (with ``data/raw``, ``data/curation``, ``schemas``).

    Raises
    ------
    RawDocumentError, CurationError
        Naming the file and the figure, caveat or exclusion concerned.
    """
    cur = load_curation(root)
    raw = {doc["id"]: read_raw(root, doc) for doc in cur.documents}
    tables: dict[str, list[Row]] = {name: [] for name in TABLES}

    for doc in cur.documents:
        text = raw[doc["id"]]
        tables["documents"].append(
            {
                "document_id": doc["id"],
                **{k: doc.get(k) for k in ("title", "kind", "publisher", "url", "published", "published_label")},
                **{k: doc[k] for k in ("page_updated_label", "licence_statement", "capture_note", "raw_path")},
                "sha256": doc["sha256"],
                "bytes": doc["bytes"],
                "characters": len(text),
            }
        )
    for producer in cur.producers:
        tables["producers"].append(
            {
                "producer_id": producer["id"],
                "name": producer["name"],
                "abbreviation": producer.get("abbreviation"),
                "kind": producer["kind"],
            }
        )

    unaccounted: dict[str, list[str]] = {}
    for doc in cur.documents:
        doc_id, text = doc["id"], raw[doc["id"]]
        figure_spans, caveat_spans, excluded_spans = [], [], []
        for fig in cur.figures[doc_id]:
            try:
                start, end = locate(text, fig["quote"], fig.get("occurrence"))
            except ValueError as exc:
                raise CurationError(fig["_file"], f"quote: {exc}", fig["id"]) from None
            found = values_in(fig["quote"])
            for value in _declared_values(fig):
                if not any(same_value(value, v) for v in found):
                    raise CurationError(
                        fig["_file"],
                        f"declared value {value:g} is not among the numbers parsed from its quote "
                        f"({sorted(found) or 'none'}); fix the value or the quote",
                        fig["id"],
                    )
            figure_spans.append(Span(fig["id"], start, end))
            tables["figures"].append(_figure_row(fig, doc_id, start, end))
        for caveat in cur.source_caveats[doc_id]:
            try:
                start, end = locate(text, caveat["quote"], caveat.get("occurrence"))
            except ValueError as exc:
                raise CurationError(caveat["_file"], f"quote: {exc}", caveat["id"]) from None
            caveat_spans.append(Span(caveat["id"], start, end))
            tables["caveats"].append(
                {
                    "caveat_id": caveat["id"],
                    "kind": caveat["kind"],
                    "text": caveat["text"],
                    "basis": "source",
                    "document_id": doc_id,
                    "locator": caveat["locator"],
                    "quote": caveat["quote"],
                    "quote_start": start,
                    "quote_end": end,
                }
            )
        for entry in cur.excluded[doc_id]:
            try:
                start, end = locate(text, entry["span"], entry.get("occurrence"))
            except ValueError as exc:
                raise CurationError(entry["_file"], f"span: {exc}", entry["_label"]) from None
            excluded_spans.append(Span(entry["_label"], start, end, entry["reason"], entry.get("note")))

        ledger = classify(text, figure_spans, caveat_spans, excluded_spans)
        claimed = {e.owner for e in ledger if e.status == "excluded"}
        for span in excluded_spans:
            if span.owner not in claimed:
                raise CurationError(
                    cur.excluded[doc_id][0]["_file"], "the span holds no number; remove the entry", span.owner
                )
        for fig, span in zip(cur.figures[doc_id], figure_spans, strict=True):
            declared = _declared_values(fig)
            for e in ledger:
                hides_value = any(same_value(v, d) for v in e.mention.values for d in declared)
                if e.status == "excluded" and span.covers(e.mention) and hides_value:
                    raise CurationError(
                        fig["_file"],
                        f"the exclusion {e.owner} covers {e.mention.text!r}, a declared value of this figure",
                        fig["id"],
                    )
        for e in ledger:
            m = e.mention
            if e.status is None:
                unaccounted.setdefault(f"{doc_id} ({doc['raw_path']}):", []).append(stub_for(text, m))
                continue
            tables["ledger"].append(
                {
                    "document_id": doc_id,
                    "start": m.start,
                    "end": m.end,
                    "text": m.text,
                    "kind": m.kind,
                    "status": e.status,
                    "figure_id": e.owner if e.status == "figure" else None,
                    "caveat_id": e.owner if e.status == "caveat" else None,
                    "reason": e.reason,
                    "note": e.note,
                }
            )
    if unaccounted:
        count = sum(len(stubs) for stubs in unaccounted.values())
        raise UnaccountedNumbersError(
            "data/curation",
            f"{count} number{'s' if count > 1 else ''} in the raw documents {'are' if count > 1 else 'is'} not "
            "accounted for (ledger coverage below 100%). Quote each in a figure or caveat, or list it under "
            "[[excluded]] with a reason:\n"
            + "\n".join(f"{head}\n" + "\n".join(stubs) for head, stubs in unaccounted.items()),
            count,
        )

    for caveat in cur.curator_caveats:
        tables["caveats"].append(
            {"caveat_id": caveat["id"], "kind": caveat["kind"], "text": caveat["text"], "basis": "curator"}
        )
        for position, ref in enumerate(caveat["references"], start=1):
            tables["caveat_references"].append(
                {
                    "caveat_id": caveat["id"],
                    "position": position,
                    **{k: ref.get(k) for k in ("title", "publisher", "published", "url", "supports", "confirmed")},
                }
            )
    for figures in cur.figures.values():
        for fig in figures:
            for position, caveat_id in enumerate(fig["caveats"], start=1):
                tables["figure_caveats"].append({"figure_id": fig["id"], "caveat_id": caveat_id, "position": position})
            for position, step in enumerate(fig["sources"], start=1):
                tables["figure_sources"].append(
                    {
                        "figure_id": fig["id"],
                        "position": position,
                        "producer_id": step["body"],
                        "role": step["role"],
                        "basis": step["basis"],
                        "reference_url": step.get("reference"),
                        "note": step.get("note"),
                    }
                )

    try:  # comparability as data: computed from the figures' fields, plus curated overrides
        tables["comparisons"], tables["comparison_caveats"] = comparison_tables(
            tables["figures"], tables["figure_caveats"], tables["caveats"], load_overrides(root)
        )
    except ValueError as exc:
        raise CurationError(str(root / "data" / "curation" / "comparisons.toml"), str(exc)) from None

    for name in TABLES:
        key: list[str] = load_schema(root, name)["primaryKey"]

        def sort_key(row: Row, key: list[str] = key) -> tuple[Any, ...]:
            return tuple(row[k] for k in key)

        tables[name].sort(key=sort_key)
    return BuildResult(tables=tables, raw_texts=raw, package=_package(cur, raw))


def _package(cur: Curation, raw: Mapping[str, str]) -> dict[str, Any]:
    meta = cur.package
    table_meta = meta.get("tables", {})
    missing = [name for name in TABLES if name not in table_meta]
    if missing:
        raise CurationError("data/curation/package.toml", f"no [tables.NAME] title and description for {missing}")
    resources: list[dict[str, Any]] = []
    for doc in cur.documents:
        resources.append(
            {
                "name": f"raw-{doc['id']}",
                "title": f"Raw text: {doc['title']}",
                "description": f"Verbatim capture of {doc['url']} ({doc['capture_note']})",
                "path": doc["raw_path"],
                "format": "txt",
                "mediatype": "text/plain",
                "encoding": "utf-8",
            }
        )
    for name in TABLES:
        common = {"title": table_meta[name]["title"], "description": table_meta[name]["description"]}
        resources.append(
            {
                "name": name,
                "type": "table",
                "path": f"data/processed/{name}.csv",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                **common,
                "schema": f"schemas/{name}.schema.json",
            }
        )
    for name in TABLES:
        resources.append(
            {
                "name": f"{name}-parquet",
                "type": "table",
                "path": f"data/processed/{name}.parquet",
                "format": "parquet",
                "mediatype": PARQUET_MEDIATYPE,
                "title": f"{table_meta[name]['title']} (Parquet)",
                "description": f"The {name} table as Parquet, the same rows and values as the CSV. Its SHA-256 is "
                f"in data/processed/{PARQUET_CHECKSUMS}, checked by `iicsa-stats validate`.",
                "schema": f"schemas/{name}.schema.json",
            }
        )
    return {
        "$schema": PROFILE,
        "name": meta["name"],
        "title": meta["title"],
        "description": meta["description"],
        "version": __version__,
        "homepage": meta["homepage"],
        "keywords": meta["keywords"],
        "licenses": meta["licenses"],
        "contributors": meta["contributors"],
        "sources": [{"title": doc["title"], "path": doc["url"]} for doc in cur.documents],
        "attribution": meta["attribution"],
        "resources": resources,
    }


def write_package(result: BuildResult, root: Path, out: Path) -> None:
    """Write every table and ``datapackage.json`` below ``out`` (a fresh folder)."""
    processed = out / "data" / "processed"
    processed.mkdir(parents=True)
    package = json.loads(json.dumps(result.package))
    by_name = {r["name"]: r for r in package["resources"]}
    for doc in result.tables["documents"]:
        raw_bytes = (root / doc["raw_path"]).read_bytes()
        resource = by_name[f"raw-{doc['document_id']}"]
        resource["bytes"] = len(raw_bytes)
        resource["hash"] = resource_pin(raw_bytes)
    checksums: dict[str, str] = {}
    for name in TABLES:
        schema = load_schema(root, name)
        data = csv_text(result.tables[name], schema).encode("utf-8")
        target = csv_path(out, name)
        target.write_bytes(data)
        by_name[name]["bytes"] = len(data)
        by_name[name]["hash"] = resource_pin(data)
        # the schema is pinned like the table: the loader types every value by it
        schema_pin = resource_pin(schema_path(root, name).read_bytes())
        by_name[name][SCHEMA_PIN] = by_name[f"{name}-parquet"][SCHEMA_PIN] = schema_pin
        write_parquet(result.tables[name], schema, parquet_metadata(package, name), parquet_path(out, name))
        checksums[f"{name}.parquet"] = sha256_hex(parquet_path(out, name).read_bytes())
    (processed / PARQUET_CHECKSUMS).write_text(format_listing(checksums), encoding="utf-8", newline="\n")
    text = json.dumps(package, indent=2, ensure_ascii=False) + "\n"
    (out / "datapackage.json").write_text(text, encoding="utf-8", newline="\n")


def build(root: Path, *, out: Path | None = None) -> Path:
    """Rebuild the data package of a checkout, atomically.

    Everything is written into a temporary folder first; only when all of it
    is written are ``data/processed/`` and ``datapackage.json`` replaced.  If
    anything fails, the previous files are left exactly as they were.  The
    new ``datapackage.json`` replaces the old one last, as the commit point
    (see :mod:`iicsa_stats._staging`): if the build is interrupted, even by a
    kill, the next build or load finishes or undoes it.  One build
    at a time: a second build into the same checkout fails with "another
    build is running".

    Parameters
    ----------
    root : pathlib.Path
        The source checkout.
    out : pathlib.Path, optional
        Build into this folder instead (it must not exist yet); the checkout's
        own files are then not touched.  Used to compare a fresh build with the
        committed files.

    Returns
    -------
    pathlib.Path
        The folder now holding ``datapackage.json``.
    """
    from ._paths import root_argument

    root = root_argument(root, "root")
    out = root_argument(out, "out") if out is not None else None
    result = build_tables(root)
    if out is not None:
        return _build_into(result, root, out)
    _staging.replace_in_place(root, lambda staging: write_package(result, root, staging))
    return root


def _build_into(result: BuildResult, root: Path, out: Path) -> Path:
    """Build a complete data package (raw texts and schemas beside the tables) into a new folder ``out``."""
    staging = _staging.temporary(out.parent)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        _staging.clean_stale(out.parent)
        staging.mkdir()
        write_package(result, root, staging)
        shutil.copytree(root / "data" / "raw", staging / "data" / "raw")
        shutil.copytree(root / "schemas", staging / "schemas")
        os.rename(staging, out)  # refused if ``out`` holds anything
        return out
    except OSError as exc:
        raise BuildError(
            f"could not write the build output below {out.parent}: {_staging.reason(exc)}; nothing was changed"
        ) from None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def unaccounted_report(root: Path) -> str:
    """Every number in the raw documents not yet accounted for, with context and a curation stub.

    Returns an empty string when coverage is complete.  Used when adding a new
    document: copy its raw text, register it, then run ``iicsa-stats todo``.
    """
    try:
        build_tables(root)
    except UnaccountedNumbersError as exc:
        return str(exc)
    return ""
