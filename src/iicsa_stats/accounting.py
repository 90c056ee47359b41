"""The number ledger's accounting: give every numeric mention of a raw document its status.

Each mention found by :func:`iicsa_stats.numbers.find_numbers` gets a status:

* ``excluded`` when a curated exclusion span covers it (checked first, so a
  footnote marker inside a quote is recorded as a footnote marker);
* ``figure`` when it lies inside a figure's quote;
* ``caveat`` when it lies inside a caveat's quote;

and a mention with none of these is *unaccounted*, which fails the build.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from .numbers import NumberMention, find_numbers

__all__ = ["Span", "classify", "locate", "stub_for"]


@dataclass(frozen=True, slots=True)
class Span:
    """A located piece of text that claims the numbers inside it.

    Attributes
    ----------
    owner : str
        Figure id, caveat id or exclusion label.
    start, end : int
        Offsets in the raw text (``end`` exclusive).
    reason, note : str or None
        For an exclusion: its reason code and note.
    """

    owner: str
    start: int
    end: int
    reason: str | None = None
    note: str | None = None

    def covers(self, mention: NumberMention) -> bool:
        """True when the whole mention lies inside the span."""
        return self.start <= mention.start and mention.end <= self.end


def locate(text: str, span: str, occurrence: int | None = None) -> tuple[int, int]:
    """Offsets of ``span`` in ``text``: its only occurrence, or the given one (from 1).

    Raises
    ------
    ValueError
        If the span is not found, is found more than once without an
        ``occurrence``, or has fewer occurrences than asked for.  The message
        says how to fix it.
    """
    starts = []
    position = text.find(span)
    while position != -1:
        starts.append(position)
        position = text.find(span, position + 1)
    if not starts:
        hint = ""
        relaxed = _relax(span)
        if relaxed != span and relaxed in _relax(text):
            hint = " (it matches once spaces and quotation marks are normalised: copy the raw text exactly)"
        raise ValueError(f"text not found in the raw document{hint}: {span!r}")
    if occurrence is None:
        if len(starts) > 1:
            raise ValueError(
                f"text occurs {len(starts)} times in the raw document; lengthen it or add occurrence = N: {span!r}"
            )
        occurrence = 1
    if not 1 <= occurrence <= len(starts):
        raise ValueError(f"occurrence {occurrence} asked for, but the text occurs {len(starts)} times: {span!r}")
    start = starts[occurrence - 1]
    return start, start + len(span)


def _relax(text: str) -> str:
    table = str.maketrans({"\u00a0": " ", "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
    return " ".join(text.translate(table).split())


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One numeric mention and what became of it."""

    mention: NumberMention
    status: str | None  # None: unaccounted
    owner: str | None = None
    reason: str | None = None
    note: str | None = None


def classify(
    text: str,
    figures: Sequence[Span],
    caveats: Sequence[Span],
    excluded: Sequence[Span],
) -> list[LedgerEntry]:
    """Give every numeric mention of ``text`` its status (``None`` when unaccounted).

    Within each kind the span listed first wins, so pass spans in a fixed order.
    """
    entries = []
    for mention in find_numbers(text):
        entry = LedgerEntry(mention=mention, status=None)
        for span in excluded:
            if span.covers(mention):
                entry = LedgerEntry(mention, "excluded", span.owner, span.reason, span.note)
                break
        else:
            for status, spans in (("figure", figures), ("caveat", caveats)):
                owner = next((s.owner for s in spans if s.covers(mention)), None)
                if owner is not None:
                    entry = LedgerEntry(mention, status, owner)
                    break
        entries.append(entry)
    return entries


def stub_for(text: str, mention: NumberMention, width: int = 60) -> str:
    """A report line for an unaccounted mention: its place, context and a curation stub to fill in."""
    before = text[max(0, mention.start - width) : mention.start].replace("\n", " ")
    after = text[mention.end : mention.end + width].replace("\n", " ")
    return (
        f"  offset {mention.start}: {mention.text!r} ({mention.kind})\n"
        f"    context: ...{before}[{mention.text}]{after}...\n"
        f"    stub:    [[excluded]]\n"
        f"             span = {json.dumps(mention.text, ensure_ascii=False)}   # lengthen until it occurs once\n"
        f'             reason = "..."   # or quote it in a [[figures]] or [[caveats]] entry'
    )
