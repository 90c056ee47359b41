"""The :class:`Problem` a check reports, and the plain-text report of a list of them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

__all__ = ["CHECKS", "Problem", "format_report"]

#: At most this many problems of one kind per file are listed (a table damaged throughout fails on every row).
CAP = 10

#: Every check :func:`~iicsa_stats.validation.validate` runs, in the order it runs them (the registry's order).
CHECKS = ("files", "package", "checksums", "raw", "quotes", "ledger", "keys", "comparisons", "parquet", "rebuild")


@dataclass(frozen=True, kw_only=True, slots=True)
class Problem:
    """One thing wrong with a data package.

    Attributes
    ----------
    check : str
        The check that found it, one of :data:`CHECKS`.
    file : str or None
        The file concerned, relative to the data package root (POSIX form).
    table : str or None
        The table concerned.
    row : str or None
        The row concerned, usually as its primary key (``"figure_id=..."``).
    field : str or None
        The column concerned.
    expected, found : str or None
        What the check expected and what it found.
    figure_id : str or None
        The figure concerned, when there is one.
    message : str
        What is wrong and, where it helps, what to do.
    """

    check: str
    file: str | None = None
    table: str | None = None
    row: str | None = None
    field: str | None = None
    expected: str | None = None
    found: str | None = None
    figure_id: str | None = None
    message: str

    def __post_init__(self) -> None:
        if self.check not in CHECKS:
            raise ValueError(f"unknown check {self.check!r}; expected one of {CHECKS}")
        if not self.message.strip():
            raise ValueError("a problem needs a message")

    def __str__(self) -> str:
        row = self.row if not self.row or self.row.startswith("line ") else f"row {self.row}"
        table, field = self.table and f"table {self.table}", self.field and f"field {self.field}"
        figure = self.figure_id and f"figure {self.figure_id}"
        where = ", ".join(part for part in (self.file, table, row, field, figure) if part)
        text = f"[{self.check}] " + (f"{where}: " if where else "") + _one_line(self.message)
        pairs = (("expected", self.expected), ("found", self.found))
        details = "; ".join(f"{label} {_short(value)}" for label, value in pairs if value is not None)
        return f"{text} ({details})" if details else text


def _one_line(text: str) -> str:
    return " | ".join(line.strip() for line in text.splitlines() if line.strip())


def _short(value: str, width: int = 80) -> str:
    text = repr(value) if "\n" in value or value != value.strip() else value
    return text if len(text) <= width else text[: width - 3] + "..."


def format_report(problems: Sequence[Problem]) -> str:
    """A plain-text report: a summary line, then one line per problem, grouped by check.

    Examples
    --------
    >>> print(format_report([]))
    validate: no problems found
    >>> print(format_report([Problem(check="raw", file="data/raw/a.txt", message="size differs")]))
    validate: 1 problem found (raw: 1)
      [raw] data/raw/a.txt: size differs
    """
    if not problems:
        return "validate: no problems found"
    counts = Counter(p.check for p in problems)
    order = {check: i for i, check in enumerate(CHECKS)}
    summary = ", ".join(f"{check}: {counts[check]}" for check in sorted(counts, key=order.__getitem__))
    noun = "problem" if len(problems) == 1 else "problems"
    lines = [f"validate: {len(problems)} {noun} found ({summary})"]
    lines += [f"  {p}" for p in sorted(problems, key=lambda p: order[p.check])]
    return "\n".join(lines)


def capped(problems: Iterable[Problem], file: str | None, table: str | None = None) -> Iterator[Problem]:
    """The first :data:`CAP` of ``problems`` (all of one kind), then one saying how many more there are."""
    found = list(problems)
    yield from found[:CAP]
    if len(found) > CAP:
        more = f"{len(found) - CAP} more problems of this kind (the first {CAP} are listed)"
        yield Problem(check=found[0].check, file=file, table=table, message=more)
