"""Where a figure comes from: the Inquiry document, the place in it, the exact quote, the producer."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ._fieldtypes import check_field_types

__all__ = ["PRODUCER_BASES", "ROLES", "STEP_BASES", "Provenance", "Reference", "SourceStep"]


#: How the producer of a figure is known: named by the source, named on a public page (for a work the source
#: names without its authors), inferred by the curators, or not given.
PRODUCER_BASES = ("stated", "public_reference", "inferred", "not_stated")
#: What a body did with a number, in a figure's provenance chain (see the figure_sources table).
ROLES = ("collected", "compiled", "estimated", "reviewed", "reported", "cited")
#: How a step of the chain is known: stated in the source, on a public page, or inferred by the curators.
STEP_BASES = ("source", "public_reference", "inferred")
#: The order of roles along a chain: who collected comes before who compiled, estimated or reviewed, then who
#: reported, and the citing document last.
ROLE_ORDER = {"collected": 0, "compiled": 1, "estimated": 1, "reviewed": 1, "reported": 2, "cited": 3}


def chain_problem(roles: list[str], bodies: list[str], producer: str | None) -> str | None:
    """Why a provenance chain (its roles and bodies, first step first) does not hold together, or None."""
    if not roles:
        return "a figure needs its provenance chain (sources), ending with the citing body"
    if roles[-1] != "cited" or roles.count("cited") != 1:
        return "a provenance chain ends with the one document that cites the figure (role 'cited')"
    ranks = [ROLE_ORDER.get(role, -1) for role in roles]
    if ranks != sorted(ranks):
        order = "collected, then compiled, estimated or reviewed, then reported, then cited"
        return f"the steps are out of order ({', '.join(roles)}): {order}"
    if producer is not None and producer not in bodies[:-1]:
        return f"the producer {producer!r} is not a step of the chain before the citing document"
    return None


#: A specific public page: https, a host with a dot, and a path beyond the site's root.
PAGE_URL = re.compile(r"^https://[A-Za-z0-9.-]+\.[A-Za-z]+/[^\s\x00-\x1f\x7f-\x9f]+$")
#: A page's own date, as precise as the page gives it.
PAGE_DATE = re.compile(r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$")


def page_url_problem(url: str) -> str | None:
    """Why ``url`` is not the address of a specific public page, or None when it is."""
    if not url.startswith("https://"):
        return f"{url!r} is not an https:// address"
    path = url.split("/", 3)[3].split("#", maxsplit=1)[0].split("?", maxsplit=1)[0] if PAGE_URL.match(url) else ""
    if re.sub(r"(^|/)(index|default|home)\.(html?|php|aspx?)$", "", path).strip("/") == "":
        return f"{url!r} is a site's home page or not a page address; cite the specific page that states the fact"
    return None


def page_date_problem(value: str) -> str | None:
    """Why ``value`` is not a page's date (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, a real day), or None."""
    if PAGE_DATE.match(value):
        parts = [int(p) for p in value.split("-")] + [1, 1]
        try:
            dt.date(parts[0], parts[1], parts[2])
        except ValueError:
            pass
        else:
            return None
    return f"reference date {value!r} is not a real YYYY, YYYY-MM or YYYY-MM-DD"


@dataclass(frozen=True, kw_only=True, slots=True)
class Reference:
    """A public reference that a curator's note rests on.

    Attributes
    ----------
    title : str
        The page's title.
    publisher : str
        Who published the page.
    published : str or None
        The page's own date as precise as it gives it (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``), or None.
    url : str
        Address of the specific page (https, never a home page).
    supports : str
        In the curators' words: what on that page the note relies on.
    confirmed : bool
        False where the page reports the fact but the curators could not confirm it in detail.
    """

    title: str
    publisher: str
    published: str | None
    url: str
    supports: str
    confirmed: bool

    def __post_init__(self) -> None:
        check_field_types(self)
        problem = page_url_problem(self.url)
        if problem:
            raise ValueError(f"reference url {problem}")
        if self.published is not None and (problem := page_date_problem(self.published)):
            raise ValueError(problem)
        if not self.supports.strip():
            raise ValueError(f"reference {self.url!r} does not say what it supports")

    @property
    def line(self) -> str:
        """The reference in one line: title, publisher, date, address, and what it supports."""
        date = f", {self.published}" if self.published else ""
        unconfirmed = "" if self.confirmed else " (not confirmed in detail)"
        return f"{self.title} ({self.publisher}{date}) <{self.url}>: {self.supports}{unconfirmed}"


@dataclass(frozen=True, kw_only=True, slots=True)
class SourceStep:
    """One step of a figure's provenance chain: a body and what it did with the number.

    Attributes
    ----------
    body_id, body_name : str
        The body (an id of the producers table, and its name).
    role : str
        ``collected``, ``compiled``, ``estimated``, ``reviewed``, ``reported`` or ``cited``.
    basis : str
        ``source`` (stated in the Inquiry document), ``public_reference`` (stated on the page in
        ``reference_url``) or ``inferred`` (the curators' inference, explained in ``note``).
    reference_url : str or None
        For ``public_reference``, the page that states the step.
    note : str or None
        What the step involved, in a few words.
    """

    body_id: str
    body_name: str
    role: str
    basis: str
    reference_url: str | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        check_field_types(self)
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}; expected one of {ROLES}")
        if self.basis not in STEP_BASES:
            raise ValueError(f"unknown basis {self.basis!r}; expected one of {STEP_BASES}")
        if (self.reference_url is None) == (self.basis == "public_reference"):
            raise ValueError("a step has a reference_url exactly when its basis is public_reference")
        if self.reference_url is not None and (problem := page_url_problem(self.reference_url)):
            raise ValueError(f"step reference {problem}")
        if self.basis == "inferred" and not self.note:
            raise ValueError("an inferred step needs a note saying what the inference rests on")

    @property
    def line(self) -> str:
        """The step in words, e.g. ``compiled by NSPCC (through Freedom of Information requests)``."""
        note = f" ({self.note})" if self.note else ""
        how = {
            "source": "",
            "public_reference": f" [public reference <{self.reference_url}>]",
            "inferred": " [inferred]",
        }
        return f"{self.role} by {self.body_name}{note}{how[self.basis]}"


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
        ``stated``, ``public_reference`` (named on a public page), ``inferred`` (from context, by the curators)
        or ``not_stated``.
    cited_work : str
        The producer's work the Inquiry cites, as far as the source identifies it.
    sources : tuple of SourceStep
        The provenance chain, from the body that first collected or produced the
        number to the document that cites it (the figure_sources table).
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
    sources: tuple[SourceStep, ...] = ()

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
        problem = chain_problem([s.role for s in self.sources], [s.body_id for s in self.sources], self.producer_id)
        if problem:
            raise ValueError(problem)

    @property
    def chain_line(self) -> str:
        """The provenance chain in one line, first step first."""
        return " -> ".join(step.line for step in self.sources)

    @property
    def producer_line(self) -> str:
        """Who produced the figure and who cites it, in one phrase."""
        if self.producer_name is None:
            return f"producer not stated; cited by {self.publisher}"
        how = {"inferred": " (inferred from context)", "public_reference": " (named on a public page)"}
        return f"produced by {self.producer_name}{how.get(self.producer_basis, '')}; cited by {self.publisher}"
