"""Where a figure comes from (the citing document, the quote, the chain of bodies, the pages), with the rules the
model classes and the curation checks both apply, and :func:`check_types`, the model's one type check."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, fields

__all__ = ["PRODUCER_BASES", "ROLES", "STEP_BASES", "Provenance", "Reference", "SourceStep", "check_types"]

#: How the producer of a figure is known (named by the source, on a public page, inferred, or not given).
PRODUCER_BASES = ("stated", "public_reference", "inferred", "not_stated")
#: What a body did with a number (see the figure_sources table), and the order of roles along a chain.
ROLE_ORDER = {"collected": 0, "compiled": 1, "estimated": 1, "reviewed": 1, "reported": 2, "cited": 3}
ROLES = tuple(ROLE_ORDER)
#: How a step of the chain is known: stated in the source, on a public page, or inferred by the curators.
STEP_BASES = ("source", "public_reference", "inferred")
#: The classes an annotation names (another model class checks itself; a float may be an int, never a bool).
_TYPES = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,), "dt.date": (dt.date,),
          "tuple": (tuple,)}  # fmt: skip
#: For each model class: each field's name and annotation, whether it may be None, the classes its value may be.
_FIELD_TYPES: dict[type, list[tuple[str, str, bool, tuple[type, ...]]]] = {}


def check_types(obj: object) -> None:
    """Raise TypeError naming the first field whose value is not of its annotated type (a bool is no number)."""
    if type(obj) not in _FIELD_TYPES:  # read once a class
        found = _FIELD_TYPES[type(obj)] = []
        for f in fields(obj):  # type: ignore[arg-type]
            names = str(f.type).split(" | ")
            kinds = tuple(t for n in names if n != "None" for t in _TYPES.get(n.split("[")[0], (object,)))
            found.append((f.name, str(f.type), "None" in names, kinds))
    for name, annotation, optional, kinds in _FIELD_TYPES[type(obj)]:
        value = getattr(obj, name)
        if (value is not None or not optional) and (
            not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds)
        ):
            raise TypeError(
                f"{type(obj).__name__}.{name} must be of type {annotation}, got {type(value).__name__} {value!r:.60}"
            )


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


def page_url_problem(url: str) -> str | None:
    """Why ``url`` is not the address of a specific public page (https, a host, a path), or None."""
    if not url.startswith("https://"):
        return f"{url!r} is not an https:// address"
    page = re.fullmatch(r"https://[A-Za-z0-9.-]+\.[A-Za-z]+/([^\s\x00-\x1f\x7f-\x9f]+)", url)
    path = page.group(1).split("#", maxsplit=1)[0].split("?", maxsplit=1)[0] if page else ""
    if re.fullmatch(r"/*((index|default|home)\.(html?|php|aspx?))?", path):  # no path, or only an index page
        return f"{url!r} is a site's home page or not a page address; cite the specific page that states the fact"
    return None


def page_date_problem(value: str) -> str | None:
    """Why ``value`` is not a page's date (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, a real day), or None."""
    if re.fullmatch(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?", value):
        try:
            dt.date.fromisoformat(f"{value}-01-01"[:10])  # "2020" and "2020-05" as their first day
        except ValueError:
            pass
        else:
            return None
    return f"reference date {value!r} is not a real YYYY, YYYY-MM or YYYY-MM-DD"


@dataclass(frozen=True, kw_only=True, slots=True)
class Reference:
    """A public page that a curator's note rests on (a row of caveat_references); ``str()`` gives one line."""

    title: str
    publisher: str
    published: str | None
    url: str
    supports: str
    confirmed: bool

    def __post_init__(self) -> None:
        check_types(self)
        if problem := page_url_problem(self.url):
            raise ValueError(f"reference url {problem}")
        if self.published is not None and (problem := page_date_problem(self.published)):
            raise ValueError(problem)
        if not self.supports.strip():
            raise ValueError(f"reference {self.url!r} does not say what it supports")

    def __str__(self) -> str:
        date = f", {self.published}" if self.published else ""
        unconfirmed = "" if self.confirmed else " (not confirmed in detail)"
        return f"{self.title} ({self.publisher}{date}) <{self.url}>: {self.supports}{unconfirmed}"


@dataclass(frozen=True, kw_only=True, slots=True)
class SourceStep:
    """A step of a figure's provenance chain, a row of figure_sources (``body_id`` is its ``producer_id``)."""

    body_id: str
    body_name: str
    role: str
    basis: str
    reference_url: str | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        check_types(self)
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

    def __str__(self) -> str:
        note = f" ({self.note})" if self.note else ""
        how = {"public_reference": f" [public reference <{self.reference_url}>]", "inferred": " [inferred]"}
        return f"{self.role} by {self.body_name}{note}{how.get(self.basis, '')}"


@dataclass(frozen=True, kw_only=True, slots=True)
class Provenance:
    """The source of a figure, down to the characters of the raw text.

    The citing document's columns of the documents table (``document_title`` is its ``title``) up to ``raw_path``,
    then the figure's of the figures table (docs/data-dictionary.md); ``producer_name`` names the producer and
    ``sources`` is the chain of :class:`SourceStep`, first step first.
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
        check_types(self)
        if not 0 <= self.quote_start < self.quote_end:
            raise ValueError(f"quote offsets must satisfy 0 <= start < end, got {self.quote_start}, {self.quote_end}")
        if self.quote_end - self.quote_start != len(self.quote):
            raise ValueError("quote offsets do not span the quote's length")
        if self.producer_basis not in PRODUCER_BASES:
            raise ValueError(f"unknown producer_basis {self.producer_basis!r}")
        if (self.producer_id is None) != (self.producer_basis == "not_stated"):
            raise ValueError("producer_id must be given unless producer_basis is 'not_stated'")
        if problem := chain_problem(
            [s.role for s in self.sources], [s.body_id for s in self.sources], self.producer_id
        ):
            raise ValueError(problem)

    @property
    def chain_line(self) -> str:
        """The provenance chain in one line, first step first."""
        return " -> ".join(map(str, self.sources))

    @property
    def producer_line(self) -> str:
        """Who produced the figure and who cites it, in one phrase."""
        if self.producer_name is None:
            return f"producer not stated; cited by {self.publisher}"
        how = {"inferred": " (inferred from context)", "public_reference": " (named on a public page)"}
        return f"produced by {self.producer_name}{how.get(self.producer_basis, '')}; cited by {self.publisher}"
