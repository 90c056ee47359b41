"""Where a figure comes from: the Inquiry document, the place in it, the exact quote, the producer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ._fieldtypes import check_field_types

__all__ = ["PRODUCER_BASES", "Provenance", "Reference"]


#: How the producer of a figure is known: named by the source, inferred by the curators, or not given.
PRODUCER_BASES = ("stated", "inferred", "not_stated")


@dataclass(frozen=True, kw_only=True, slots=True)
class Reference:
    """A public reference that a curator's note rests on.

    Attributes
    ----------
    title : str
        Title or description of the reference.
    url : str
        Public address where the fact was found.
    confirmed : bool
        False where the fact rests on reporting that could not be confirmed in detail.
    """

    title: str
    url: str
    confirmed: bool

    def __post_init__(self) -> None:
        check_field_types(self)
        if not self.url.startswith(("https://", "http://")):
            raise ValueError(f"reference url must be a web address, got {self.url!r}")


@dataclass(frozen=True, kw_only=True, slots=True)
class Provenance:
    """The source of a figure, down to the characters of the raw text.

    Attributes
    ----------
    document_id : str
        Id of the Inquiry document that states the figure (the citing document).
    document_title : str
        Its title.
    publisher : str
        Its publisher.
    url : str
        Its canonical public address.
    published : datetime.date or None
        Its publication date, where known.
    published_label : str
        What is known of the publication date, in words.
    licence_statement : str
        What is known of the document's copyright and licence.
    raw_path : str
        Path of the verbatim raw text inside the data package.
    locator : str
        Section and paragraph of the figure, e.g. ``"B.1 para 2.2"``.
    footnote_markers : tuple of str
        The source's footnote markers for the figure, e.g. ``("[3]", "[4]")``;
        their texts were not captured.
    quote : str
        The exact words of the source that state the figure.
    quote_start, quote_end : int
        Offsets of the quote in the raw text (Unicode code points, end exclusive).
    producer_id : str or None
        Id of the body that produced the figure; None when the source names none.
    producer_name : str or None
        Its name.
    producer_basis : str
        ``stated``, ``inferred`` (from context, by the curators) or ``not_stated``.
    cited_work : str
        The producer's work the Inquiry cites, as far as the source identifies it.
    """

    document_id: str
    document_title: str
    publisher: str
    url: str
    published: dt.date | None
    published_label: str
    licence_statement: str
    raw_path: str
    locator: str
    footnote_markers: tuple[str, ...]
    quote: str
    quote_start: int
    quote_end: int
    producer_id: str | None
    producer_name: str | None
    producer_basis: str
    cited_work: str

    def __post_init__(self) -> None:
        check_field_types(self)
        if not 0 <= self.quote_start < self.quote_end:
            raise ValueError(f"quote offsets must satisfy 0 <= start < end, got {self.quote_start}, {self.quote_end}")
        if self.quote_end - self.quote_start != len(self.quote):
            raise ValueError("quote offsets do not span the quote's length")
        if self.producer_basis not in PRODUCER_BASES:
            raise ValueError(f"unknown producer_basis {self.producer_basis!r}")
        if (self.producer_id is None) != (self.producer_basis == "not_stated"):
            raise ValueError("producer_id must be given unless producer_basis is 'not_stated'")

    @property
    def producer_line(self) -> str:
        """Who produced the figure and who cites it, in one phrase."""
        if self.producer_name is None:
            return f"producer not stated; cited by {self.publisher}"
        inferred = " (inferred from context)" if self.producer_basis == "inferred" else ""
        return f"produced by {self.producer_name}{inferred}; cited by {self.publisher}"
