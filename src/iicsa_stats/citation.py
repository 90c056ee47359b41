"""Citations in the formats reference managers read: plain text, BibTeX, CSL-JSON and RIS.

A figure is cited as the Inquiry document that states it, with its original producer and place in the
description every style prints (CSL ``genre``, BibTeX ``type``, RIS ``M3``); the package as a data set.  No
access date (none is recorded).  No value can break its format: BibTeX's specials are escaped (braces so that a
brace-counting parser finds each field whole), line breaks become spaces (no second RIS record).  The module
never imports the model (``Figure.cite`` calls it).

>>> import iicsa_stats as ist
>>> print(ist.figure("nspcc-males-viewed-csa-images-uk").cite(style="ris").splitlines()[0])
TY  - RPRT
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from . import _loader
from ._version import __release_date__, __version__
from .errors import InvalidArgumentError, UnknownCitationStyleError

__all__ = ["STYLES", "cite_figure", "cite_package", "original_producer"]

#: The citation formats, for a figure and for the package.
STYLES = ("text", "bibtex", "csl-json", "ris")

_BIBTEX_SPECIAL = {c: "\\" + c for c in "{}&%$#_"} | {
    "\\": r"\textbackslash{}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
#: Line breaks and other control characters (C0, DEL, C1, and the Unicode line and paragraph separators).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
#: The CSL, BibTeX and RIS types of a report, a web page and the package.
_TYPES = {"report": ("report", "report", "RPRT"), "webpage": ("webpage", "misc", "ELEC")}
_PACKAGE_TYPES = ("dataset", "dataset", "DATA")


def _one_line(text: str) -> str:
    return _CONTROL.sub(" ", text).strip()


def original_producer(fig: Any) -> str | None:
    """The name of the body that originally produced a figure, or None when the source names none.

    It is the body of the step of the figure's provenance chain (``fig.sources``) that made the number a
    figure: the one that estimated, compiled or reviewed it, else the first that collected or reported it.

    Examples
    --------
    >>> import iicsa_stats as ist
    >>> original_producer(ist.figure("research-with-children-participants"))
    'University of Bedfordshire'
    """
    steps = [step for step in fig.sources if step.role != "cited"]
    made = [step for step in steps if step.role in ("estimated", "compiled", "reviewed")] or steps
    return made[0].body_name if made else None


def _chain(fig: Any) -> str | None:
    """The chain before the citing document, in words: ``collected by A, compiled by B``."""
    steps = [step for step in fig.sources if step.role != "cited"]
    inferred = {"inferred": " (inferred)"}
    return ", ".join(f"{s.role} by {s.body_name}{inferred.get(s.basis, '')}" for s in steps) if steps else None


def _place(p: Any) -> str:
    """The locator, and the footnote markers if any: ``para 12, footnotes [3] [4]``."""
    markers = p.footnote_markers
    plural = "s" if len(markers) > 1 else ""
    return str(p.locator) + (f", footnote{plural} {' '.join(markers)}" if markers else "")


def _origin(fig: Any) -> str:
    chain = _chain(fig)
    if chain is None:
        return "The source does not name the figure's producer."
    return f"Provenance: {chain}; work cited: {fig.provenance.cited_work}."


def _date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


@dataclass(frozen=True, kw_only=True, slots=True)
class _Entry:
    """What every format is written from."""

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


def _figure_entry(fig: Any) -> _Entry:
    p = fig.provenance
    kinds = {r["document_id"]: str(r["kind"]) for r in _loader.rows("documents", fig.data_root)}  # the figure's root
    kind = "report" if "report" in kinds.get(p.document_id, "").lower() else "webpage"
    chain = _chain(fig)
    made = f"Figure {chain}" if chain else "Figure whose producer the source does not name"
    undated = "" if p.published else " Publication date not stated on the page."
    return _Entry(
        key=f"iicsa-stats:{fig.id}",
        types=_TYPES[kind],
        author=p.publisher,
        title=p.document_title,
        publisher=p.publisher,
        date=p.published,
        url=p.url,
        description=f"{made}, cited at {_place(p)}",
        version=None,
        note=f"{_place(p)}.{undated} {_origin(fig)} "
        f"Figure {fig.id} ({fig.headline}) as compiled in iicsa_stats {__version__}.",
    )


def _package_entry() -> _Entry:
    package = _loader.package()
    creators = [c["title"] for c in package.get("contributors", []) if "creator" in c.get("roles", [])]
    sources = "; ".join(f"{s['title']} <{s['path']}>" for s in package.get("sources", []))
    version = str(package["version"])
    return _Entry(
        key=f"{package['name']}-{version}",
        types=_PACKAGE_TYPES,
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


def _bibtex_text(text: str) -> str:
    r"""``text`` for a BibTeX field: specials escaped, braces as ``\{ \}`` where they pair up (BibTeX counts them)."""
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


def _bibtex(entry: _Entry) -> str:
    """In biblatex's data model: ``@report`` with ``institution``, ``@misc`` with ``organization``, ``@dataset``."""
    from urllib.parse import quote

    kind = entry.types[1]
    # ``type`` is read raw by pandoc: "and" for "&" and no other LaTeX special (``note`` has the exact words)
    plain = _one_line(entry.description).replace("&", "and")
    fields = [
        ("author", "{" + _bibtex_text(entry.author) + "}"),  # a body, not a person: braces keep it whole
        ("title", "{" + _bibtex_text(entry.title) + "}"),  # braces keep its capitals as published
        ("type", " ".join("".join(" " if c in _BIBTEX_SPECIAL else c for c in plain).split())),
    ]
    if entry.publisher:
        fields.append(("institution" if kind == "report" else "organization", _bibtex_text(entry.publisher)))
    if entry.date is not None:
        fields.append(("date", entry.date.isoformat()))
    fields += [("url", quote(_one_line(entry.url), safe=":/?#[]@!$&'()*+,;=%~-._")), ("note", _bibtex_text(entry.note))]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{kind}{{{entry.key},\n{body}\n}}"


def _csl(entry: _Entry) -> str:
    import json

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
    return json.dumps([{**item, "URL": entry.url, "note": entry.note}], indent=2, ensure_ascii=False)


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


_FORMATS = {"bibtex": _bibtex, "csl-json": _csl, "ris": _ris}


def _check_style(style: object) -> str:
    if not isinstance(style, str):
        raise InvalidArgumentError(f"style must be a str, one of {', '.join(STYLES)}; got {type(style).__name__}")
    if style not in STYLES:
        raise UnknownCitationStyleError(style, STYLES)
    return style


def cite_figure(fig: Any, style: str = "text") -> str:
    """A figure's citation in one of :data:`STYLES`.

    Parameters
    ----------
    fig : Figure
        The figure to cite.
    style : str, default "text"
        ``text`` (one paragraph, as :meth:`Figure.cite` gives it), ``bibtex``,
        ``csl-json`` or ``ris``.

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
    if not all(hasattr(fig, name) for name in ("id", "headline", "provenance", "sources", "data_root")):
        raise InvalidArgumentError(
            f"fig must be a Figure (e.g. iicsa_stats.figure(ID)), got {type(fig).__name__}; "
            "iicsa_stats.list_figures() lists the ids"
        )
    if _check_style(style) != "text":
        return _FORMATS[style](_figure_entry(fig))
    p = fig.provenance
    date = f"Published {_date(p.published)}" if p.published else "Publication date not stated on the page"
    return (
        f"{p.publisher}. {p.document_title}. {_place(p)}. {date}. {p.url}. "
        f"{_origin(fig)} Figure {fig.id!r} as compiled in iicsa_stats {__version__}."
    )


def cite_package(style: str = "text") -> str:
    """The citation of the whole data package: its title, creator, version, release date and address.

    Parameters
    ----------
    style : str, default "text"
        ``text``, ``bibtex``, ``csl-json`` or ``ris``.

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
    style = _check_style(style)
    e = _package_entry()
    if style != "text":
        return _FORMATS[style](e)
    day = dt.date.fromisoformat(__release_date__)
    return (
        f"{e.author} ({day.year}). {e.title} (version {e.version}, released {_date(day)}) [Data set]. {e.url}. {e.note}"
    )
