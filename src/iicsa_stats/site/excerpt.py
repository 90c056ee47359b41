"""A quote inside a short stretch of its verbatim source text, kept clear of case details.

The site shows where each number comes from: the quoted words highlighted in
the raw text around them.  The context stays within the quote's own paragraph
(a line of the raw text), at most ``chars`` characters each side, cut at a word.
The case-detail policy holds here too: where the ledger marks a number as a
detail of an individual case (reason ``case_detail``), the context stops at the
sentence before it, and the excerpt says that it was cut.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Excerpt", "excerpt"]

_SENTENCE_END = (". ", ".\u00a0", "? ", "! ", ".[", ".\u201d ")


@dataclass(frozen=True, kw_only=True, slots=True)
class Excerpt:
    """A quote with the raw text shown around it.

    Attributes
    ----------
    before, quote, after : str
        The text shown before the quote, the quote itself and the text after it.
    start, end : int
        The quote's offsets in the raw text (code points, end exclusive).
    clipped_before, clipped_after : bool
        Whether the paragraph goes on beyond the text shown (an ellipsis is due).
    case_detail_cut : bool
        Whether the context was cut short to leave out a detail of an individual case.
    """

    before: str
    quote: str
    after: str
    start: int
    end: int
    clipped_before: bool
    clipped_after: bool
    case_detail_cut: bool

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end or self.end - self.start != len(self.quote):
            raise ValueError(f"excerpt offsets {self.start}, {self.end} do not span the quote")


def _sentence_start_after(text: str, position: int, limit: int) -> int:
    """The start of the first sentence that begins at or after ``position`` (at most ``limit``)."""
    best = limit
    for end in _SENTENCE_END:
        found = text.find(end, position, limit)
        if found != -1:
            best = min(best, found + len(end.rstrip("[")))
    while best < limit and text[best].isspace():
        best += 1
    return best


def _sentence_end_before(text: str, position: int, limit: int) -> int:
    """The end of the last sentence that ends before ``position`` (at least ``limit``)."""
    best = limit
    for end in _SENTENCE_END:
        found = text.rfind(end, limit, position)
        if found != -1:
            best = max(best, found + 1)
    return best


def excerpt(
    text: str, start: int, end: int, case_details: Iterable[tuple[int, int]] = (), *, chars: int = 160
) -> Excerpt:
    """The quote at ``text[start:end]`` with up to ``chars`` characters of its paragraph on each side.

    Parameters
    ----------
    text : str
        The raw document.
    start, end : int
        The quote's offsets.
    case_details : iterable of (int, int)
        Spans the ledger marks ``case_detail``; none is shown, nor the sentence it stands in.
    chars : int, default 160
        At most this many characters of context on each side.

    Returns
    -------
    Excerpt

    Raises
    ------
    ValueError
        If the offsets are outside the text, or a case detail lies inside the quote itself.

    Examples
    --------
    >>> text = "First one. The figure is 12 cases. A case aged 9 was seen. End."
    >>> e = excerpt(text, 11, 34, [(47, 48)])
    >>> (e.before, e.quote, e.after, e.case_detail_cut)
    ('First one. ', 'The figure is 12 cases.', '', True)
    """
    if not 0 <= start < end <= len(text):
        raise ValueError(f"quote offsets {start}, {end} are outside the text ({len(text)} characters)")
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end == -1 else line_end
    lo = max(line_start, start - chars)
    hi = min(line_end, end + chars)
    if lo > line_start:  # cut at a word, never inside one
        space = text.find(" ", lo, start)
        lo = space + 1 if space != -1 else start
    if hi < line_end:
        space = text.rfind(" ", end, hi)
        hi = space if space != -1 else end
    cut = False
    for detail_start, detail_end in sorted(case_details):
        if detail_start < end and detail_end > start:
            raise ValueError(f"a case detail ({detail_start}-{detail_end}) lies inside the quote {start}-{end}")
        if detail_end <= start and detail_end > lo:
            lo = _sentence_start_after(text, detail_end, start)
            cut = True
        elif detail_start >= end and detail_start < hi:
            hi = _sentence_end_before(text, detail_start, end)
            cut = True
    return Excerpt(
        before=text[lo:start],
        quote=text[start:end],
        after=text[end:hi],
        start=start,
        end=end,
        clipped_before=lo > line_start,
        clipped_after=hi < line_end,
        case_detail_cut=cut,
    )
