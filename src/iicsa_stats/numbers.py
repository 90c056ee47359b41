"""Find and parse every number written in a piece of English text.

One parser serves both the build (checking that each declared value is among
the numbers of its quote) and the number ledger (finding every numeric mention
of a raw document), so the two can never disagree about what a number is.

It understands the forms used in the Inquiry's documents: ``5,653``,
``between 450,000 and 590,000``, ``£7.5 million``, ``1 in 10``,
``400 to 450``, ``over 260``, ``18–89`` (en dash) and ``10-18``, ``2016/17``,
non-breaking spaces, footnote markers such as ``[4]`` and number words
(``three``, ``four``).  Offsets always refer to the text as given: nothing is
normalised before matching.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["NumberMention", "find_numbers", "parse_number", "same_value", "values_in"]

#: Kinds of mention, in the order they are tried at one position.
KINDS = (
    "footnote_marker",
    "financial_year",
    "money",
    "ratio",
    "range",
    "number",
    "word",
)

_WORDS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "thousand": 1_000,
    "million": 1_000_000,
    "billion": 1_000_000_000,
}
_SCALES = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}

# A single number: grouped thousands ("5,653") or plain digits, optional decimals.
_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?!\d)"
_WORD = r"(?:" + "|".join(sorted(_WORDS, key=len, reverse=True)) + r")"
_ONE = rf"(?:{_NUM}|{_WORD}\b)"
_SCALE = r"(?:[\s\u00a0]+(?P<scale>thousand|million|billion)\b)?"
_DASH = r"[-\u2013\u2014]"
_S = r"[\s\u00a0]"  # any space, the non-breaking one included
# Not the tail of a longer number ("5,653", "7.5"), but "B.1" is still a number.
_NOT_AFTER_NUMBER = r"(?<![\d,])(?<!\d\.)"

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("footnote_marker", re.compile(r"\[(?P<a>\d+)\]")),
    ("financial_year", re.compile(r"(?<!\d)(?P<a>\d{4})/(?P<b>\d{2})(?!\d)")),
    ("money", re.compile(rf"£{_S}?(?P<a>{_NUM}){_SCALE}")),
    ("ratio", re.compile(rf"{_NOT_AFTER_NUMBER}(?P<a>{_ONE}){_S}+in{_S}+(?P<b>{_ONE})", re.IGNORECASE)),
    (
        "range",
        re.compile(
            rf"(?:between{_S}+(?P<a>{_NUM}){_S}+and{_S}+(?P<b>{_NUM})"
            rf"|{_NOT_AFTER_NUMBER}(?<!/)(?P<c>{_NUM}){_S}*(?:{_DASH}|{_S}to{_S}){_S}*(?P<d>{_NUM}))",
            re.IGNORECASE,
        ),
    ),
    ("number", re.compile(rf"{_NOT_AFTER_NUMBER}(?P<a>{_NUM}){_SCALE}")),
    ("word", re.compile(rf"\b(?P<a>{_WORD})\b", re.IGNORECASE)),
)


@dataclass(frozen=True, slots=True)
class NumberMention:
    """One number as written in a text.

    Attributes
    ----------
    start, end : int
        Character offsets of the mention in the text it was found in
        (``text[start:end] == self.text``).
    text : str
        The mention exactly as written, e.g. ``"between 450,000 and 590,000"``.
    kind : str
        One of ``footnote_marker``, ``financial_year``, ``money``, ``ratio``,
        ``range``, ``number`` or ``word``.
    values : tuple of float
        The numbers it states: one for a single number, the lower and upper
        bound for a range, the proportion for a ratio (``1 in 10`` is 0.1),
        the first and last calendar year for a financial year, and none for a
        footnote marker (a marker is a reference, not a quantity).
    """

    start: int
    end: int
    text: str
    kind: str
    values: tuple[float, ...]


def parse_number(text: str) -> float:
    """Parse one number written with digits or as a word.

    Parameters
    ----------
    text : str
        ``"5,653"``, ``"7.5"``, ``"three"``, optionally followed by a scale
        word (``"7.5 million"``).

    Returns
    -------
    float
        The value.

    Raises
    ------
    ValueError
        If the text is not one number.

    Examples
    --------
    >>> parse_number("5,653")
    5653.0
    >>> parse_number("7.5\u00a0million")
    7500000.0
    >>> parse_number("Four")
    4.0
    """
    parts = text.strip().split()
    scale = 1
    if len(parts) == 2 and parts[1].lower() in _SCALES:
        scale = _SCALES[parts[1].lower()]
        parts = parts[:1]
    if len(parts) != 1:
        raise ValueError(f"not one number: {text!r}")
    token = parts[0]
    if token.lower() in _WORDS:
        return float(_WORDS[token.lower()] * scale)
    if not re.fullmatch(_NUM, token):
        raise ValueError(f"not one number: {text!r}")
    return float(token.replace(",", "")) * scale


def _values(kind: str, match: re.Match[str]) -> tuple[float, ...]:
    groups = {k: v for k, v in match.groupdict().items() if v is not None}
    if kind == "footnote_marker":
        return ()
    if kind == "financial_year":
        first = int(groups["a"])
        century = first - first % 100
        last = century + int(groups["b"])
        if last < first:
            last += 100
        return (float(first), float(last))
    if kind == "ratio":
        numerator, denominator = parse_number(groups["a"]), parse_number(groups["b"])
        if denominator == 0:
            return (numerator, denominator)
        return (numerator / denominator,)
    if kind == "range":
        low = parse_number(groups.get("a") or groups["c"])
        high = parse_number(groups.get("b") or groups["d"])
        return (low, high)
    value = parse_number(groups["a"])
    if "scale" in groups:
        value *= _SCALES[groups["scale"].lower()]
    return (value,)


def find_numbers(text: str) -> list[NumberMention]:
    """Find every numeric mention in ``text``, left to right, without overlaps.

    At each position the most specific form wins (a footnote marker before a
    financial year, a range before its two ends), so ``"400 to 450"`` is one
    range mention, not two numbers.

    Parameters
    ----------
    text : str
        Any text; offsets in the result refer to it unchanged.

    Returns
    -------
    list of NumberMention

    Examples
    --------
    >>> [(m.kind, m.values) for m in find_numbers("approximately 400 to 450 people")]
    [('range', (400.0, 450.0))]
    >>> [(m.text, m.values) for m in find_numbers("the lowest estimate of 1 in 10 adults.[9]")]
    [('1 in 10', (0.1,)), ('[9]', ())]
    """
    candidates: list[tuple[int, int, int, re.Match[str]]] = []
    for priority, (_kind, pattern) in enumerate(_PATTERNS):
        for match in pattern.finditer(text):
            candidates.append((match.start(), priority, -match.end(), match))
    candidates.sort(key=lambda c: (c[0], c[1], c[2]))
    mentions: list[NumberMention] = []
    taken_until = 0
    for start, priority, _neg_end, match in candidates:
        if start < taken_until:
            continue
        kind = _PATTERNS[priority][0]
        mentions.append(
            NumberMention(
                start=start,
                end=match.end(),
                text=match.group(0),
                kind=kind,
                values=_values(kind, match),
            )
        )
        taken_until = match.end()
    return mentions


def same_value(a: float, b: float) -> bool:
    """Whether a declared value and a parsed one are the same number (to 9 decimal places).

    Examples
    --------
    >>> same_value(0.1, 1 / 10), same_value(5653, 5653.0), same_value(450000, 590000)
    (True, True, False)
    """
    return round(a, 9) == round(b, 9)


def values_in(text: str) -> set[float]:
    """Every value stated in ``text``, bounds of ranges included.

    Examples
    --------
    >>> sorted(values_in("between 450,000 and 590,000 males aged 18\u201389"))
    [18.0, 89.0, 450000.0, 590000.0]
    """
    return {value for mention in find_numbers(text) for value in mention.values}
