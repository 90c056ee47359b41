"""Comparability as data: whether two figures may be set side by side, computed from their own fields."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any


#: Per dimension, in the order of the table: what a difference there does to a comparison, the column compared,
#: what differs in words (plural), and the note when the two are the same.
_DIMENSIONS = {
    "measure": ("not_comparable", "measure_code", "measures", "the same measure ({})"),
    "scale_measure": ("not_comparable", "scale_measure", "ways of measuring scale", "both measure scale by {}"),
    "unit": ("not_comparable", "unit", "units", "both counted in {}"),
    "frequency": ("not_comparable", "frequency", "rates", "both are rates {}"),
    "producer": ("caveats", "producer_id", "producers", "the same producer ({})"),
    "geography": ("caveats", "geography", "areas", "both cover {}"),
    "period_type": ("caveats", "period_type", "kinds of period", "both periods are of the kind {}"),
    "population": ("caveats", "population", "populations", "the same population ({})"),
    "qualifier": ("caveats", "qualifier", "qualifiers", "both {}"),
    "period": ("none", "period_label", "periods", "the same period ({})"),
}
DIMENSIONS: tuple[str, ...] = tuple(_DIMENSIONS)
EFFECT_OF = {name: effect for name, (effect, *_) in _DIMENSIONS.items()}
#: What a difference in a dimension does to a comparison, weakest first, and the verdict each gives a pair.
EFFECTS: tuple[str, ...] = ("none", "caveats", "not_shown", "not_comparable")
VERDICTS: tuple[str, ...] = ("comparable", "comparable_with_caveats", "not_shown_comparable", "not_comparable")
#: Dimensions whose codes are written as words in the notes ("per_month" as "per month").
_IN_WORDS = frozenset({"scale_measure", "frequency", "period_type", "qualifier"})
#: Dimensions that may be not stated, the column that says so, and the word for it.
_STATED_BY = {"producer": ("producer_id", "producer"), "geography": ("geography", "geography")}
_STATED_BY |= dict.fromkeys(("period_type", "period"), ("period_type", "period"))
#: Dimensions that may be none for both figures, and the note then.
_NEITHER = {"scale_measure": "neither is one of the four ways of measuring scale", "frequency": "neither is a rate"}


@dataclass(frozen=True, kw_only=True, slots=True)
class Override:
    """A curated difference of two figures in a dimension, resting on a caveat both carry; ``effect`` re-grades it."""

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
            raise ValueError(f"figure_a {self.figure_a!r} must sort before figure_b {self.figure_b!r}")
        if not self.note.strip():
            raise ValueError("an override needs a note saying what differs")
        if self.effect is not None and self.effect not in EFFECTS[1:]:
            raise ValueError(f"unknown effect {self.effect!r}; expected one of {EFFECTS[1:]}")


def _words(code: Any) -> str:
    return str(code).replace("_", " ")


def _dimension(name: str, a: Mapping[str, Any], b: Mapping[str, Any]) -> tuple[bool, str]:
    """Whether two figure rows agree in one dimension, and a plain note of their values."""
    _, column, plural, same_note = _DIMENSIONS[name]
    if name in _STATED_BY:
        stated_by, what = _STATED_BY[name]
        missing = [f["figure_id"] for f in (a, b) if f[stated_by] in (None, "not_stated")]
        if missing:
            return False, f"the {what} is not stated for {' and '.join(missing)}"
    show = _words if name in _IN_WORDS else str
    x, y = a[column], b[column]
    keys = ("period_type", "period_start", "period_end") if name == "period" else (column,)
    if all(a[k] == b[k] for k in keys):
        return True, _NEITHER[name] if x is None and name in _NEITHER else same_note.format(show(x))
    if name in _NEITHER and (x is None or y is None):  # a way of measuring scale, or a rate, against none
        (given, named), other = ((y, b), a) if x is None else ((x, a), b)
        if name == "frequency":
            return False, f"a rate against a count: {named['figure_id']} is counted {_words(given)}"
        return False, f"one measures scale by {_words(given)}; {other['figure_id']} is not one of the four ways"
    return False, f"different {plural}: {show(x)} against {show(y)}"


def comparison_tables(
    figures: Iterable[Mapping[str, Any]],
    figure_caveats: Iterable[Mapping[str, Any]],
    caveats: Iterable[Mapping[str, Any]],
    overrides: Sequence[Override] = (),
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows of ``comparisons`` and ``comparison_caveats``; ValueError for an override that does not fit."""
    by_id = {row["figure_id"]: row for row in figures}
    kinds = {row["caveat_id"]: row["kind"] for row in caveats}
    links: dict[str, list[str]] = {}
    for link in sorted(figure_caveats, key=lambda link: (link["position"], link["caveat_id"])):
        links.setdefault(link["figure_id"], []).append(link["caveat_id"])

    curated: dict[tuple[str, str, str], Override] = {}
    for override in overrides:
        key = (override.figure_a, override.figure_b, override.dimension)
        where = f"override of {override.dimension!r} for {override.figure_a!r} and {override.figure_b!r}"
        if unknown := [fid for fid in key[:2] if fid not in by_id]:
            raise ValueError(f"{where}: no figure {unknown[0]!r}")
        if key in curated:
            raise ValueError(f"{where}: given twice")
        if override.caveat_id not in kinds:
            raise ValueError(f"{where}: no caveat {override.caveat_id!r}")
        if lacking := [fid for fid in key[:2] if override.caveat_id not in links.get(fid, [])]:
            basis = f"its basis, caveat {override.caveat_id!r}, is not among the caveats of {' and '.join(lacking)}"
            raise ValueError(f"{where}: {basis}; an override rests on a caveat both figures carry")
        same, _ = _dimension(override.dimension, by_id[override.figure_a], by_id[override.figure_b])
        if not same and override.effect in (None, EFFECT_OF[override.dimension]):
            why = f"not needed, the figures' fields already differ in {override.dimension}"
            raise ValueError(f"{where}: {why}; give an effect to re-grade the difference")
        curated[key] = override

    rows: list[dict[str, Any]] = []
    deciding: list[dict[str, Any]] = []
    for ida, idb in itertools.combinations(sorted(by_id), 2):
        pair = []
        for name in DIMENSIONS:
            row = {"figure_a": ida, "figure_b": idb, "dimension": name}
            if chosen := curated.get((ida, idb, name)):
                effect = chosen.effect or EFFECT_OF[name]
                row |= {"same": False, "effect": effect, "note": chosen.note, "basis": "curated"}
                row["caveat_id"] = chosen.caveat_id
            else:
                same, note = _dimension(name, by_id[ida], by_id[idb])
                effect = "none" if same else EFFECT_OF[name]
                row |= {"same": same, "effect": effect, "note": note, "basis": "fields", "caveat_id": None}
            pair.append(row)
        verdict = VERDICTS[max(EFFECTS.index(row["effect"]) for row in pair)]
        shared = [c for c in links.get(ida, []) if c in links.get(idb, []) and kinds.get(c) == "comparability"]
        if verdict == "comparable" and shared:
            verdict = "comparable_with_caveats"
        if verdict != "comparable":
            ids = dict.fromkeys([row["caveat_id"] for row in pair if row["caveat_id"] is not None] + shared)
            deciding += [
                {"figure_a": ida, "figure_b": idb, "caveat_id": caveat_id, "position": position}
                for position, caveat_id in enumerate(ids, start=1)
            ]
        rows += [row | {"verdict": verdict} for row in pair]
    rows.sort(key=lambda r: (r["figure_a"], r["figure_b"], r["dimension"]))
    deciding.sort(key=lambda r: (r["figure_a"], r["figure_b"], r["caveat_id"]))
    return rows, deciding


_OVERRIDE_KEYS = ("figure_a", "figure_b", "dimension", "note", "caveat")


def load_overrides(root: Path) -> list[Override]:
    """The ``[[overrides]]`` of ``data/curation/comparisons.toml`` below a checkout (none if it is missing)."""
    from .curation import read_toml
    from .errors import CurationError

    path = root / "data" / "curation" / "comparisons.toml"
    data = read_toml(path) if path.exists() else {}
    if unknown := set(data) - {"overrides"}:
        raise CurationError(str(path), f"unknown top-level keys {sorted(unknown)}; only [[overrides]] entries")
    overrides = []
    for number, item in enumerate(data.get("overrides", []), start=1):
        label = f"override #{number}"
        if not isinstance(item, dict):
            raise CurationError(str(path), "each [[overrides]] entry must be a table", label)
        if (keys := set(item) - {"effect"}) != set(_OVERRIDE_KEYS):
            extra, missing = sorted(keys - set(_OVERRIDE_KEYS)), sorted(set(_OVERRIDE_KEYS) - keys)
            why = f"expected the keys {list(_OVERRIDE_KEYS)} (unknown: {extra}, missing: {missing})"
            raise CurationError(str(path), why, label)
        if bad := [key for key, value in item.items() if not isinstance(value, str)]:
            raise CurationError(str(path), f"{bad} must be strings", label)
        first, second = sorted((item["figure_a"], item["figure_b"]))
        pair = {"figure_a": first, "figure_b": second, "dimension": item["dimension"], "caveat_id": item["caveat"]}
        try:
            overrides.append(Override(**pair, note=" ".join(item["note"].split()), effect=item.get("effect")))
        except ValueError as exc:
            raise CurationError(str(path), str(exc), label) from None
    return overrides


def overrides_from_rows(rows: Iterable[Mapping[str, Any]]) -> list[Override]:
    """The curated overrides recorded in a ``comparisons`` table (:class:`ValueError` for a row that is not one)."""
    overrides = []
    for row in (row for row in rows if row.get("basis") == "curated"):
        effect = None if row.get("effect") == EFFECT_OF.get(row["dimension"]) else row.get("effect")
        pair = {key: row[key] for key in ("figure_a", "figure_b", "dimension")}
        overrides.append(Override(**pair, note=row["note"] or "", caveat_id=row["caveat_id"] or "", effect=effect))
    return overrides
