"""A static site of the data: an index, a page per figure, a page per source document, and the downloads.

``iicsa-stats site --out DIR`` writes it.  Plain HTML and one CSS file, from
Jinja2 templates shipped in the package, with relative links: it opens from
the file system and from any static host, and needs no JavaScript.  Every
value on it comes from the data package, so it cannot drift from the numbers.

The site is written to a temporary folder beside ``DIR`` and put in its place
only when complete; a ``DIR`` that holds anything but an earlier site (its
files as its :data:`MARKER` lists them) is left alone.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .. import _catalog, _loader
from .._figure import Figure
from .._loader import load_schema
from .._paths import data_root, root_argument
from .._staging import MARKER, reading, reason, write_folder
from ..citation import cite_figure, cite_package
from ..errors import IICSAStatsError, InvalidArgumentError
from ..notices import SITE_NOTICE
from ..tables import TABLES
from .excerpt import Excerpt, excerpt
from .jsonld import document_jsonld, figure_jsonld, package_jsonld

__all__ = ["MARKER", "SCALE_CAVEAT", "SiteError", "build_site"]

#: The caveat stated in the research page about the four ways of measuring scale (the index quotes its passage).
SCALE_CAVEAT = "four-measures-differ"
_TEMPLATES = Path(__file__).parent / "templates"
_MEDIA_TYPES = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet", "zip": "application/zip"}
#: A page's <title> is at most this long, the site's name included.
TITLE_LIMIT = 70
_SITE_NAME = " · IICSA figures"
#: The citation files written for each figure: (style, file suffix, what a reader is told it is).
_CITATION_FILES = (
    ("bibtex", "bib", "BibTeX"),
    ("ris", "ris", "RIS"),
    ("csl-json", "json", "CSL-JSON"),
)
# C0 and C1 control characters other than tab and line feed: never written raw into a page.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class SiteError(IICSAStatsError):
    """The site could not be written where it was asked for; nothing there was changed."""


def _date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _label(code: str | None) -> str:
    return (code or "").replace("_", " ")


def _json_script(data: Any) -> str:
    """JSON for a ``<script type="application/ld+json">`` element: no "</" can close it early."""
    text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


#: What a URL may hold (RFC 3986's unreserved and reserved characters and percent-escapes), less quotes.
_URL_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&()*+,;=%]+")


def _base(base_url: object) -> str:
    """The site's address, ending in ``/``; a :class:`SiteError` unless it is an absolute http(s) address."""
    if not isinstance(base_url, str):
        raise InvalidArgumentError(f"base_url must be a str (the site's address), got {type(base_url).__name__}")
    shown = repr(base_url) if len(repr(base_url)) <= 80 else f"{repr(base_url)[:77]}..."
    try:
        parts = urlsplit(base_url)
        sound = parts.scheme in ("https", "http") and bool(parts.hostname) and (parts.port is None or parts.port > 0)
    except ValueError:  # a bad port or IPv6 address
        sound = False
    if not sound or not _URL_CHARACTERS.fullmatch(base_url) or "?" in base_url or "#" in base_url or "@" in base_url:
        raise SiteError(
            "--base-url must be an absolute https:// (or http://) address with a host and no query, fragment or "
            f"user name, such as https://example.org/iicsa/; got {shown}"
        )
    return base_url.rstrip("/") + "/"


def _size(data_bytes: int) -> str:
    return f"{data_bytes / 1024:,.1f} KiB" if data_bytes >= 1024 else f"{data_bytes} bytes"


# -- what the pages show ---------------------------------------------------------------------------------------


def visible(value: Any) -> Any:
    r"""A value as a page shows it: control characters (other than tab and line feed) as U+FFFD, never raw.

    Every ``{{ ... }}`` of the site's templates passes through it (the Jinja
    environment's ``finalize``), before HTML escaping.

    Examples
    --------
    >>> visible("a\x1b[31mb\x07")
    'a\ufffd[31mb\ufffd'
    """
    if not isinstance(value, str) or not _CONTROL.search(value):
        return value
    shown = _CONTROL.sub("\ufffd", value)
    return type(value)(shown) if hasattr(value, "__html__") else shown  # markup stays markup


def title(fig: Figure) -> str:
    """What the figure counts, as a page's heading: its curated title (at most 70 characters).

    Examples
    --------
    >>> import iicsa_stats as ist
    >>> title(ist.figure("rea-adults-online-sexualised-conversations-lower-bound"))
    'Judged floor: adults in online sexualised chats with young people'
    """
    return fig.title


def clip(text: str, limit: int) -> str:
    """``text`` cut at a word to at most ``limit`` characters, an ellipsis marking the cut."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > 0 else limit - 1].rstrip(" ,;:") + "\u2026"


def page_title(text: str) -> str:
    """A page's <title>, at most :data:`TITLE_LIMIT` characters: ``text`` and the site's name where both fit.

    Examples
    --------
    >>> page_title("Child sexual abuse facilitated online")
    'Child sexual abuse facilitated online · IICSA figures'
    """
    if len(text) + len(_SITE_NAME) <= TITLE_LIMIT:
        return text + _SITE_NAME
    return clip(text, TITLE_LIMIT)


def lead(fig: Figure) -> str:
    """The line under the number: the population counted, then the measure's own aside in brackets, if any.

    Examples
    --------
    >>> import iicsa_stats as ist
    >>> lead(ist.figure("rea-perpetrator-age-band"))
    'Population: Perpetrators in the studies reviewed by the REA. A qualitative finding, not a measured distribution.'
    """
    asides = [a.strip() for a in re.findall(r"\(([^)]*)\)", fig.measure) if len(a.split()) > 3]
    line = f"Population: {fig.population}."
    return " ".join([line, *(f"{a[:1].upper()}{a[1:]}." for a in asides)])


def _value_parts(fig: Figure) -> dict[str, str]:
    """The value in words, split into the number and its trailing aside in brackets (shown smaller)."""
    text = fig.value_text
    match = re.search(r" (\([^()]*\))$", text)
    return {"main": text[: match.start()], "note": match.group(1)} if match else {"main": text, "note": ""}


def first_sentence(text: str) -> str:
    """The first sentence of ``text`` (its end: a full stop, question or exclamation mark, then a space)."""
    match = re.search(r"[.?!](?=\s+[A-Z'\u2018\u201c(])", text)
    return text[: match.end()] if match else text


# -- the picture of a value ------------------------------------------------------------------------------------

#: How each qualifier is drawn: a point, an interval, or an open bound (a point with an arrow: no upper end stated).
SHAPES = {
    "exact": "point",
    "approximately": "point",
    "rounded": "point",
    "range": "interval",
    "confidence_interval": "interval",
    "approximate_range": "interval",
    "more_than": "open bound",
    "at_least": "open bound",
    "lower_bound": "open bound",
}
_WIDTH, _LEFT, _RIGHT = 320, 16, 304


def _axis_end(unit: str, top: float) -> float:
    """The axis's far end: 1 for a proportion, else the next round number (1, 2 or 5 times a power of ten).

    The round number lies at least a tenth beyond ``top``, so a mark never sits on the axis's end.
    """
    if unit == "proportion":
        return 1.0
    power = 10.0 ** math.floor(math.log10(top)) if top > 0 else 1.0
    return float(next(step * power for step in (1, 2, 5, 10, 20) if step * power >= top * 1.1))


def picture(fig: Figure) -> dict[str, Any]:
    """What the figure's SVG draws, computed from its value fields and qualifier.

    Returns
    -------
    dict
        ``shape`` (point, interval or open bound), ``title`` (the SVG's text
        alternative), ``x``/``x1``/``x2`` (positions on a 0-to-``end`` axis in
        SVG units), ``open`` (whether the point itself is excluded, as in
        "over 260"), and the axis's ``ticks`` (position, label).

    Examples
    --------
    >>> import iicsa_stats as ist
    >>> p = picture(ist.figure("research-with-children-participants"))
    >>> p["shape"], p["open"], p["ticks"][-1]
    ('open bound', True, (304.0, '500'))
    """
    from .._figure import _number

    shape = SHAPES[fig.qualifier]
    low = fig.value if fig.value is not None else fig.value_lower
    high = fig.value if fig.value is not None else fig.value_upper
    assert low is not None  # a figure's shape is checked when it is made
    assert high is not None
    end = _axis_end(fig.unit, high)

    def at(value: float) -> float:
        return round(_LEFT + (_RIGHT - _LEFT) * value / end, 1)

    def label(value: float) -> str:
        if fig.unit == "proportion":
            return "none" if value == 0 else "all"
        return "0" if value == 0 else _number(value, "people" if fig.unit == "years_of_age" else fig.unit)

    what = {
        "point": "a single value",
        "interval": f"{'a confidence interval' if fig.qualifier == 'confidence_interval' else 'a range'} from "
        f"{label(low)} to {label(high)}",
        "open bound": "a lower bound with no upper end stated",
    }[shape]
    scale = f"on a scale from {label(0)} to {label(end)}"
    if fig.unit == "years_of_age":
        scale = f"on a scale of age from 0 to {label(end)} years"
    return {
        "shape": shape,
        "title": f"{fig.value_text}: {what}, {scale}",
        "x": at(low),
        "x1": at(low),
        "x2": at(high),
        "open": fig.qualifier == "more_than",
        "ticks": [(at(0), label(0)), (at(end), label(end))],
        "width": _WIDTH,
        "right": _RIGHT,
    }


# -- comparisons, in words -------------------------------------------------------------------------------------

_VERDICTS = {
    "not_comparable": ("Not comparable", "not_comparable"),
    "not_shown_comparable": ("Not shown to be comparable", "not_shown"),
    "comparable_with_caveats": ("Comparable only with care", "caveats"),
    "comparable": ("Comparable", "caveats"),
}
#: A computed difference between two figures, in words (the comparisons table's notes name codes and ids).
_DIFFERENCES = {
    "measure": "a different measure",
    "scale_measure": "a different way of measuring scale",
    "unit": "a different unit",
    "frequency": "a rate against a count",
    "producer": "a producer not known to be the same",
    "geography": "a different or unstated area",
    "period_type": "a different kind of period",
    "period": "a different period",
    "population": "a different population",
    "qualifier": "a different kind of number (exact, range or bound)",
}


def _reasons(differences: Any, effect: str) -> tuple[str, ...]:
    """The differences with ``effect``, each in plain words; a curated difference in its curators' own note."""
    return tuple(d.note if d.basis == "curated" else _DIFFERENCES[d.name] for d in differences if d.effect == effect)


def comparisons(fig: Figure, figures: dict[str, Figure]) -> list[dict[str, Any]]:
    """Every other figure by verdict, figures with the same reasons in one line.

    Returns
    -------
    list of dict
        One per verdict that has figures: ``verdict``, ``label`` and ``lines``;
        each line has ``reasons`` (plain words, no codes), ``caveats`` (the
        deciding caveats its figures share) and ``figures`` (in the package's
        order, each with ``figure`` and its own further deciding ``caveats``).
    """
    from ..comparison import comparable_with

    order = {fid: n for n, fid in enumerate(figures)}
    groups = []
    for verdict, found in comparable_with(fig.id).items():
        label, effect = _VERDICTS[verdict]
        lines: dict[tuple[str, ...], dict[str, Any]] = {}
        for c in sorted(found, key=lambda c: order[c.other(fig.id)]):
            reasons = _reasons(c.differences, effect)
            line = lines.setdefault(reasons, {"figures": [], "reasons": list(reasons), "caveats": None})
            line["figures"].append({"figure": figures[c.other(fig.id)], "caveats": list(c.caveats)})
        for line in lines.values():  # the caveats every figure of the line shares; each figure keeps the rest
            shared = [k for k in line["figures"][0]["caveats"] if all(k in f["caveats"] for f in line["figures"])]
            line["caveats"] = shared
            for item in line["figures"]:
                item["caveats"] = [k for k in item["caveats"] if k not in shared]
        if lines:
            ordered = sorted(lines.values(), key=lambda line: len(line["reasons"]))  # the closest figures first
            groups.append({"verdict": verdict, "label": label, "lines": ordered})
    return groups


def _case_details(document_id: str) -> list[tuple[int, int]]:
    return [
        (r["start"], r["end"])
        for r in _loader.rows("ledger")
        if r["document_id"] == document_id and r["reason"] == "case_detail"
    ]


def _figure_excerpt(fig: Figure) -> Excerpt:
    p = fig.provenance
    text = _loader.raw_text(p.raw_path)
    return excerpt(text, p.quote_start, p.quote_end, _case_details(p.document_id))


def _scale_passage(figures: dict[str, Figure]) -> dict[str, Any]:
    """The research page's passage on the four ways of measuring scale, with the figures measured each way."""
    caveat = next((c for f in figures.values() for c in f.caveats if c.id == SCALE_CAVEAT), None)
    if caveat is None or caveat.quote_start is None or caveat.quote_end is None or caveat.document_id is None:
        raise SiteError(f"no figure carries the caveat {SCALE_CAVEAT!r} stated in the source; rebuild the data")
    document = next(d for d in _loader.rows("documents") if d["document_id"] == caveat.document_id)
    text = _loader.raw_text(document["raw_path"])
    start = text.rfind("\n", 0, caveat.quote_start) + 1  # the whole paragraph the caveat's quote ends
    passage = text[start : caveat.quote_end].strip()
    schema = load_schema(data_root(), "figures")
    field = next(f for f in schema["fields"] if f["name"] == "scale_measure")
    ways = [
        {"code": code, "label": _label(code), "figures": [f for f in figures.values() if f.scale_measure == code]}
        for code in field["constraints"]["enum"]
    ]
    others = [f for f in figures.values() if f.scale_measure is None]
    return {"caveat": caveat, "passage": passage, "document": document, "ways": ways, "others": others}


def _downloads(package: dict[str, Any]) -> list[dict[str, Any]]:
    """The site's downloads: the zip bundle, then each table's CSV and Parquet file."""
    from ..export import table_files, write_zip

    zip_name = f"{package['name']}-{package['version']}.zip"
    items: list[dict[str, Any]] = [
        {
            "name": f"The whole data package with its README (zip): {zip_name}",
            "path": f"downloads/{zip_name}",
            "encodingFormat": _MEDIA_TYPES["zip"],
            "write": write_zip,
        }
    ]
    titles = {r["name"]: r.get("title", r["name"]) for r in package["resources"]}
    for fmt in ("csv", "parquet"):
        for path, data in table_files(fmt).items():
            table = Path(path).stem
            items.append(
                {
                    "name": f"{titles.get(table, table)} ({fmt.upper() if fmt == 'csv' else 'Parquet'}): "
                    f"{Path(path).name}",
                    "table": table,
                    "format": fmt,
                    "path": f"downloads/{Path(path).name}",
                    "encodingFormat": _MEDIA_TYPES[fmt],
                    "write": lambda target, data=data: target.write_bytes(data),
                }
            )
    order = {t: n for n, t in enumerate(TABLES)}
    items[1:] = sorted(items[1:], key=lambda d: (order[d["table"]], d["format"]))
    return items


# -- writing ---------------------------------------------------------------------------------------------------


def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=visible,
    )
    env.filters["label"] = _label
    env.filters["date"] = _date
    env.filters["first_sentence"] = first_sentence
    env.filters["page_title"] = page_title
    env.filters["clip"] = clip
    return env


def _render_pages(
    *,
    package: dict[str, Any],
    figures: dict[str, Figure],
    documents: list[dict[str, Any]],
    ledger: list[dict[str, Any]],
    downloads: list[dict[str, Any]],
    base: str | None,
) -> dict[str, str]:
    """Every page's HTML, and each figure's citation files, by their paths in the site."""
    scale = _scale_passage(figures)
    env = _environment()

    def absolute(path: str, depth: int) -> str:
        return f"{base}{path}" if base else "../" * depth + path

    def canonical(path: str) -> str | None:
        return f"{base}{path}" if base else None

    def ld_downloads(depth: int, which: list[dict[str, Any]]) -> list[dict[str, str]]:
        return [
            {"name": d["name"], "encodingFormat": d["encodingFormat"], "contentUrl": absolute(d["path"], depth)}
            for d in which
        ]

    common = {
        "package": package,
        "content_notice": SITE_NOTICE,
        "downloads": downloads,
        "documents": documents,
        "version": package["version"],
    }
    titles = {fid: title(f) for fid, f in figures.items()}
    pages: dict[str, str] = {}
    pages["index.html"] = env.get_template("index.html.j2").render(
        **common,
        root="",
        canonical=canonical("index.html"),
        figures=list(figures.values()),
        titles=titles,
        scale=scale,
        package_citation=cite_package("text"),
        package_bibtex=cite_package("bibtex"),
        jsonld=_json_script(
            package_jsonld(package, list(figures.values()), ld_downloads(0, downloads), absolute("index.html", 0))
        ),
    )
    figure_downloads = [downloads[0], *(d for d in downloads[1:] if d["table"] in ("figures", "figure_caveats"))]
    for fig in figures.values():
        path = f"figures/{fig.id}.html"
        ld = figure_jsonld(
            fig, package, ld_downloads(1, figure_downloads), absolute(path, 1), absolute("index.html", 1)
        )
        citations = {style: cite_figure(fig, style) for style in ("text", "bibtex", "ris", "csl-json")}
        citation_files = []
        for style, suffix, name in _CITATION_FILES:
            cite_path = f"cite/{fig.id}.{suffix}"
            pages[cite_path] = citations[style] if citations[style].endswith("\n") else citations[style] + "\n"
            citation_files.append({"path": cite_path, "name": name})
        pages[path] = env.get_template("figure.html.j2").render(
            **common,
            root="../",
            canonical=canonical(path),
            fig=fig,
            title=titles[fig.id],
            lead=lead(fig),
            value=_value_parts(fig),
            titles=titles,
            picture=picture(fig),
            period_dates=fig.period_dates,
            excerpt=_figure_excerpt(fig),
            raw_sha256=next(d["sha256"] for d in documents if d["document_id"] == fig.provenance.document_id),
            comparisons=comparisons(fig, figures),
            citations=citations,
            citation_files=citation_files,
            jsonld=_json_script(ld),
        )
    for document in documents:
        rows = [r for r in ledger if r["document_id"] == document["document_id"]]
        # a case detail is withheld from the page (the ledger CSV keeps it): only how many were left out
        shown = [r for r in rows if r["reason"] != "case_detail"]
        counts: dict[tuple[str, str], int] = {}
        for r in shown:
            key = (r["status"], r["reason"] or "")
            counts[key] = counts.get(key, 0) + 1
        path = f"documents/{document['document_id']}.html"
        pages[path] = env.get_template("document.html.j2").render(
            **common,
            root="../",
            canonical=canonical(path),
            document=document,
            doc_figures=[f for f in figures.values() if f.provenance.document_id == document["document_id"]],
            titles=titles,
            ledger=shown,
            case_details=len(rows) - len(shown),
            ledger_counts=sorted(counts.items()),
            figure_ids=set(figures),
            jsonld=_json_script(document_jsonld(document)),
        )

    return pages


def build_site(out: Path, *, base_url: str | None = None) -> list[str]:
    """Write the static site into the folder ``out``.

    Parameters
    ----------
    out : pathlib.Path
        The folder to write (created; an earlier site in it is replaced; a
        folder holding anything else is refused).
    base_url : str, optional
        The address the site will be published at (e.g.
        ``https://example.org/iicsa/``): the JSON-LD then gives absolute
        addresses.  Without it, download addresses are relative to the page.

    Returns
    -------
    list of str
        The files written, relative to ``out``, sorted.

    Raises
    ------
    SiteError
        If ``out`` is a file, holds other files, or cannot be written.
    DataFileError
        If a data file is missing or differs from its pin.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     files = build_site(Path(folder) / "site")
    >>> "index.html" in files and "figures/rea-perpetrator-age-band.html" in files
    True
    """
    out = root_argument(out, "out")
    base = None if base_url is None else _base(base_url)
    with reading(data_root()):  # the files of one build throughout, even while a build runs
        return _write_site(Path(out), base)


def _write_site(target: Path, base: str | None) -> list[str]:
    """Read the data, then write the site beside ``target`` and put it in its place (see :func:`build_site`)."""
    package = _loader.package()
    figures = _catalog.all_figures()
    documents = list(_loader.rows("documents"))
    ledger = list(_loader.rows("ledger"))
    downloads = _downloads(package)

    def write(staging: Path) -> list[str]:
        (staging / "downloads").mkdir(parents=True)
        for item in downloads:
            item["write"](staging / item["path"])
            item["size"] = _size((staging / item["path"]).stat().st_size)
        for name, html in _render_pages(
            package=package, figures=figures, documents=documents, ledger=ledger, downloads=downloads, base=base
        ).items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(html, encoding="utf-8", newline="\n")
        shutil.copyfile(_TEMPLATES / "site.css", staging / "site.css")
        return sorted([MARKER, *(p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file())])

    try:  # an earlier site is replaced only while it holds nothing but what its marker lists
        return write_folder(target, write)
    except OSError as exc:
        raise SiteError(f"cannot write the site to {target}: {reason(exc)}") from None
