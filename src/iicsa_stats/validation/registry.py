"""The registry: every check of :func:`~iicsa_stats.validation.validate`, in the order they run."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ._problem import CHECKS, Problem
from ._state import PackageState
from .checks import checksums, comparisons, files, keys, ledger, package, parquet, quotes, raw, rebuild

__all__ = ["REGISTRY", "Check"]


@dataclass(frozen=True, kw_only=True, slots=True)
class Check:
    """One check of a data package.

    Attributes
    ----------
    name : str
        The stable name its problems carry, one of :data:`~iicsa_stats.validation.CHECKS`.
    run : callable
        Takes the loaded :class:`~iicsa_stats.validation._state.PackageState`, yields its problems.
    """

    name: str
    run: Callable[[PackageState], Iterable[Problem]]

    def __post_init__(self) -> None:
        if self.name not in CHECKS:
            raise ValueError(f"check {self.name!r} is not listed in CHECKS; add it there")


#: Every check, in the order :func:`~iicsa_stats.validation.validate` runs them (the order of CHECKS).
REGISTRY: tuple[Check, ...] = tuple(
    Check(name=module.NAME, run=module.run)
    for module in (files, package, checksums, raw, quotes, ledger, keys, comparisons, parquet, rebuild)
)
if tuple(check.name for check in REGISTRY) != CHECKS:  # pragma: no cover - a developer error, caught on import
    raise RuntimeError("the check registry and CHECKS list different checks or orders")
