"""The ledger check looks up the quotes that hold a number in the number's own document only."""

from __future__ import annotations

import pytest

from iicsa_stats.validation.checks import _covering, spans_by_document

FIGURES = [
    {"figure_id": "a-first", "document_id": "doc-a", "quote_start": 10, "quote_end": 50, "value": 1.0},
    {"figure_id": "b-only", "document_id": "doc-b", "quote_start": 0, "quote_end": 100, "value": 2.0},
    {"figure_id": "a-second", "document_id": "doc-a", "quote_start": 20, "quote_end": 30, "value": 3.0},
    {"figure_id": "no-offsets", "document_id": "doc-a", "quote_start": None, "quote_end": None, "value": 4.0},
]


@pytest.mark.parametrize(
    ("doc_id", "start", "end", "expected"),
    [
        ("doc-a", 22, 25, ["a-first", "a-second"]),  # in the order of the figures table
        ("doc-a", 12, 15, ["a-first"]),
        ("doc-a", 45, 55, []),  # runs past the end of the quote
        ("doc-b", 22, 25, ["b-only"]),  # the same offsets in another document
        ("doc-c", 22, 25, []),  # a document without figures
    ],
)
def test_covering_is_per_document(doc_id: str, start: int, end: int, expected: list[str]) -> None:
    assert _covering(spans_by_document(FIGURES, "figure_id")[doc_id], start, end) == expected
