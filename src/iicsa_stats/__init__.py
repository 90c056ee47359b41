"""IICSA figures on online-facilitated child sexual abuse, each with its caveats and provenance.

Figure lookups read the shipped data with the standard library; the DataFrame functions import pandas when called.
"""

from __future__ import annotations

from . import _catalog, errors
from ._figure import Caveat, Figure
from ._provenance import Provenance, Reference
from ._search import search
from ._version import __version__
from .errors import *  # noqa: F403  (every error class, as listed in errors.__all__)
from .frames import caveats, documents, figures, ledger, table
from .tables import TABLES

# typing is imported for type checkers only: a lookup should not pay for it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .comparison import Comparison, check_frame, comparable_with, compare
    from .validation import validate

__all__ = ["TABLES", "Caveat", "Comparison", "Figure", "Provenance", "Reference", "__version__"]
__all__ += ["caveats", "check_frame", "comparable_with", "compare", "documents", "figure", "figures", "ledger"]
__all__ += ["list_figures", "search", "table", "validate"]
__all__ += errors.__all__

#: Imported on first use (from these modules), so that ``import iicsa_stats`` and a figure lookup do not pay for them.
_LAZY = {"Comparison": "comparison", "check_frame": "comparison", "comparable_with": "comparison"}
_LAZY |= {"compare": "comparison", "validate": "validation"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'iicsa_stats' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


def list_figures() -> list[str]:
    """Every figure id, in a stable (alphabetical) order.

    Examples
    --------
    >>> import iicsa_stats as ist
    >>> ist.list_figures()[:2]
    ['home-office-centre-of-expertise-funding', 'nca-police-joint-operation-arrests-2018']
    """
    return list(_catalog.all_figures())


def figure(figure_id: str) -> Figure:
    """The :class:`Figure` with this id (from :func:`list_figures`), with its caveats and provenance.

    Raises
    ------
    UnknownFigureError
        If no figure has this id; a :class:`LookupError` with the id (``.key``) and the closest ids (``.matches``).

    Examples
    --------
    >>> import iicsa_stats as ist
    >>> print(ist.figure("police-recorded-online-csa-incidents-2016-17").headline)
    5,653 incidents, England and Wales, 2016/17 (financial year)
    >>> ist.figure("police-recorded-online-csa-incidents")
    Traceback (most recent call last):
    ...
    iicsa_stats.errors.UnknownFigureError: unknown figure id 'police-recorded-online-csa-incidents'. Did you mean ...
    """
    return _catalog.get_figure(figure_id)
