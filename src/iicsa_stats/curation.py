"""Read and check the hand-written curation files in ``data/curation/`` (TOML, build side only)."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._loader import load_schema
from ._provenance import page_url_problem
from .errors import CurationError
from .tables import CONTROL

ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
#: A line break: a curation text is one line, except a quote or span of the raw text, which is as written.
_LINE_BREAK = re.compile(r"[\n\r\u2028\u2029]")
_RAW_KEYS = frozenset({"quote", "span"})
_TYPES = {"str": (str,), "int": (int,), "number": (int, float), "date": (dt.date,), "bool": (bool,), "list": (list,)}
_TYPES |= {"strs": (list,), "day": (str,), "table": (dict,)}
#: The keys of each kind of entry, and the table whose code lists apply to them: ``name`` is a string,
#: ``name:type`` of another type (``strs`` a list of strings, ``day`` a date written as text), ``?`` optional.
_ENTRIES: dict[str, tuple[str, str]] = {
    "package.toml": (
        "",
        "name title description homepage keywords:strs attribution licenses:list contributors:list tables:table",
    ),
    "[[documents]]": (
        "documents",
        "id title kind publisher url published:date? published_label page_updated_label licence_statement "
        "capture_note raw_path sha256 bytes:int",
    ),
    "[[producers]]": ("producers", "id name abbreviation? kind"),
    "[[figures]]": (
        "figures",
        "id title measure measure_code value:number? value_lower:number? value_upper:number? qualifier unit "
        "unit_label period_label period_type period_start:date? period_end:date? period_start_precision? "
        "period_end_precision? frequency? geography population producer? producer_basis cited_work scale_measure? "
        "locator footnotes:strs quote occurrence:int? caveats:strs sources:list",
    ),
    "sources": ("figure_sources", "body role basis reference? note?"),
    "[[caveats]]": ("caveats", "id kind text locator quote occurrence:int?"),
    "curator [[caveats]]": ("caveats", "id kind text references:list"),
    "references": ("caveat_references", "title publisher published:day? url supports confirmed:bool"),
    "[[excluded]]": ("ledger", "span reason note? occurrence:int?"),
}


@dataclass
class Curation:
    """The checked curation; ``figures``, ``source_caveats``, ``excluded`` by document id; entries name a ``_file``."""

    documents: list[dict[str, Any]] = field(default_factory=list)
    producers: list[dict[str, Any]] = field(default_factory=list)
    figures: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    source_caveats: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    excluded: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    curator_caveats: list[dict[str, Any]] = field(default_factory=list)
    package: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)


def read_toml(path: Path) -> dict[str, Any]:
    """A curation file, every text in it checked."""
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
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
    _check_texts(data, path)
    return data


def _check_texts(value: Any, path: Path, key: str = "", item: str | None = None) -> None:
    """Refuse a control character, a line break (but in a quote), an empty text or ``nan``, naming key and item."""
    if isinstance(value, dict):
        item = value["id"] if isinstance(value.get("id"), str) else item
        for name, inner in value.items():
            _check_texts(inner, path, name, item)
    elif isinstance(value, list):
        for inner in value:
            _check_texts(inner, path, key, item)
    elif isinstance(value, str):
        if bad := CONTROL.search(value) or (None if key in _RAW_KEYS else _LINE_BREAK.search(value)):
            raise CurationError(str(path), f"key {key!r} holds the control character {bad.group()!r}; remove it", item)
        if not value.strip():
            raise CurationError(str(path), f"key {key!r} is empty", item)
        if value == "nan":
            raise CurationError(str(path), f"key {key!r} is 'nan', which the tables read as a missing value", item)


def _items(data: dict[str, Any], section: str, path: Path) -> list[Any]:
    if not isinstance(items := data.get(section, []), list):
        raise CurationError(str(path), f"{section} must be a list of tables, each written [[{section}]]")
    return items


def _entry(item: Any, what: str, path: Path, enums: dict[str, dict[str, list[str]]], label: str = "") -> dict[str, Any]:
    """Check one entry's keys, their types and code lists; ``label`` names it in errors (by default its id)."""
    table, keys = _ENTRIES[what]
    if not isinstance(item, dict):
        raise CurationError(str(path), f"each entry of {what} must be a table, found {type(item).__name__}")
    name = label or (item["id"] if isinstance(item.get("id"), str) else None)
    spec = {token.rstrip("?").partition(":")[0]: token for token in keys.split()}
    for key in item:
        if key not in spec:
            close = difflib.get_close_matches(key, list(spec), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise CurationError(str(path), f"unknown key {key!r} in {what}{hint}", name)
    for key, token in spec.items():
        kind = token.rstrip("?").partition(":")[2] or "str"
        if key not in item:
            if not token.endswith("?"):
                raise CurationError(str(path), f"missing required key {key!r} in {what}", name)
            continue
        if kind == "day" and isinstance(value := item[key], dt.date):
            item[key] = value.isoformat()  # a TOML date is a page date to the day
        value = item[key]
        ok = isinstance(value, _TYPES[kind]) and (kind == "bool" or not isinstance(value, bool | dt.datetime))
        if not ok or (kind == "strs" and not all(isinstance(v, str) for v in value)):
            wanted = "list of str" if kind == "strs" else kind
            message = f"key {key!r} must be a {wanted}, found {type(value).__name__} {value!r}"
            raise CurationError(str(path), message, name)
        if key in enums.get(table, {}) and value not in enums[table][key]:
            raise CurationError(str(path), f"{key} {value!r} is not one of {enums[table][key]}", name)
    return item


def load_curation(root: Path) -> Curation:
    """Read and check every curation file of a checkout; CurationError names the file and item of the first problem."""
    folder = root / "data" / "curation"
    fields = {table: load_schema(root, table)["fields"] for table, _ in _ENTRIES.values() if table}
    enums = {t: {f["name"]: e for f in fs if (e := f.get("constraints", {}).get("enum"))} for t, fs in fields.items()}
    cur = Curation(package=_entry(read_toml(folder / "package.toml"), "package.toml", folder / "package.toml", enums))
    ids: dict[str, str] = {}

    def entries(data: dict[str, Any], section: str, what: str, path: Path) -> list[dict[str, Any]]:
        found = []
        for item in _items(data, section, path):
            entry = _entry(item, what, path, enums)
            kind, item_id = section.removesuffix("s"), entry["id"]
            if not ID_PATTERN.match(item_id):
                message = f"{kind} id {item_id!r} must be lowercase letters and digits joined by hyphens"
                raise CurationError(str(path), message, item_id)
            if (key := f"{kind}:{item_id}") in ids:
                raise CurationError(str(path), f"duplicate {kind} id {item_id!r} (also in {ids[key]})", item_id)
            ids[key] = entry["_file"] = cur.files[item_id] = str(path)
            found.append(entry)
        return found

    path = folder / "documents.toml"
    cur.documents = entries(read_toml(path), "documents", "[[documents]]", path)
    if not cur.documents:
        raise CurationError(str(path), "no [[documents]] entries")
    for doc in cur.documents:
        if problem := page_url_problem(doc["url"]):
            raise CurationError(str(path), f"url {problem}", doc["id"])
        if not re.fullmatch(r"[0-9a-f]{64}", doc["sha256"]):
            raise CurationError(str(path), "sha256 must be 64 lowercase hex digits", doc["id"])
    path = folder / "producers.toml"
    cur.producers = entries(read_toml(path), "producers", "[[producers]]", path)

    path = folder / "caveats.toml"
    cur.curator_caveats = entries(read_toml(path), "caveats", "curator [[caveats]]", path)
    for caveat in cur.curator_caveats:
        for ref in caveat["references"]:
            _entry(ref, "references", path, enums, f"references of {caveat['id']}")

    for doc in cur.documents:
        path = folder / f"{doc['id']}.toml"
        data = read_toml(path)
        if unknown := set(data) - {"document_id", "figures", "caveats", "excluded"}:
            raise CurationError(str(path), f"unknown top-level keys {sorted(unknown)}")
        if data.get("document_id") != doc["id"]:
            raise CurationError(str(path), f"document_id must be {doc['id']!r}, found {data.get('document_id')!r}")
        cur.figures[doc["id"]] = entries(data, "figures", "[[figures]]", path)
        for fig in cur.figures[doc["id"]]:  # what the model does not hold of a figure (see build)
            for which in ("start", "end"):  # a date is to the day unless the curation says otherwise
                if f"period_{which}" in fig:
                    fig.setdefault(f"period_{which}_precision", "day")
            if len(fig["title"]) > 70:
                raise CurationError(str(path), f"title has {len(fig['title'])} characters; keep it to 70", fig["id"])
            if len(set(fig["caveats"])) != len(fig["caveats"]):
                raise CurationError(str(path), "a caveat is listed twice", fig["id"])
            if bad := [marker for marker in fig["footnotes"] if not re.fullmatch(r"\[\d+\]", marker)]:
                raise CurationError(str(path), f"footnote marker {bad[0]!r} is not like '[4]'", fig["id"])
            for number, step in enumerate(fig["sources"], start=1):
                _entry(step, "sources", path, enums, f"sources #{number} of {fig['id']}")
        cur.source_caveats[doc["id"]] = entries(data, "caveats", "[[caveats]]", path)
        cur.excluded[doc["id"]] = []
        for number, item in enumerate(_items(data, "excluded", path), start=1):
            entry = _entry(item, "[[excluded]]", path, enums, f"excluded #{number}")
            entry["_label"] = label = f"excluded #{number} ({entry['span']!r})"
            if entry["reason"] == "other" and "note" not in entry:
                raise CurationError(str(path), "reason 'other' needs a note saying why", label)
            entry["_file"] = str(path)
            cur.excluded[doc["id"]].append(entry)
    known = {"package", "documents", "producers", "caveats", "comparisons"} | {doc["id"] for doc in cur.documents}
    if stray := sorted({p.stem for p in folder.glob("*.toml")} - known):
        message = f"curation files for unregistered documents: {stray}; add them to documents.toml"
        raise CurationError(str(folder), message)
    _check_links(cur, folder)
    return cur


def _check_links(cur: Curation, folder: Path) -> None:
    """Every caveat is linked to a figure (the join refuses a link to an unknown caveat)."""
    linked = {caveat_id for figures in cur.figures.values() for fig in figures for caveat_id in fig["caveats"]}
    caveats = [c["id"] for c in cur.curator_caveats] + [c["id"] for cs in cur.source_caveats.values() for c in cs]
    if unused := set(caveats) - linked:
        raise CurationError(str(folder), f"caveats not linked to any figure: {sorted(unused)}")
