"""Read and check the hand-written curation files (build side only).

The curation files in ``data/curation/`` are TOML, read with the standard
library's :mod:`tomllib` (a safe loader: data only, no code).  This module checks
their structure: known keys, required keys, types, code lists taken from the
Table Schemas, unique ids, and references that resolve.  Checking the quotes
against the raw text is the build's job (:mod:`iicsa_stats.build`).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._figure import SHAPE_KEYS as _SHAPE_KEYS
from ._figure import figure_shape
from ._loader import load_schema
from ._provenance import chain_problem, page_date_problem, page_url_problem
from .errors import CurationError
from .tables import CONTROL

__all__ = ["Curation", "load_curation"]

ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

_DOCUMENT_KEYS = {
    "id": str,
    "title": str,
    "kind": str,
    "publisher": str,
    "url": str,
    "published": dt.date,
    "published_label": str,
    "page_updated_label": str,
    "licence_statement": str,
    "capture_note": str,
    "raw_path": str,
    "sha256": str,
    "bytes": int,
}
_DOCUMENT_OPTIONAL = {"published"}

_PRODUCER_KEYS = {"id": str, "name": str, "abbreviation": str, "kind": str}
_PRODUCER_OPTIONAL = {"abbreviation"}

_FIGURE_KEYS: dict[str, Any] = {
    "id": str,
    "title": str,
    "measure": str,
    "measure_code": str,
    "value": (int, float),
    "value_lower": (int, float),
    "value_upper": (int, float),
    "qualifier": str,
    "unit": str,
    "unit_label": str,
    "period_label": str,
    "period_type": str,
    "period_start": dt.date,
    "period_end": dt.date,
    "period_start_precision": str,
    "period_end_precision": str,
    "frequency": str,
    "geography": str,
    "population": str,
    "producer": str,
    "producer_basis": str,
    "cited_work": str,
    "scale_measure": str,
    "locator": str,
    "footnotes": list,
    "quote": str,
    "occurrence": int,
    "caveats": list,
    "sources": list,
}
_FIGURE_OPTIONAL = {
    "period_start_precision",
    "period_end_precision",
    "value",
    "value_lower",
    "value_upper",
    "period_start",
    "period_end",
    "frequency",
    "producer",
    "scale_measure",
    "occurrence",
}

_SOURCE_CAVEAT_KEYS: dict[str, Any] = {
    "id": str,
    "kind": str,
    "text": str,
    "locator": str,
    "quote": str,
    "occurrence": int,
}
_CURATOR_CAVEAT_KEYS: dict[str, Any] = {"id": str, "kind": str, "text": str, "references": list}
_REFERENCE_KEYS: dict[str, Any] = {
    "title": str,
    "publisher": str,
    "published": str,
    "url": str,
    "supports": str,
    "confirmed": bool,
}
_STEP_KEYS: dict[str, Any] = {"body": str, "role": str, "basis": str, "reference": str, "note": str}
#: A line break: a curation text is one line, except a quote or span of the raw text, which is as written.
_LINE_BREAK = re.compile(r"[\n\r\u2028\u2029]")
_RAW_KEYS = frozenset({"quote", "span"})
_EXCLUDED_KEYS: dict[str, Any] = {"span": str, "reason": str, "note": str, "occurrence": int}


@dataclass
class Curation:
    """Everything the curation files say, checked for structure.

    Attributes
    ----------
    documents : list of dict
        The document registry, in file order.
    producers : list of dict
        Producers of figures.
    figures, source_caveats, excluded : dict of str to list of dict
        Per document id: its figures, the caveats quoted from it, and its
        excluded numbers.  Each item records the curation file it came from
        under ``"_file"``.
    curator_caveats : list of dict
        Curator's notes, with their references.
    package : dict
        Package-level metadata and table titles.
    """

    documents: list[dict[str, Any]] = field(default_factory=list)
    producers: list[dict[str, Any]] = field(default_factory=list)
    figures: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    source_caveats: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    excluded: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    curator_caveats: list[dict[str, Any]] = field(default_factory=list)
    package: dict[str, Any] = field(default_factory=dict)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise CurationError(str(path), "file is missing") from None
    except UnicodeDecodeError as exc:
        raise CurationError(str(path), f"not UTF-8 text ({exc.reason}); save the file as UTF-8") from None
    except IsADirectoryError:
        raise CurationError(str(path), "is a folder, not a TOML file; replace it with the curation file") from None
    except OSError as exc:
        raise CurationError(str(path), f"cannot be read ({exc.strerror or exc}); check its permissions") from None
    except tomllib.TOMLDecodeError as exc:
        raise CurationError(str(path), f"not valid TOML: {exc}") from None


def _check_keys(
    item: Any,
    spec: dict[str, Any],
    optional: set[str],
    path: Path,
    label: str,
) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise CurationError(str(path), f"each entry of {label} must be a table, found {type(item).__name__}")
    item_id = item.get("id") if isinstance(item.get("id"), str) else None
    for key in item:
        if key not in spec:
            close = difflib.get_close_matches(key, list(spec), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise CurationError(str(path), f"unknown key {key!r} in {label}{hint}", item_id)
    for key, kind in spec.items():
        if key not in item:
            if key not in optional:
                raise CurationError(str(path), f"missing required key {key!r} in {label}", item_id)
            continue
        value = item[key]
        if isinstance(value, bool) and kind is not bool:
            ok = False
        elif kind is dt.date:
            ok = isinstance(value, dt.date) and not isinstance(value, dt.datetime)
        else:
            ok = isinstance(value, kind)
        if not ok:
            name = kind.__name__ if isinstance(kind, type) else "number"
            raise CurationError(
                str(path), f"key {key!r} must be a {name}, found {type(value).__name__} {value!r}", item_id
            )
        if isinstance(value, str) and not value.strip():
            raise CurationError(str(path), f"key {key!r} is empty", item_id)
        texts = value if isinstance(value, list) else [value]
        for text in texts:
            if not isinstance(text, str):
                continue
            bad = CONTROL.search(text) or (None if key in _RAW_KEYS else _LINE_BREAK.search(text))
            if bad:
                raise CurationError(
                    str(path), f"key {key!r} holds the control character {bad.group()!r}; remove it", item_id
                )
            if text == "nan":
                raise CurationError(
                    str(path), f"key {key!r} is 'nan', which the tables read as a missing value", item_id
                )
    return item


def _no_control_characters(value: Any, path: Path, where: str = "") -> None:
    """Refuse a control character in any string of a nested TOML value, naming the key."""
    if isinstance(value, dict):
        for key, item in value.items():
            _no_control_characters(item, path, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for item in value:
            _no_control_characters(item, path, where)
    elif isinstance(value, str) and (bad := CONTROL.search(value)):
        raise CurationError(str(path), f"key {where!r} holds the control character {bad.group()!r}; remove it")


def _enums(schemas_root: Path, table: str) -> dict[str, list[str]]:
    schema = load_schema(schemas_root, table)
    return {f["name"]: f["constraints"]["enum"] for f in schema["fields"] if "enum" in f.get("constraints", {})}


def _check_enum(value: Any, allowed: list[str], key: str, path: Path, item_id: str | None) -> None:
    if value is not None and value not in allowed:
        raise CurationError(str(path), f"{key} {value!r} is not one of {allowed}", item_id)


def _list_of(item: Any, key: str, kind: type, path: Path) -> None:
    values = item.get(key, [])
    if not all(isinstance(v, kind) for v in values):
        raise CurationError(str(path), f"key {key!r} must be a list of {kind.__name__}", item.get("id"))


class _Ids:
    """Ids seen so far, across files, to refuse duplicates with both places named."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}

    def add(self, item_id: str, path: Path, what: str) -> None:
        if not ID_PATTERN.match(item_id):
            raise CurationError(
                str(path), f"{what} id {item_id!r} must be lowercase letters and digits joined by hyphens", item_id
            )
        key = f"{what}:{item_id}"
        if key in self.seen:
            raise CurationError(str(path), f"duplicate {what} id {item_id!r} (also in {self.seen[key]})", item_id)
        self.seen[key] = str(path)


def _check_figure(fig: dict[str, Any], enums: dict[str, list[str]], path: Path) -> None:
    fid = fig["id"]
    if len(fig["title"]) > 70:
        raise CurationError(str(path), f"title has {len(fig['title'])} characters; keep it to 70", fid)
    for which in ("start", "end"):  # a date is to the day unless the curation says otherwise
        if f"period_{which}" in fig:
            fig.setdefault(f"period_{which}_precision", "day")
    _list_of(fig, "footnotes", str, path)
    _list_of(fig, "caveats", str, path)
    for key in (
        "qualifier",
        "unit",
        "period_type",
        "period_start_precision",
        "period_end_precision",
        "frequency",
        "geography",
        "scale_measure",
        "producer_basis",
    ):
        _check_enum(fig.get(key), enums[key], key, path, fid)
    shape = {k: fig.get(k) for k in _SHAPE_KEYS}
    broken = figure_shape(**shape)
    if broken:
        raise CurationError(str(path), broken[0].message, fid)
    if (fig["producer_basis"] == "not_stated") != ("producer" not in fig):
        raise CurationError(str(path), "give a producer unless producer_basis is 'not_stated', and only then", fid)
    if not fig["caveats"]:
        raise CurationError(str(path), "a figure needs at least one caveat", fid)
    if not fig["sources"]:
        raise CurationError(
            str(path), "a figure needs its provenance chain (sources), ending with the citing body", fid
        )
    for number, step in enumerate(fig["sources"], start=1):
        label = f"sources #{number} of {fid}"
        _check_keys(step, _STEP_KEYS, {"reference", "note"}, path, label)
        _check_enum(step["role"], enums["step_role"], "role", path, label)
        _check_enum(step["basis"], enums["step_basis"], "basis", path, label)
        if ("reference" in step) != (step["basis"] == "public_reference"):
            raise CurationError(str(path), "give a reference exactly when basis is 'public_reference'", label)
        if "reference" in step and (problem := page_url_problem(step["reference"])):
            raise CurationError(str(path), f"reference {problem}", label)
        if step["basis"] == "inferred" and "note" not in step:
            raise CurationError(str(path), "an inferred step needs a note saying what it rests on", label)
    problem = chain_problem(
        [s["role"] for s in fig["sources"]], [s["body"] for s in fig["sources"]], fig.get("producer")
    )
    if problem:
        raise CurationError(str(path), problem, fid)
    if len(set(fig["caveats"])) != len(fig["caveats"]):
        raise CurationError(str(path), "a caveat is listed twice", fid)
    for marker in fig["footnotes"]:
        if not re.fullmatch(r"\[\d+\]", marker):
            raise CurationError(str(path), f"footnote marker {marker!r} is not like '[4]'", fid)


def load_curation(root: Path) -> Curation:
    """Read and check every curation file below a source checkout.

    Parameters
    ----------
    root : pathlib.Path
        The checkout root (holding ``data/curation/`` and ``schemas/``).

    Returns
    -------
    Curation

    Raises
    ------
    CurationError
        On the first problem, naming the file and the item.
    """
    folder = root / "data" / "curation"
    cur = Curation()
    ids = _Ids()
    enums = {
        **_enums(root, "figures"),
        **{f"caveat_{k}": v for k, v in _enums(root, "caveats").items()},
        **{f"ledger_{k}": v for k, v in _enums(root, "ledger").items()},
        **{f"producer_{k}": v for k, v in _enums(root, "producers").items()},
        **{f"step_{k}": v for k, v in _enums(root, "figure_sources").items()},
    }

    cur.package = _read_toml(folder / "package.toml")
    _no_control_characters(cur.package, folder / "package.toml")

    path = folder / "documents.toml"
    for item in _read_toml(path).get("documents", []):
        doc = _check_keys(item, _DOCUMENT_KEYS, _DOCUMENT_OPTIONAL, path, "[[documents]]")
        ids.add(doc["id"], path, "document")
        if problem := page_url_problem(doc["url"]):
            raise CurationError(str(path), f"url {problem}", doc["id"])
        if not re.fullmatch(r"[0-9a-f]{64}", doc["sha256"]):
            raise CurationError(str(path), "sha256 must be 64 lowercase hex digits", doc["id"])
        cur.documents.append(doc)
    if not cur.documents:
        raise CurationError(str(path), "no [[documents]] entries")

    path = folder / "producers.toml"
    for item in _read_toml(path).get("producers", []):
        producer = _check_keys(item, _PRODUCER_KEYS, _PRODUCER_OPTIONAL, path, "[[producers]]")
        ids.add(producer["id"], path, "producer")
        _check_enum(producer["kind"], enums["producer_kind"], "kind", path, producer["id"])
        cur.producers.append(producer)

    path = folder / "caveats.toml"
    for item in _read_toml(path).get("caveats", []):
        caveat = _check_keys(item, _CURATOR_CAVEAT_KEYS, set(), path, "[[caveats]]")
        ids.add(caveat["id"], path, "caveat")
        _check_enum(caveat["kind"], enums["caveat_kind"], "kind", path, caveat["id"])
        if not caveat["references"]:
            raise CurationError(str(path), "a curator's note needs at least one public reference", caveat["id"])
        for ref in caveat["references"]:
            if isinstance(ref, dict) and isinstance(ref.get("published"), dt.date):
                ref["published"] = ref["published"].isoformat()  # a TOML date is a page date to the day
            _check_keys(ref, _REFERENCE_KEYS, {"published"}, path, f"references of {caveat['id']}")
            if problem := page_url_problem(ref["url"]):
                raise CurationError(str(path), f"reference {problem}", caveat["id"])
            if "published" in ref and (problem := page_date_problem(ref["published"])):
                raise CurationError(str(path), problem, caveat["id"])
        caveat["_file"] = str(path)
        cur.curator_caveats.append(caveat)

    known_docs = {doc["id"] for doc in cur.documents}
    for doc in cur.documents:
        path = folder / f"{doc['id']}.toml"
        data = _read_toml(path)
        unknown = set(data) - {"document_id", "figures", "caveats", "excluded"}
        if unknown:
            raise CurationError(str(path), f"unknown top-level keys {sorted(unknown)}")
        if data.get("document_id") != doc["id"]:
            raise CurationError(str(path), f"document_id must be {doc['id']!r}, found {data.get('document_id')!r}")
        figures = []
        for item in data.get("figures", []):
            fig = _check_keys(item, _FIGURE_KEYS, _FIGURE_OPTIONAL, path, "[[figures]]")
            ids.add(fig["id"], path, "figure")
            _check_figure(fig, enums, path)
            fig["_file"] = str(path)
            figures.append(fig)
        caveats = []
        for item in data.get("caveats", []):
            caveat = _check_keys(item, _SOURCE_CAVEAT_KEYS, {"occurrence"}, path, "[[caveats]]")
            ids.add(caveat["id"], path, "caveat")
            _check_enum(caveat["kind"], enums["caveat_kind"], "kind", path, caveat["id"])
            caveat["_file"] = str(path)
            caveats.append(caveat)
        excluded = []
        for number, item in enumerate(data.get("excluded", []), start=1):
            entry = _check_keys(item, _EXCLUDED_KEYS, {"note", "occurrence"}, path, "[[excluded]]")
            label = f"excluded #{number} ({entry['span']!r})"
            _check_enum(entry["reason"], enums["ledger_reason"], "reason", path, label)
            if entry["reason"] == "other" and "note" not in entry:
                raise CurationError(str(path), "reason 'other' needs a note saying why", label)
            entry["_file"] = str(path)
            entry["_label"] = label
            excluded.append(entry)
        cur.figures[doc["id"]] = figures
        cur.source_caveats[doc["id"]] = caveats
        cur.excluded[doc["id"]] = excluded
    stray = (
        {p.stem for p in folder.glob("*.toml")}
        - known_docs
        - {"package", "documents", "producers", "caveats", "comparisons"}
    )
    if stray:
        raise CurationError(
            str(folder), f"curation files for unregistered documents: {sorted(stray)}; add them to documents.toml"
        )

    caveat_ids = {c["id"] for c in cur.curator_caveats} | {
        c["id"] for caveats in cur.source_caveats.values() for c in caveats
    }
    producer_ids = {p["id"] for p in cur.producers}
    linked: set[str] = set()
    for figures in cur.figures.values():
        for fig in figures:
            for caveat_id in fig["caveats"]:
                if caveat_id not in caveat_ids:
                    close = difflib.get_close_matches(caveat_id, sorted(caveat_ids), n=1)
                    hint = f" (did you mean {close[0]!r}?)" if close else ""
                    raise CurationError(fig["_file"], f"unknown caveat {caveat_id!r}{hint}", fig["id"])
                linked.add(caveat_id)
            if "producer" in fig and fig["producer"] not in producer_ids:
                raise CurationError(fig["_file"], f"unknown producer {fig['producer']!r}", fig["id"])
            for step in fig["sources"]:
                if step["body"] not in producer_ids:
                    raise CurationError(fig["_file"], f"unknown producer {step['body']!r} in sources", fig["id"])
    unused = caveat_ids - linked
    if unused:
        raise CurationError(str(folder), f"caveats not linked to any figure: {sorted(unused)}")
    return cur
