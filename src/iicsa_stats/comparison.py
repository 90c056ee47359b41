"""The :class:`Comparison` of two figures: may they be set side by side, and if not, why not.

:func:`compare`, :func:`comparable_with` and :func:`check_frame` read the
shipped ``comparisons`` and ``comparison_caveats`` tables with the standard
library (like every lookup, never importing pandas), checked against their pins.
The tables are computed by the build (:mod:`iicsa_stats.comparability`).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import _catalog, _loader
from ._figure import Caveat
from ._paths import data_dir
from .comparability import DIMENSIONS, EFFECTS, VERDICTS
from .errors import ComparabilityWarning, ComparisonError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["Comparison", "Dimension", "check_frame", "comparable_with", "compare"]

_EFFECT_WORDS = {
    "none": "does not limit the comparison",
    "caveats": "allows it only with caveats",
    "not_shown": "leaves it not shown to be valid",
    "not_comparable": "rules it out",
}


@dataclass(frozen=True, kw_only=True, slots=True)
class Dimension:
    """How two figures compare in one dimension (one row of the ``comparisons`` table).

    Attributes
    ----------
    name : str
        The dimension, one of ``measure``, ``scale_measure``, ``unit``,
        ``frequency``, ``producer``, ``geography``, ``period_type``,
        ``population``, ``qualifier``, ``period``.
    same : bool
        Whether the two figures are the same in it.
    effect : str
        What it does to the comparison: ``none``, ``caveats`` or ``not_comparable``.
    note : str
        In plain words, the two values or what differs.
    basis : str
        ``fields`` (computed from the figures) or ``curated`` (an override).
    caveat_id : str or None
        For a curated row, the caveat it rests on.
    """

    name: str
    same: bool
    effect: str
    note: str
    basis: str
    caveat_id: str | None = None

    def __post_init__(self) -> None:
        if self.name not in DIMENSIONS:
            raise ValueError(f"unknown dimension {self.name!r}; expected one of {DIMENSIONS}")
        if self.effect not in EFFECTS:
            raise ValueError(f"dimension {self.name!r}: unknown effect {self.effect!r}")
        if self.same and self.effect != "none":
            raise ValueError(f"dimension {self.name!r}: the same in both figures, yet effect {self.effect!r}")
        if (self.basis == "curated") != (self.caveat_id is not None):
            raise ValueError(f"dimension {self.name!r}: a curated row, and only one, rests on a caveat")

    def __str__(self) -> str:
        basis = f"; curated, based on caveat {self.caveat_id}" if self.caveat_id else ""
        return f"{self.name} ({_EFFECT_WORDS[self.effect]}{basis}): {self.note}"


@dataclass(frozen=True, kw_only=True, slots=True, repr=False)
class Comparison:
    """Whether two figures may be set side by side, and why not.

    The pair is in canonical order (``figure_a < figure_b``), so
    ``compare(a, b) == compare(b, a)``.

    Attributes
    ----------
    figure_a, figure_b : str
        The two figure ids, in canonical order.
    verdict : str
        ``comparable``, ``comparable_with_caveats`` or ``not_comparable``.
    dimensions : tuple of Dimension
        Every dimension compared, in the order of
        :data:`iicsa_stats.comparability.DIMENSIONS`.
    caveats : tuple of Caveat
        The caveats that decide the verdict, in order (none for a
        ``comparable`` pair).
    """

    figure_a: str
    figure_b: str
    verdict: str
    dimensions: tuple[Dimension, ...]
    caveats: tuple[Caveat, ...] = ()

    def __post_init__(self) -> None:
        if self.figure_a >= self.figure_b:
            raise ValueError(f"figure_a {self.figure_a!r} must sort before figure_b {self.figure_b!r}")
        if self.verdict not in VERDICTS:
            raise ValueError(f"unknown verdict {self.verdict!r}; expected one of {VERDICTS}")
        if tuple(d.name for d in self.dimensions) != DIMENSIONS:
            raise ValueError(f"a comparison has one row for each of {DIMENSIONS}, in that order")
        strongest = max((d.effect for d in self.dimensions), key=EFFECTS.index)
        if VERDICTS.index(self.verdict) < EFFECTS.index(strongest):
            raise ValueError(f"verdict {self.verdict!r} is weaker than a dimension's effect {strongest!r}")

    @property
    def verdict_text(self) -> str:
        """The verdict in words, e.g. ``not shown to be comparable``."""
        return (
            "not shown to be comparable" if self.verdict == "not_shown_comparable" else self.verdict.replace("_", " ")
        )

    @property
    def comparable(self) -> bool:
        """True only for the verdict ``comparable`` (no caveats needed)."""
        return self.verdict == "comparable"

    @property
    def differences(self) -> tuple[Dimension, ...]:
        """The dimensions in which the two figures differ (or are not known to be the same)."""
        return tuple(d for d in self.dimensions if not d.same)

    @property
    def reason(self) -> str:
        """The verdict and the differences that limit it, in one line."""
        limiting = sorted((d for d in self.differences if d.effect != "none"), key=lambda d: -EFFECTS.index(d.effect))
        if not limiting:
            return self.verdict_text
        return f"{self.verdict_text}: " + "; ".join(f"{d.name}: {d.note}" for d in limiting)

    def other(self, figure_id: str) -> str:
        """The figure of the pair that is not ``figure_id``.

        Examples
        --------
        >>> import iicsa_stats as ist
        >>> offences = "police-recorded-online-csa-offences-2017-18"
        >>> ist.compare(offences, "police-recorded-online-csa-incidents-2016-17").other(offences)
        'police-recorded-online-csa-incidents-2016-17'
        """
        if figure_id == self.figure_a:
            return self.figure_b
        if figure_id == self.figure_b:
            return self.figure_a
        raise ValueError(f"{figure_id!r} is not one of the pair {self.figure_a!r} and {self.figure_b!r}")

    def __repr__(self) -> str:
        names = ", ".join(d.name for d in self.differences if d.effect != "none") or "none"
        return f"<Comparison {self.figure_a} / {self.figure_b}: {self.verdict}; limited by {names}>"

    def __str__(self) -> str:
        lines = [f"{self.figure_a} and {self.figure_b}: {self.verdict_text}"]
        differences = sorted(self.differences, key=lambda d: -EFFECTS.index(d.effect))
        if differences:
            lines.append("Differences:")
            lines += [f"  - {d}" for d in differences]
        if self.caveats:
            lines.append("Deciding caveats:")
            lines += [f"  - {c.id}: {c}" for c in self.caveats]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        e = html.escape
        rows = "".join(
            f"<tr><td>{e(d.name)}</td><td>{'same' if d.same else 'differs'}</td>"
            f"<td>{e(d.effect.replace('_', ' '))}</td><td>{e(d.note)}</td></tr>"
            for d in self.dimensions
        )
        items = "".join(f"<li><b>{e(c.id)}</b>: {e(c.text)}</li>" for c in self.caveats)
        caveats = f"<p>Deciding caveats:</p><ul>{items}</ul>" if items else ""
        return (
            f'<div class="iicsa-comparison"><p><b>{e(self.figure_a)}</b> and <b>{e(self.figure_b)}</b>: '
            f"<b>{e(self.verdict_text)}</b></p>"
            "<table><thead><tr><th>dimension</th><th></th><th>effect</th><th>note</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>{caveats}</div>"
        )

    def to_dict(self) -> dict[str, Any]:
        """The comparison as plain data, e.g. for JSON.

        Examples
        --------
        >>> import iicsa_stats as ist
        >>> c = ist.compare("police-recorded-online-csa-offences-2017-18", "people-arrested-online-csa-per-month")
        >>> c.to_dict()["verdict"], [x["dimension"] for x in c.to_dict()["differences"]]  # doctest: +ELLIPSIS
        ('not_comparable', ['measure', 'scale_measure', 'unit', 'frequency', 'producer', ...])
        """
        return {
            "figure_a": self.figure_a,
            "figure_b": self.figure_b,
            "verdict": self.verdict,
            "differences": [
                {"dimension": d.name, "effect": d.effect, "note": d.note, "basis": d.basis, "caveat_id": d.caveat_id}
                for d in self.differences
            ],
            "dimensions": [
                {
                    "dimension": d.name,
                    "same": d.same,
                    "effect": d.effect,
                    "note": d.note,
                    "basis": d.basis,
                    "caveat_id": d.caveat_id,
                }
                for d in self.dimensions
            ],
            "caveats": [{"caveat_id": c.id, "kind": c.kind, "text": c.text} for c in self.caveats],
        }


def _pairs() -> dict[tuple[str, str], tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    """The rows of both comparison tables, by pair."""
    pairs: dict[tuple[str, str], tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {}
    for row in _loader.rows("comparisons"):
        pairs.setdefault((row["figure_a"], row["figure_b"]), ([], []))[0].append(row)
    for row in _loader.rows("comparison_caveats"):
        pairs.setdefault((row["figure_a"], row["figure_b"]), ([], []))[1].append(row)
    return pairs


def _comparison(pair: tuple[str, str], rows: list[dict[str, Any]], deciding: list[dict[str, Any]]) -> Comparison:
    figures = _catalog.all_figures()
    carried = {c.id: c for fid in pair if fid in figures for c in figures[fid].caveats}
    by_name = {row["dimension"]: row for row in rows}
    verdicts = {row["verdict"] for row in rows}
    where = f"the pair {pair[0]!r} and {pair[1]!r}"
    if set(by_name) != set(DIMENSIONS) or len(rows) != len(DIMENSIONS) or len(verdicts) != 1:
        raise _loader.inconsistent(
            data_dir(), "comparisons", f"{where} does not have one row per dimension and one verdict"
        )
    unknown = [r["caveat_id"] for r in deciding if r["caveat_id"] not in carried]
    if unknown:
        raise _loader.inconsistent(
            data_dir(), "comparison_caveats", f"{where}: deciding caveats {unknown} are not caveats of either figure"
        )
    try:
        return Comparison(
            figure_a=pair[0],
            figure_b=pair[1],
            verdict=verdicts.pop(),
            dimensions=tuple(
                Dimension(
                    name=name,
                    same=by_name[name]["same"],
                    effect=by_name[name]["effect"],
                    note=by_name[name]["note"],
                    basis=by_name[name]["basis"],
                    caveat_id=by_name[name]["caveat_id"],
                )
                for name in DIMENSIONS
            ),
            caveats=tuple(carried[r["caveat_id"]] for r in sorted(deciding, key=lambda r: r["position"])),
        )
    except ValueError as exc:
        raise _loader.inconsistent(data_dir(), "comparisons", f"{where}: {exc}") from None


def _pair(a: str, b: str) -> tuple[str, str]:
    for figure_id in (a, b):
        _catalog.get_figure(figure_id)  # an unknown id: UnknownFigureError with the closest ids
    if a == b:
        raise ComparisonError(f"cannot compare figure {a!r} with itself; give two different figure ids")
    first, second = sorted((a, b))
    return first, second


def compare(a: str, b: str) -> Comparison:
    """Whether two figures may be set side by side, and why not.

    Parameters
    ----------
    a, b : str
        Two different figure ids (see :func:`iicsa_stats.list_figures`), in
        either order: the result is the same.

    Returns
    -------
    Comparison
        Its ``verdict`` (``comparable``, ``comparable_with_caveats`` or
        ``not_comparable``), its ``differences`` with plain notes, and the
        ``caveats`` that decide it.

    Raises
    ------
    UnknownFigureError
        If an id is not a figure's (a :class:`LookupError` with the closest ids).
    ComparisonError
        If both ids are the same.

    Examples
    --------
    >>> import iicsa_stats as ist
    >>> c = ist.compare("police-recorded-online-csa-incidents-2016-17", "police-recorded-online-csa-offences-2017-18")
    >>> c.verdict, [d.name for d in c.differences if d.effect != "none"]
    ('not_shown_comparable', ['unit', 'producer', 'population'])
    """
    pair = _pair(a, b)
    rows, deciding = _pairs().get(pair, ([], []))
    return _comparison(pair, rows, deciding)


def comparable_with(figure_id: str) -> dict[str, list[Comparison]]:
    """Every other figure, grouped by whether it may be set beside ``figure_id``.

    Parameters
    ----------
    figure_id : str
        A figure id.

    Returns
    -------
    dict of str to list of Comparison
        The keys are the three verdicts, always all present, in the order
        ``comparable``, ``comparable_with_caveats``, ``not_comparable``; each
        list is sorted by the other figure's id.  For each comparison,
        ``c.other(figure_id)`` is the other figure and ``c.reason`` says why in
        one line.

    Raises
    ------
    UnknownFigureError
        If no figure has this id.

    Examples
    --------
    >>> import iicsa_stats as ist
    >>> fid = "police-recorded-online-csa-offences-2017-18"
    >>> beside = ist.comparable_with(fid)
    >>> [len(beside[v]) for v in beside]
    [0, 0, 1, 7]
    >>> [c.other(fid) for c in beside["not_comparable"]][:2]
    ['home-office-centre-of-expertise-funding', 'nca-police-joint-operation-arrests-2018']
    >>> c = beside["not_shown_comparable"][0]
    >>> c.reason.split(":")[:2]
    ['not shown to be comparable', ' producer']

    """
    _catalog.get_figure(figure_id)
    grouped: dict[str, list[Comparison]] = {verdict: [] for verdict in VERDICTS}
    for pair, (rows, deciding) in sorted(_pairs().items()):
        if figure_id in pair:
            comparison = _comparison(pair, rows, deciding)
            grouped[comparison.verdict].append(comparison)
    for comparisons in grouped.values():
        comparisons.sort(key=lambda c: c.other(figure_id))
    return grouped


def check_frame(frame: Any, *, stacklevel: int = 2) -> list[Comparison]:
    """Warn when a frame of figures mixes figures that may not be added, ranked or plotted on one axis.

    Call it on a DataFrame (or any table with a ``figure_id`` column) before
    summing, ranking or charting its values together: if any two of its
    figures are ``not_comparable`` (a different measure, unit, frequency or
    way of measuring scale), it issues one :class:`ComparabilityWarning`
    naming the dimensions and a pair.  It does not import pandas.

    Parameters
    ----------
    frame : pandas.DataFrame or mapping
        Anything whose ``frame["figure_id"]`` gives figure ids, such as
        :func:`iicsa_stats.figures`.
    stacklevel : int, default 2
        Passed to :func:`warnings.warn` (2: the caller's line).

    Returns
    -------
    list of Comparison
        The pairs in the frame that are ``not_comparable`` (empty when none).

    Raises
    ------
    ComparisonError
        If the frame has no ``figure_id`` column.
    UnknownFigureError
        If it holds an id that is not a figure's.

    Warns
    -----
    ComparabilityWarning
        When the frame holds a pair of figures that are not comparable, or not shown to be.

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
    ids = sorted({str(value) for value in column})
    for figure_id in ids:
        _catalog.get_figure(figure_id)
    pairs = _pairs()
    wanted = set(ids)
    found = [
        _comparison(pair, rows, deciding)
        for pair, (rows, deciding) in sorted(pairs.items())
        if pair[0] in wanted and pair[1] in wanted
    ]
    bad = [c for c in found if c.verdict in ("not_comparable", "not_shown_comparable")]
    if bad:
        names = [
            n
            for n in DIMENSIONS
            if any(d.name == n and d.effect in ("not_comparable", "not_shown") for c in bad for d in c.dimensions)
        ]
        first = bad[0]
        warnings.warn(
            f"the frame mixes figures that may not be added, ranked or plotted on one axis: {len(bad)} of "
            f"{len(found)} pairs are not (or not shown to be) comparable, differing in {', '.join(names)}; for example "
            f"{first.figure_a} and {first.figure_b} ({first.reason}). ist.compare(a, b) says why for each pair.",
            ComparabilityWarning,
            stacklevel=stacklevel,
        )
    return bad
