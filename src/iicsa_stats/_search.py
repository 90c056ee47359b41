"""Find figures by words: a small ranked search over each figure's descriptive text."""

from __future__ import annotations

import re

from . import _catalog
from ._figure import Figure
from .errors import InvalidArgumentError

__all__ = ["search"]

_WORD = re.compile(r"\d[\d,]*(?:\.\d+)?|[a-z]+")  # "8,525" is one word; so is "offences"
_FOOTNOTE = re.compile(r"\[\d+\]")
# Where a word is found, and what that is worth: the figure's own description counts most.
_WEIGHTS = (
    ("id", 3.0),
    ("measure", 3.0),
    ("unit_label", 2.0),
    ("population", 1.5),
    ("geography", 1.5),
    ("period_label", 1.0),
    ("producer", 1.0),
    ("quote", 1.0),
    ("caveats", 0.5),
)


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
    return {_stem(w) for w in _WORD.findall(_FOOTNOTE.sub(" ", text.lower()))}


def _fields(fig: Figure) -> dict[str, set[str]]:
    p = fig.provenance
    return {
        "id": _terms(fig.id.replace("-", " ")),
        "measure": _terms(f"{fig.measure} {fig.measure_code.replace('_', ' ')}"),
        "unit_label": _terms(f"{fig.unit_label} {fig.unit}"),
        "population": _terms(fig.population),
        "geography": _terms(fig.geography),
        "period_label": _terms(fig.period_label),
        "producer": _terms(f"{p.producer_name or ''} {p.cited_work}"),
        "quote": _terms(p.quote),
        "caveats": _terms(" ".join(c.text for c in fig.caveats)),
    }


def search(words: str, *, limit: int | None = None) -> list[Figure]:
    """Figures whose words match, best first.

    Every word of the query is looked up (lowercase, plural and past-tense
    endings ignored, compatibility forms such as fullwidth letters read as
    plain ones) in each figure's id, measure, unit, population,
    geography, period, producer, quote and caveats; matches in the figure's
    own description count most.  Figures matching no word are left out.

    Parameters
    ----------
    words : str
        The query, e.g. ``"arrests"`` or ``"police recorded offences"``.
    limit : int, optional
        Return at most this many figures.

    Returns
    -------
    list of Figure
        Best match first; ties in id order.  Empty when nothing matches.

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
    scored = []
    for fig in _catalog.all_figures().values():
        fields = _fields(fig)
        score = sum(weight for name, weight in _WEIGHTS for term in query if term in fields[name])
        if score > 0:
            scored.append((-score, fig.id, fig))
    scored.sort(key=lambda item: (item[0], item[1]))
    result = [fig for _, _, fig in scored]
    return result[:limit] if limit is not None else result
