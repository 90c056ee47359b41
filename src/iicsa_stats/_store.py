"""The loader's cache of the shipped tables, read with the standard library only.

Figure lookups, search and the CLI go through here, so they never import pandas,
pyarrow or frictionless.  Tables are read once per process and data root.
"""

from __future__ import annotations

import os
from functools import lru_cache

from ._paths import data_dir
from .caveats import Caveat
from .errors import DataFileError, UnknownFigureError
from .figures import TABLE_FIELDS, Figure
from .provenance import Provenance, Reference
from .tables import Row, load_json, read_csv

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


@lru_cache(maxsize=8)
def _rows(root: str, table: str) -> tuple[Row, ...]:
    return tuple(read_csv(root, table))


def rows(table: str) -> tuple[Row, ...]:
    """Typed rows of a table from the current data root."""
    return _rows(data_dir(), table)


@lru_cache(maxsize=2)
def _package(root: str) -> dict[str, Any]:
    package = load_json(os.path.join(root, "datapackage.json"))
    if not isinstance(package, dict) or "resources" not in package:
        raise DataFileError(
            f"{os.path.join(root, 'datapackage.json')}: not a data package descriptor; reinstall or rebuild"
        )
    return package


def package() -> dict[str, Any]:
    """The ``datapackage.json`` descriptor."""
    return _package(data_dir())


@lru_cache(maxsize=2)
def _figures(root: str) -> dict[str, Figure]:
    documents = {r["document_id"]: r for r in _rows(root, "documents")}
    producers = {r["producer_id"]: r for r in _rows(root, "producers")}
    references: dict[str, list[Reference]] = {}
    for r in _rows(root, "caveat_references"):
        references.setdefault(r["caveat_id"], []).append(
            Reference(title=r["title"], url=r["url"], confirmed=r["confirmed"])
        )
    caveats = {
        r["caveat_id"]: Caveat(
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
        for r in _rows(root, "caveats")
    }
    links: dict[str, list[tuple[int, str]]] = {}
    for r in _rows(root, "figure_caveats"):
        links.setdefault(r["figure_id"], []).append((r["position"], r["caveat_id"]))
    figures: dict[str, Figure] = {}
    for r in _rows(root, "figures"):
        try:
            doc = documents[r["document_id"]]
            producer = producers[r["producer_id"]] if r["producer_id"] else None
            linked = tuple(caveats[c] for _, c in sorted(links.get(r["figure_id"], [])))
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
                caveats=linked,
                provenance=provenance,
            )
        except (KeyError, ValueError) as exc:
            path = os.path.join(root, "data", "processed", "figures.csv")
            raise DataFileError(
                f"{path}: figure {r.get('figure_id')!r} is inconsistent with the other tables ({exc}); "
                "run `iicsa-stats validate` to see every problem"
            ) from None
    return dict(sorted(figures.items()))


def all_figures() -> dict[str, Figure]:
    """Every figure by id, in id order."""
    return _figures(data_dir())


def get_figure(figure_id: str) -> Figure:
    """One figure by id, or :class:`UnknownFigureError` with the closest ids."""
    if not isinstance(figure_id, str):
        raise TypeError(f"a figure id is a string, got {type(figure_id).__name__} {figure_id!r}")
    figures = all_figures()
    try:
        return figures[figure_id]
    except KeyError:
        raise UnknownFigureError(figure_id, figures) from None


@lru_cache(maxsize=4)
def _raw(root: str, raw_path: str) -> str:
    path = os.path.join(root, raw_path)
    try:
        with open(path, encoding="utf-8") as handle:
            text: str = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(f"{path}: raw document unreadable ({exc}); reinstall or restore it") from None
    return text


def raw_text(raw_path: str) -> str:
    """A raw document's text, read only when a figure's context is asked for."""
    return _raw(data_dir(), raw_path)


def clear_cache() -> None:
    """Forget every table read so far (after the data files changed)."""
    for cached in (_rows, _package, _figures, _raw):
        cached.cache_clear()
