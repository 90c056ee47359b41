"""A :class:`Figure` and its :class:`Caveat`, their code lists, and :func:`figure_shape`, the rules of a figure's
values and period that the loader, curation and validation all apply."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from dataclasses import dataclass, field, fields

from . import _loader
from ._provenance import Provenance, Reference, SourceStep, check_types
from .errors import InvalidArgumentError

# typing is imported for type checkers only: a lookup should not pay for it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["CAVEAT_BASES", "CAVEAT_KINDS", "PERIOD_TYPES", "QUALIFIERS", "UNITS", "Caveat", "Figure", "figure_shape"]

#: How the text qualifies a value.
QUALIFIERS = ("exact", "approximately", "more_than", "at_least", "range", "confidence_interval",
              "approximate_range", "lower_bound", "rounded")  # fmt: skip
#: Qualifiers of a figure given as a range (value_lower and value_upper, no value).
RANGE_QUALIFIERS = frozenset({"range", "confidence_interval", "approximate_range"})
#: Units of count, as the texts count them (never merged).
UNITS = ("incidents", "offences", "people", "participants", "gbp", "proportion", "years_of_age")
#: Kinds of reference period.
PERIOD_TYPES = ("financial_year", "single_date", "ending_by", "open_ended", "not_stated")
#: Where a caveat comes from: quoted from the source, or written by the curators.
CAVEAT_BASES = ("source", "curator")
#: Kinds of caveat (what it is about).
CAVEAT_KINDS = ("definition", "comparability", "coverage", "estimation_method", "bound_uncertainty",
                "recording_practice", "period", "secondary_source", "missing_footnote_text", "geography",
                "context")  # fmt: skip
#: For a period type: which of (start, end) it has, the field to fix and the rule.
_PERIOD_NEEDS = {
    "open_ended": ((True, False), "period_end", "an open_ended period needs period_start and no period_end"),
    "ending_by": ((False, True), "period_start", "an ending_by period needs period_end and no period_start"),
    "financial_year": ((True, True), "period_start", "a financial_year period needs period_start and period_end"),
    "single_date": ((True, True), "period_start", "a single_date period needs period_start and period_end"),
}


@dataclass(frozen=True, kw_only=True, slots=True)
class ShapeError:
    """One shape rule a figure breaks: the field to fix, the rule in words, and for an order rule the two values."""

    field: str
    message: str
    expected_after: float | dt.date | None = None
    after_field: str | None = None
    found: float | dt.date | None = None


def _order(first: str, a: Any, then: str, b: Any, message: str) -> list[ShapeError]:
    if a is None or b is None or a <= b:
        return []
    return [ShapeError(field=then, message=message, expected_after=a, after_field=first, found=b)]


def figure_shape(
    *,
    qualifier: str | None,
    value: float | None,
    value_lower: float | None,
    value_upper: float | None,
    period_type: str | None,
    period_start: dt.date | None,
    period_end: dt.date | None,
    period_start_precision: str | None,
    period_end_precision: str | None,
) -> list[ShapeError]:
    """Every shape rule the figure breaks, in a stable order (empty when it has the right shape).

    Bounds in order; a range qualifier with both bounds and no value, any other with a value and no bounds; the
    period's dates in order and as its type needs; a date with its precision, stored as its first day (a start)
    or last day (an end) when known to its month or year.  Unknown (None) codes are left to the code-list checks.
    """
    values = (("value_lower", value_lower), ("value", value), ("value_upper", value_upper))
    present = [(name, v) for name, v in values if v is not None]
    errors = [
        e for (n, a), (m, b) in itertools.pairwise(present) for e in _order(n, a, m, b, f"{n} is greater than {m}")
    ]
    ranged = value_lower is not None and value_upper is not None and value is None
    if qualifier in RANGE_QUALIFIERS and not ranged:
        needs = "value_lower and value_upper and no value"
        errors.append(ShapeError(field="qualifier", message=f"qualifier {qualifier!r} needs {needs}"))
    elif qualifier is not None and qualifier not in RANGE_QUALIFIERS and (value is None or len(present) > 1):
        errors.append(ShapeError(field="qualifier", message=f"qualifier {qualifier!r} needs a value and no bounds"))
    errors += _order("period_start", period_start, "period_end", period_end, "period_start is after period_end")
    if period_type in _PERIOD_NEEDS:
        dates, name, message = _PERIOD_NEEDS[period_type]
        if (period_start is not None, period_end is not None) != dates:
            errors.append(ShapeError(field=name, message=message))
    for which, day, precision in (
        ("start", period_start, period_start_precision),
        ("end", period_end, period_end_precision),
    ):
        if (day is None) != (precision is None):
            message = f"period_{which}_precision is given exactly when period_{which} is (day, month or year)"
            errors.append(ShapeError(field=f"period_{which}_precision", message=message))
        elif precision in ("year", "month") and day is not None:
            month = day.month if precision == "month" else 1 if which == "start" else 12
            stored = dt.date(day.year, month, 1)
            if which == "end":  # the last day: the day before the next month's first
                stored = dt.date(day.year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
            if day != stored:
                first_or_last = "the first" if which == "start" else "the last"
                message = f"a period_{which} known to its {precision} is stored as {first_or_last} day of it"
                errors.append(ShapeError(field=f"period_{which}", message=message))
    return errors


#: The fields of a figure that :func:`figure_shape` reads.
SHAPE_KEYS = tuple(name for name in figure_shape.__annotations__ if name != "return")
#: The words before a value, by qualifier (none for the others; "range" depends on the unit).
_PREFIX = {"approximately": "approximately ", "approximate_range": "approximately ", "more_than": "over ",
           "at_least": "at least ", "lower_bound": "lowest estimate found: ",
           "confidence_interval": "between "}  # fmt: skip


def _number(value: float, unit: str) -> str:
    if unit == "gbp":
        if value >= 1_000_000:  # as such amounts are written: "£7.5 million"
            return f"£{value / 1_000_000:,g} million"
        return f"£{value:,.0f}" if value.is_integer() else f"£{value:,.2f}"
    if unit == "proportion":
        inverse = 1 / value if value else math.inf
        if math.isfinite(inverse) and abs(inverse - round(inverse)) < 1e-9:
            return f"1 in {round(inverse)}"
        return f"{value:g}"
    return f"{value:,.0f}" if value.is_integer() else f"{value:,g}"


def _lower_first(text: str) -> str:
    """Lowercase a leading capital for use mid-sentence, leaving acronyms ("REA", "UK") alone."""
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def _date(day: dt.date, precision: str | None = "day") -> str:
    if precision == "year":
        return f"{day:%Y}"
    return f"{day:%B %Y}" if precision == "month" else f"{day.day} {day:%B %Y}"


def _plain(value: Any) -> Any:
    """``value`` as JSON-ready data: dates as ISO text, tuples as lists, model objects as in :data:`_DICT_KEYS`."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if (keys := _DICT_KEYS.get(type(value))) is None:
        return value
    return {key: _plain(getattr(value, name or key)) for key, _, name in (k.partition("=") for k in keys.split())}


@dataclass(frozen=True, kw_only=True, slots=True)
class Caveat:
    """A caveat of one or more figures, a row of the caveats table (``id`` is ``caveat_id``); ``str()`` gives
    ``[kind] text``.  A ``source`` caveat has its quote and offsets, a ``curator`` note its public ``references``.
    """

    id: str
    kind: str
    text: str
    basis: str
    document_id: str | None = None
    locator: str | None = None
    quote: str | None = None
    quote_start: int | None = None
    quote_end: int | None = None
    references: tuple[Reference, ...] = ()

    def __post_init__(self) -> None:
        check_types(self)
        if self.kind not in CAVEAT_KINDS:
            raise ValueError(f"unknown caveat kind {self.kind!r}; expected one of {CAVEAT_KINDS}")
        if self.basis not in CAVEAT_BASES:
            raise ValueError(f"caveat basis must be 'source' or 'curator', got {self.basis!r}")
        if self.basis == "source" and None in (self.document_id, self.quote, self.quote_start, self.quote_end):
            raise ValueError(f"caveat {self.id!r} is stated in the source but has no quote and offsets")
        if self.basis == "source" and self.references:
            raise ValueError(f"caveat {self.id!r}: a source caveat rests on its quote, not on references")
        if self.basis == "curator" and not self.references:
            raise ValueError(f"caveat {self.id!r} is a curator's note without a public reference")
        if self.basis == "curator" and self.quote is not None:
            raise ValueError(f"caveat {self.id!r}: a curator's note has no quote")

    @property
    def basis_line(self) -> str:
        """Where the caveat comes from, in one line."""
        if self.basis == "source":
            return f"stated in the source ({self.locator}): \u201c{self.quote}\u201d"
        return "curator's note, based on: " + "; ".join(map(str, self.references))

    def __str__(self) -> str:
        return f"[{self.kind}] {self.text}"


@dataclass(frozen=True, kw_only=True, slots=True, repr=False)
class Figure:
    """One figure from the Inquiry's documents, never without its caveats and source.

    :data:`TABLE_FIELDS` are the figures table's columns (docs/data-dictionary.md); besides, ``id`` (the
    ``figure_id``), ``caveats`` (the key caveat first), ``provenance`` and ``data_root``, the data folder that
    :meth:`context` reads (None for a figure made by hand: the current one; not part of equality).
    """

    id: str
    title: str
    measure: str
    measure_code: str
    value: float | None
    value_lower: float | None
    value_upper: float | None
    qualifier: str
    unit: str
    unit_label: str
    period_label: str
    period_type: str
    period_start: dt.date | None
    period_end: dt.date | None
    period_start_precision: str | None
    period_end_precision: str | None
    frequency: str | None
    geography: str
    population: str
    scale_measure: str | None
    caveats: tuple[Caveat, ...]
    provenance: Provenance
    data_root: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        check_types(self)
        if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", self.id):
            raise ValueError(f"figure id {self.id!r} is not a lowercase slug")
        for name, codes in (("qualifier", QUALIFIERS), ("unit", UNITS), ("period_type", PERIOD_TYPES)):
            if getattr(self, name) not in codes:
                raise ValueError(f"figure {self.id!r}: unknown {name} {getattr(self, name)!r}")
        if broken := figure_shape(**{name: getattr(self, name) for name in SHAPE_KEYS}):
            raise ValueError(f"figure {self.id!r}: {broken[0].message}")
        if not self.caveats:
            raise ValueError(f"figure {self.id!r} has no caveats; a figure is never published without them")

    @property
    def value_text(self) -> str:
        """The value with its qualifier and unit, as a careful reader would say it (the README's figure table)."""
        unit = self.unit
        if self.value_lower is not None and self.value_upper is not None:
            joiner = " and " if self.qualifier in ("range", "confidence_interval") else " to "
            amount = f"{_number(self.value_lower, unit)}{joiner}{_number(self.value_upper, unit)}"
            if unit == "years_of_age":
                whose = _lower_first(self.population)
                amount = f"age band {self.value_lower:g} to {self.value_upper:g} years ({whose})"
        else:
            assert self.value is not None
            amount = _number(self.value, unit)
        prefix = "between " if self.qualifier == "range" and unit != "years_of_age" else _PREFIX.get(self.qualifier, "")
        nouns = {"incidents": unit, "offences": unit, "participants": unit, "gbp": "", "years_of_age": ""}
        noun = _lower_first(self.population) if unit == "proportion" else nouns.get(unit, self.unit_label)
        text = f"{prefix}{amount} {noun}".strip()
        if self.qualifier == "lower_bound":
            text += " (figures unlikely to be below it)"
        if self.frequency == "per_month":
            text += " each month"
        return text

    @property
    def period_text(self) -> str:
        """The reference period in words, saying when it is a financial year or open-ended."""
        if self.period_type == "financial_year":
            return f"{self.period_label} (financial year)"
        if self.period_type == "open_ended":
            return f"{self.period_label.lower()} (open-ended: no end date)"
        if self.period_type in ("single_date", "ending_by"):
            # the label says how sure the date is and what is known of the length, so it is shown as written
            return _lower_first(self.period_label)
        return "period not stated"

    @property
    def period_dates(self) -> str | None:
        """The period's dates in words, as precise as the source gives them; None when it has none."""
        start = None if self.period_start is None else _date(self.period_start, self.period_start_precision)
        end = None if self.period_end is None else _date(self.period_end, self.period_end_precision)
        if start is None:
            return None if end is None else f"ending on or before {end}, start not stated"
        if end is None:
            return f"from {start}, no end date"
        return start if start == end else f"{start} to {end}"

    @property
    def headline(self) -> str:
        """Value, unit, geography and period in one line."""
        geography = "geography not stated" if self.geography == "not_stated" else self.geography
        return f"{self.value_text}, {geography}, {self.period_text}"

    def source_line(self) -> str:
        """The source in one line: citing document, locator, footnotes, producer, address."""
        p = self.provenance
        notes = f", footnote{'s' if len(p.footnote_markers) > 1 else ''} {' '.join(p.footnote_markers)}"
        notes = notes if p.footnote_markers else ""
        return f"{p.document_title}, {p.locator}{notes}; {p.producer_line}. <{p.url}>"

    @property
    def sources(self) -> tuple[SourceStep, ...]:
        """The provenance chain: who collected, compiled or estimated the number, through whom, and who cites it."""
        return self.provenance.sources

    def __repr__(self) -> str:
        """A short one-line form; ``str(figure)`` gives the whole footnote, caveats included.

        Examples
        --------
        >>> import iicsa_stats as ist
        >>> ist.figure("research-with-children-participants")  # doctest: +ELLIPSIS
        <Figure research-with-children-participants: over 260 participants, ...; 2 caveats>
        """
        count = len(self.caveats)
        return f"<Figure {self.id}: {self.headline}; {count} caveat{'s' if count != 1 else ''}>"

    def __str__(self) -> str:
        lines = [self.headline, f"  {self.measure}."]
        if self.period_dates is not None and self.period_start != self.period_end:
            lines.append(f"  Period: {self.period_dates}.")
        lines.append("Caveats:")
        lines += [f"  - {caveat}" for caveat in self.caveats]
        lines += [f"Chain: {self.provenance.chain_line}", f"Source: {self.source_line()}"]  # a chain is never empty
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        e = html.escape
        items = "".join(
            f"<li><b>{e(c.kind.replace('_', ' '))}</b>: {e(c.text)} <small>({e(c.basis_line)})</small></li>"
            for c in self.caveats
        )
        p = self.provenance
        return (
            f'<div class="iicsa-figure"><p><b>{e(self.headline)}</b><br>{e(self.measure)}.</p>'
            f"<p>Caveats:</p><ul>{items}</ul>"
            f"<p><small>Source: {e(self.source_line())}</small></p><p><small>Chain: {e(p.chain_line)}</small></p>"
            f"<blockquote><small>\u201c{e(p.quote)}\u201d</small></blockquote></div>"
        )

    def cite(self, style: str = "text") -> str:
        """A full citation: the citing document, place, address and date, naming the original producer.

        ``style`` is ``text`` (one paragraph) or a format reference managers read: ``bibtex``, ``csl-json`` or
        ``ris`` (see :mod:`iicsa_stats.citation`); another str is an :class:`UnknownCitationStyleError`.
        """
        from .citation import cite_figure

        return cite_figure(self, style)

    def context(self, chars: int = 200, *, mark: tuple[str, str] = ("\u00bb", "\u00ab")) -> str:
        """The quote between ``mark[0]`` and ``mark[1]``, within ``chars`` characters of raw text on each side."""
        if not isinstance(chars, int) or isinstance(chars, bool) or chars < 0:
            raise InvalidArgumentError(f"chars must be a whole number >= 0, got {chars!r:.80}")
        if not (isinstance(mark, tuple) and len(mark) == 2 and all(isinstance(m, str) for m in mark)):
            raise InvalidArgumentError(f"mark must be a tuple of two strings (before, after), got {mark!r:.80}")
        p = self.provenance
        text = _loader.raw_text(p.raw_path, self.data_root)
        before = text[max(0, p.quote_start - chars) : p.quote_start]
        after = text[p.quote_end : p.quote_end + chars]
        return f"{before}{mark[0]}{text[p.quote_start : p.quote_end]}{mark[1]}{after}"

    def to_dict(self) -> dict[str, Any]:
        """The figure as plain data (caveats and provenance nested), e.g. for JSON."""
        plain: dict[str, Any] = _plain(self)
        return plain


#: The attributes of a Figure that are columns of the figures table under the same name (all but four).
TABLE_FIELDS = tuple(f.name for f in fields(Figure) if f.name not in ("id", "caveats", "provenance", "data_root"))
#: What :meth:`Figure.to_dict` keeps of each model object: its attributes, some under another key (``key=name``).
_DICT_KEYS = {
    Figure: " ".join(("figure_id=id", *TABLE_FIELDS, "headline caveats provenance")),
    Caveat: "caveat_id=id kind text basis quote references",
    Reference: "title publisher published url supports confirmed",
    Provenance: "document_id document_title publisher url published locator footnote_markers quote quote_start"
    " quote_end producer_id producer_name producer_basis cited_work sources",
    SourceStep: "producer_id=body_id name=body_name role basis reference_url note",
}
