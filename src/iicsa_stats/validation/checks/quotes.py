"""The ``quotes`` check.

Every figure's and source caveat's quote is the raw text between its offsets, and every declared value is
among the numbers of its quote.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...numbers import same_value, values_in
from ...tables import Row, csv_path
from .._problem import Problem, problem
from .._state import VALUE_FIELDS, PackageState, as_csv_number

NAME = "quotes"


def _check_quote(
    pkg: PackageState, table: str, row: Row, *, item: str, text: str | None, figure_id: str | None
) -> Iterator[Problem]:
    """Check one quote against its raw text."""
    csv_rel = pkg.rel(csv_path(pkg.root, table))
    where = {"check": "quotes", "file": csv_rel, "table": table, "row": pkg.key(table, row), "figure_id": figure_id}
    doc_id = row.get("document_id")
    if text is None:
        yield problem(
            **where,
            field="document_id",
            found=str(doc_id),
            message=f"the quote of {item} cannot be checked: the raw text of document {doc_id!r} is not available",
        )
        return
    quote, start, end = row.get("quote"), row.get("quote_start"), row.get("quote_end")
    if quote is None or start is None or end is None:
        yield problem(**where, field="quote", message=f"{item} has no quote, quote_start or quote_end")
        return
    if not 0 <= start <= end <= len(text):
        yield problem(
            **where,
            field="quote_start",
            expected=f"0 <= quote_start <= quote_end <= {len(text)}",
            found=f"{start}..{end}",
            message=f"the quote offsets of {item} lie outside the raw text of {doc_id!r}",
        )
        return
    if text[start:end] != quote:
        yield problem(
            **where,
            field="quote",
            expected=quote,
            found=text[start:end],
            message=f"the quote of {item} is not the raw text of {doc_id!r} between offsets {start} and {end}",
        )


def _unread_text(pkg: PackageState, doc_id: Any) -> str | None:
    """The unreadable file that keeps the raw text of ``doc_id`` from being checked against, or None."""
    if doc_id in pkg.text_failures:
        return pkg.text_failures[doc_id]
    if doc_id not in pkg.raw_paths and "documents" not in pkg.tables:
        return pkg.table_source("documents")  # the raw texts it lists could not all be found
    return None


def run(pkg: PackageState) -> Iterator[Problem]:
    """Yield every problem of this check on the loaded package ``pkg``."""
    skipped: set[str] = set()
    for fig in pkg.figures():
        fid = fig["figure_id"]
        text = pkg.raw_texts.get(fig["document_id"])
        if text is None and (unread := _unread_text(pkg, fig["document_id"])):
            skipped.add(unread)
        else:
            yield from _check_quote(pkg, "figures", fig, item=f"figure {fid!r}", text=text, figure_id=fid)
        found = values_in(fig.get("quote") or "")
        for name in VALUE_FIELDS:
            value = fig.get(name)
            if value is None or any(same_value(value, v) for v in found):
                continue
            yield problem(
                check="quotes",
                file=pkg.rel(csv_path(pkg.root, "figures")),
                table="figures",
                row=pkg.key("figures", fig),
                field=name,
                figure_id=fid,
                expected=f"one of {', '.join(as_csv_number(v) for v in sorted(found))}"
                if found
                else "a number in the quote",
                found=as_csv_number(value),
                message=f"{name} of figure {fid!r} is not among the numbers of its quote",
            )
    for caveat in pkg.tables.get("caveats", []):
        if caveat.get("basis") != "source" and caveat.get("quote") is None:
            continue
        text = pkg.raw_texts.get(caveat.get("document_id") or "")
        if text is None and (unread := _unread_text(pkg, caveat.get("document_id"))):
            skipped.add(unread)
            continue
        yield from _check_quote(
            pkg, "caveats", caveat, item=f"caveat {caveat['caveat_id']!r}", text=text, figure_id=None
        )
    yield from pkg.skipped("quotes", skipped)
