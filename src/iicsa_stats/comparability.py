"""Comparability as data: whether two figures may be set side by side, computed from their own fields.

Standard library only: the build writes the ``comparisons`` and
``comparison_caveats`` tables with :func:`comparison_tables`, and validation
recomputes them with the same function from the published tables.

For every unordered pair of figures (``figure_a < figure_b``, so each pair has
one canonical order) and every dimension in :data:`DIMENSIONS`, a row says
whether the two figures are the same in that dimension (``same``), in plain
words what the values are (``note``), and what a difference there does to the
comparison (``effect``):

* ``not_comparable``: a different measure, way of measuring scale, unit or
  frequency; the two count different things and may not be added, ranked or
  plotted on one axis;
* ``caveats``: a different or unknown producer, geography, kind of period,
  population or qualifier; they may be set side by side only with the caveats;
* ``not_shown``: only from a curated override: the two are not shown to be
  alike in this dimension (for instance a producer that was not identified),
  so a comparison of them is not shown to be valid;
* ``none``: a different period, which is what a series is made of.

A dimension that is not stated for a figure (no producer, geography
``not_stated``, period ``not_stated``) is never counted as the same.  The
pair's ``verdict`` is the strongest effect among its rows; a pair whose rows
all agree is still ``comparable_with_caveats`` when both figures carry the
same caveat of kind ``comparability``.  The deciding caveats of a pair that is
not ``comparable`` are the bases of its curated overrides, then the
``comparability`` caveats that both figures carry (a pair of unrelated figures
that differ in their fields may have none: the fields decide).

A curated override (``data/curation/comparisons.toml``) says that two figures
differ in a dimension where their fields agree, for instance two counts with
the same producer code whose producers are not shown to be the same; or, with
an explicit ``effect``, re-grades a difference the fields show, for instance a
unit the source words differently from what its own producer counted.  Its
basis is a caveat that both figures carry, so it rests on a quote verified in
the raw text or on a curator's note with public references, like every caveat.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

__all__ = [
    "DIMENSIONS",
    "EFFECTS",
    "VERDICTS",
    "Override",
    "comparison_tables",
    "load_overrides",
    "overrides_from_rows",
]

#: The dimensions in which two figures are compared, in the order of the table.
DIMENSIONS: tuple[str, ...] = (
    "measure",
    "scale_measure",
    "unit",
    "frequency",
    "producer",
    "geography",
    "period_type",
    "population",
    "qualifier",
    "period",
)
#: What a difference in a dimension does to a comparison, weakest first.
EFFECTS: tuple[str, ...] = ("none", "caveats", "not_shown", "not_comparable")
#: The verdicts on a pair, from the effects of its rows.
VERDICTS: tuple[str, ...] = ("comparable", "comparable_with_caveats", "not_shown_comparable", "not_comparable")
#: The effect of a difference in each dimension.
EFFECT_OF: dict[str, str] = {
    "measure": "not_comparable",
    "scale_measure": "not_comparable",
    "unit": "not_comparable",
    "frequency": "not_comparable",
    "producer": "caveats",
    "geography": "caveats",
    "period_type": "caveats",
    "population": "caveats",
    "qualifier": "caveats",
    "period": "none",
}
_VERDICT_OF = dict(zip(EFFECTS, VERDICTS, strict=True))
#: The caveat kind that makes an otherwise agreeing pair comparable only with caveats.
COMPARABILITY_KIND = "comparability"

Row = dict[str, "Any"]


@dataclass(frozen=True, kw_only=True, slots=True)
class Override:
    """A curated difference between two figures where their fields agree.

    Attributes
    ----------
    figure_a, figure_b : str
        The two figures, in canonical order (``figure_a < figure_b``).
    dimension : str
        The dimension in which they differ (one of :data:`DIMENSIONS`).
    note : str
        In plain words, what differs.
    caveat_id : str
        The caveat the override rests on; both figures must carry it.
    effect : str or None
        What the difference does to the comparison (one of :data:`EFFECTS` but
        ``none``); None for the dimension's usual effect.  Required to re-grade
        a difference that the fields already show.
    """

    figure_a: str
    figure_b: str
    dimension: str
    note: str
    caveat_id: str
    effect: str | None = None

    def __post_init__(self) -> None:
        if self.dimension not in DIMENSIONS:
            raise ValueError(f"unknown dimension {self.dimension!r}; expected one of {DIMENSIONS}")
        if self.figure_a == self.figure_b:
            raise ValueError(f"an override compares two figures, got {self.figure_a!r} twice")
        if self.figure_a > self.figure_b:
            raise ValueError(
                f"figure_a {self.figure_a!r} must sort before figure_b {self.figure_b!r} (the canonical order)"
            )
        if not self.note.strip():
            raise ValueError("an override needs a note saying what differs")
        if self.effect is not None and self.effect not in EFFECTS[1:]:
            raise ValueError(f"unknown effect {self.effect!r}; expected one of {EFFECTS[1:]}")


def _words(code: str | None) -> str:
    return "none" if code is None else str(code).replace("_", " ")


def _not_stated(what: str, *figures: tuple[str, bool]) -> tuple[bool, str]:
    """The note for a dimension not stated for some of the figures (``(figure id, not stated)`` pairs)."""
    missing = [fid for fid, unstated in figures if unstated]
    return False, f"the {what} is not stated for {' and '.join(missing)}"


def _dimension(name: str, a: Mapping[str, Any], b: Mapping[str, Any]) -> tuple[bool, str]:
    """Whether two figure rows agree in one dimension, and a plain note of their values."""
    ida, idb = a["figure_id"], b["figure_id"]
    if name == "measure":
        same = a["measure_code"] == b["measure_code"]
        if same:
            return True, f"the same measure ({a['measure_code']})"
        return False, f"different measures: {a['measure_code']} against {b['measure_code']}"
    if name == "scale_measure":
        x, y = a["scale_measure"], b["scale_measure"]
        if x == y:
            if x is None:
                return True, "neither is one of the four ways of measuring scale"
            return True, f"both measure scale by {_words(x)}"
        if x is None or y is None:
            which, other = (ida, y) if x is None else (idb, x)
            return False, f"one measures scale by {_words(other)}; {which} is not one of the four ways"
        return False, f"different ways of measuring scale: {_words(x)} against {_words(y)}"
    if name == "unit":
        if a["unit"] == b["unit"]:
            return True, f"both counted in {a['unit']}"
        return False, f"different units: {a['unit']} against {b['unit']}"
    if name == "frequency":
        x, y = a["frequency"], b["frequency"]
        if x == y:
            return True, "neither is a rate" if x is None else f"both are rates {_words(x)}"
        if x is None or y is None:
            rate, which = (idb, y) if x is None else (ida, x)
            return False, f"a rate against a count: {rate} is counted {_words(which)}"
        return False, f"different rates: {_words(x)} against {_words(y)}"
    if name == "producer":
        x, y = a["producer_id"], b["producer_id"]
        if x is None or y is None:
            return _not_stated("producer", (ida, x is None), (idb, y is None))
        if x == y:
            return True, f"the same producer ({x})"
        return False, f"different producers: {x} against {y}"
    if name == "geography":
        x, y = a["geography"], b["geography"]
        if "not_stated" in (x, y):
            return _not_stated("geography", (ida, x == "not_stated"), (idb, y == "not_stated"))
        if x == y:
            return True, f"both cover {x}"
        return False, f"different areas: {x} against {y}"
    if name == "period_type":
        x, y = a["period_type"], b["period_type"]
        if "not_stated" in (x, y):
            return _not_stated("period", (ida, x == "not_stated"), (idb, y == "not_stated"))
        if x == y:
            return True, f"both periods are of the kind {_words(x)}"
        return False, f"different kinds of period: {_words(x)} against {_words(y)}"
    if name == "period":
        x, y = a["period_type"], b["period_type"]
        if "not_stated" in (x, y):
            return _not_stated("period", (ida, x == "not_stated"), (idb, y == "not_stated"))
        keys = ("period_type", "period_start", "period_end")
        if all(a[k] == b[k] for k in keys):
            return True, f"the same period ({a['period_label']})"
        return False, f"different periods: {a['period_label']} against {b['period_label']}"
    if name == "population":
        if a["population"] == b["population"]:
            return True, f"the same population ({a['population']})"
        return False, f"different populations: {a['population']} against {b['population']}"
    if name == "qualifier":
        if a["qualifier"] == b["qualifier"]:
            return True, f"both {_words(a['qualifier'])}"
        return False, f"different qualifiers: {_words(a['qualifier'])} against {_words(b['qualifier'])}"
    raise ValueError(f"unknown dimension {name!r}; expected one of {DIMENSIONS}")


def comparison_tables(
    figures: Iterable[Mapping[str, Any]],
    figure_caveats: Iterable[Mapping[str, Any]],
    caveats: Iterable[Mapping[str, Any]],
    overrides: Sequence[Override] = (),
) -> tuple[list[Row], list[Row]]:
    """The rows of the ``comparisons`` and ``comparison_caveats`` tables, sorted by primary key.

    Parameters
    ----------
    figures, figure_caveats, caveats : iterable of mapping
        Rows of the tables of the same names (as the build or the CSV reader
        gives them).
    overrides : sequence of Override
        Curated differences where the fields agree.

    Returns
    -------
    tuple of two lists of dict
        The ``comparisons`` rows (one per pair and dimension) and the
        ``comparison_caveats`` rows (the deciding caveats of each pair, in order).

    Raises
    ------
    ValueError
        If an override names an unknown figure or dimension, rests on a caveat
        that either figure does not carry, repeats another, or is not needed
        because the fields already differ.

    Examples
    --------
    >>> fig = {"figure_id": "a", "measure_code": "m", "scale_measure": None, "unit": "people",
    ...        "frequency": None, "producer_id": "p", "geography": "UK", "period_type": "financial_year",
    ...        "period_start": 1, "period_end": 2, "period_label": "2016/17", "population": "x",
    ...        "qualifier": "exact"}
    >>> rows, deciding = comparison_tables([fig, {**fig, "figure_id": "b", "period_label": "2017/18",
    ...                                           "period_start": 3, "period_end": 4}], [], [])
    >>> {r["dimension"]: r["same"] for r in rows if not r["same"]}, rows[0]["verdict"], deciding
    ({'period': False}, 'comparable', [])
    """
    by_id = {row["figure_id"]: row for row in figures}
    kinds = {row["caveat_id"]: row["kind"] for row in caveats}
    carried: dict[str, list[tuple[int, str]]] = {}
    for link in figure_caveats:
        carried.setdefault(link["figure_id"], []).append((link["position"], link["caveat_id"]))
    links = {fid: [c for _, c in sorted(pairs)] for fid, pairs in carried.items()}

    curated: dict[tuple[str, str, str], Override] = {}
    for override in overrides:
        where = f"override of {override.dimension!r} for {override.figure_a!r} and {override.figure_b!r}"
        for fid in (override.figure_a, override.figure_b):
            if fid not in by_id:
                raise ValueError(f"{where}: no figure {fid!r}")
        key = (override.figure_a, override.figure_b, override.dimension)
        if key in curated:
            raise ValueError(f"{where}: given twice")
        if override.caveat_id not in kinds:
            raise ValueError(f"{where}: no caveat {override.caveat_id!r}")
        lacking = [fid for fid in key[:2] if override.caveat_id not in links.get(fid, [])]
        if lacking:
            raise ValueError(
                f"{where}: its basis, caveat {override.caveat_id!r}, is not among the caveats of "
                f"{' and '.join(lacking)}; an override rests on a caveat both figures carry"
            )
        same, _ = _dimension(override.dimension, by_id[override.figure_a], by_id[override.figure_b])
        if not same and override.effect in (None, EFFECT_OF[override.dimension]):
            raise ValueError(
                f"{where}: not needed, the figures' fields already differ in {override.dimension}; "
                "give an effect to re-grade the difference"
            )
        curated[key] = override

    rows: list[Row] = []
    deciding: list[Row] = []
    for ida, idb in itertools.combinations(sorted(by_id), 2):
        a, b = by_id[ida], by_id[idb]
        pair: list[Row] = []
        for name in DIMENSIONS:
            chosen = curated.get((ida, idb, name))
            if chosen is not None:
                same, note, basis, caveat_id = False, chosen.note, "curated", chosen.caveat_id
                effect = chosen.effect or EFFECT_OF[name]
            else:
                (same, note), basis, caveat_id = _dimension(name, a, b), "fields", None
                effect = "none" if same else EFFECT_OF[name]
            pair.append(
                {
                    "figure_a": ida,
                    "figure_b": idb,
                    "dimension": name,
                    "same": same,
                    "effect": effect,
                    "note": note,
                    "basis": basis,
                    "caveat_id": caveat_id,
                }
            )
        strongest = max((row["effect"] for row in pair), key=EFFECTS.index)
        verdict = _VERDICT_OF[strongest]
        shared = set(links.get(idb, []))
        comparability = [c for c in links.get(ida, []) if c in shared and kinds.get(c) == COMPARABILITY_KIND]
        if verdict == "comparable" and comparability:
            verdict = "comparable_with_caveats"
        if verdict != "comparable":
            ids = [row["caveat_id"] for row in pair if row["caveat_id"] is not None] + comparability
            for position, caveat_id in enumerate(dict.fromkeys(ids), start=1):
                deciding.append({"figure_a": ida, "figure_b": idb, "caveat_id": caveat_id, "position": position})
        for row in pair:
            row["verdict"] = verdict
        rows += pair
    rows.sort(key=lambda r: (r["figure_a"], r["figure_b"], r["dimension"]))
    deciding.sort(key=lambda r: (r["figure_a"], r["figure_b"], r["caveat_id"]))
    return rows, deciding


_OVERRIDE_KEYS = ("figure_a", "figure_b", "dimension", "note", "caveat")
_OVERRIDE_OPTIONAL = ("effect",)


def load_overrides(root: Path) -> list[Override]:
    """Read the curated overrides in ``data/curation/comparisons.toml`` below a source checkout.

    A missing file means no overrides.  Each ``[[overrides]]`` entry has
    ``figure_a`` and ``figure_b`` (in either order: they are put in canonical
    order), ``dimension``, ``note`` and ``caveat`` (the id of a caveat both
    figures carry, its basis), and optionally ``effect``.

    Raises
    ------
    CurationError
        If the file is not valid TOML or an entry is malformed, naming the entry.
    """
    import tomllib

    from .errors import CurationError

    path = root / "data" / "curation" / "comparisons.toml"
    if not path.exists():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CurationError(str(path), f"not valid UTF-8 TOML: {exc}") from None
    unknown = set(data) - {"overrides"}
    if unknown:
        raise CurationError(str(path), f"unknown top-level keys {sorted(unknown)}; only [[overrides]] entries")
    overrides = []
    for number, item in enumerate(data.get("overrides", []), start=1):
        label = f"override #{number}"
        if not isinstance(item, dict):
            raise CurationError(str(path), "each [[overrides]] entry must be a table", label)
        keys = set(item) - set(_OVERRIDE_OPTIONAL)
        if keys != set(_OVERRIDE_KEYS):
            extra, missing = sorted(keys - set(_OVERRIDE_KEYS)), sorted(set(_OVERRIDE_KEYS) - keys)
            raise CurationError(
                str(path), f"expected the keys {list(_OVERRIDE_KEYS)} (unknown: {extra}, missing: {missing})", label
            )
        bad = [
            k
            for k in (*_OVERRIDE_KEYS, *_OVERRIDE_OPTIONAL)
            if k in item and not (isinstance(item[k], str) and item[k].strip())
        ]
        if bad:
            raise CurationError(str(path), f"{bad} must be non-empty strings", label)
        first, second = sorted((item["figure_a"], item["figure_b"]))
        try:
            overrides.append(
                Override(
                    figure_a=first,
                    figure_b=second,
                    dimension=item["dimension"],
                    note=" ".join(item["note"].split()),
                    caveat_id=item["caveat"],
                    effect=item.get("effect"),
                )
            )
        except ValueError as exc:
            raise CurationError(str(path), str(exc), label) from None
    return overrides


def overrides_from_rows(rows: Iterable[Mapping[str, Any]]) -> list[Override]:
    """The curated overrides recorded in a ``comparisons`` table (its rows with basis ``curated``).

    Validation recomputes the table from the figures and these overrides; a row
    that is not a valid override raises :class:`ValueError`.
    """
    return [
        Override(
            figure_a=row["figure_a"],
            figure_b=row["figure_b"],
            dimension=row["dimension"],
            note=row["note"] or "",
            caveat_id=row["caveat_id"] or "",
            effect=None if row.get("effect") == EFFECT_OF.get(row["dimension"]) else row.get("effect"),
        )
        for row in rows
        if row.get("basis") == "curated"
    ]
