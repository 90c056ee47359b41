"""The figures of a data package: the rows of its tables joined into :class:`~iicsa_stats.Figure` objects."""

from __future__ import annotations

from ._figure import TABLE_FIELDS, Caveat, Figure
from ._loader import cached, inconsistent, rows
from ._provenance import Provenance, Reference, SourceStep
from .errors import InvalidArgumentError, UnknownFigureError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from typing import Any

    from .tables import Row

_REFERENCE = ("title", "publisher", "published", "url", "supports", "confirmed")
_CAVEAT = ("kind", "text", "basis", "document_id", "locator", "quote", "quote_start", "quote_end")
_STEP = ("role", "basis", "reference_url", "note")
_DOCUMENT = ("document_id", "publisher", "url", "published", "published_label", "licence_statement", "raw_path")
_QUOTE = ("locator", "quote", "quote_start", "quote_end", "producer_id", "producer_basis", "cited_work")


def _name(root: str, producers: Mapping[str, Row], producer_id: str, named: str) -> str:
    """The name of a producer, or the error for one the producers table does not hold."""
    if producer_id not in producers:
        raise inconsistent(root, "producers", f"no producer {producer_id!r}, named {named}")
    return str(producers[producer_id]["name"])


def join_figures(root: str, rows_of: Callable[[str], Iterable[Row]]) -> dict[str, Figure]:
    """Join the rows ``rows_of(table)`` gives into figures by id, bound to ``root`` (validate runs it too)."""
    table, current = "caveat_references", ""
    try:
        documents = {r["document_id"]: r for r in rows_of("documents")}
        producers = {r["producer_id"]: r for r in rows_of("producers")}
        references: dict[str, list[Reference]] = {}
        for r in rows_of(table):
            current = f"caveat {r['caveat_id']!r}: "
            references.setdefault(r["caveat_id"], []).append(Reference(**{k: r[k] for k in _REFERENCE}))
        table, current = "caveats", ""
        caveats = {
            r["caveat_id"]: Caveat(
                id=r["caveat_id"], references=tuple(references.get(r["caveat_id"], ())), **{k: r[k] for k in _CAVEAT}
            )
            for r in rows_of(table)
        }
        links: dict[str, list[tuple[int, str]]] = {}
        for r in rows_of("figure_caveats"):
            if r["caveat_id"] not in caveats:
                why = f"no caveat {r['caveat_id']!r}, which figure_caveats.csv links to {r['figure_id']!r}"
                raise inconsistent(root, "caveats", why)
            links.setdefault(r["figure_id"], []).append((r["position"], r["caveat_id"]))
        table = "figure_sources"
        chains: dict[str, list[tuple[int, SourceStep]]] = {}
        for r in rows_of(table):
            current = f"figure {r['figure_id']!r}: "
            name = _name(root, producers, r["producer_id"], f"in the sources of {r['figure_id']!r}")
            step = SourceStep(body_id=r["producer_id"], body_name=name, **{k: r[k] for k in _STEP})
            chains.setdefault(r["figure_id"], []).append((r["position"], step))
        table = "figures"
        figures: dict[str, Figure] = {}
        for r in rows_of(table):
            current = f"figure {r['figure_id']!r}: "
            if (doc := documents.get(r["document_id"])) is None:
                raise inconsistent(root, "documents", f"no document {r['document_id']!r}, cited by {r['figure_id']!r}")
            named = f"by {r['figure_id']!r}"
            provenance = Provenance(
                document_title=doc["title"],
                **{k: doc[k] for k in _DOCUMENT},
                **{k: r[k] for k in _QUOTE},
                footnote_markers=tuple((r["footnote_markers"] or "").split()),
                producer_name=_name(root, producers, r["producer_id"], named) if r["producer_id"] else None,
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
        raise inconsistent(root, table, f"{current}{exc}") from None
    return dict(sorted(figures.items()))


def _chain(root: str, figure_id: str, steps: list[tuple[int, SourceStep]]) -> tuple[SourceStep, ...]:
    """A figure's steps in order; their positions must run 1, 2, ... without a gap."""
    steps = sorted(steps, key=lambda p: p[0])
    if [position for position, _ in steps] != list(range(1, len(steps) + 1)):
        raise inconsistent(root, "figure_sources", f"figure {figure_id!r}: positions do not run 1, 2, ...")
    return tuple(step for _, step in steps)


def all_figures(root: str | None = None) -> dict[str, Figure]:
    """Every figure by id, in id order, from ``root`` (by default the current data root)."""
    return cached(_join, root)


def _join(root: str) -> dict[str, Figure]:
    return join_figures(root, lambda table: rows(table, root))


def get_figure(figure_id: Any) -> Figure:
    """One figure by id, or :class:`UnknownFigureError` with the closest ids."""
    if not isinstance(figure_id, str):
        raise InvalidArgumentError(f"a figure id is a string, got {type(figure_id).__name__} {figure_id!r:.80}")
    if figure_id not in (figures := all_figures()):
        raise UnknownFigureError(figure_id, figures)
    return figures[figure_id]
