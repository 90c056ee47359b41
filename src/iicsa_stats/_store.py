"""The loader's cache of the shipped tables, read with the standard library only.

Figure lookups, search and the CLI go through here, so they never import pandas,
pyarrow or frictionless.  Tables are read once per process and data root, and
every file is checked against its pin (the SHA-256 in ``datapackage.json`` for a
table, in the documents table for a raw text) before anything in it is used: a
changed or damaged file is refused, never served.
"""

from __future__ import annotations

import os
from functools import lru_cache

from ._paths import data_dir
from .caveats import Caveat
from .errors import DataFileError, UnknownFigureError
from .figures import TABLE_FIELDS, Figure
from .provenance import Provenance, Reference
from .tables import RAW_PATH, Row, load_json, read_csv, resource_pins, sha256_hex

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any

_VALIDATE = "run `iicsa-stats validate` to see every problem"


@lru_cache(maxsize=2)
def _package(root: str) -> dict[str, Any]:
    path = os.path.join(root, "datapackage.json")
    package = load_json(path)
    if not isinstance(package, dict) or not isinstance(package.get("resources"), list):
        raise DataFileError(f"{path}: not a data package descriptor; reinstall or rebuild")
    return package


def package() -> dict[str, Any]:
    """The ``datapackage.json`` descriptor."""
    return _package(data_dir())


@lru_cache(maxsize=8)
def _rows(root: str, table: str) -> tuple[Row, ...]:
    pin, schema_pin = resource_pins(_package(root), table, os.path.join(root, "datapackage.json"))
    return tuple(read_csv(root, table, sha256=pin, schema_sha256=schema_pin))


def rows(table: str) -> tuple[Row, ...]:
    """Typed rows of a table from the current data root, checked against its pin."""
    return _rows(data_dir(), table)


def _inconsistent(root: str, table: str, message: str) -> DataFileError:
    path = os.path.join(root, "data", "processed", f"{table}.csv")
    return DataFileError(f"{path}: {message}; {_VALIDATE}")


@lru_cache(maxsize=2)
def _figures(root: str) -> dict[str, Figure]:
    return join_figures(root, lambda table: _rows(root, table))


def join_figures(root: str, rows_of: Callable[[str], Iterable[Row]]) -> dict[str, Figure]:
    """Join the typed rows of the tables into :class:`Figure` objects, as the loader serves them.

    ``rows_of(table)`` gives a table's rows; ``root`` only names the files in
    errors.  ``validate`` runs the same join on the rows it read, so that it
    reports whatever the loader would refuse.

    Raises
    ------
    DataFileError
        For rows that do not join or that a model object refuses.
    """
    documents = {r["document_id"]: r for r in rows_of("documents")}
    producers = {r["producer_id"]: r for r in rows_of("producers")}
    references: dict[str, list[Reference]] = {}
    for r in rows_of("caveat_references"):
        try:
            references.setdefault(r["caveat_id"], []).append(
                Reference(title=r["title"], url=r["url"], confirmed=r["confirmed"])
            )
        except ValueError as exc:
            raise _inconsistent(root, "caveat_references", f"caveat {r['caveat_id']!r}: {exc}") from None
    caveats: dict[str, Caveat] = {}
    for r in rows_of("caveats"):
        try:
            caveats[r["caveat_id"]] = Caveat(
                id=r["caveat_id"],
                kind=r["kind"],
                text=r["text"],
                basis=r["basis"],
                document_id=r["document_id"],
                locator=r["locator"],
                quote=r["quote"],
                quote_start=r["quote_start"],
                quote_end=r["quote_end"],
                references=tuple(references.get(r["caveat_id"], ())),
            )
        except ValueError as exc:
            raise _inconsistent(root, "caveats", str(exc)) from None
    links: dict[str, list[tuple[int, str]]] = {}
    for r in rows_of("figure_caveats"):
        if r["caveat_id"] not in caveats:
            raise _inconsistent(
                root, "caveats", f"no caveat {r['caveat_id']!r}, which figure_caveats.csv links to {r['figure_id']!r}"
            )
        links.setdefault(r["figure_id"], []).append((r["position"], r["caveat_id"]))
    figures: dict[str, Figure] = {}
    for r in rows_of("figures"):
        doc = documents.get(r["document_id"])
        if doc is None:
            raise _inconsistent(root, "documents", f"no document {r['document_id']!r}, cited by {r['figure_id']!r}")
        producer = producers.get(r["producer_id"]) if r["producer_id"] else None
        if r["producer_id"] and producer is None:
            raise _inconsistent(root, "producers", f"no producer {r['producer_id']!r}, named by {r['figure_id']!r}")
        try:
            provenance = Provenance(
                document_id=doc["document_id"],
                document_title=doc["title"],
                publisher=doc["publisher"],
                url=doc["url"],
                published=doc["published"],
                published_label=doc["published_label"],
                licence_statement=doc["licence_statement"],
                raw_path=doc["raw_path"],
                locator=r["locator"],
                footnote_markers=tuple((r["footnote_markers"] or "").split()),
                quote=r["quote"],
                quote_start=r["quote_start"],
                quote_end=r["quote_end"],
                producer_id=r["producer_id"],
                producer_name=producer["name"] if producer else None,
                producer_basis=r["producer_basis"],
                cited_work=r["cited_work"],
            )
            figures[r["figure_id"]] = Figure(
                id=r["figure_id"],
                **{k: r[k] for k in TABLE_FIELDS},
                caveats=tuple(caveats[c] for _, c in sorted(links.get(r["figure_id"], []))),
                provenance=provenance,
            )
        except ValueError as exc:
            raise _inconsistent(root, "figures", f"figure {r['figure_id']!r}: {exc}") from None
    return dict(sorted(figures.items()))


def all_figures() -> dict[str, Figure]:
    """Every figure by id, in id order."""
    return _figures(data_dir())


def get_figure(figure_id: str) -> Figure:
    """One figure by id, or :class:`UnknownFigureError` with the closest ids."""
    if not isinstance(figure_id, str):
        raise TypeError(f"a figure id is a string, got {type(figure_id).__name__} {figure_id!r:.80}")
    figures = all_figures()
    try:
        return figures[figure_id]
    except KeyError:
        raise UnknownFigureError(figure_id, figures) from None


@lru_cache(maxsize=4)
def _raw(root: str, raw_path: str) -> str:
    doc = next((d for d in _rows(root, "documents") if d["raw_path"] == raw_path), None)
    if doc is None or not RAW_PATH.fullmatch(raw_path):
        raise _inconsistent(root, "documents", f"{raw_path!r} is not the raw file of a registered document")
    path = os.path.join(root, raw_path)
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        reason = exc.strerror or exc
        raise DataFileError(f"{path}: raw document unreadable ({reason}); reinstall or restore it") from None
    if sha256_hex(data) != doc["sha256"]:
        raise DataFileError(
            f"{path}: the raw document differs from its SHA-256 pin in the documents table: it was changed or "
            f"damaged; restore the verbatim capture or reinstall; {_VALIDATE}"
        )
    return data.decode("utf-8")


def raw_text(raw_path: str) -> str:
    """A raw document's text, checked against its pin, read only when a figure's context is asked for."""
    return _raw(data_dir(), raw_path)


def clear_cache() -> None:
    """Forget every table read so far (after the data files changed)."""
    for cached in (_rows, _package, _figures, _raw):
        cached.cache_clear()
