"""The join that assembles :class:`~iicsa_stats.Figure` objects from the cached rows.

:mod:`iicsa_stats._cache` reads and pins the files; this module joins figures,
documents, producers, caveats and their references into figures, each bound to
the data root it was loaded from (``Figure.data_root``), so that a figure reads
its context from that root even after ``IICSA_STATS_DATA_DIR`` changes.  The
model modules never import this one: there is no import cycle.
"""

from __future__ import annotations

from functools import lru_cache

from . import _cache
from ._figure import TABLE_FIELDS, Caveat, Figure
from ._paths import data_dir
from ._provenance import Provenance, Reference, SourceStep
from .errors import DataFileError, InvalidArgumentError, UnknownFigureError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any, TypeVar

    from .tables import Row

    T = TypeVar("T")


def consistent(read: Callable[[str], T]) -> T:
    """Run ``read(root)`` on one consistent copy of the data: pins and files from the same build.

    A build replaces ``data/processed`` and then ``datapackage.json``; a reader
    that reads the pins before a build and a file after it would see a file
    that differs from its pin.  When a read fails and the files changed since
    the cached descriptor was read, or during the read, the caches are dropped
    and the read is tried again on the new copy.
    """
    root = data_dir()
    for _ in range(3):
        before = _cache.signature(root)
        try:
            return read(root)
        except DataFileError:
            after = _cache.signature(root)
            if after == before == _cache.SIGNATURES.get(root, before):
                raise  # the files did not change: the error is real
            clear_cache()
    return read(root)


def package() -> dict[str, Any]:
    """The ``datapackage.json`` descriptor of the current data root."""
    return consistent(_cache.package)


def rows(table: str) -> tuple[Row, ...]:
    """Typed rows of a table from the current data root, checked against its pin."""
    return consistent(lambda root: _cache.rows(root, table))


def raw_text(raw_path: str) -> str:
    """A raw document's text from the current data root, checked against its pin."""
    return consistent(lambda root: _cache.raw_text(root, raw_path))


@lru_cache(maxsize=2)
def _figures(root: str) -> dict[str, Figure]:
    return join_figures(root, lambda table: _cache.rows(root, table))


def join_figures(root: str, rows_of: Callable[[str], Iterable[Row]]) -> dict[str, Figure]:
    """Join the typed rows of the tables into :class:`Figure` objects, as the loader serves them.

    ``rows_of(table)`` gives a table's rows; ``root`` names the files in errors
    and is the root the figures are bound to.  ``validate`` runs the same join
    on the rows it read, so that it reports whatever the loader would refuse.

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
                Reference(**{k: r[k] for k in ("title", "publisher", "published", "url", "supports", "confirmed")})
            )
        except (TypeError, ValueError) as exc:
            raise _cache.inconsistent(root, "caveat_references", f"caveat {r['caveat_id']!r}: {exc}") from None
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
        except (TypeError, ValueError) as exc:
            raise _cache.inconsistent(root, "caveats", str(exc)) from None
    links: dict[str, list[tuple[int, str]]] = {}
    for r in rows_of("figure_caveats"):
        if r["caveat_id"] not in caveats:
            raise _cache.inconsistent(
                root, "caveats", f"no caveat {r['caveat_id']!r}, which figure_caveats.csv links to {r['figure_id']!r}"
            )
        links.setdefault(r["figure_id"], []).append((r["position"], r["caveat_id"]))
    chains: dict[str, list[tuple[int, SourceStep]]] = {}
    for r in rows_of("figure_sources"):
        body = producers.get(r["producer_id"])
        if body is None:
            raise _cache.inconsistent(
                root, "producers", f"no producer {r['producer_id']!r}, named in the sources of {r['figure_id']!r}"
            )
        try:
            step = SourceStep(
                body_id=r["producer_id"],
                body_name=body["name"],
                role=r["role"],
                basis=r["basis"],
                reference_url=r["reference_url"],
                note=r["note"],
            )
        except (TypeError, ValueError) as exc:
            raise _cache.inconsistent(root, "figure_sources", f"figure {r['figure_id']!r}: {exc}") from None
        chains.setdefault(r["figure_id"], []).append((r["position"], step))
    figures: dict[str, Figure] = {}
    for r in rows_of("figures"):
        doc = documents.get(r["document_id"])
        if doc is None:
            raise _cache.inconsistent(
                root, "documents", f"no document {r['document_id']!r}, cited by {r['figure_id']!r}"
            )
        producer = producers.get(r["producer_id"]) if r["producer_id"] else None
        if r["producer_id"] and producer is None:
            raise _cache.inconsistent(
                root, "producers", f"no producer {r['producer_id']!r}, named by {r['figure_id']!r}"
            )
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
                sources=_chain(root, r["figure_id"], chains.get(r["figure_id"], [])),
            )
            figures[r["figure_id"]] = Figure(
                id=r["figure_id"],
                **{k: r[k] for k in TABLE_FIELDS},
                caveats=tuple(caveats[c] for _, c in sorted(links.get(r["figure_id"], []))),
                provenance=provenance,
                data_root=root,
            )
        except (TypeError, ValueError) as exc:
            raise _cache.inconsistent(root, "figures", f"figure {r['figure_id']!r}: {exc}") from None
    return dict(sorted(figures.items()))


def _chain(root: str, figure_id: str, steps: list[tuple[int, SourceStep]]) -> tuple[SourceStep, ...]:
    """A figure's steps in order; their positions must run 1, 2, ... without a gap."""
    steps = sorted(steps, key=lambda p: p[0])
    if [position for position, _ in steps] != list(range(1, len(steps) + 1)):
        raise _cache.inconsistent(root, "figure_sources", f"figure {figure_id!r}: positions do not run 1, 2, ...")
    return tuple(step for _, step in steps)


def all_figures(root: str | None = None) -> dict[str, Figure]:
    """Every figure by id, in id order, from ``root`` (by default the current data root)."""
    if root is not None:
        return _figures(root)
    return consistent(_figures)


def get_figure(figure_id: str) -> Figure:
    """One figure by id, or :class:`UnknownFigureError` with the closest ids."""
    if not isinstance(figure_id, str):
        raise InvalidArgumentError(f"a figure id is a string, got {type(figure_id).__name__} {figure_id!r:.80}")
    figures = all_figures()
    try:
        return figures[figure_id]
    except KeyError:
        raise UnknownFigureError(figure_id, figures) from None


def clear_cache() -> None:
    """Forget every table read and figure built so far (after the data files changed)."""
    _cache.clear()
    _figures.cache_clear()
