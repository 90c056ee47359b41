"""A quote inside a short stretch of its verbatim source text (its paragraph), kept clear of case details."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Excerpt", "excerpt"]

#: The end of a sentence: a full stop, question or exclamation mark, then a space (or a footnote's "[").
_SENTENCE_END = re.compile(r"\.(?:\u201d |[ \u00a0]|(?=\[))|[?!] ")


@dataclass(frozen=True, kw_only=True, slots=True)
class Excerpt:
    """A quote (``text[start:end]``) with the text shown ``before`` and ``after`` it.

    ``clipped_before`` and ``clipped_after`` say whether the paragraph goes on beyond what is shown (an
    ellipsis is due), ``case_detail_cut`` whether the context was cut short to leave out a case detail.
    """

    before: str
    quote: str
    after: str
    start: int
    end: int
    clipped_before: bool
    clipped_after: bool
    case_detail_cut: bool


def excerpt(
    text: str, start: int, end: int, case_details: Iterable[tuple[int, int]] = (), *, chars: int = 160
) -> Excerpt:
    """The quote at ``text[start:end]`` with up to ``chars`` characters of its paragraph on each side, cut at a word.

    No span of ``case_details`` is shown, nor the sentence it stands in (the excerpt says it was cut); a
    :class:`ValueError` if the offsets are outside the text or a case detail lies inside the quote itself.

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
        if lo < detail_end <= start:  # from the first sentence after the detail
            found = _SENTENCE_END.search(text, detail_end, start)
            lo = found.end() if found else start
            while lo < start and text[lo].isspace():
                lo += 1
            cut = True
        elif end <= detail_start < hi:  # to the last sentence before the detail
            ends = [found.start() + 1 for found in _SENTENCE_END.finditer(text, end, detail_start)]
            hi = ends[-1] if ends else end
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
