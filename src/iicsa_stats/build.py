"""Build the data package from ``data/raw/`` and ``data/curation/`` (never on the lookup path)."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Mapping
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple

from . import _staging
from ._catalog import join_figures
from ._loader import PARQUET_CHECKSUMS, SCHEMA_PIN, load_schema, raw_document, resource_pin, sha256_hex
from ._parquet import parquet_metadata, write_parquet
from ._paths import root_argument
from ._version import __release_date__, __version__
from .comparability import comparison_tables, load_overrides
from .curation import Curation, load_curation
from .errors import BuildError, CurationError, DataFileError, UnaccountedNumbersError
from .numbers import NumberMention, find_numbers, same_value, values_in
from .tables import TABLES, Row, csv_path, csv_text, parquet_path

PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
PARQUET_MEDIATYPE = "application/vnd.apache.parquet"
_FIX = "restore the verbatim capture, or if the source changed on purpose, update its sha256 and bytes there"
_RAW = {"where": "data/curation/documents.toml", "fix": f"{_FIX} and re-curate its figures"}


class _Span(NamedTuple):
    """A located quote or exclusion that claims the numbers inside it."""

    status: str  # figure, caveat or excluded
    owner: str  # the figure or caveat id, or the exclusion's label
    start: int
    end: int
    entry: dict[str, Any]  # the curation entry

    def covers(self, mention: NumberMention) -> bool:
        return self.start <= mention.start and mention.end <= self.end


def _locate(text: str, entry: Mapping[str, Any], key: str = "quote") -> tuple[int, int]:
    """The offsets of an entry's quote (or span) in the raw text: its only occurrence, or the one it names."""
    span, occurrence, owner = entry[key], entry.get("occurrence"), entry.get("_label", entry.get("id"))
    starts = [match.start() for match in re.finditer(f"(?={re.escape(span)})", text)]
    if not starts:
        hint = ""
        if _relax(span) != span and _relax(span) in _relax(text):
            hint = " (it matches once spaces and quotation marks are normalised: copy the raw text exactly)"
        problem = f"text not found in the raw document{hint}"
    elif occurrence is None and len(starts) > 1:
        problem = f"text occurs {len(starts)} times in the raw document; lengthen it or add occurrence = N"
    elif occurrence is not None and not 1 <= occurrence <= len(starts):
        problem = f"occurrence {occurrence} asked for, but the text occurs {len(starts)} times"
    else:
        start = starts[(occurrence or 1) - 1]
        return start, start + len(span)
    raise CurationError(entry["_file"], f"{key}: {problem}: {span!r}", owner)


def _relax(text: str) -> str:
    table = str.maketrans({"\u00a0": " ", "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
    return " ".join(text.translate(table).split())


def _declared(fig: Mapping[str, Any]) -> list[float]:
    return [float(fig[k]) for k in ("value", "value_lower", "value_upper") if k in fig]


def _ledger(doc_id: str, text: str, spans: list[_Span]) -> tuple[list[Row], list[str]]:
    """The ledger rows of a raw text (each number claimed by the first span covering it), and the unaccounted."""
    rows: list[Row] = []
    unaccounted: list[str] = []
    claimed: set[str] = set()
    for m in find_numbers(text):
        span = next((span for span in spans if span.covers(m)), None)
        if span is None:
            unaccounted.append(_stub(text, m))
            continue
        if span.status == "excluded":
            claimed.add(span.owner)
            for fig in spans:
                declared = _declared(fig.entry) if fig.status == "figure" and fig.covers(m) else []
                if any(same_value(value, d) for value in m.values for d in declared):
                    message = f"the exclusion {span.owner} covers {m.text!r}, a declared value of this figure"
                    raise CurationError(fig.entry["_file"], message, fig.owner)
        why = {"reason": span.entry["reason"], "note": span.entry.get("note")} if span.status == "excluded" else {}
        row = {"document_id": doc_id, "start": m.start, "end": m.end, "text": m.text, "kind": m.kind}
        rows.append(row | {"status": span.status, f"{span.status}_id": span.owner} | why)
    for span in spans:
        if span.status == "excluded" and span.owner not in claimed:
            raise CurationError(span.entry["_file"], "the span holds no number; remove the entry", span.owner)
    return rows, unaccounted


def _stub(text: str, mention: NumberMention, width: int = 60) -> str:
    """A report line for an unaccounted number: its place, context and a curation stub to fill in."""
    before = text[max(0, mention.start - width) : mention.start].replace("\n", " ")
    after = text[mention.end : mention.end + width].replace("\n", " ")
    return (
        f"  offset {mention.start}: {mention.text!r} ({mention.kind})\n"
        f"    context: ...{before}[{mention.text}]{after}...\n"
        f"    stub:    [[excluded]]\n"
        f"             span = {json.dumps(mention.text, ensure_ascii=False)}   # lengthen until it occurs once\n"
        f'             reason = "..."   # or quote it in a [[figures]] or [[caveats]] entry'
    )


def build_tables(root: Path) -> tuple[dict[str, list[Row]], dict[str, Any]]:
    """Every table of a checkout and its descriptor, all checked, nothing written (RawDocumentError, CurationError)."""
    cur = load_curation(root)
    for doc in cur.documents:  # through the guard: a raw_path leaving the root, or a pipe, is never opened
        doc["_text"] = raw_document(root, doc["raw_path"], f"sha256:{doc['sha256']}", doc["bytes"], **_RAW)
    tables: dict[str, list[Row]] = {name: [] for name in TABLES}
    unaccounted: dict[str, list[str]] = {}
    for doc in cur.documents:
        doc_id, text = doc["id"], doc["_text"]
        tables["documents"].append(doc | {"document_id": doc_id, "characters": len(text)})
        spans = [_Span("excluded", e["_label"], *_locate(text, e, "span"), e) for e in cur.excluded[doc_id]]
        for status, entries in (("figure", cur.figures[doc_id]), ("caveat", cur.source_caveats[doc_id])):
            for entry in entries:  # its document and the quote's offsets become columns of its row
                start, end = _locate(text, entry)
                entry.update(document_id=doc_id, quote_start=start, quote_end=end)
                spans.append(_Span(status, entry["id"], start, end, entry))
        rows, stubs = _ledger(doc_id, text, spans)
        tables["ledger"] += rows
        if stubs:
            unaccounted[f"{doc_id} ({doc['raw_path']}):"] = stubs
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

    tables["producers"] = [producer | {"producer_id": producer["id"]} for producer in cur.producers]
    for caveat in (caveat for caveats in cur.source_caveats.values() for caveat in caveats):
        tables["caveats"].append(caveat | {"caveat_id": caveat["id"], "basis": "source"})
    for caveat in cur.curator_caveats:
        tables["caveats"].append(caveat | {"caveat_id": caveat["id"], "basis": "curator"})
        for position, ref in enumerate(caveat["references"], start=1):
            tables["caveat_references"].append(ref | {"caveat_id": caveat["id"], "position": position})
    for fig in (fig for figures in cur.figures.values() for fig in figures):
        found = values_in(fig["quote"])
        for value in _declared(fig):
            if not any(same_value(value, v) for v in found):
                message = f"declared value {value:g} is not among the numbers parsed from its quote "
                message += f"({sorted(found) or 'none'}); fix the value or the quote"
                raise CurationError(fig["_file"], message, fig["id"])
        markers = " ".join(fig["footnotes"]) or None
        tables["figures"].append(
            fig | {"figure_id": fig["id"], "producer_id": fig.get("producer"), "footnote_markers": markers}
        )
        for position, caveat_id in enumerate(fig["caveats"], start=1):
            tables["figure_caveats"].append({"figure_id": fig["id"], "caveat_id": caveat_id, "position": position})
        for position, step in enumerate(fig["sources"], start=1):
            row = step | {"figure_id": fig["id"], "position": position, "producer_id": step["body"]}
            tables["figure_sources"].append(row | {"reference_url": step.get("reference")})
    for name in TABLES:  # each row as its table's columns, in primary key order
        schema = load_schema(root, name)
        rows = [{field["name"]: row.get(field["name"]) for field in schema["fields"]} for row in tables[name]]
        tables[name] = sorted(rows, key=itemgetter(*schema["primaryKey"]))
    _check_as_loaded(root, cur, tables)
    try:  # comparability as data: computed from the figures' fields, plus curated overrides
        tables["comparisons"], tables["comparison_caveats"] = comparison_tables(
            tables["figures"], tables["figure_caveats"], tables["caveats"], load_overrides(root)
        )
    except ValueError as exc:
        raise CurationError(str(root / "data" / "curation" / "comparisons.toml"), str(exc)) from None
    return tables, _package(cur)


def _check_as_loaded(root: Path, cur: Curation, tables: dict[str, list[Row]]) -> None:
    """Join the tables into figures as the loader does, so the model's rules hold; no page dated after the release."""
    try:
        join_figures(str(root), tables.__getitem__)
    except DataFileError as exc:
        reason = str(exc).removeprefix(f"{exc.path}: ").removesuffix(f"; {exc.fix}")
        owner = next((name for name in re.findall(r"'([a-z0-9-]+)'", reason) if name in cur.files), None)
        reason = re.sub(rf"^((figure|caveat) '{owner}': )+", "", reason)
        raise CurationError(cur.files.get(owner or "", str(root / "data" / "curation")), reason, owner) from None
    for ref in tables["caveat_references"]:
        if ref["published"] and ref["published"] > __release_date__[: len(ref["published"])]:
            why = f"reference date {ref['published']!r} is after this version's release ({__release_date__})"
            raise CurationError(
                cur.files[ref["caveat_id"]], f"{why}; give the date the page itself shows", ref["caveat_id"]
            )


def _package(cur: Curation) -> dict[str, Any]:
    """The ``datapackage.json`` descriptor, without the files' sizes and hashes."""
    meta, table_meta = cur.package, cur.package.get("tables", {})
    if missing := [name for name in TABLES if set(table_meta.get(name) or ()) != {"title", "description"}]:
        raise CurationError("data/curation/package.toml", f"no [tables.NAME] title and description for {missing}")
    resources = [
        {"name": f"raw-{doc['id']}", "title": f"Raw text: {doc['title']}"}
        | {"description": f"Verbatim capture of {doc['url']} ({doc['capture_note']})", "path": doc["raw_path"]}
        | {"format": "txt", "mediatype": "text/plain", "encoding": "utf-8"}
        for doc in cur.documents
    ]
    for name in TABLES:
        about, schema = {k: table_meta[name][k] for k in ("title", "description")}, f"schemas/{name}.schema.json"
        table = {"name": name, "type": "table", "path": f"data/processed/{name}.csv", "format": "csv"}
        resources.append(table | {"mediatype": "text/csv", "encoding": "utf-8"} | about | {"schema": schema})
    for name in TABLES:
        table = {"name": f"{name}-parquet", "type": "table", "path": f"data/processed/{name}.parquet"}
        description = (
            f"The {name} table as Parquet, the same rows and values as the CSV. Its SHA-256 is in "
            f"data/processed/{PARQUET_CHECKSUMS}, checked by `iicsa-stats validate`."
        )
        about = {"title": f"{table_meta[name]['title']} (Parquet)", "description": description}
        parquet = {"format": "parquet", "mediatype": PARQUET_MEDIATYPE}
        resources.append(table | parquet | about | {"schema": f"schemas/{name}.schema.json"})
    return {
        "$schema": PROFILE,
        **{key: meta[key] for key in ("name", "title", "description")},
        "version": __version__,
        **{key: meta[key] for key in ("homepage", "keywords", "licenses", "contributors")},
        "sources": [{"title": doc["title"], "path": doc["url"]} for doc in cur.documents],
        "attribution": meta["attribution"],
        "resources": resources,
    }


def write_package(tables: dict[str, list[Row]], package: dict[str, Any], root: Path, out: Path) -> None:
    """Write every table and ``datapackage.json`` (completed with sizes and pins) below ``out``, a fresh folder."""
    processed = out / "data" / "processed"
    processed.mkdir(parents=True)
    by_name = {r["name"]: r for r in package["resources"]}
    for doc in tables["documents"]:
        raw_bytes = (root / doc["raw_path"]).read_bytes()
        by_name[f"raw-{doc['document_id']}"] |= {"bytes": len(raw_bytes), "hash": resource_pin(raw_bytes)}
    listing = ""
    for name in TABLES:
        schema = load_schema(root, name)
        data = csv_text(tables[name], schema).encode("utf-8")
        csv_path(out, name).write_bytes(data)
        by_name[name] |= {"bytes": len(data), "hash": resource_pin(data)}
        # the schema is pinned like the table: the loader types every value by it
        schema_pin = resource_pin((root / "schemas" / f"{name}.schema.json").read_bytes())
        by_name[name][SCHEMA_PIN] = by_name[f"{name}-parquet"][SCHEMA_PIN] = schema_pin
        write_parquet(tables[name], schema, parquet_metadata(package, name), parquet_path(out, name))
        listing += f"{sha256_hex(parquet_path(out, name).read_bytes())}  {name}.parquet\n"
    (processed / PARQUET_CHECKSUMS).write_text(listing, encoding="utf-8", newline="\n")
    text = json.dumps(package, indent=2, ensure_ascii=False) + "\n"
    (out / "datapackage.json").write_text(text, encoding="utf-8", newline="\n")


def build(root: Path, *, out: Path | None = None) -> Path:
    """Rebuild a checkout's package in place (:mod:`._staging`), or with ``out`` a whole package in that new folder."""
    root = root_argument(root, "root")
    out = root_argument(out, "out") if out is not None else None
    tables, package = build_tables(root)
    if out is None:
        _staging.replace_in_place(root, lambda staging: write_package(tables, package, root, staging))
        return root
    staging = _staging.temporary(out.parent)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        _staging.clean_stale(out.parent)
        staging.mkdir()
        write_package(tables, package, root, staging)
        shutil.copytree(root / "data" / "raw", staging / "data" / "raw")
        shutil.copytree(root / "schemas", staging / "schemas")
        os.rename(staging, out)  # refused if ``out`` holds anything
        return out
    except OSError as exc:
        why = f"could not write the build output below {out.parent}: {_staging.reason(exc)}"
        raise BuildError(f"{why}; nothing was changed") from None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def unaccounted_report(root: Path) -> str:
    """Every number of the raw documents not yet accounted for, with context and a stub ("" if none): ``todo``."""
    try:
        build_tables(root)
    except UnaccountedNumbersError as exc:
        return str(exc)
    return ""
