"""Errors raised by iicsa_stats: each derives from :class:`IICSAStatsError`, its message says what to fix."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Self

#: The errors that ``iicsa_stats`` itself exports (a citation style is unknown only through ``cite``).
__all__ = ["BuildError", "ComparabilityWarning", "ComparisonError", "CurationError", "DataFileError", "ExportError"]
__all__ += ["IICSAStatsError", "InvalidArgumentError", "InvalidFilterError", "RawDocumentError"]
__all__ += ["UnaccountedNumbersError", "UnknownFigureError", "UnknownFilterError", "UnknownTableError"]


class IICSAStatsError(Exception):
    """Base class of every error raised by iicsa_stats."""


class _UnknownKeyError(IICSAStatsError, LookupError):
    """A lookup by an unknown key; ``key`` is that key, ``matches`` the closest valid ones, best first."""

    what = "key"
    where = ""

    def __init__(self, key: str, choices: Iterable[str]) -> None:
        import difflib

        self.key = key
        self.matches = tuple(difflib.get_close_matches(str(key), list(choices), n=3, cutoff=0.5))
        hint = f" Did you mean {', '.join(repr(m) for m in self.matches)}?" if self.matches else ""
        shown = repr(key) if len(repr(key)) <= 80 else f"{repr(key)[:77]}..."
        super().__init__(f"unknown {self.what} {shown}.{hint} See {self.where} for every valid one.")


class UnknownFigureError(_UnknownKeyError):
    """No figure has the given id; ``key`` is that id, ``matches`` the closest valid ids, best first."""

    what = "figure id"
    where = "iicsa_stats.list_figures() (or `iicsa-stats list`)"


class UnknownTableError(_UnknownKeyError):
    """No table has the given name (see ``iicsa_stats.TABLES``)."""

    what = "table"
    where = "iicsa_stats.TABLES"


class UnknownCitationStyleError(_UnknownKeyError):
    """No citation format has the given name (see ``iicsa_stats.citation.STYLES``)."""

    what = "citation style"
    where = "iicsa_stats.citation.STYLES (text, bibtex, csl-json, ris)"


class UnknownFilterError(IICSAStatsError, TypeError):
    """A filter names a column the figures table does not have, or has a wrong type."""


class InvalidFilterError(IICSAStatsError, ValueError):
    """A filter value is not one the column can hold (e.g. a unit that does not exist)."""


class InvalidArgumentError(IICSAStatsError, TypeError, ValueError):
    """An argument of the wrong type or value; both a TypeError and a ValueError, as Python's own would be."""


def check_argument(ok: bool, name: str, value: object, accepts: str) -> None:
    """Raise :class:`InvalidArgumentError` unless ``ok``: "NAME must be ACCEPTS, got TYPE VALUE"."""
    if not ok:
        raise InvalidArgumentError(f"{name} must be {accepts}, got {type(value).__name__} {value!r:.80}")


class DataFileError(IICSAStatsError):
    """A data file is missing, unreadable or not what it should be; ``path`` and ``fix`` say which and what to do."""

    def __init__(self, message: str, *, path: str | None = None, fix: str | None = None) -> None:
        self.path = path
        self.fix = fix
        super().__init__(message)

    @classmethod
    def at(cls, path: str, problem: str, fix: str) -> Self:
        """The error for ``path``, worded ``"<path>: <problem>; <fix>"``."""
        return cls(f"{path}: {problem}; {fix}", path=path, fix=fix)


class RawDocumentError(DataFileError):
    """A raw source document is missing, not UTF-8, or differs from its pinned SHA-256 or size."""


class CurationError(IICSAStatsError):
    """A curation file (``path``) is malformed or disagrees with its raw text; ``item`` names the id concerned."""

    def __init__(self, path: str, message: str, item: str | None = None) -> None:
        self.path = path
        self.item = item
        super().__init__(f"{path}{f', {item}' if item else ''}: {message}")


class UnaccountedNumbersError(CurationError):
    """``count`` numbers of the raw documents are neither quoted nor excluded (the message lists them)."""

    def __init__(self, path: str, message: str, count: int) -> None:
        self.count = count
        super().__init__(path, message)


class BuildError(IICSAStatsError):
    """The build could not complete; nothing in the output folders was changed."""


class ExportError(IICSAStatsError):
    """An export could not be written: an unknown format, or an output that is not a writable folder."""


class ComparisonError(IICSAStatsError, ValueError):
    """Two figures cannot be compared as asked (the same id twice, or a table with no figure ids)."""


class ComparabilityWarning(UserWarning):
    """A table mixes figures that may not be added, ranked or plotted on one axis (see ``compare``)."""
