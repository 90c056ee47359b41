"""Errors raised by iicsa_stats.

Every error derives from :class:`IICSAStatsError`, so ``except IICSAStatsError``
catches them all.  Lookup errors also derive from :class:`LookupError`, carry
the bad key and its closest matches, and say where to look next.  Messages name
what was wrong and how to fix it.
"""

from __future__ import annotations

from collections.abc import Iterable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Self

__all__ = [
    "BuildError",
    "ComparabilityWarning",
    "ComparisonError",
    "CurationError",
    "DataFileError",
    "ExportError",
    "IICSAStatsError",
    "InvalidArgumentError",
    "InvalidFilterError",
    "RawDocumentError",
    "UnaccountedNumbersError",
    "UnknownCitationStyleError",
    "UnknownFigureError",
    "UnknownFilterError",
    "UnknownTableError",
]


class IICSAStatsError(Exception):
    """Base class of every error raised by iicsa_stats."""


def _close(key: str, choices: Iterable[str]) -> tuple[str, ...]:
    import difflib

    return tuple(difflib.get_close_matches(str(key), list(choices), n=3, cutoff=0.5))


class _UnknownKeyError(IICSAStatsError, LookupError):
    what = "key"
    where = ""

    def __init__(self, key: str, choices: Iterable[str]) -> None:
        self.key = key
        self.matches = _close(key, choices)
        hint = f" Did you mean {', '.join(repr(m) for m in self.matches)}?" if self.matches else ""
        shown = repr(key) if len(repr(key)) <= 80 else f"{repr(key)[:77]}..."
        super().__init__(f"unknown {self.what} {shown}.{hint} See {self.where} for every valid one.")

    def __str__(self) -> str:  # LookupError would otherwise show the repr of the message
        return str(self.args[0])


class UnknownFigureError(_UnknownKeyError):
    """No figure has the given id.

    Attributes
    ----------
    key : str
        The id that was asked for.
    matches : tuple of str
        The closest valid ids, best first (may be empty).
    """

    what = "figure id"
    where = "iicsa_stats.list_figures() (or `iicsa-stats list`)"


class UnknownTableError(_UnknownKeyError):
    """No table has the given name (see ``iicsa_stats.TABLES``)."""

    what = "table"
    where = "iicsa_stats.TABLES"


class UnknownFilterError(IICSAStatsError, TypeError):
    """A filter names a column the figures table does not have, or has a wrong type."""


class DataFileError(IICSAStatsError):
    """A shipped or processed data file is missing, unreadable or not what it should be.

    Attributes
    ----------
    path : str or None
        The file concerned, when one is known.
    fix : str or None
        What to do about it, when the message says it.
    """

    def __init__(self, message: str, *, path: str | None = None, fix: str | None = None) -> None:
        self.path = path
        self.fix = fix
        super().__init__(message)

    @classmethod
    def at(cls, path: str, problem: str, fix: str) -> Self:
        """The error for ``path``, worded ``"<path>: <problem>; <fix>"``.

        Examples
        --------
        >>> err = DataFileError.at("data/x.csv", "file is missing", "rebuild it")
        >>> str(err), err.path, err.fix
        ('data/x.csv: file is missing; rebuild it', 'data/x.csv', 'rebuild it')
        """
        return cls(f"{path}: {problem}; {fix}", path=path, fix=fix)


class ExportError(IICSAStatsError):
    """An export could not be written: an unknown format, or an output folder that is a file or not writable."""


class RawDocumentError(DataFileError):
    """A raw source document is missing or differs from its pinned SHA-256 or size.

    It is a :class:`DataFileError`: a raw document is one of the data files.
    """


class CurationError(IICSAStatsError):
    """A curation file is malformed or disagrees with its raw text.

    Attributes
    ----------
    path : str
        The curation file.
    item : str or None
        The id of the figure, caveat or exclusion concerned, if any.
    """

    def __init__(self, path: str, message: str, item: str | None = None) -> None:
        self.path = path
        self.item = item
        where = f"{path}" + (f", {item}" if item else "")
        super().__init__(f"{where}: {message}")


class UnaccountedNumbersError(CurationError):
    """Numbers of the raw documents are neither quoted by a figure or caveat nor excluded with a reason.

    Its message lists each with its context and a curation stub (what ``iicsa-stats todo`` prints).

    Attributes
    ----------
    count : int
        How many numbers are not accounted for.
    """

    def __init__(self, path: str, message: str, count: int) -> None:
        if count < 1:
            raise ValueError("an UnaccountedNumbersError needs at least one number")
        self.count = count
        super().__init__(path, message)


class BuildError(IICSAStatsError):
    """The build could not complete; nothing in the output folders was changed."""


class InvalidFilterError(IICSAStatsError, ValueError):
    """A filter value is not one the column can hold (e.g. a unit that does not exist)."""


class ComparisonError(IICSAStatsError, ValueError):
    """Two figures cannot be compared as asked (the same id twice, or a table with no figure ids)."""


class ComparabilityWarning(UserWarning):
    """A table of figures mixes figures that may not be added, ranked or plotted on one axis.

    Issued by :func:`iicsa_stats.check_frame`; :func:`iicsa_stats.compare` says
    why for each pair.
    """


class InvalidArgumentError(IICSAStatsError, TypeError, ValueError):
    """An argument of the wrong type, or of the right type with a value it cannot take.

    It is both a :class:`TypeError` and a :class:`ValueError`, so code that
    catches either (as Python's own functions raise them) still catches it.
    The message names the argument and what it accepts.
    """


def check_argument(ok: bool, name: str, value: object, accepts: str) -> None:
    """Raise :class:`InvalidArgumentError` unless ``ok``: ``"<name> must be <accepts>, got <type> <value>"``.

    The one check of the public functions' arguments, so that every one is refused in the same words.

    Examples
    --------
    >>> check_argument(isinstance("yes", bool), "rebuild", "yes", "True, False or None")
    Traceback (most recent call last):
    ...
    iicsa_stats.errors.InvalidArgumentError: rebuild must be True, False or None, got str 'yes'
    """
    if not ok:
        raise InvalidArgumentError(f"{name} must be {accepts}, got {type(value).__name__} {value!r:.80}")


class UnknownCitationStyleError(_UnknownKeyError):
    """No citation format has the given name (see ``iicsa_stats.citation.STYLES``)."""

    what = "citation style"
    where = "iicsa_stats.citation.STYLES (text, bibtex, csl-json, ris)"
