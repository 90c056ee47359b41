"""The shape rules of a figure, in one place: its code lists, how its values fit its qualifier, its period.

The model (:class:`~iicsa_stats.Figure`), the curation loader and the ``keys``
check of validation all apply :func:`figure_shape`; each reports the same
broken rule in its own way (a ``ValueError``, a ``CurationError``, a
``Problem``), with the wording given here.  The code lists are those of the
figures table's schema (a test checks that they agree).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

TYPE_CHECKING = False
if TYPE_CHECKING:
    import datetime as dt

__all__ = [
    "PERIOD_TYPES",
    "PRECISIONS",
    "QUALIFIERS",
    "RANGE_QUALIFIERS",
    "SHAPE_KEYS",
    "UNITS",
    "ShapeError",
    "figure_shape",
]

#: How the text qualifies a value.
QUALIFIERS = (
    "exact",
    "approximately",
    "more_than",
    "at_least",
    "range",
    "confidence_interval",
    "approximate_range",
    "lower_bound",
    "rounded",
)
#: Units of count, as the texts count them (never merged).
UNITS = ("incidents", "offences", "people", "participants", "gbp", "proportion", "years_of_age")
#: Kinds of reference period.
PERIOD_TYPES = ("financial_year", "single_date", "ending_by", "open_ended", "not_stated")
#: How much of a start or end date the source gives (a year: 1 January for a start, 31 December for an end).
PRECISIONS = ("day", "month", "year")
#: The fields of a figure that :func:`figure_shape` reads, by name.
SHAPE_KEYS = (
    "qualifier",
    "value",
    "value_lower",
    "value_upper",
    "period_type",
    "period_start",
    "period_end",
    "period_start_precision",
    "period_end_precision",
)
#: Qualifiers of a figure given as a range (value_lower and value_upper, no value).
RANGE_QUALIFIERS = frozenset({"range", "confidence_interval", "approximate_range"})
#: Period types that need both a start and an end.
_BOUNDED_PERIODS = frozenset({"financial_year", "single_date"})


@dataclass(frozen=True, kw_only=True, slots=True)
class ShapeError:
    """One shape rule a figure breaks.

    Attributes
    ----------
    field : str
        The field to fix.
    message : str
        The rule, in words.
    expected_after : float or datetime.date or None
        For an order rule, the value ``field`` must not be below, with its name in ``after_field``.
    after_field : str or None
        For an order rule, the field that comes first.
    found : float or datetime.date or None
        For an order rule, the value of ``field``.
    """

    field: str
    message: str
    expected_after: float | dt.date | None = None
    after_field: str | None = None
    found: float | dt.date | None = None

    def __post_init__(self) -> None:
        if not self.message:
            raise ValueError("a shape error needs a message")


def _stored_day(day: dt.date, which: str, precision: str) -> dt.date:
    """The day that stands for a date known to its year or month: its first day for a start, its last for an end."""
    import calendar
    import datetime

    month = (1 if which == "start" else 12) if precision == "year" else day.month
    last = calendar.monthrange(day.year, month)[1]
    return datetime.date(day.year, month, 1 if which == "start" else last)


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

    Bounds are in order (``value_lower <= value <= value_upper``); a range
    qualifier has ``value_lower`` and ``value_upper`` and no ``value``, any
    other a ``value`` and no bounds; ``period_start`` is not after
    ``period_end``; an open-ended period has a start and no end, a period
    ``ending_by`` an end and no start, a financial year or a single date both;
    a date has a precision and a precision has a date.  An unknown (None) qualifier or period type
    is left to the code-list checks.

    Examples
    --------
    >>> [e.message for e in figure_shape(qualifier="range", value=3.0, value_lower=None, value_upper=None,
    ...                                  period_type="not_stated", period_start=None, period_end=None,
    ...                                  period_start_precision=None, period_end_precision=None)]
    ["qualifier 'range' needs value_lower and value_upper and no value"]
    """
    errors = []
    ordered = [("value_lower", value_lower), ("value", value), ("value_upper", value_upper)]
    present = [(n, v) for n, v in ordered if v is not None]
    for (name_a, a), (name_b, b) in itertools.pairwise(present):
        if a > b:
            errors.append(
                ShapeError(
                    field=name_b,
                    message=f"{name_a} is greater than {name_b}",
                    expected_after=a,
                    after_field=name_a,
                    found=b,
                )
            )
    if qualifier in RANGE_QUALIFIERS and (value_lower is None or value_upper is None or value is not None):
        errors.append(
            ShapeError(
                field="qualifier", message=f"qualifier {qualifier!r} needs value_lower and value_upper and no value"
            )
        )
    elif (
        qualifier is not None
        and qualifier not in RANGE_QUALIFIERS
        and (value is None or value_lower is not None or value_upper is not None)
    ):
        errors.append(ShapeError(field="qualifier", message=f"qualifier {qualifier!r} needs a value and no bounds"))
    if period_start is not None and period_end is not None and period_start > period_end:
        errors.append(
            ShapeError(
                field="period_end",
                message="period_start is after period_end",
                expected_after=period_start,
                after_field="period_start",
                found=period_end,
            )
        )
    if period_type == "open_ended" and (period_start is None or period_end is not None):
        errors.append(
            ShapeError(field="period_end", message="an open_ended period needs period_start and no period_end")
        )
    elif period_type == "ending_by" and (period_start is not None or period_end is None):
        errors.append(
            ShapeError(field="period_start", message="an ending_by period needs period_end and no period_start")
        )
    elif period_type in _BOUNDED_PERIODS and (period_start is None or period_end is None):
        errors.append(
            ShapeError(field="period_start", message=f"a {period_type} period needs period_start and period_end")
        )
    for which, day, precision in (
        ("start", period_start, period_start_precision),
        ("end", period_end, period_end_precision),
    ):
        if (day is None) != (precision is None):
            errors.append(
                ShapeError(
                    field=f"period_{which}_precision",
                    message=f"period_{which}_precision is given exactly when period_{which} is (day, month or year)",
                )
            )
        elif precision in ("year", "month") and day is not None and day != _stored_day(day, which, precision):
            first_or_last = "the first" if which == "start" else "the last"
            errors.append(
                ShapeError(
                    field=f"period_{which}",
                    message=f"a period_{which} known to its {precision} is stored as {first_or_last} day of it",
                )
            )
    return errors
