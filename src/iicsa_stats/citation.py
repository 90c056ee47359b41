"""Citations in the formats reference managers read: plain text, BibTeX, CSL-JSON and RIS.

A figure is cited as the Inquiry document that states it, with its original producer and place in the
description every style prints (CSL ``genre``, BibTeX ``type``, RIS ``M3``); the package as a data set.  No
access date (none is recorded).  No value can break its format: BibTeX's specials are escaped (braces so that a
brace-counting parser finds each field whole), line breaks become spaces (no second RIS record).  The module
never imports the model (``Figure.cite`` calls it).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any
from urllib.parse import quote

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
#: The CSL, BibTeX and RIS types of a report and a web page.
_TYPES = {"report": ("report", "report", "RPRT"), "webpage": ("webpage", "misc", "ELEC")}


def _one_line(text: str) -> str:
    return _CONTROL.sub(" ", text).strip()


def _date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


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


def _figure_record(fig: Any) -> dict[str, Any]:
    """What every format of a figure's citation is written from (``description``: CSL genre, BibTeX type, RIS M3)."""
    p = fig.provenance
    kinds = {r["document_id"]: str(r["kind"]) for r in _loader.rows("documents", fig.data_root)}  # the figure's root
    kind = "report" if "report" in kinds.get(p.document_id, "").lower() else "webpage"
    steps = [s for s in fig.sources if s.role != "cited"]  # the chain before the citing document
    chain = ", ".join(f"{s.role} by {s.body_name}{' (inferred)' if s.basis == 'inferred' else ''}" for s in steps)
    origin = (
        f"Provenance: {chain}; work cited: {p.cited_work}."
        if steps
        else "The source does not name the figure's producer."
    )
    markers = p.footnote_markers
    place = str(p.locator) + (f", footnote{'s' if len(markers) > 1 else ''} {' '.join(markers)}" if markers else "")
    date = f"Published {_date(p.published)}" if p.published else "Publication date not stated on the page"
    undated = "" if p.published else " Publication date not stated on the page."
    made = f"Figure {chain}" if steps else "Figure whose producer the source does not name"
    compiled = f"as compiled in iicsa_stats {__version__}."
    return {
        "key": f"iicsa-stats:{fig.id}",
        "types": _TYPES[kind],
        "author": p.publisher,  # a body, not a person
        "title": p.document_title,
        "publisher": p.publisher,
        "date": p.published,
        "url": p.url,
        "description": f"{made}, cited at {place}",
        "version": None,
        "note": f"{place}.{undated} {origin} Figure {fig.id} ({fig.headline}) {compiled}",
        "text": f"{p.publisher}. {p.document_title}. {place}. {date}. {p.url}. {origin} Figure {fig.id!r} {compiled}",
    }


def _package_record() -> dict[str, Any]:
    """The package as a data set; no publisher: the project compiles it, the Inquiry published the sources."""
    package = _loader.package()
    creators = [c["title"] for c in package.get("contributors", []) if "creator" in c.get("roles", [])]
    author = creators[0] if creators else "iicsa_stats project"
    sources = "; ".join(f"{s['title']} <{s['path']}>" for s in package.get("sources", []))
    version = str(package["version"])
    day = dt.date.fromisoformat(__release_date__)
    note = (
        f"Data package {package['name']}, version {version}, released {__release_date__}. "
        f"Based on: {sources}. {package.get('attribution', '')}".strip()
    )
    return {
        "key": f"{package['name']}-{version}",
        "types": ("dataset", "dataset", "DATA"),
        "author": author,
        "title": package["title"],
        "publisher": None,
        "date": day,
        "url": package["homepage"],
        "description": f"Data package, version {version}",  # in the description: not every style prints "version"
        "version": version,
        "note": note,
        "text": f"{author} ({day.year}). {package['title']} (version {version}, released {_date(day)}) [Data set]. "
        f"{package['homepage']}. {note}",
    }


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


def _bibtex(r: dict[str, Any]) -> str:
    """In biblatex's data model: ``@report`` with ``institution``, ``@misc`` with ``organization``, ``@dataset``."""
    kind = r["types"][1]
    # ``type`` is read raw by pandoc: "and" for "&" and no other LaTeX special (``note`` has the exact words)
    plain = _one_line(r["description"]).replace("&", "and")
    fields = [
        ("author", "{" + _bibtex_text(r["author"]) + "}"),  # a body, not a person: braces keep it whole
        ("title", "{" + _bibtex_text(r["title"]) + "}"),  # braces keep its capitals as published
        ("type", " ".join("".join(" " if c in _BIBTEX_SPECIAL else c for c in plain).split())),
    ]
    if r["publisher"]:
        fields.append(("institution" if kind == "report" else "organization", _bibtex_text(r["publisher"])))
    if r["date"] is not None:
        fields.append(("date", r["date"].isoformat()))
    fields += [("url", quote(_one_line(r["url"]), safe=":/?#[]@!$&'()*+,;=%~-._")), ("note", _bibtex_text(r["note"]))]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{kind}{{{r['key']},\n{body}\n}}"


def _csl(r: dict[str, Any]) -> str:
    item: dict[str, object] = {
        "id": r["key"],
        "type": r["types"][0],
        "title": r["title"],
        "author": [{"literal": r["author"]}],
        "genre": r["description"],
    }
    if r["publisher"]:
        item["publisher"] = r["publisher"]
    if r["date"] is not None:
        item["issued"] = {"date-parts": [[r["date"].year, r["date"].month, r["date"].day]]}
    return json.dumps([{**item, "URL": r["url"], "note": r["note"]}], indent=2, ensure_ascii=False)


def _ris(r: dict[str, Any]) -> str:
    tags = [("TY", r["types"][2]), ("AU", r["author"]), ("TI", r["title"]), ("M3", r["description"])]
    if r["publisher"]:
        tags.append(("PB", r["publisher"]))
    if r["date"] is not None:
        tags += [("PY", str(r["date"].year)), ("DA", f"{r['date']:%Y/%m/%d}")]
    if r["version"]:
        tags.append(("ET", r["version"]))
    tags += [("UR", r["url"]), ("N1", r["note"]), ("ID", r["key"])]
    return "\n".join(f"{tag}  - {_one_line(value)}" for tag, value in tags) + "\nER  - "


def _write(record: dict[str, Any], style: object) -> str:
    """``record`` in ``style``, one of :data:`STYLES`."""
    if not isinstance(style, str):
        raise InvalidArgumentError(f"style must be a str, one of {', '.join(STYLES)}; got {type(style).__name__}")
    if style not in STYLES:
        raise UnknownCitationStyleError(style, STYLES)
    return str(record["text"]) if style == "text" else {"bibtex": _bibtex, "csl-json": _csl, "ris": _ris}[style](record)


def cite_figure(fig: Any, style: str = "text") -> str:
    """A figure's citation in one of :data:`STYLES`.

    Parameters
    ----------
    fig : Figure
        The figure to cite.
    style : str, default "text"
        ``text`` (one paragraph, as :meth:`Figure.cite` gives it), ``bibtex``, ``csl-json`` or ``ris``.

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
    return _write(_figure_record(fig), style)


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
    return _write(_package_record(), style)
