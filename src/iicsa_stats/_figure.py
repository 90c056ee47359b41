"""The :class:`Figure`: one published number with its unit, period, caveats and provenance."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field

from . import _loader
from ._caveat import Caveat
from ._fieldtypes import check_field_types
from ._provenance import Provenance, SourceStep
from ._shape import PERIOD_TYPES, QUALIFIERS, RANGE_QUALIFIERS, SHAPE_KEYS, UNITS, figure_shape
from .errors import InvalidArgumentError

# typing is imported for type checkers only: a lookup should not pay for it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["PERIOD_TYPES", "QUALIFIERS", "RANGE_QUALIFIERS", "TABLE_FIELDS", "UNITS", "Figure"]

#: The attributes of a Figure that are columns of the figures table under the same name.
TABLE_FIELDS = (
    "title",
    "measure",
    "measure_code",
    "value",
    "value_lower",
    "value_upper",
    "qualifier",
    "unit",
    "unit_label",
    "period_label",
    "period_type",
    "period_start",
    "period_end",
    "period_start_precision",
    "period_end_precision",
    "frequency",
    "geography",
    "population",
    "scale_measure",
)

_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_NOUNS = {
    "incidents": "incidents",
    "offences": "offences",
    "participants": "participants",
}


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
    if precision == "month":
        return f"{day:%B %Y}"
    return f"{day.day} {day:%B %Y}"


@dataclass(frozen=True, kw_only=True, slots=True, repr=False)
class Figure:
    """One figure from the Inquiry's documents, never without its caveats and source.

    Attributes
    ----------
    id : str
        Stable identifier (slug).
    title : str
        What the figure counts, in at most 70 characters (a heading).
    measure : str
        What the figure measures, in words.
    measure_code : str
        Short code of the measure.
    value : float or None
        The value; None for a range.
    value_lower, value_upper : float or None
        The ends of a range; None for a single value.
    qualifier : str
        How the text qualifies the value (see :data:`QUALIFIERS`).
    unit : str
        Unit of count as the text counts it (see :data:`UNITS`); ``incidents``
        and ``offences`` are different units.
    unit_label : str
        The unit as the source words it.
    period_label : str
        The reference period as the source gives it.
    period_type : str
        ``financial_year``, ``single_date``, ``ending_by`` (ends on or before ``period_end``,
        start not stated), ``open_ended`` or ``not_stated``.
    period_start, period_end : datetime.date or None
        First and last day of the period (no end for an open-ended period, no start for ``ending_by``).
    period_start_precision, period_end_precision : str or None
        How much of each date the source gives: ``day``, ``month`` or ``year``
        (a start known to its year is stored as 1 January, an end as 31 December); None when there is no date.
    frequency : str or None
        For a rate, the time unit (``per_month``).
    geography : str
        Area covered (``UK``, ``England and Wales``, ``England and Wales (not measured there)`` or ``not_stated``).
    population : str
        The population or denominator counted.
    scale_measure : str or None
        Which of the four ways of measuring scale it belongs to, if any.
    caveats : tuple of Caveat
        Its caveats, the key caveat first.
    provenance : Provenance
        Its source: document, locator, footnotes, quote and offsets, producer.
    data_root : str or None
        The data package folder the figure was loaded from; :meth:`context`
        reads the raw text there, whatever the current data folder is later.
        None for a figure made by hand: :meth:`context` then reads the
        current data folder.  Not part of equality.
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
        if self.data_root is not None and not isinstance(self.data_root, str):
            raise TypeError(f"figure {self.id!r}: data_root must be a folder path as a string or None")
        check_field_types(self)
        if not _ID.match(self.id):
            raise ValueError(f"figure id {self.id!r} is not a lowercase slug")
        if self.qualifier not in QUALIFIERS:
            raise ValueError(f"figure {self.id!r}: unknown qualifier {self.qualifier!r}")
        if self.unit not in UNITS:
            raise ValueError(f"figure {self.id!r}: unknown unit {self.unit!r}")
        if self.period_type not in PERIOD_TYPES:
            raise ValueError(f"figure {self.id!r}: unknown period_type {self.period_type!r}")
        broken = figure_shape(**{k: getattr(self, k) for k in SHAPE_KEYS})
        if broken:
            raise ValueError(f"figure {self.id!r}: {broken[0].message}")
        if not self.caveats:
            raise ValueError(f"figure {self.id!r} has no caveats; a figure is never published without them")

    # -- reading the figure ---------------------------------------------------------------------------------

    @property
    def value_text(self) -> str:
        """The value with its qualifier and unit, as a careful reader would say it.

        Examples
        --------
        >>> import iicsa_stats as ist
        >>> ist.figure("people-arrested-online-csa-per-month").value_text
        'approximately 400 to 450 people arrested each month'
        """
        unit = self.unit
        noun = _NOUNS.get(unit, "" if unit in ("gbp", "proportion", "years_of_age") else self.unit_label)
        if self.value_lower is not None and self.value_upper is not None:
            joiner = " and " if self.qualifier in ("range", "confidence_interval") else " to "
            amount = f"{_number(self.value_lower, unit)}{joiner}{_number(self.value_upper, unit)}"
            if unit == "years_of_age":
                whose = _lower_first(self.population)
                amount = f"age band {self.value_lower:g} to {self.value_upper:g} years ({whose})"
        else:
            assert self.value is not None
            amount = _number(self.value, unit)
        prefix = {
            "exact": "",
            "approximately": "approximately ",
            "approximate_range": "approximately ",
            "more_than": "over ",
            "at_least": "at least ",
            "lower_bound": "lowest estimate found: ",
            "rounded": "",
            "confidence_interval": "between ",
            "range": "between " if unit != "years_of_age" else "",
        }[self.qualifier]
        if unit == "proportion":
            noun = _lower_first(self.population)
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
        """The period's dates in words, as precise as the source gives them; None when it has none.

        Examples
        --------
        >>> import iicsa_stats as ist
        >>> ist.figure("people-arrested-online-csa-per-month").period_dates
        'from 2016, no end date'
        >>> ist.figure("nca-police-joint-operation-arrests-2018").period_dates
        'ending on or before 3 September 2018, start not stated'
        """
        start = None if self.period_start is None else _date(self.period_start, self.period_start_precision)
        end = None if self.period_end is None else _date(self.period_end, self.period_end_precision)
        if start is None:
            return None if end is None else f"ending on or before {end}, start not stated"
        if end is None:
            return f"from {start}, no end date"
        return start if start == end else f"{start} to {end}"

    @property
    def headline(self) -> str:
        """Value, unit, geography and period in one line.

        Examples
        --------
        >>> import iicsa_stats as ist
        >>> ist.figure("police-recorded-online-csa-offences-2017-18").headline
        '8,525 offences, England and Wales, 2017/18 (financial year)'
        """
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
        """The provenance chain: who collected, compiled or estimated the number, through whom, and who cites it.

        Examples
        --------
        >>> import iicsa_stats as ist
        >>> [(s.body_id, s.role) for s in ist.figure("police-recorded-online-csa-incidents-2016-17").sources]
        [('police-forces-england-wales', 'collected'), ('nspcc', 'compiled'), ('iicsa', 'cited')]
        """
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
        if self.sources:
            lines.append(f"Chain: {self.provenance.chain_line}")
        lines.append(f"Source: {self.source_line()}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        e = html.escape
        items = "".join(
            f"<li><b>{e(c.kind.replace('_', ' '))}</b>: {e(c.text)} <small>({e(c.basis_line)})</small></li>"
            for c in self.caveats
        )
        p = self.provenance
        chain = f"<p><small>Chain: {e(p.chain_line)}</small></p>" if p.sources else ""
        return (
            f'<div class="iicsa-figure"><p><b>{e(self.headline)}</b><br>{e(self.measure)}.</p>'
            f"<p>Caveats:</p><ul>{items}</ul>"
            f"<p><small>Source: {e(self.source_line())}</small></p>{chain}"
            f"<blockquote><small>\u201c{e(p.quote)}\u201d</small></blockquote></div>"
        )

    def cite(self, style: str = "text") -> str:
        """A full citation: the citing document, place, address and date, naming the original producer.

        Parameters
        ----------
        style : str, default "text"
            ``text`` (one paragraph), or a format reference managers read:
            ``bibtex``, ``csl-json`` or ``ris`` (see :mod:`iicsa_stats.citation`).

        Raises
        ------
        InvalidArgumentError
            If ``style`` is not a str.
        UnknownCitationStyleError
            If ``style`` is none of these; it is a :class:`LookupError`.

        Examples
        --------
        >>> import iicsa_stats as ist
        >>> print(ist.figure("research-with-children-participants").cite())  # doctest: +ELLIPSIS
        Independent Inquiry into Child Sexual Abuse (IICSA). Child sexual abuse facilitated online. ...
        >>> print(ist.figure("research-with-children-participants").cite(style="ris").splitlines()[0])
        TY  - ELEC
        """
        from .citation import cite_figure

        return cite_figure(self, style)

    def context(self, chars: int = 200, *, mark: tuple[str, str] = ("\u00bb", "\u00ab")) -> str:
        r"""The quote within its surrounding raw text, the quote between ``mark``.

        Parameters
        ----------
        chars : int, default 200
            How many characters of raw text to show on each side.
        mark : tuple of two str
            Put before and after the quote.

        Examples
        --------
        >>> import iicsa_stats as ist
        >>> ist.figure("police-recorded-online-csa-offences-2017-18").context(20)
        'nt to the crime.[4] »In 2017/18, the figure had grown to 8,525 offences.«[5]\n\n2.3. On 3 Septe'
        """
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
        p = self.provenance
        return {
            "figure_id": self.id,
            **{
                k: (v.isoformat() if isinstance(v, dt.date) else v)
                for k, v in ((k, getattr(self, k)) for k in TABLE_FIELDS)
            },
            "headline": self.headline,
            "caveats": [
                {
                    "caveat_id": c.id,
                    "kind": c.kind,
                    "text": c.text,
                    "basis": c.basis,
                    "quote": c.quote,
                    "references": [
                        {
                            "title": r.title,
                            "publisher": r.publisher,
                            "published": r.published,
                            "url": r.url,
                            "supports": r.supports,
                            "confirmed": r.confirmed,
                        }
                        for r in c.references
                    ],
                }
                for c in self.caveats
            ],
            "provenance": {
                "document_id": p.document_id,
                "document_title": p.document_title,
                "publisher": p.publisher,
                "url": p.url,
                "published": p.published.isoformat() if p.published else None,
                "locator": p.locator,
                "footnote_markers": list(p.footnote_markers),
                "quote": p.quote,
                "quote_start": p.quote_start,
                "quote_end": p.quote_end,
                "producer_id": p.producer_id,
                "producer_name": p.producer_name,
                "producer_basis": p.producer_basis,
                "cited_work": p.cited_work,
                "sources": [
                    {
                        "producer_id": step.body_id,
                        "name": step.body_name,
                        "role": step.role,
                        "basis": step.basis,
                        "reference_url": step.reference_url,
                        "note": step.note,
                    }
                    for step in p.sources
                ],
            },
        }
