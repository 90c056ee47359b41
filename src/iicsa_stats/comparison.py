"""The :class:`Comparison` of two figures: may they be set side by side, and if not, why not."""

from __future__ import annotations

from dataclasses import dataclass

from . import _catalog, _loader
from ._figure import Caveat
from .comparability import DIMENSIONS, EFFECTS, VERDICTS, comparison_tables, overrides_from_rows
from .errors import ComparabilityWarning, ComparisonError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ._figure import Figure

__all__ = ["Comparison", "Dimension", "check_frame", "comparable_with", "compare"]

#: The codes of the comparisons table in the words a reader sees (the schema's descriptions give their meanings).
_EFFECT_WORDS = {
    "none": "does not limit the comparison",
    "caveats": "allows it only with caveats",
    "not_shown": "leaves it not shown to be valid",
    "not_comparable": "rules it out",
}
_DIMENSION_WORDS = {"scale_measure": "way of measuring scale", "period_type": "kind of period"}
_UNIT_WORDS = {"gbp": "pounds sterling", "proportion": "a share between 0 and 1", "years_of_age": "an age in years"}
#: The fields of a :class:`Dimension` that are columns of the ``comparisons`` table under the same names.
_FIELDS = ("same", "effect", "note", "basis", "caveat_id")


@dataclass(frozen=True, kw_only=True, slots=True)
class Dimension:
    """How two figures compare in one of :data:`~iicsa_stats.comparability.DIMENSIONS`: a ``comparisons`` row.

    ``basis`` is ``fields`` (computed) or ``curated``, and then ``caveat_id`` is the caveat it rests on.
    """

    name: str
    same: bool
    effect: str
    note: str
    basis: str
    caveat_id: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True, repr=False)
class Comparison:
    """Whether two figures may be set side by side, and why not.

    ``figure_a < figure_b`` (so ``compare(a, b) == compare(b, a)``); the ``verdict`` (one of
    :data:`~iicsa_stats.comparability.VERDICTS`); every :class:`Dimension` in the order of ``DIMENSIONS``; and the
    ``caveats`` that decide the verdict, in order (none for a comparable pair).
    """

    figure_a: str
    figure_b: str
    verdict: str
    dimensions: tuple[Dimension, ...]
    caveats: tuple[Caveat, ...] = ()

    @property
    def verdict_text(self) -> str:
        """The verdict in words, e.g. ``not shown to be comparable``."""
        return self.verdict.replace("_", " ").replace("shown", "shown to be")

    @property
    def comparable(self) -> bool:
        """True only for the verdict ``comparable`` (no caveats needed)."""
        return self.verdict == "comparable"

    @property
    def differences(self) -> tuple[Dimension, ...]:
        """The dimensions in which the two figures differ (or are not known to be the same)."""
        return tuple(d for d in self.dimensions if not d.same)

    def _ranked(self) -> list[Dimension]:
        return sorted(self.differences, key=lambda d: -EFFECTS.index(d.effect))

    @property
    def reason(self) -> str:
        """The verdict and the differences that limit it, in one line."""
        limiting = "; ".join(f"{d.name}: {d.note}" for d in self._ranked() if d.effect != "none")
        return f"{self.verdict_text}: {limiting}" if limiting else self.verdict_text

    def other(self, figure_id: str) -> str:
        """The figure of the pair that is not ``figure_id``."""
        if figure_id not in (self.figure_a, self.figure_b):
            raise ValueError(f"{figure_id!r} is not one of the pair {self.figure_a!r} and {self.figure_b!r}")
        return self.figure_b if figure_id == self.figure_a else self.figure_a

    def __repr__(self) -> str:
        names = ", ".join(d.name for d in self.differences if d.effect != "none") or "none"
        return f"<Comparison {self.figure_a} / {self.figure_b}: {self.verdict}; limited by {names}>"

    def __str__(self) -> str:
        """The verdict, each difference and each deciding caveat, in words (codes only as ids)."""
        a, b = (_catalog.get_figure(fid) for fid in (self.figure_a, self.figure_b))
        lines = [f"{self.figure_a} and {self.figure_b}: {self.verdict_text}"]
        if self.differences:
            lines.append("Differences:")
        for d in self._ranked():
            basis = f"; curated, based on caveat {d.caveat_id}" if d.caveat_id else ""
            name = _DIMENSION_WORDS.get(d.name, d.name)
            lines.append(f"  - {name} ({_EFFECT_WORDS[d.effect]}{basis}): {_plain(d, a, b)}")
        if self.caveats:
            lines.append("Deciding caveats:")
        lines += [f"  - {c.id} ({c.kind.replace('_', ' ')}): {c.text}" for c in self.caveats]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        return f'<pre class="iicsa-comparison">{html.escape(str(self))}</pre>'

    def to_dict(self) -> dict[str, Any]:
        """The comparison as plain data (codes, not words), e.g. for JSON: every dimension, and the differences."""
        rows = [{"dimension": d.name, **{k: getattr(d, k) for k in _FIELDS}} for d in self.dimensions]
        return {
            "figure_a": self.figure_a,
            "figure_b": self.figure_b,
            "verdict": self.verdict,
            "differences": [{k: v for k, v in row.items() if k != "same"} for row in rows if not row["same"]],
            "dimensions": rows,
            "caveats": [{"caveat_id": c.id, "kind": c.kind, "text": c.text} for c in self.caveats],
        }


def _plain(d: Dimension, a: Figure, b: Figure) -> str:
    """A difference's note without the codes the table's computed notes name (measure, unit and producer)."""
    if d.basis == "curated" or d.name not in ("measure", "unit", "producer"):
        return d.note
    if d.name == "measure":
        return f"different measures: \u201c{a.measure}\u201d against \u201c{b.measure}\u201d"
    if d.name == "unit":
        return f"different units: {_UNIT_WORDS.get(a.unit, a.unit)} against {_UNIT_WORDS.get(b.unit, b.unit)}"
    names = (a.provenance.producer_name, b.provenance.producer_name)
    return d.note if None in names else f"different producers: {names[0]} against {names[1]}"


def _computed(root: str) -> dict[tuple[str, str], Comparison]:
    """Every pair's comparison, from the figures and the curated rows of the ``comparisons`` table."""
    tables = (_loader.rows(t, root) for t in ("figures", "figure_caveats", "caveats", "comparisons"))
    figure_rows, links, caveat_rows, curated = tables
    try:
        rows, deciding = comparison_tables(figure_rows, links, caveat_rows, overrides_from_rows(curated))
    except ValueError as exc:
        raise _loader.inconsistent(root, "comparisons", f"a curated row is not a valid override: {exc}") from None
    carried = {c.id: c for fig in _catalog.all_figures(root).values() for c in fig.caveats}
    pairs: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        pairs.setdefault((row["figure_a"], row["figure_b"]), {})[row["dimension"]] = row
    caveats: dict[tuple[str, str], list[Caveat]] = {pair: [] for pair in pairs}
    for row in sorted(deciding, key=lambda r: r["position"]):
        caveats[row["figure_a"], row["figure_b"]].append(carried[row["caveat_id"]])
    return {
        (a, b): Comparison(
            figure_a=a,
            figure_b=b,
            verdict=by_name["measure"]["verdict"],
            dimensions=tuple(Dimension(name=n, **{k: by_name[n][k] for k in _FIELDS}) for n in DIMENSIONS),
            caveats=tuple(caveats[a, b]),
        )
        for (a, b), by_name in pairs.items()
    }


def _among(ids: set[str]) -> list[Comparison]:
    """The comparisons of the pairs of ``ids`` (each checked to be a figure's), in pair order."""
    for figure_id in sorted(ids):
        _catalog.get_figure(figure_id)  # an unknown id: UnknownFigureError with the closest ids
    computed: dict[tuple[str, str], Comparison] = _loader.cached(_computed, None)
    return [c for pair, c in sorted(computed.items()) if set(pair) <= ids]


def compare(a: str, b: str) -> Comparison:
    """Whether two figures may be set side by side, and why not.

    ``a`` and ``b`` are two different figure ids, in either order (the result is the same).  The
    :class:`Comparison` gives the ``verdict``, the ``differences`` with plain notes and the ``caveats`` that decide
    it.  An unknown id raises :class:`UnknownFigureError` (a :class:`LookupError` naming the closest ids), the same
    id twice :class:`ComparisonError`.

    Examples
    --------
    >>> import iicsa_stats as ist
    >>> c = ist.compare("police-recorded-online-csa-incidents-2016-17", "police-recorded-online-csa-offences-2017-18")
    >>> c.verdict, [d.name for d in c.differences if d.effect != "none"]
    ('not_shown_comparable', ['unit', 'producer', 'population'])
    """
    if a == b:
        _catalog.get_figure(a)
        raise ComparisonError(f"cannot compare figure {a!r} with itself; give two different figure ids")
    (comparison,) = _among({a, b})
    return comparison


def comparable_with(figure_id: str) -> dict[str, list[Comparison]]:
    """Every other figure, grouped by whether it may be set beside ``figure_id``.

    A dict with all four verdicts as keys, in the order of :data:`~iicsa_stats.comparability.VERDICTS`, each list
    sorted by the other figure's id (``c.other(figure_id)``; ``c.reason`` says why in one line).  An unknown
    ``figure_id`` raises :class:`UnknownFigureError`.

    Examples
    --------
    >>> import iicsa_stats as ist
    >>> fid = "police-recorded-online-csa-offences-2017-18"
    >>> beside = ist.comparable_with(fid)
    >>> [len(beside[v]) for v in beside]
    [0, 0, 1, 7]
    >>> beside["not_shown_comparable"][0].reason.split(":")[:2]
    ['not shown to be comparable', ' producer']
    """
    _catalog.get_figure(figure_id)
    grouped: dict[str, list[Comparison]] = {verdict: [] for verdict in VERDICTS}
    found = [c for c in _among(set(_catalog.all_figures())) if figure_id in (c.figure_a, c.figure_b)]
    for c in sorted(found, key=lambda c: c.other(figure_id)):
        grouped[c.verdict].append(c)
    return grouped


def check_frame(frame: Any, *, stacklevel: int = 2) -> list[Comparison]:
    """Warn when a frame of figures mixes figures that may not be added, ranked or plotted on one axis.

    Call it on a DataFrame (or anything whose ``frame["figure_id"]`` gives figure ids, such as
    :func:`iicsa_stats.figures`) before summing, ranking or charting its values together: if any two of its
    figures are not comparable, or not shown to be, it issues one :class:`ComparabilityWarning` (at
    ``stacklevel``, by default the caller's line) naming the dimensions and a pair, and returns those pairs.  A
    frame without a ``figure_id`` column raises :class:`ComparisonError`, an unknown id :class:`UnknownFigureError`.

    Examples
    --------
    >>> import warnings
    >>> import iicsa_stats as ist
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     pairs = ist.check_frame(ist.figures(unit=["incidents", "offences"]))
    >>> len(pairs), caught[0].category.__name__
    (1, 'ComparabilityWarning')
    """
    import warnings

    try:
        column = frame["figure_id"]
    except (KeyError, TypeError, IndexError):
        raise ComparisonError(
            f"check_frame needs a table with a figure_id column (such as ist.figures()), got {type(frame).__name__}"
        ) from None
    found = _among({str(value) for value in column})
    bad = [c for c in found if c.verdict in ("not_comparable", "not_shown_comparable")]
    if bad:
        limiting = {d.name for c in bad for d in c.dimensions if d.effect in ("not_comparable", "not_shown")}
        warnings.warn(
            f"the frame mixes figures that may not be added, ranked or plotted on one axis: {len(bad)} of "
            f"{len(found)} pairs are not (or not shown to be) comparable, differing in "
            f"{', '.join(n for n in DIMENSIONS if n in limiting)}; for example {bad[0].figure_a} and "
            f"{bad[0].figure_b} ({bad[0].reason}). ist.compare(a, b) says why for each pair.",
            ComparabilityWarning,
            stacklevel=stacklevel,
        )
    return bad
