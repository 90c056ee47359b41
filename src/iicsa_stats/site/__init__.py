"""A static site of the data: an index, a page per figure, a page per source document, and the downloads.

``iicsa-stats site --out DIR`` writes it.  Plain HTML and one CSS file, from
Jinja2 templates shipped in the package, with relative links: it opens from
the file system and from any static host, and needs no JavaScript.  Every
value on it comes from the data package, so it cannot drift from the numbers.

The site is written to a temporary folder beside ``DIR`` and moved into place
only when complete; a ``DIR`` that holds anything other than an earlier site is
left alone.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from .. import _store
from .._figure import Figure
from .._paths import data_root, root_argument
from .._staging import reason, swap_into
from ..citation import cite_figure, cite_package
from ..errors import IICSAStatsError
from ..notices import CONTENT_NOTICE
from ..tables import TABLES, format_cell, load_schema
from .excerpt import Excerpt, excerpt
from .jsonld import document_jsonld, figure_jsonld, package_jsonld

__all__ = ["MARKER", "SCALE_CAVEAT", "SiteError", "build_site"]

#: A file every site carries, so that a rebuild may replace a folder holding an earlier site, and nothing else.
MARKER = ".iicsa-stats-site"
#: The caveat stated in the research page about the four ways of measuring scale (the index quotes its passage).
SCALE_CAVEAT = "four-measures-differ"
_TEMPLATES = Path(__file__).parent / "templates"
_MEDIA_TYPES = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet", "zip": "application/zip"}


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


def _size(data_bytes: int) -> str:
    return f"{data_bytes / 1024:,.1f} KiB" if data_bytes >= 1024 else f"{data_bytes} bytes"


# -- what the pages show ---------------------------------------------------------------------------------------


def _value_line(fig: Figure) -> str:
    """The stored value(s) and qualifier, as in the figures table's columns."""
    number = {"type": "number"}
    qualifier = f"qualifier {fig.qualifier}"
    if fig.value is not None:
        return f"value {format_cell(fig.value, number)}, {qualifier}"
    lower, upper = format_cell(fig.value_lower, number), format_cell(fig.value_upper, number)
    return f"value_lower {lower}, value_upper {upper}, {qualifier}"


def _period_dates(fig: Figure) -> str | None:
    if fig.period_start is None:
        return None
    if fig.period_end is None:
        return f"from {_date(fig.period_start)}, no end date"
    if fig.period_end == fig.period_start:
        return _date(fig.period_start)
    return f"{_date(fig.period_start)} to {_date(fig.period_end)}"


_VERDICTS = {
    "not_comparable": ("Not comparable", "not_comparable"),
    "comparable_with_caveats": ("Comparable only with caveats", "caveats"),
    "comparable": ("Comparable", "caveats"),
}


def _not_comparable(fig: Figure, figures: dict[str, Figure]) -> list[dict[str, Any]]:
    """Every other figure by verdict (from the comparisons table), with the differences that decide it."""
    from ..comparison import comparable_with

    groups = []
    for verdict, comparisons in comparable_with(fig.id).items():
        label, effect = _VERDICTS[verdict]
        items = [
            {
                "figure": figures[c.other(fig.id)],
                "reasons": [f"{_label(d.name)}: {d.note}" for d in c.differences if d.effect == effect],
                "caveats": list(c.caveats),
            }
            for c in comparisons
        ]
        if items:
            groups.append({"verdict": verdict, "label": label, "items": items})
    return groups


def _case_details(document_id: str) -> list[tuple[int, int]]:
    return [
        (r["start"], r["end"])
        for r in _store.rows("ledger")
        if r["document_id"] == document_id and r["reason"] == "case_detail"
    ]


def _figure_excerpt(fig: Figure) -> Excerpt:
    p = fig.provenance
    text = _store.raw_text(p.raw_path)
    return excerpt(text, p.quote_start, p.quote_end, _case_details(p.document_id))


def _scale_passage(figures: dict[str, Figure]) -> dict[str, Any]:
    """The research page's passage on the four ways of measuring scale, with the figures measured each way."""
    caveat = next((c for f in figures.values() for c in f.caveats if c.id == SCALE_CAVEAT), None)
    if caveat is None or caveat.quote_start is None or caveat.quote_end is None or caveat.document_id is None:
        raise SiteError(f"no figure carries the caveat {SCALE_CAVEAT!r} stated in the source; rebuild the data")
    document = next(d for d in _store.rows("documents") if d["document_id"] == caveat.document_id)
    text = _store.raw_text(document["raw_path"])
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
    from ..bundle import table_files, write_zip

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
    )
    env.filters["label"] = _label
    env.filters["date"] = _date
    return env


def _prepare(target: Path) -> Path:
    """Check where the site goes; returns a new staging folder beside it (the site is written into a folder in it)."""
    if target.exists() and not target.is_dir():
        raise SiteError(f"{target} is a file; give a folder for the site")
    if target.is_dir() and any(target.iterdir()) and not (target / MARKER).is_file():
        raise SiteError(
            f"{target} is a folder that holds other files (no earlier site in it); give a new or empty folder"
        )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".site", dir=target.parent))
    except OSError as exc:
        raise SiteError(f"cannot write beside {target}: {reason(exc)}") from None
    return staging


def _render_pages(
    *,
    package: dict[str, Any],
    figures: dict[str, Figure],
    documents: list[dict[str, Any]],
    ledger: list[dict[str, Any]],
    downloads: list[dict[str, Any]],
    base: str | None,
) -> dict[str, str]:
    """Every page's HTML, by its path in the site."""
    scale = _scale_passage(figures)
    env = _environment()

    def absolute(path: str, depth: int) -> str:
        return f"{base}{path}" if base else "../" * depth + path

    def ld_downloads(depth: int, which: list[dict[str, Any]]) -> list[dict[str, str]]:
        return [
            {"name": d["name"], "encodingFormat": d["encodingFormat"], "contentUrl": absolute(d["path"], depth)}
            for d in which
        ]

    common = {
        "package": package,
        "content_notice": CONTENT_NOTICE,
        "downloads": downloads,
        "documents": documents,
        "version": package["version"],
    }
    pages: dict[str, str] = {}
    pages["index.html"] = env.get_template("index.html.j2").render(
        **common,
        root="",
        figures=list(figures.values()),
        scale=scale,
        package_citation=cite_package("text"),
        package_bibtex=cite_package("bibtex"),
        jsonld=_json_script(package_jsonld(package, list(figures.values()), ld_downloads(0, downloads))),
    )
    figure_downloads = [downloads[0], *(d for d in downloads[1:] if d["table"] in ("figures", "figure_caveats"))]
    for fig in figures.values():
        ld = figure_jsonld(
            fig, package, ld_downloads(1, figure_downloads), f"{base}figures/{fig.id}.html" if base else None
        )
        pages[f"figures/{fig.id}.html"] = env.get_template("figure.html.j2").render(
            **common,
            root="../",
            fig=fig,
            value_line=_value_line(fig),
            period_dates=_period_dates(fig),
            excerpt=_figure_excerpt(fig),
            raw_sha256=next(d["sha256"] for d in documents if d["document_id"] == fig.provenance.document_id),
            not_comparable=_not_comparable(fig, figures),
            citations={style: cite_figure(fig, style) for style in ("text", "bibtex", "ris", "csl-json")},
            figure_downloads=figure_downloads,
            jsonld=_json_script(ld),
        )
    for document in documents:
        rows = [r for r in ledger if r["document_id"] == document["document_id"]]
        counts: dict[tuple[str, str], int] = {}
        for r in rows:
            key = (r["status"], r["reason"] or "")
            counts[key] = counts.get(key, 0) + 1
        pages[f"documents/{document['document_id']}.html"] = env.get_template("document.html.j2").render(
            **common,
            root="../",
            document=document,
            doc_figures=[f for f in figures.values() if f.provenance.document_id == document["document_id"]],
            ledger=rows,
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
    if base_url is not None and not base_url.startswith(("https://", "http://")):
        raise SiteError(f"--base-url must be a web address starting https:// or http://, got {base_url!r}")
    base = None if base_url is None else base_url.rstrip("/") + "/"
    package = _store.package()
    figures = _store.all_figures()
    documents = list(_store.rows("documents"))
    ledger = list(_store.rows("ledger"))
    downloads = _downloads(package)
    target = Path(out)
    outer = _prepare(target)
    staging = outer / target.name
    try:
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
        (staging / MARKER).write_text(
            f"A static site written by `iicsa-stats site` (iicsa_stats {package['version']}); "
            "`iicsa-stats site --out` may replace this folder.\n",
            encoding="utf-8",
        )
        written = sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file())
        # all or nothing: an earlier site is set aside in the staging folder, and put back if the move fails
        swap_into(outer, target.parent, [target.name])
    except OSError as exc:
        raise SiteError(f"cannot write the site to {target}: {reason(exc)}") from None
    finally:
        shutil.rmtree(outer, ignore_errors=True)
    return written
