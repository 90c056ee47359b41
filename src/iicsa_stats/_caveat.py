"""Caveats as data: each stated in a source (with its quote) or a curator's note (with references)."""

from __future__ import annotations

from dataclasses import dataclass

from ._fieldtypes import check_field_types
from ._provenance import Reference

__all__ = ["BASES", "KINDS", "Caveat"]

#: Where a caveat comes from: quoted from the source, or written by the curators.
BASES = ("source", "curator")
#: Kinds of caveat (what it is about), as in the caveats table's schema.
KINDS = (
    "definition",
    "comparability",
    "coverage",
    "estimation_method",
    "bound_uncertainty",
    "recording_practice",
    "period",
    "secondary_source",
    "missing_footnote_text",
    "geography",
    "context",
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Caveat:
    """A caveat that applies to one or more figures.

    Attributes
    ----------
    id : str
        Stable identifier.
    kind : str
        What it is about (see :data:`KINDS`), e.g. ``comparability``.
    text : str
        The caveat in plain words.
    basis : str
        ``source`` (stated in a source document, with its quote) or
        ``curator`` (a curator's note resting on public references).
    document_id, locator, quote : str or None
        For a source caveat: the document, the place in it and the exact words.
    quote_start, quote_end : int or None
        For a source caveat: the quote's offsets in the raw text.
    references : tuple of Reference
        For a curator's note: the public references it rests on.
    """

    id: str
    kind: str
    text: str
    basis: str
    document_id: str | None = None
    locator: str | None = None
    quote: str | None = None
    quote_start: int | None = None
    quote_end: int | None = None
    references: tuple[Reference, ...] = ()

    def __post_init__(self) -> None:
        check_field_types(self)
        if self.kind not in KINDS:
            raise ValueError(f"unknown caveat kind {self.kind!r}; expected one of {KINDS}")
        if self.basis == "source":
            if None in (self.document_id, self.quote, self.quote_start, self.quote_end):
                raise ValueError(f"caveat {self.id!r} is stated in the source but has no quote and offsets")
            if self.references:
                raise ValueError(f"caveat {self.id!r}: a source caveat rests on its quote, not on references")
        elif self.basis == "curator":
            if not self.references:
                raise ValueError(f"caveat {self.id!r} is a curator's note without a public reference")
            if self.quote is not None:
                raise ValueError(f"caveat {self.id!r}: a curator's note has no quote")
        else:
            raise ValueError(f"caveat basis must be 'source' or 'curator', got {self.basis!r}")

    @property
    def basis_line(self) -> str:
        """Where the caveat comes from, in one line."""
        if self.basis == "source":
            return f"stated in the source ({self.locator}): \u201c{self.quote}\u201d"
        return "curator's note, based on: " + "; ".join(r.line for r in self.references)

    def __str__(self) -> str:
        return f"[{self.kind}] {self.text}"
