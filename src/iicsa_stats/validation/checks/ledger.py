"""The ``ledger`` check.

Every numeric mention of every raw document has its ledger row, and every ledger row its mention, inside the
quote of the figure or caveat it is attributed to.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ...numbers import NumberMention, find_numbers, same_value, values_in
from ...tables import Row, csv_path
from .._problem import Problem, problem
from .._state import REBUILD_FIX, VALUE_FIELDS, PackageState, as_csv_number

NAME = "ledger"


def _spans(rows: Iterable[Row], key: str) -> dict[str, tuple[str, int, int]]:
    spans = {}
    for row in rows:
        start, end = row.get("quote_start"), row.get("quote_end")
        if row.get("document_id") and isinstance(start, int) and isinstance(end, int):
            spans[row[key]] = (row["document_id"], start, end)
    return spans


def run(pkg: PackageState) -> Iterator[Problem]:
    """Yield every problem of this check on the loaded package ``pkg``."""
    if "ledger" not in pkg.tables:
        return  # reported by `files`
    ledger = _Ledger.of(pkg)
    yield from ledger.offsetless_rows()
    for doc_id, text in pkg.raw_texts.items():
        yield from ledger.document(doc_id, text)
    yield from ledger.declared_values()
    yield from pkg.skipped("ledger", ledger.skipped)


@dataclass
class _Ledger:
    """The ledger check's view of a package: the ledger rows by document and offset, and the quote spans."""

    pkg: PackageState
    rel: str
    #: A row that claims a number for a figure or a caveat is checked only when that table could be read.
    unread_status: dict[str, str]
    skipped: set[str]
    figure_spans: dict[str, tuple[str, int, int]]
    caveat_spans: dict[str, tuple[str, int, int]]
    declared: dict[str, list[float]]
    #: The figure spans by document, in the order of ``figure_spans``: a lookup scans one document's quotes only.
    figures_by_doc: dict[str, list[tuple[str, int, int]]] = field(default_factory=dict)
    rows_by_doc: dict[str, dict[int, Row]] = field(default_factory=lambda: defaultdict(dict))
    usable: list[Row] = field(default_factory=list)

    @classmethod
    def of(cls, pkg: PackageState) -> _Ledger:
        figures = pkg.figures()
        figure_spans = _spans(figures, "figure_id")
        figures_by_doc: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
        for fid, (doc_id, start, end) in figure_spans.items():
            figures_by_doc[doc_id].append((fid, start, end))
        return cls(
            pkg=pkg,
            rel=pkg.rel(csv_path(pkg.root, "ledger")),
            unread_status={
                status: source
                for status, table in (("figure", "figures"), ("caveat", "caveats"))
                if (source := pkg.table_source(table))
            },
            skipped={
                pkg.text_failures[row["document_id"]]
                for row in pkg.tables["ledger"]
                if row.get("document_id") in pkg.text_failures
            },
            figure_spans=figure_spans,
            caveat_spans=_spans(pkg.tables.get("caveats", []), "caveat_id"),
            declared={fig["figure_id"]: [fig[k] for k in VALUE_FIELDS if fig.get(k) is not None] for fig in figures},
            figures_by_doc=dict(figures_by_doc),
        )

    def covering(self, doc_id: str, start: int, end: int) -> list[str]:
        """The figures whose quote holds ``start..end`` of document ``doc_id``."""
        return [fid for fid, s, e in self.figures_by_doc.get(doc_id, ()) if s <= start and end <= e]

    def offsetless_rows(self) -> Iterator[Problem]:
        """Rows without offsets; the others are indexed by document and start offset."""
        for row in self.pkg.tables["ledger"]:
            if not isinstance(row.get("start"), int) or not isinstance(row.get("end"), int):
                yield problem(
                    check="ledger",
                    file=self.rel,
                    table="ledger",
                    row=self.pkg.key("ledger", row),
                    field="start" if not isinstance(row.get("start"), int) else "end",
                    figure_id=row.get("figure_id"),
                    message=f"the ledger row has no start or end offset; {REBUILD_FIX}",
                )
                continue
            self.usable.append(row)
            self.rows_by_doc[row["document_id"]].setdefault(row["start"], row)

    def document(self, doc_id: str, text: str) -> Iterator[Problem]:
        """Every number of a raw text against its ledger row, then the rows left without a number."""
        raw_rel = self.pkg.raw_paths[doc_id]
        rows = self.rows_by_doc.pop(doc_id, {})
        for mention in find_numbers(text):
            yield from self.mention(doc_id, raw_rel, rows, mention)
        for start, row in sorted(rows.items()):
            owner = row.get("figure_id") or next(iter(self.covering(doc_id, start, row["end"])), None)
            yield problem(
                check="ledger",
                file=self.rel,
                table="ledger",
                row=f"document_id={doc_id}, start={start}",
                figure_id=owner,
                found=str(row.get("text")),
                message=f"the ledger row has no matching number at offset {start} of {raw_rel}; {REBUILD_FIX}",
            )

    def mention(self, doc_id: str, raw_rel: str, rows: dict[int, Row], mention: NumberMention) -> Iterator[Problem]:
        """One number of a raw text: its ledger row exists, matches it, and its status holds."""
        figs = self.covering(doc_id, mention.start, mention.end)
        where = {
            "check": "ledger",
            "file": self.rel,
            "table": "ledger",
            "row": f"document_id={doc_id}, start={mention.start}",
        }
        if mention.start not in rows:
            inside = f"; it lies in the quote of figure {figs[0]!r}" if figs else ""
            yield problem(
                **where,
                figure_id=figs[0] if figs else None,
                expected=mention.text,
                message=f"the number {mention.text!r} at offset {mention.start} of {raw_rel} has no ledger row"
                f"{inside}; {REBUILD_FIX}",
            )
            return
        row = rows.pop(mention.start)
        owner = row.get("figure_id") or (figs[0] if figs else None)
        for name, actual in (("end", mention.end), ("text", mention.text), ("kind", mention.kind)):
            if row.get(name) != actual:
                yield problem(
                    **where,
                    field=name,
                    figure_id=owner,
                    expected=str(actual),
                    found=str(row.get(name)),
                    message=f"the ledger row does not match the number at offset {mention.start} of {raw_rel}; "
                    f"{REBUILD_FIX}",
                )
        status = row.get("status")
        if status in self.unread_status:
            self.skipped.add(self.unread_status[status])
        elif status in ("figure", "caveat"):
            yield from self.claimed(where, doc_id, row, mention, owner)
        elif status == "excluded":
            yield from self.excluded(where, row, mention, owner, figs)

    def claimed(
        self, where: dict[str, Any], doc_id: str, row: Row, mention: NumberMention, owner: str | None
    ) -> Iterator[Problem]:
        """The row claims the number for a figure's or a caveat's quote: that quote must hold it."""
        status = row["status"]
        column, spans, none = (
            ("figure_id", self.figure_spans, "no figure")
            if status == "figure"
            else ("caveat_id", self.caveat_spans, "no quoted caveat")
        )
        claimed = row.get(column)
        named = claimed if status == "figure" else owner
        span = spans.get(claimed or "")
        if span is None or span[0] != doc_id:
            yield problem(
                **where,
                field=column,
                figure_id=named,
                found=str(claimed),
                message=f"a {status} row of the ledger names {none} of document {doc_id!r}",
            )
        elif not span[1] <= mention.start <= mention.end <= span[2]:
            yield problem(
                **where,
                figure_id=named,
                expected=f"inside {span[1]}..{span[2]}",
                found=f"{mention.start}..{mention.end}",
                message=f"the number {mention.text!r} lies outside the quote of {status} {claimed!r}",
            )

    def excluded(
        self, where: dict[str, Any], row: Row, mention: NumberMention, owner: str | None, figs: list[str]
    ) -> Iterator[Problem]:
        """An excluded number needs a reason, and must not be a declared value of a figure quoting it."""
        if row.get("figure_id") or row.get("caveat_id") or not row.get("reason"):
            yield problem(
                **where,
                figure_id=owner,
                message="an excluded ledger row needs a reason and no figure_id or caveat_id",
            )
        if "figure" in self.unread_status:
            self.skipped.add(self.unread_status["figure"])
        for fid in figs:
            if any(same_value(v, d) for v in mention.values for d in self.declared.get(fid, [])):
                yield problem(
                    **where,
                    field="status",
                    figure_id=fid,
                    found=mention.text,
                    message=f"the number {mention.text!r} is a declared value of figure {fid!r} "
                    "but the ledger marks it excluded",
                )

    def declared_values(self) -> Iterator[Problem]:
        """Every declared value is in the ledger, as a number inside its figure's quote that is not excluded."""
        accounted: dict[str, set[float]] = defaultdict(set)
        for row in self.usable:
            if row.get("status") in ("figure", "caveat") and row.get("text"):
                for fid in self.covering(row["document_id"], row["start"], row["end"]):
                    accounted[fid] |= values_in(row["text"])
        for fig in self.pkg.figures():
            fid = fig["figure_id"]
            if fig["document_id"] not in self.pkg.raw_texts or fid not in self.figure_spans:
                continue  # reported by `files` or `quotes`
            for name in VALUE_FIELDS:
                value = fig.get(name)
                if value is not None and not any(same_value(value, v) for v in accounted[fid]):
                    yield problem(
                        check="ledger",
                        file=self.rel,
                        table="ledger",
                        field=name,
                        figure_id=fid,
                        expected=as_csv_number(value),
                        found=", ".join(as_csv_number(v) for v in sorted(accounted[fid])) or "no number",
                        message=f"{name} of figure {fid!r} is not among the ledger's numbers inside its quote",
                    )
