"""A static site of the data: an index, a page per figure and per source document, and the downloads."""

from __future__ import annotations

import json
import math
import re
import shutil
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from .. import _catalog, _loader
from .._figure import Figure, _number
from .._loader import load_schema
from .._output import CONTROL
from .._paths import data_root, root_argument
from .._staging import MARKER, reading, reason, write_folder
from ..citation import cite_figure, cite_package, original_producer
from ..errors import IICSAStatsError, InvalidArgumentError
from ..notices import SITE_NOTICE

__all__ = ["MARKER", "SCALE_CAVEAT", "SiteError", "build_site"]

#: The caveat stated in the research page about the four ways of measuring scale (the index quotes its passage).
SCALE_CAVEAT = "four-measures-differ"
_TEMPLATES = Path(__file__).parent / "templates"
#: A page's <title> is at most this long, the site's name included.
TITLE_LIMIT = 70
_SITE_NAME = " · IICSA figures"
#: The citation files of each figure: (style, file suffix, what a reader is told it is).
_CITATION_FILES = (("bibtex", "bib", "BibTeX"), ("ris", "ris", "RIS"), ("csl-json", "json", "CSL-JSON"))
#: The end of a sentence: a full stop, question or exclamation mark, then a space (or a footnote's "[").
_SENTENCE_END = re.compile(r"\.(?:\u201d |[ \u00a0]|(?=\[))|[?!] ")


class SiteError(IICSAStatsError):
    """The site could not be written where it was asked for; nothing there was changed."""


def _base(base_url: object) -> str:
    """The site's address, ending in ``/``; a :class:`SiteError` unless it is an absolute http(s) address."""
    if not isinstance(base_url, str):
        raise InvalidArgumentError(f"base_url must be a str (the site's address), got {type(base_url).__name__}")
    try:  # RFC 3986's characters, less quotes and those of a query, a fragment or a user name
        parts = urlsplit(base_url)
        sound = parts.scheme in ("https", "http") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a bad port or IPv6 address
        sound = False
    if not sound or quote(base_url, safe=":/[]!$&()*+,;=%~") != base_url:
        raise SiteError(
            "--base-url must be an absolute https:// (or http://) address with a host and no query, fragment or "
            f"user name, such as https://example.org/iicsa/; got {base_url!r}"
        )
    return base_url.rstrip("/") + "/"


def visible(value: Any) -> Any:
    """A value as a page shows it (every ``{{ ... }}`` of the templates): control characters as U+FFFD."""
    return type(value)(CONTROL.sub("\ufffd", value)) if isinstance(value, str) else value  # markup stays markup


def page_title(text: str) -> str:
    """A page's <title>: ``text`` and the site's name where both fit in :data:`TITLE_LIMIT`, else ``text`` cut."""
    if len(text) + len(_SITE_NAME) <= TITLE_LIMIT:
        return text + _SITE_NAME
    if len(text) <= TITLE_LIMIT:
        return text
    cut = text.rfind(" ", 0, TITLE_LIMIT)  # at a word, an ellipsis marking the cut
    return text[: cut if cut > 0 else TITLE_LIMIT - 1].rstrip(" ,;:") + "\u2026"


def lead(fig: Figure) -> str:
    """The line under the number: the population counted, then the measure's own aside in brackets, if any."""
    asides = [a.strip() for a in re.findall(r"\(([^)]*)\)", fig.measure) if len(a.split()) > 3]
    return " ".join([f"Population: {fig.population}.", *(f"{a[:1].upper()}{a[1:]}." for a in asides)])


def _value_parts(text: str) -> tuple[str, str]:
    """The value in words, split into the number and its trailing aside in brackets (shown smaller)."""
    match = re.search(r" (\([^()]*\))$", text)
    return (text[: match.start()], match.group(1)) if match else (text, "")


def first_sentence(text: str) -> str:
    """The first sentence of ``text`` (its end: a full stop, question or exclamation mark, then a space)."""
    match = re.search(r"[.?!](?=\s+[A-Z'\u2018\u201c(])", text)
    return text[: match.end()] if match else text


#: How each qualifier is drawn: a point, an interval, or an open bound (a point with an arrow: no upper end stated).
SHAPES = {
    **dict.fromkeys(("exact", "approximately", "rounded"), "point"),
    **dict.fromkeys(("range", "confidence_interval", "approximate_range"), "interval"),
    **dict.fromkeys(("more_than", "at_least", "lower_bound"), "open bound"),
}
_LEFT, _RIGHT = 16, 304  # the axis's ends in an SVG 320 units wide


def picture(fig: Figure) -> dict[str, Any]:
    """What the figure's SVG draws: ``shape``, ``title`` (its text alternative), positions and the axis's ticks."""
    shape = SHAPES[fig.qualifier]
    values = [v for v in (fig.value, fig.value_lower, fig.value_upper) if v is not None]  # a value or a range's ends
    low, high = min(values), max(values)
    end = 1.0  # a proportion's axis ends at "all"; any other at 1, 2 or 5 times a power of ten, a tenth beyond
    if fig.unit != "proportion":
        power = 10.0 ** math.floor(math.log10(high)) if high > 0 else 1.0
        end = float(next(step * power for step in (1, 2, 5, 10, 20) if step * power >= high * 1.1))

    def at(value: float) -> float:
        return round(_LEFT + (_RIGHT - _LEFT) * value / end, 1)

    def label(value: float) -> str:
        if fig.unit == "proportion":
            return "none" if value == 0 else "all"
        return "0" if value == 0 else _number(value, "people" if fig.unit == "years_of_age" else fig.unit)

    kind = "a confidence interval" if fig.qualifier == "confidence_interval" else "a range"
    what = {
        "point": "a single value",
        "interval": f"{kind} from {label(low)} to {label(high)}",
        "open bound": "a lower bound with no upper end stated",
    }[shape]
    scale = f"of age from 0 to {label(end)} years" if fig.unit == "years_of_age" else f"from {label(0)} to {label(end)}"
    return {
        "shape": shape,
        "title": f"{fig.value_text}: {what}, on a scale {scale}",
        "x1": at(low),
        "x2": at(high),
        "open": fig.qualifier == "more_than",
        "ticks": [(at(0), label(0)), (at(end), label(end))],
        "right": _RIGHT,
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


def comparisons(fig: Figure, figures: dict[str, Figure]) -> list[dict[str, Any]]:
    """Every other figure by verdict, in lines of figures with the same ``reasons`` and shared ``caveats``."""
    from ..comparability import EFFECTS, VERDICTS
    from ..comparison import comparable_with

    order = {fid: n for n, fid in enumerate(figures)}
    groups: list[dict[str, Any]] = []
    for verdict, found in comparable_with(fig.id).items():
        effect = EFFECTS[VERDICTS.index(verdict)]  # the effect that gives the verdict
        lines: dict[tuple[str, ...], dict[str, Any]] = {}
        for c in sorted(found, key=lambda c: order[c.other(fig.id)]):
            limiting = [d for d in c.differences if d.effect == effect != "none"]
            reasons = tuple(d.note if d.basis == "curated" else _DIFFERENCES[d.name] for d in limiting)
            line = lines.setdefault(reasons, {"figures": [], "reasons": list(reasons)})
            line["figures"].append({"figure": figures[c.other(fig.id)], "caveats": list(c.caveats)})
        for line in lines.values():  # the caveats every figure of the line shares; each figure keeps the rest
            line["caveats"] = [
                k for k in line["figures"][0]["caveats"] if all(k in f["caveats"] for f in line["figures"])
            ]
            for item in line["figures"]:
                item["caveats"] = [k for k in item["caveats"] if k not in line["caveats"]]
        if lines:  # the closest figures first
            ordered = sorted(lines.values(), key=lambda x: len(x["reasons"]))
            groups.append({"verdict": verdict, "label": found[0].verdict_text.capitalize(), "lines": ordered})
    return groups


def _scale_passage(figures: dict[str, Figure], documents: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The research page's passage on the four ways of measuring scale, with the figures measured each way."""
    caveat = next((c for f in figures.values() for c in f.caveats if c.id == SCALE_CAVEAT), None)
    if caveat is None or caveat.quote_start is None or caveat.quote_end is None or caveat.document_id is None:
        raise SiteError(f"no figure carries the caveat {SCALE_CAVEAT!r} stated in the source; rebuild the data")
    document = documents[caveat.document_id]
    text = _loader.raw_text(document["raw_path"])
    start = text.rfind("\n", 0, caveat.quote_start) + 1  # the whole paragraph the caveat's quote ends
    field = next(f for f in load_schema(data_root(), "figures")["fields"] if f["name"] == "scale_measure")
    ways = [(code, [f for f in figures.values() if f.scale_measure == code]) for code in field["constraints"]["enum"]]
    return {
        "caveat": caveat,
        "passage": text[start : caveat.quote_end].strip(),
        "document": document,
        "ways": ways,
        "others": [f for f in figures.values() if f.scale_measure is None],
    }


def excerpt(
    text: str, start: int, end: int, case_details: Iterable[tuple[int, int]] = (), *, chars: int = 160
) -> dict[str, Any]:
    """The quote at ``text[start:end]`` in its paragraph (``chars`` each side), showing no span of ``case_details``."""
    if not 0 <= start < end <= len(text):
        raise ValueError(f"quote offsets {start}, {end} are outside the text ({len(text)} characters)")
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end == -1 else line_end
    lo = max(line_start, start - chars)
    hi = min(line_end, end + chars)
    if lo > line_start:  # cut at a word, never inside one
        space = text.find(" ", lo, start)
        lo = space + 1 if space != -1 else start
    if hi < line_end:
        space = text.rfind(" ", end, hi)
        hi = space if space != -1 else end
    cut = False
    for detail_start, detail_end in sorted(case_details):
        if detail_start < end and detail_end > start:
            raise ValueError(f"a case detail ({detail_start}-{detail_end}) lies inside the quote {start}-{end}")
        if lo < detail_end <= start:  # from the first sentence after the detail
            found = _SENTENCE_END.search(text, detail_end, start)
            lo = found.end() if found else start
            while lo < start and text[lo].isspace():
                lo += 1
            cut = True
        elif end <= detail_start < hi:  # to the last sentence before the detail
            ends = [found.start() + 1 for found in _SENTENCE_END.finditer(text, end, detail_start)]
            hi = ends[-1] if ends else end
            cut = True
    return {
        "before": text[lo:start],
        "quote": text[start:end],
        "after": text[end:hi],
        "start": start,
        "end": end,
        "clipped_before": lo > line_start,
        "clipped_after": hi < line_end,
        "case_detail_cut": cut,
    }


# -- schema.org descriptions (JSON-LD) after Google's Dataset guidance: a range or a bound is minValue/maxValue.
# Addresses are absolute with --base-url, else relative.  The licence has no address of its own, so ``license``
# (and a creator's ``url``) is the index page's, whose footer states it.


def _organization(name: str, url: str | None = None) -> dict[str, Any]:
    return {"@type": "Organization", "name": name, **({"url": url} if url else {})}


def _common(package: Mapping[str, Any], home: str, figures: Sequence[Figure]) -> dict[str, Any]:
    """What every ``Dataset`` states: licence, copyright, creators, free access, and the figures' period and places."""
    licences = package.get("licenses", [])
    urls = list(dict.fromkeys(lic.get("path") or home for lic in licences))
    period = temporal_coverage(figures)
    places = [{"@type": "Place", "name": g} for g in dict.fromkeys(f.geography for f in figures) if g != "not_stated"]
    return {
        "license": urls[0] if len(urls) == 1 else urls,
        "copyrightNotice": " ".join(str(t) for t in (lic.get("title") or lic.get("name") for lic in licences) if t),
        "creator": [
            _organization(c["title"], c.get("path") or home)
            for c in package.get("contributors", [])
            if "creator" in c.get("roles", [])
        ],
        "isAccessibleForFree": True,
        **({"temporalCoverage": period} if period else {}),
        **({"spatialCoverage": places[0] if len(places) == 1 else places} if places else {}),
    }


def temporal_coverage(figures: Sequence[Figure]) -> str | None:
    """The figures' period as an ISO 8601 interval: the earliest start to the latest end (``..`` if one is open)."""
    dated = [f for f in figures if f.period_start is not None]
    if not dated:
        return None
    start = min(f.period_start for f in dated if f.period_start)
    ends = [f.period_end for f in dated]
    end = None if None in ends else max(e for e in ends if e)
    return start.isoformat() if end == start else f"{start.isoformat()}/{end.isoformat() if end else '..'}"


def _variable(fig: Figure) -> dict[str, Any]:
    """The figure as a ``PropertyValue``: one value, or a range or bound as ``minValue``/``maxValue``."""
    variable: dict[str, Any] = {
        "@type": "PropertyValue",
        "name": fig.measure_code,
        "description": f"{fig.measure} (qualifier: {fig.qualifier.replace('_', ' ')})",
        "unitText": fig.unit,
    }
    if fig.value is None:
        return {**variable, "minValue": fig.value_lower, "maxValue": fig.value_upper}
    return {**variable, ("minValue" if SHAPES[fig.qualifier] == "open bound" else "value"): fig.value}


def _downloads(package: dict[str, Any]) -> list[dict[str, Any]]:
    """The zip bundle (``data`` None: written by ``write_zip``), then each table's CSV and Parquet file."""
    from ..export import table_files

    zip_name = f"{package['name']}-{package['version']}.zip"
    name = f"The whole data package with its README (zip): {zip_name}"
    zipped = {"name": name, "path": f"downloads/{zip_name}", "encodingFormat": "application/zip", "table": None}
    items: list[dict[str, Any]] = [{**zipped, "data": None}]
    titles = {r["name"]: r.get("title", r["name"]) for r in package["resources"]}
    files = {fmt: table_files(fmt) for fmt in ("csv", "parquet")}
    for csv_path in files["csv"]:
        table = Path(csv_path).stem
        for fmt, shown, media in (("csv", "CSV", "text/csv"), ("parquet", "Parquet", "application/vnd.apache.parquet")):
            path = Path(csv_path).with_suffix(f".{fmt}")
            items.append(
                {
                    "name": f"{titles.get(table, table)} ({shown}): {path.name}",
                    "path": f"downloads/{path.name}",
                    "encodingFormat": media,
                    "table": table,
                    "data": files[fmt][path.as_posix()],
                }
            )
    return items


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
    env.filters.update(
        label=lambda code: (code or "").replace("_", " "), first_sentence=first_sentence, page_title=page_title
    )
    return env


def _render_pages(package: dict[str, Any], downloads: list[dict[str, Any]], base: str | None) -> dict[str, str]:
    """Every page's HTML, and each figure's citation files, by their paths in the site."""
    figures = _catalog.all_figures()
    documents = {d["document_id"]: d for d in _loader.rows("documents")}
    ledger = list(_loader.rows("ledger"))
    details: dict[str, list[tuple[int, int]]] = {}  # each document's spans of a detail of an individual case
    for r in ledger:
        if r["reason"] == "case_detail":
            details.setdefault(r["document_id"], []).append((r["start"], r["end"]))
    env = _environment()
    pages: dict[str, str] = {}

    def address(path: str, page: str) -> str:
        return f"{base}{path}" if base else "../" * page.count("/") + path

    def render(template: str, page: str, jsonld: dict[str, Any], **context: Any) -> None:
        text = json.dumps(
            {"@context": "https://schema.org", **jsonld}, indent=2, ensure_ascii=False
        )  # no "</" may close the script element early
        pages[page] = env.get_template(template).render(
            package=package,
            content_notice=SITE_NOTICE,
            downloads=downloads,
            documents=list(documents.values()),
            root="../" * page.count("/"),
            canonical=f"{base}{page}" if base else None,
            jsonld=text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"),
            **context,
        )

    def ld_downloads(which: list[dict[str, Any]], page: str) -> list[dict[str, str]]:
        shown = ("name", "encodingFormat")
        return [
            {"@type": "DataDownload", **{k: d[k] for k in shown}, "contentUrl": address(d["path"], page)} for d in which
        ]

    home = address("index.html", "index.html")
    package_citation = cite_package("text")
    package_ld = {  # the package (its descriptor), every figure, each download
        "@type": "Dataset",
        "name": package["title"],
        "description": package["description"],
        "url": home,
        "identifier": package["name"],
        "version": package["version"],
        "keywords": list(package.get("keywords", [])),
        **_common(package, home, list(figures.values())),
        "citation": package_citation,
        "isBasedOn": [s["path"] for s in package.get("sources", [])],
        "distribution": ld_downloads(downloads, "index.html"),
        "variableMeasured": [_variable(f) for f in figures.values()],
    }
    render(
        "index.html.j2",
        "index.html",
        package_ld,
        figures=list(figures.values()),
        scale=_scale_passage(figures, documents),
        package_citation=package_citation,
        package_bibtex=cite_package("bibtex"),
    )
    figure_downloads = [d for d in downloads if d["table"] in (None, "figures", "figure_caveats")]
    for fig in figures.values():
        page = f"figures/{fig.id}.html"
        p = fig.provenance
        citations = {style: cite_figure(fig, style) for style in ("text", "bibtex", "ris", "csl-json")}
        for style, suffix, _ in _CITATION_FILES:
            pages[f"cite/{fig.id}.{suffix}"] = citations[style].rstrip("\n") + "\n"
        producer, home = original_producer(fig), address("index.html", page)
        ld = {  # measure, value, period, source, and the package it is part of
            "@type": "Dataset",
            "name": fig.headline,
            "description": f"{fig.measure}. {fig.caveats[0].text}",
            "url": address(page, page),
            "identifier": fig.id,
            **_common(package, home, [fig]),
            "citation": citations["text"],
            "isBasedOn": {
                "@type": "CreativeWork",
                "name": p.document_title,
                "url": p.url,
                "publisher": _organization(p.publisher),
            },
            "isPartOf": {"@type": "Dataset", "name": package["title"], "identifier": package["name"], "url": home},
            "variableMeasured": _variable(fig),
            "distribution": ld_downloads(figure_downloads, page),
            **({"sourceOrganization": _organization(producer)} if producer else {}),
        }
        render(
            "figure.html.j2",
            page,
            ld,
            fig=fig,
            lead=lead(fig),
            value=_value_parts(fig.value_text),
            picture=picture(fig),
            excerpt=excerpt(_loader.raw_text(p.raw_path), p.quote_start, p.quote_end, details.get(p.document_id, [])),
            raw_sha256=documents[p.document_id]["sha256"],
            comparisons=comparisons(fig, figures),
            citations=citations,
            citation_files=[(f"cite/{fig.id}.{suffix}", name) for _, suffix, name in _CITATION_FILES],
        )
    for document_id, document in documents.items():
        shown = [r for r in ledger if r["document_id"] == document_id and r["reason"] != "case_detail"]
        counts = Counter((r["status"], r["reason"] or "") for r in shown)  # of a case detail, only how many
        render(
            "document.html.j2",
            f"documents/{document_id}.html",
            {
                "@type": "CreativeWork",
                "name": document["title"],
                "identifier": document_id,
                "url": document["url"],
                "publisher": _organization(document["publisher"]),
                "copyrightNotice": document["licence_statement"],
                "genre": document["kind"],
                **({"datePublished": document["published"].isoformat()} if document["published"] else {}),
            },
            document=document,
            doc_figures=[f for f in figures.values() if f.provenance.document_id == document_id],
            ledger=shown,
            case_details=len(details.get(document_id, [])),
            ledger_counts=sorted(counts.items()),
        )
    return pages


def build_site(out: Path, *, base_url: str | None = None) -> list[str]:
    """Write the static site into the folder ``out``.

    Parameters
    ----------
    out : pathlib.Path
        The folder to write (created; an earlier site in it is replaced; a folder holding anything else is refused).
    base_url : str, optional
        The address the site will be published at (``https://example.org/iicsa/``): the JSON-LD then gives
        absolute addresses and each page a canonical link.  Without it, addresses are relative to the page.

    Returns
    -------
    list of str
        The files written, relative to ``out``, sorted.

    Raises
    ------
    SiteError
        If ``out`` is a file, holds other files or cannot be written, or ``base_url`` is no http(s) address.
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
    target = root_argument(out, "out")
    base = None if base_url is None else _base(base_url)
    from ..export import write_zip

    def write(staging: Path) -> list[str]:
        (staging / "downloads").mkdir(parents=True)
        for item in downloads:
            path = staging / item["path"]
            if item["data"] is None:
                write_zip(path)
            else:
                path.write_bytes(item["data"])
            size = path.stat().st_size
            item["size"] = f"{size / 1024:,.1f} KiB" if size >= 1024 else f"{size} bytes"
        for name, html in _render_pages(package, downloads, base).items():
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (staging / name).write_text(html, encoding="utf-8", newline="\n")
        shutil.copyfile(_TEMPLATES / "site.css", staging / "site.css")
        return sorted([MARKER, *(p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file())])

    with reading(data_root()):  # the files of one build throughout, even while a build runs
        package = _loader.package()
        downloads = _downloads(package)
        try:  # an earlier site is replaced only while it holds nothing but what its marker lists
            return write_folder(target, write)
        except OSError as exc:
            raise SiteError(f"cannot write the site to {target}: {reason(exc)}") from None
