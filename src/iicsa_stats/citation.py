"""Citations in the formats reference managers read: plain text, BibTeX, CSL-JSON and RIS.

A figure's citation names the Inquiry document that states it (title,
publisher, place in it, date, address), the body that originally produced the
figure, and the version of iicsa_stats it was compiled in, exactly as
:meth:`Figure.cite` does in plain text.  The whole package is cited from its
``datapackage.json`` (title, version, creator, the two source documents).

Every format leaves the access date to the reader: BibTeX has an empty
``urldate``, RIS an empty ``Y2`` (access date) tag, and CSL-JSON no
``accessed`` (add it when your style asks for one).

Standard library only, like the rest of the lookup path.

>>> import iicsa_stats as ist
>>> print(ist.figure("rea-perpetrator-age-band").cite(style="ris").splitlines()[0])
TY  - DATA
"""

from __future__ import annotations

import datetime as dt

from ._version import __version__
from .errors import UnknownCitationStyleError

# typing is imported for type checkers only: a lookup should not pay for it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ._figure import Figure

__all__ = ["STYLES", "cite_figure", "cite_package"]

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
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _check_style(style: str) -> None:
    if style not in STYLES:
        raise UnknownCitationStyleError(style, STYLES)


def _footnotes(markers: tuple[str, ...]) -> str:
    if not markers:
        return ""
    return f", footnote{'s' if len(markers) > 1 else ''} {' '.join(markers)}"


def _origin(fig: Figure) -> str:
    p = fig.provenance
    if p.producer_name is None:
        return "The source does not name the figure's producer."
    inferred = " (inferred from context)" if p.producer_basis == "inferred" else ""
    return f"Original producer: {p.producer_name}{inferred}; work cited: {p.cited_work}."


def _figure_note(fig: Figure) -> str:
    """The part of a figure's citation that no bibliographic field holds: place, producer, compilation."""
    p = fig.provenance
    date = "" if p.published else " Publication date not stated on the page."
    return (
        f"{p.locator}{_footnotes(p.footnote_markers)}.{date} {_origin(fig)} "
        f"Figure {fig.id!r} ({fig.headline}) as compiled in iicsa_stats {__version__}."
    )


# -- the record both figure and package citations are written from ---------------------------------------------


def _figure_record(fig: Figure) -> dict[str, Any]:
    p = fig.provenance
    return {
        "key": f"iicsa-stats:{fig.id}",
        "author": p.publisher,
        "title": p.document_title,
        "publisher": p.publisher,
        "date": p.published,
        "url": p.url,
        "version": None,
        "note": _figure_note(fig),
    }


def _package_record() -> dict[str, Any]:
    from . import _store

    package = _store.package()
    creators = [c["title"] for c in package.get("contributors", []) if "creator" in c.get("roles", [])]
    sources = "; ".join(f"{s['title']} <{s['path']}>" for s in package.get("sources", []))
    return {
        "key": f"{package['name']}-{package['version']}",
        "author": creators[0] if creators else "iicsa_stats project",
        "title": package["title"],
        "publisher": None,  # the project compiles the data; the Inquiry published the sources, not the package
        "date": None,
        "url": None,
        "version": package["version"],
        "note": f"Data package {package['name']}, version {package['version']}. Based on: {sources}. "
        f"{package.get('attribution', '')}".strip(),
    }


# -- formats ---------------------------------------------------------------------------------------------------


def _bibtex_text(text: str) -> str:
    return "".join(_BIBTEX_SPECIAL.get(c, c) for c in text)


def _bibtex(record: dict[str, Any]) -> str:
    fields: list[tuple[str, str]] = [
        ("author", "{" + _bibtex_text(record["author"]) + "}"),  # a body, not a person: braces keep it whole
        ("title", "{" + _bibtex_text(record["title"]) + "}"),
    ]
    if record["publisher"]:
        fields.append(("publisher", _bibtex_text(record["publisher"])))
    date: dt.date | None = record["date"]
    if date is not None:
        fields += [("year", str(date.year)), ("month", _MONTHS[date.month - 1]), ("date", date.isoformat())]
    if record["version"]:
        fields.append(("version", _bibtex_text(record["version"])))
    if record["url"]:
        fields += [("url", record["url"]), ("howpublished", r"\url{" + record["url"] + "}"), ("urldate", "")]
    fields.append(("note", _bibtex_text(record["note"])))
    body = ",\n".join(f"  {name} = {value}" if name == "month" else f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{record['key']},\n{body}\n}}"


def _csl(record: dict[str, Any]) -> list[dict[str, Any]]:
    item: dict[str, Any] = {
        "id": record["key"],
        "type": "dataset",
        "title": record["title"],
        "author": [{"literal": record["author"]}],
    }
    if record["publisher"]:
        item["publisher"] = record["publisher"]
    date: dt.date | None = record["date"]
    if date is not None:
        item["issued"] = {"date-parts": [[date.year, date.month, date.day]]}
    if record["version"]:
        item["version"] = record["version"]
    if record["url"]:
        item["URL"] = record["url"]
    item["note"] = record["note"]
    item["source"] = f"iicsa_stats {__version__}"
    return [item]


def _ris(record: dict[str, Any]) -> str:
    lines = ["TY  - DATA", f"AU  - {record['author']}", f"TI  - {record['title']}"]
    if record["publisher"]:
        lines.append(f"PB  - {record['publisher']}")
    date: dt.date | None = record["date"]
    if date is not None:
        lines += [f"PY  - {date.year}", f"DA  - {date:%Y/%m/%d}"]
    if record["version"]:
        lines.append(f"ET  - {record['version']}")
    if record["url"]:
        lines += [f"UR  - {record['url']}", "Y2  - "]
    lines += [f"N1  - {record['note']}", f"ID  - {record['key']}", "ER  - "]
    return "\n".join(lines)


def _render(record: dict[str, Any], style: str) -> str:
    if style == "bibtex":
        return _bibtex(record)
    if style == "csl-json":
        import json

        return json.dumps(_csl(record), indent=2, ensure_ascii=False)
    return _ris(record)


def cite_figure(fig: Figure, style: str = "text") -> str:
    """A figure's citation in one of :data:`STYLES`.

    Parameters
    ----------
    fig : Figure
        The figure to cite.
    style : str, default "text"
        ``text`` (as :meth:`Figure.cite` has always given it), ``bibtex``,
        ``csl-json`` or ``ris``.

    Returns
    -------
    str
        The citation; for ``csl-json`` a JSON array holding one item.

    Raises
    ------
    UnknownCitationStyleError
        If ``style`` is none of :data:`STYLES`.

    Examples
    --------
    >>> import iicsa_stats as ist
    >>> from iicsa_stats.citation import cite_figure
    >>> print(cite_figure(ist.figure("rea-perpetrator-age-band"), "bibtex").splitlines()[0])
    @misc{iicsa-stats:rea-perpetrator-age-band,
    """
    _check_style(style)
    if style == "text":
        return fig.cite()
    return _render(_figure_record(fig), style)


def cite_package(style: str = "text") -> str:
    """The citation of the whole data package, from its ``datapackage.json``.

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
    UnknownCitationStyleError
        If ``style`` is none of :data:`STYLES`.

    Examples
    --------
    >>> from iicsa_stats.citation import cite_package
    >>> print(cite_package())  # doctest: +ELLIPSIS
    iicsa_stats project. IICSA figures on online-facilitated child sexual abuse, ... (version ...) [Data set]. ...
    """
    _check_style(style)
    record = _package_record()
    if style == "text":
        return f"{record['author']}. {record['title']} (version {record['version']}) [Data set]. {record['note']}"
    return _render(record, style)
