"""Citations in the formats reference managers read: plain text, BibTeX, CSL-JSON and RIS.

A figure's citation names the Inquiry document that states it (a report is
cited as a report, a web page as a web page: title, publisher, date, address),
the figure's original producer and its place in the document (in the
description every style prints: CSL ``genre``, BibTeX ``type``, RIS ``M3``),
and, in the note, the version of iicsa_stats it was compiled in.  The whole
package is cited as a data set from its ``datapackage.json`` (title, creator,
address) with its version and release date (``_version.py``, their one source).

No access date is given: the package records none, so there is no empty
``urldate``, ``Y2`` or ``accessed`` (add one when your style asks for it).
Every value is written so that it cannot break its format: BibTeX's special
characters are escaped in every field, braces so that a brace-counting
parser still finds each field whole (and the address percent-encoded), and
line breaks and other control characters are folded into spaces, so no value
can start a second RIS record.

Standard library only, like the rest of the lookup path.

>>> import iicsa_stats as ist
>>> print(ist.figure("nspcc-males-viewed-csa-images-uk").cite(style="ris").splitlines()[0])
TY  - RPRT
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from . import _loader
from ._provenance import Provenance
from ._version import __release_date__, __version__
from .errors import InvalidArgumentError, UnknownCitationStyleError

# typing is imported for type checkers only: a lookup should not pay for it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Protocol

    from ._provenance import SourceStep

    class Figure(Protocol):
        """What a citation reads of a figure (``Figure.cite`` calls this module, which never imports the model)."""

        @property
        def id(self) -> str: ...
        @property
        def headline(self) -> str: ...
        @property
        def provenance(self) -> Provenance: ...
        @property
        def sources(self) -> tuple[SourceStep, ...]: ...
        @property
        def data_root(self) -> str | None: ...


__all__ = ["STYLES", "cite_figure", "cite_package", "original_producer"]

#: The citation formats, for a figure and for the package.
STYLES = ("text", "bibtex", "csl-json", "ris")

_BIBTEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
#: Characters kept as they are in a BibTeX ``url``; any other (braces, backslash, spaces ...) is percent-encoded.
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~-._"
#: Line breaks and other control characters (C0, DEL, C1, and the Unicode line and paragraph separators).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_DOCUMENT_TYPES = {"report": ("report", "report", "RPRT"), "webpage": ("webpage", "misc", "ELEC")}
_PACKAGE_TYPE = ("dataset", "dataset", "DATA")


def _date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _one_line(text: str) -> str:
    """``text`` with every run of line breaks and control characters folded into one space."""
    return _CONTROL.sub(" ", text).strip()


def original_producer(fig: Figure) -> str | None:
    """The name of the body that originally produced a figure, or None when the source names none.

    It is the body of the step of the figure's provenance chain (``fig.sources``) that made the number a
    figure: the one that estimated, compiled or reviewed it, else the first that collected or reported it.

    Parameters
    ----------
    fig : Figure
        The figure.

    Returns
    -------
    str or None
        The body's name.

    Examples
    --------
    >>> import iicsa_stats as ist
    >>> original_producer(ist.figure("research-with-children-participants"))
    'University of Bedfordshire'
    """
    step = _producing_step(fig)
    return None if step is None else step.body_name


def _producing_step(fig: Figure) -> SourceStep | None:
    """The step of the chain that made the number a figure, or None when it names only the citing document.

    That is who estimated, compiled or reviewed it, else who first collected or reported it.
    """
    steps = [step for step in fig.sources if step.role != "cited"]
    made = [step for step in steps if step.role in ("estimated", "compiled", "reviewed")]
    chosen = made or steps
    return chosen[0] if chosen else None


def _chain(fig: Figure) -> str | None:
    """The chain before the citing document, in words: ``collected by A, compiled by B``."""
    steps = [step for step in fig.sources if step.role != "cited"]
    if not steps:
        return None
    return ", ".join(
        f"{step.role} by {step.body_name}" + (" (inferred)" if step.basis == "inferred" else "") for step in steps
    )


def _footnotes(markers: tuple[str, ...]) -> str:
    if not markers:
        return ""
    return f", footnote{'s' if len(markers) > 1 else ''} {' '.join(markers)}"


def _origin(fig: Figure) -> str:
    chain = _chain(fig)
    if chain is None:
        return "The source does not name the figure's producer."
    return f"Provenance: {chain}; work cited: {fig.provenance.cited_work}."


def _description(fig: Figure) -> str:
    """What every style prints after the title: who produced the figure and where the document gives it."""
    chain = _chain(fig)
    place = f"{fig.provenance.locator}{_footnotes(fig.provenance.footnote_markers)}"
    if chain is None:
        return f"Figure whose producer the source does not name, cited at {place}"
    return f"Figure {chain}, cited at {place}"


def _text(fig: Figure) -> str:
    p = fig.provenance
    date = f"Published {_date(p.published)}" if p.published else "Publication date not stated on the page"
    return (
        f"{p.publisher}. {p.document_title}. {p.locator}{_footnotes(p.footnote_markers)}. {date}. {p.url}. "
        f"{_origin(fig)} Figure {fig.id!r} as compiled in iicsa_stats {__version__}."
    )


# -- the entry every format is written from ----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True, slots=True)
class _Entry:
    key: str
    types: tuple[str, str, str]  # CSL, BibTeX and RIS type
    author: str  # a body, not a person
    title: str
    publisher: str | None  # BibTeX institution (report) or organization (web page); the package has none
    date: dt.date | None
    url: str
    description: str  # CSL genre, BibTeX type, RIS M3: printed by every style
    version: str | None
    note: str


def _document_kind(fig: Figure) -> str:
    """``report`` when the documents table calls the citing document a report, else ``webpage``."""
    kinds = {r["document_id"]: str(r["kind"]) for r in _loader.rows("documents", fig.data_root)}  # the figure's root
    return "report" if "report" in kinds.get(fig.provenance.document_id, "").lower() else "webpage"


def _figure_entry(fig: Figure) -> _Entry:
    p = fig.provenance
    date = "" if p.published else " Publication date not stated on the page."
    return _Entry(
        key=f"iicsa-stats:{fig.id}",
        types=_DOCUMENT_TYPES[_document_kind(fig)],
        author=p.publisher,
        title=p.document_title,
        publisher=p.publisher,
        date=p.published,
        url=p.url,
        description=_description(fig),
        version=None,
        note=f"{p.locator}{_footnotes(p.footnote_markers)}.{date} {_origin(fig)} "
        f"Figure {fig.id} ({fig.headline}) as compiled in iicsa_stats {__version__}.",
    )


def _package_entry() -> _Entry:
    package = _loader.package()
    creators = [c["title"] for c in package.get("contributors", []) if "creator" in c.get("roles", [])]
    sources = "; ".join(f"{s['title']} <{s['path']}>" for s in package.get("sources", []))
    version = str(package["version"])
    return _Entry(
        key=f"{package['name']}-{version}",
        types=_PACKAGE_TYPE,
        author=creators[0] if creators else "iicsa_stats project",
        title=package["title"],
        publisher=None,  # the project compiles the data; the Inquiry published the sources, not the package
        date=dt.date.fromisoformat(__release_date__),
        url=package["homepage"],
        description=f"Data package, version {version}",  # in the description: not every style prints "version"
        version=version,
        note=f"Data package {package['name']}, version {version}, released {__release_date__}. "
        f"Based on: {sources}. {package.get('attribution', '')}".strip(),
    )


# -- formats ---------------------------------------------------------------------------------------------------


def _bibtex_text(text: str) -> str:
    r"""``text`` for a BibTeX field: specials escaped; braces as ``\{ \}`` where they pair up, else as words.

    BibTeX and biber count every brace, even an escaped one: a lone ``}`` would end the field, so it is written
    ``\textbraceright{}`` (and a lone ``{`` ``\textbraceleft{}``).
    """
    text = _one_line(text)
    paired: set[int] = set()
    opened: list[int] = []
    for at, c in enumerate(text):
        if c == "{":
            opened.append(at)
        elif c == "}" and opened:
            paired.update((opened.pop(), at))
    lone = {"{": r"\textbraceleft{}", "}": r"\textbraceright{}"}
    return "".join(
        lone[c] if c in lone and at not in paired else _BIBTEX_SPECIAL.get(c, c) for at, c in enumerate(text)
    )


def _bibtex_literal(text: str) -> str:
    """A value for BibTeX's ``type``, which pandoc reads raw: "and" for "&", no other LaTeX special (see ``note``)."""
    plain = _one_line(text).replace("&", "and")
    return " ".join("".join(" " if c in _BIBTEX_SPECIAL else c for c in plain).split())


def _bibtex_url(url: str) -> str:
    from urllib.parse import quote

    return quote(_one_line(url), safe=_URL_SAFE)


def _bibtex(entry: _Entry) -> str:
    """In biblatex's data model: ``@report`` with ``institution``, ``@misc`` with ``organization``, ``@dataset``."""
    kind = entry.types[1]
    fields = [
        ("author", "{" + _bibtex_text(entry.author) + "}"),  # a body, not a person: braces keep it whole
        ("title", "{" + _bibtex_text(entry.title) + "}"),  # braces keep its capitals as published
        ("type", _bibtex_literal(entry.description)),
    ]
    if entry.publisher:
        fields.append(("institution" if kind == "report" else "organization", _bibtex_text(entry.publisher)))
    if entry.date is not None:
        fields.append(("date", entry.date.isoformat()))
    fields += [("url", _bibtex_url(entry.url)), ("note", _bibtex_text(entry.note))]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{kind}{{{entry.key},\n{body}\n}}"


def _csl(entry: _Entry) -> list[dict[str, object]]:
    item: dict[str, object] = {
        "id": entry.key,
        "type": entry.types[0],
        "title": entry.title,
        "author": [{"literal": entry.author}],
        "genre": entry.description,
    }
    if entry.publisher:
        item["publisher"] = entry.publisher
    if entry.date is not None:
        item["issued"] = {"date-parts": [[entry.date.year, entry.date.month, entry.date.day]]}
    item["URL"] = entry.url
    item["note"] = entry.note
    return [item]


def _ris(entry: _Entry) -> str:
    tags = [("TY", entry.types[2]), ("AU", entry.author), ("TI", entry.title), ("M3", entry.description)]
    if entry.publisher:
        tags.append(("PB", entry.publisher))
    if entry.date is not None:
        tags += [("PY", str(entry.date.year)), ("DA", f"{entry.date:%Y/%m/%d}")]
    if entry.version:
        tags.append(("ET", entry.version))
    tags += [("UR", entry.url), ("N1", entry.note), ("ID", entry.key)]
    return "\n".join(f"{tag}  - {_one_line(value)}" for tag, value in tags) + "\nER  - "


def _render(entry: _Entry, style: str) -> str:
    if style == "bibtex":
        return _bibtex(entry)
    if style == "csl-json":
        import json

        return json.dumps(_csl(entry), indent=2, ensure_ascii=False)
    return _ris(entry)


def _check_style(style: object) -> str:
    if not isinstance(style, str):
        raise InvalidArgumentError(f"style must be a str, one of {', '.join(STYLES)}; got {type(style).__name__}")
    if style not in STYLES:
        raise UnknownCitationStyleError(style, STYLES)
    return style


def cite_figure(fig: Figure, style: str = "text") -> str:
    """A figure's citation in one of :data:`STYLES`.

    Parameters
    ----------
    fig : Figure
        The figure to cite.
    style : str, default "text"
        ``text`` (one paragraph, as :meth:`Figure.cite` gives it), ``bibtex``,
        ``csl-json`` or ``ris``.

    Returns
    -------
    str
        The citation; for ``csl-json`` a JSON array holding one item.

    Raises
    ------
    InvalidArgumentError
        If ``fig`` is not a Figure or ``style`` is not a str.
    UnknownCitationStyleError
        If ``style`` is none of :data:`STYLES`.

    Examples
    --------
    >>> import iicsa_stats as ist
    >>> from iicsa_stats.citation import cite_figure
    >>> print(cite_figure(ist.figure("rea-perpetrator-age-band"), "bibtex").splitlines()[0])
    @misc{iicsa-stats:rea-perpetrator-age-band,
    """
    if not isinstance(getattr(fig, "provenance", None), Provenance):  # a Figure holds its Provenance
        raise InvalidArgumentError(
            f"fig must be a Figure (e.g. iicsa_stats.figure(ID)), got {type(fig).__name__}; "
            "iicsa_stats.list_figures() lists the ids"
        )
    if _check_style(style) == "text":
        return _text(fig)
    return _render(_figure_entry(fig), style)


def cite_package(style: str = "text") -> str:
    """The citation of the whole data package: its title, creator, version, release date and address.

    Parameters
    ----------
    style : str, default "text"
        ``text``, ``bibtex``, ``csl-json`` or ``ris``.

    Returns
    -------
    str
        The citation.

    Raises
    ------
    InvalidArgumentError
        If ``style`` is not a str.
    UnknownCitationStyleError
        If ``style`` is none of :data:`STYLES`.

    Examples
    --------
    >>> from iicsa_stats.citation import cite_package
    >>> print(cite_package())  # doctest: +ELLIPSIS
    iicsa_stats project (2026). IICSA figures on online-facilitated ... (version ..., released ...) [Data set]. ...
    """
    entry = _package_entry()
    if _check_style(style) == "text":
        assert entry.date is not None  # a package entry always has its release date
        return (
            f"{entry.author} ({entry.date.year}). {entry.title} (version {entry.version}, released "
            f"{_date(entry.date)}) [Data set]. {entry.url}. {entry.note}"
        )
    return _render(entry, style)
