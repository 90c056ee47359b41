"""Find and parse every number written in English text, for the build, the ledger and validate alike.

It reads the forms of the Inquiry's documents: ``5,653``, ``between 450,000 and 590,000``, ``£7.5 million``,
``1 in 10``, ``400 to 450``, ``18–89``, ``2016/17``, footnote markers (``[4]``) and number words.  Offsets refer
to the text as given: nothing is normalised before matching.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen"
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety"
_SCALES = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_WORDS = {word: n for n, word in enumerate(f"{_UNITS} seventeen eighteen nineteen".split())}
_WORDS |= {word: 10 * n for n, word in enumerate(_TENS.split(), start=2)} | {"hundred": 100, **_SCALES}

_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?!\d)"  # grouped thousands or plain digits, optional decimals
_WORD = r"(?:" + "|".join(sorted(_WORDS, key=len, reverse=True)) + r")"
_ONE = rf"(?:{_NUM}|{_WORD}\b)"
_S = r"[\s\u00a0]"  # any space, the non-breaking one included
_SCALE = rf"(?:{_S}+(?P<scale>thousand|million|billion)\b)?"
_NOT_AFTER_NUMBER = r"(?<![\d,])(?<!\d\.)"  # not the tail of "5,653" or "7.5"; "B.1" is still a number

#: The kinds of mention, in the order they are tried at one position (the most specific first).
_PATTERNS: dict[str, re.Pattern[str]] = {
    "footnote_marker": re.compile(r"\[(?P<a>\d+)\]"),
    "financial_year": re.compile(r"(?<!\d)(?P<a>\d{4})/(?P<b>\d{2})(?!\d)"),
    "money": re.compile(rf"£{_S}?(?P<a>{_NUM}){_SCALE}"),
    "ratio": re.compile(rf"{_NOT_AFTER_NUMBER}(?P<a>{_ONE}){_S}+in{_S}+(?P<b>{_ONE})", re.IGNORECASE),
    "range": re.compile(
        rf"(?:between{_S}+(?P<a>{_NUM}){_S}+and{_S}+(?P<b>{_NUM})"
        rf"|{_NOT_AFTER_NUMBER}(?<!/)(?P<c>{_NUM}){_S}*(?:[-\u2013\u2014]|{_S}to{_S}){_S}*(?P<d>{_NUM}))",
        re.IGNORECASE,
    ),
    "number": re.compile(rf"{_NOT_AFTER_NUMBER}(?P<a>{_NUM}){_SCALE}"),
    "word": re.compile(rf"\b(?P<a>{_WORD})\b", re.IGNORECASE),
}
KINDS = tuple(_PATTERNS)


@dataclass(frozen=True, slots=True)
class NumberMention:
    """One number as written: ``text[start:end]``, its kind and values (a range's bounds, a ratio's proportion)."""

    start: int
    end: int
    text: str
    kind: str
    values: tuple[float, ...]


def parse_number(text: str) -> float:
    """One number in digits or words, with an optional scale word (``7.5 million``); ValueError if not one."""
    parts = text.strip().split()
    scale = _SCALES[parts.pop().lower()] if len(parts) == 2 and parts[1].lower() in _SCALES else 1
    if len(parts) != 1 or not (parts[0].lower() in _WORDS or re.fullmatch(_NUM, parts[0])):
        raise ValueError(f"not one number: {text!r}")
    token = parts[0].lower()
    value = _WORDS[token] if token in _WORDS else float(token.replace(",", ""))
    return float(value * scale)


def _values(kind: str, match: re.Match[str]) -> tuple[float, ...]:
    groups = {k: v for k, v in match.groupdict().items() if v is not None}
    if kind == "footnote_marker":
        return ()
    if kind == "financial_year":
        first = int(groups["a"])
        last = first - first % 100 + int(groups["b"])
        return (float(first), float(last + 100 if last < first else last))
    if kind == "ratio":
        numerator, denominator = parse_number(groups["a"]), parse_number(groups["b"])
        return (numerator, denominator) if denominator == 0 else (numerator / denominator,)
    if kind == "range":
        return (parse_number(groups.get("a") or groups["c"]), parse_number(groups.get("b") or groups["d"]))
    return (parse_number(groups["a"]) * _SCALES.get(groups.get("scale", "").lower(), 1),)


def find_numbers(text: str) -> list[NumberMention]:
    """Every numeric mention in ``text``, left to right, without overlaps; the most specific form wins."""
    candidates = sorted(
        (
            (match.start(), priority, -match.end(), kind, match)
            for priority, (kind, pattern) in enumerate(_PATTERNS.items())
            for match in pattern.finditer(text)
        ),
        key=lambda candidate: candidate[:3],
    )
    mentions: list[NumberMention] = []
    for start, _, _, kind, match in candidates:
        if not mentions or start >= mentions[-1].end:
            mentions.append(NumberMention(start, match.end(), match.group(0), kind, _values(kind, match)))
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
    """Every value stated in ``text``, bounds of ranges included."""
    return {value for mention in find_numbers(text) for value in mention.values}
