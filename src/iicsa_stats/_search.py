"""Find figures by words: a small ranked search over each figure's descriptive text."""

from __future__ import annotations

import re

from . import _catalog
from ._figure import Figure
from .errors import InvalidArgumentError

__all__ = ["search"]


def _stem(word: str) -> str:
    """A crude stem, so that singular and plural, "arrests" and "arrested", meet: drop one ending, then an "e"."""
    if word[0].isdigit():
        return word.replace(",", "")
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            word = word[: -len(suffix)]
            break
    return word[:-1] if len(word) > 3 and word.endswith("e") else word


def _terms(text: str) -> set[str]:
    if not text.isascii():  # fullwidth letters and digits, ligatures: compatibility forms become plain ones
        import unicodedata

        text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\[\d+\]", " ", text.lower())  # a footnote marker is not a number
    return {_stem(w) for w in re.findall(r"\d[\d,]*(?:\.\d+)?|[a-z]+", text)}  # "8,525" is one word


def _weighted(fig: Figure) -> list[tuple[float, set[str]]]:
    """Each field's words and what a match there is worth: the figure's own description counts most."""
    p = fig.provenance
    return [
        (3.0, _terms(fig.id.replace("-", " "))),
        (3.0, _terms(f"{fig.measure} {fig.measure_code.replace('_', ' ')}")),
        (2.0, _terms(f"{fig.unit_label} {fig.unit}")),
        (1.5, _terms(fig.population)),
        (1.5, _terms(fig.geography)),
        (1.0, _terms(fig.period_label)),
        (1.0, _terms(f"{p.producer_name or ''} {p.cited_work}")),
        (1.0, _terms(p.quote)),
        (0.5, _terms(" ".join(c.text for c in fig.caveats))),
    ]


def search(words: str, *, limit: int | None = None) -> list[Figure]:
    """Figures whose words match, best first.

    Each word of the query (case, plural and past-tense endings and fullwidth forms ignored) is looked up in
    each figure's id, measure, unit, population, geography, period, producer, quote and caveats; matches in the
    figure's own description count most.  Figures matching no word are left out.

    Parameters
    ----------
    words : str
        The query, e.g. ``"arrests"`` or ``"police recorded offences"``.
    limit : int, optional
        Return at most this many figures (best first; ties in id order).

    Examples
    --------
    >>> import iicsa_stats as ist
    >>> [f.id for f in ist.search("arrests")]
    ['people-arrested-online-csa-per-month', 'nca-police-joint-operation-arrests-2018']
    """
    if not isinstance(words, str):
        raise InvalidArgumentError(f"search words must be a string, got {type(words).__name__}")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
        raise InvalidArgumentError(f"limit must be a whole number >= 1, got {limit!r:.80}")
    query = _terms(words)
    figures = _catalog.all_figures().values()
    score = {f.id: sum(weight for weight, terms in _weighted(f) for term in query if term in terms) for f in figures}
    return sorted((f for f in figures if score[f.id] > 0), key=lambda f: (-score[f.id], f.id))[:limit]
