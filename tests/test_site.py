"""The static site: built in a temporary folder, read as HTML, and opened in a real headless Chromium.

The browser tests need Debian's ``chromium`` (``/usr/bin/chromium``) and Playwright's Python package;
no browser is downloaded.  Without Chromium they are skipped with a reason, unless
``IICSA_STATS_REQUIRE_BROWSER=1`` (set by ``.ci/run``), which makes a missing browser a failure.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import extruct
import pytest

import iicsa_stats as ist
from iicsa_stats import _catalog, _loader
from iicsa_stats._loader import load_schema
from iicsa_stats._paths import data_root
from iicsa_stats.citation import cite_package, original_producer
from iicsa_stats.cli import main
from iicsa_stats.errors import InvalidArgumentError
from iicsa_stats.site import (
    MARKER,
    SHAPES,
    TITLE_LIMIT,
    SiteError,
    build_site,
    excerpt,
    first_sentence,
    page_title,
)
from iicsa_stats.site import _environment as site_environment

FIGURES = ist.list_figures()
DOCUMENTS = [d["document_id"] for d in _loader.rows("documents")]
CHROMIUM = os.environ.get("IICSA_STATS_CHROMIUM", "/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("IICSA_STATS_REQUIRE_BROWSER") == "1"
BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FIGURE_SHOT = "police-recorded-online-csa-offences-2017-18"
#: The figure pages photographed: a single value, and a range.
FIGURE_SHOTS = (FIGURE_SHOT, "nspcc-males-viewed-csa-images-uk")
#: The most visible text a figure page may hold outside code blocks (a reader takes it in at a glance).
TEXT_LIMIT = 6000


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    build_site(out)
    return out


BASE = "https://example.org/iicsa/"


@pytest.fixture(scope="module")
def site_with_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    build_site(out, base_url=BASE.rstrip("/"))
    return out


def _pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


class _Page(HTMLParser):
    """The parts of a page the tests look at: lang, title, headings, ids, links, resources, JSON-LD."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lang: str | None = None
        self.title = ""
        self.headings: list[int] = []
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.resources: list[tuple[str, str]] = []
        self.first_link: str | None = None
        self._in_title = False
        self._in_svg = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "svg":
            self._in_svg = True
        if tag == "title" and not self._in_svg:  # the page's title, not a picture's
            self._in_title = True
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.headings.append(int(tag[1]))
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))
            if self.first_link is None:
                self.first_link = str(a["href"])
        if tag in ("img", "iframe", "video", "audio", "object", "embed", "picture", "image", "use", "foreignobject"):
            self.resources.append((tag, "imagery or embedded content"))
        if tag == "svg" and (a.get("role") != "img" or not a.get("aria-labelledby")):
            self.resources.append((tag, "an SVG that is not a labelled picture of a value"))
        if tag == "script" and (a.get("src") or a.get("type") != "application/ld+json"):
            self.resources.append((tag, "a script other than JSON-LD"))
        if tag == "link" and a.get("href"):
            self.resources.append((tag, str(a["href"])))

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag == "svg":
            self._in_svg = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


@functools.cache
def _parse(path: Path) -> _Page:
    """A page of a built site, parsed once (the sites of the module's fixtures are never changed)."""
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _jsonld(path: Path) -> list[dict[str, Any]]:
    data = extruct.extract(path.read_text(encoding="utf-8"), syntaxes=["json-ld"], uniform=True)
    items: list[dict[str, Any]] = data["json-ld"]
    return items


# -- the files, read as HTML -------------------------------------------------------------------------------------


def test_every_figure_and_document_has_a_page(site: Path) -> None:
    names = {p.relative_to(site).as_posix() for p in _pages(site)}
    expected = {"index.html"} | {f"figures/{f}.html" for f in FIGURES} | {f"documents/{d}.html" for d in DOCUMENTS}
    assert names == expected
    assert (site / "site.css").is_file()
    assert (site / MARKER).is_file()


def test_every_page_has_lang_title_skip_link_and_headings_in_order(site: Path) -> None:
    for path in _pages(site):
        page = _parse(path)
        assert page.lang == "en-GB", path
        assert page.title.strip(), path
        assert page.first_link == "#main" and "main" in page.ids, f"{path}: the skip link comes first"
        assert page.headings[0] == 1 and page.headings.count(1) == 1, path
        for before, after in zip(page.headings, page.headings[1:], strict=False):
            assert after <= before + 1, f"{path}: heading h{after} follows h{before}"


def test_pages_load_nothing_remote_and_show_no_imagery(site: Path) -> None:
    for path in _pages(site):
        page = _parse(path)
        for tag, what in page.resources:
            assert tag == "link" and not urlsplit(what).scheme, f"{path}: <{tag}> {what}"
    assert "url(" not in (site / "site.css").read_text(encoding="utf-8")  # no remote fonts or images in the CSS


def test_every_internal_link_resolves(site: Path) -> None:
    for path in _pages(site):
        for href in _parse(path).links:
            parts = urlsplit(href)
            if parts.scheme:
                assert parts.scheme == "https", f"{path}: {href}"
                continue
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            assert target.is_file(), f"{path}: link {href} points to nothing"
            assert site.resolve() in target.parents, f"{path}: link {href} leaves the site"
            if parts.fragment:
                assert parts.fragment in _parse(target).ids, f"{path}: link {href} has no such anchor"


def test_index_lists_what_each_figure_counts_with_its_number_producer_and_key_caveat(site: Path) -> None:
    import html as html_lib

    text = html_lib.unescape((site / "index.html").read_text(encoding="utf-8"))
    table = text[text.index('<table class="stack figures-table">') : text.index("</table>")]
    for fig in _catalog.all_figures().values():
        row = table[table.index(f'href="figures/{fig.id}.html"') :].split("</tr>")[0]
        assert f'href="figures/{fig.id}.html">{fig.title}</a>' in row
        assert fig.value_text in row and fig.period_text in row
        assert (fig.provenance.producer_name or "not named in the source") in row
        key = first_sentence(fig.caveats[0].text)
        assert f'data-label="Key caveat">{key}</td>' in row and fig.caveats[0].text.startswith(key)


def test_titles_say_what_was_counted_and_page_titles_are_short(site: Path) -> None:
    for fig in _catalog.all_figures().values():
        assert fig.title and fig.title != fig.value_text and not fig.title.startswith(fig.value_text)
    for path in _pages(site):
        assert len(_parse(path).title) <= TITLE_LIMIT, path
    assert first_sentence("Over 260. The rest is longer. Yes") == "Over 260."


def test_the_content_notice_is_short_and_plain(site: Path) -> None:
    import html as html_lib

    for path in _pages(site):
        text = html_lib.unescape(path.read_text(encoding="utf-8"))
        notice = text[text.index('<aside class="notice"') : text.index("</aside>")]
        assert "child sexual abuse" in notice and len(notice) < 300, path
        assert "case_detail" not in notice and "data/raw" not in notice, path


def test_index_quotes_the_four_ways_of_measuring_scale_from_the_raw_text(site: Path) -> None:
    import html as html_lib

    text = html_lib.unescape((site / "index.html").read_text(encoding="utf-8"))
    caveat = next(c for f in _catalog.all_figures().values() for c in f.caveats if c.id == "four-measures-differ")
    assert caveat.quote is not None and caveat.quote in text
    schema = load_schema(data_root(), "figures")
    codes = next(f for f in schema["fields"] if f["name"] == "scale_measure")["constraints"]["enum"]
    for code in codes:
        assert f"<strong>{code.replace('_', ' ').capitalize()}</strong>" in text
        for fig in _catalog.all_figures().values():
            if fig.scale_measure == code:
                assert f'href="figures/{fig.id}.html"' in text


def test_index_jsonld_describes_the_package(site: Path) -> None:
    package = _loader.package()
    items = _jsonld(site / "index.html")
    assert len(items) == 1
    ld = items[0]
    assert ld["@type"] == "Dataset"
    assert (ld["name"], ld["identifier"], ld["url"]) == (package["title"], package["name"], "index.html")
    assert ld["description"] == package["description"]
    assert 50 <= len(ld["description"]) <= 5000  # Google's Dataset guidance
    assert ld["license"] == "index.html"  # the licence has no address: the page whose footer states it
    assert ld["copyrightNotice"] == package["licenses"][0]["title"]
    assert ld["creator"] == [{"@type": "Organization", "name": "iicsa_stats project", "url": "index.html"}]
    assert ld["citation"] == cite_package("text")
    assert ld["isAccessibleForFree"] is True
    assert ld["isBasedOn"] == [s["path"] for s in package["sources"]]
    figures = list(_catalog.all_figures().values())
    starts = [f.period_start for f in figures if f.period_start]
    assert ld["temporalCoverage"] == f"{min(starts).isoformat()}/.."  # one figure's period has no end
    places = {f.geography for f in figures} - {"not_stated"}
    assert sorted(p["name"] for p in ld["spatialCoverage"]) == sorted(places)
    formats = {d["encodingFormat"] for d in ld["distribution"]}
    assert formats == {"application/zip", "text/csv", "application/vnd.apache.parquet"}
    for download in ld["distribution"]:
        assert (site / download["contentUrl"]).is_file(), download
    assert len(ld["distribution"]) == 1 + 2 * len(ist.TABLES)
    assert [v["name"] for v in ld["variableMeasured"]] == [f.measure_code for f in figures]
    assert ld["variableMeasured"] == [_expected_variable(f) for f in figures]


def _expected_variable(fig: ist.Figure) -> dict[str, Any]:
    """A value, a range (both bounds) or a bound ("more than 260", "at least 1 in 10": minValue only)."""
    variable: dict[str, Any] = {
        "@type": "PropertyValue",
        "name": fig.measure_code,
        "description": f"{fig.measure} (qualifier: {fig.qualifier.replace('_', ' ')})",
        "unitText": fig.unit,
    }
    return {**variable, **_NUMBERS[fig.id]}


#: What each figure's number is in schema.org terms, written out by hand: a value, both ends of a range, or a
#: lower bound only.
_NUMBERS: dict[str, dict[str, float]] = {
    "home-office-centre-of-expertise-funding": {"value": 7_500_000},
    "nca-police-joint-operation-arrests-2018": {"value": 131},
    "nspcc-males-viewed-csa-images-uk": {"minValue": 450_000, "maxValue": 590_000},
    "people-arrested-online-csa-per-month": {"minValue": 400, "maxValue": 450},
    "police-recorded-online-csa-incidents-2016-17": {"value": 5653},
    "police-recorded-online-csa-offences-2017-18": {"value": 8525},
    "rea-adults-online-sexualised-conversations-lower-bound": {"minValue": 0.1},
    "rea-perpetrator-age-band": {"minValue": 18, "maxValue": 25},
    "research-with-children-participants": {"minValue": 260},
}


#: The periods of the dated figures as ISO 8601 intervals (the others have no period start).
_PERIODS = {
    "people-arrested-online-csa-per-month": "2016-01-01/..",  # no end stated
    "police-recorded-online-csa-incidents-2016-17": "2016-04-01/2017-03-31",
    "police-recorded-online-csa-offences-2017-18": "2017-04-01/2018-03-31",
}


@pytest.mark.parametrize("figure_id", FIGURES)
def test_figure_jsonld_equals_the_data(site: Path, figure_id: str) -> None:
    fig = ist.figure(figure_id)
    (ld,) = _jsonld(site / "figures" / f"{figure_id}.html")
    assert ld["@type"] == "Dataset"
    assert (ld["name"], ld["identifier"], ld["url"]) == (fig.headline, fig.id, f"../figures/{fig.id}.html")
    assert ld["isBasedOn"]["url"] == fig.provenance.url
    assert ld["variableMeasured"] == _expected_variable(fig)
    assert ld.get("temporalCoverage") == _PERIODS.get(figure_id)
    assert ld.get("spatialCoverage", {}).get("name") == (None if fig.geography == "not_stated" else fig.geography)
    assert ld["description"].startswith(fig.measure)
    assert fig.caveats[0].text in ld["description"]
    assert ld["citation"] == fig.cite()
    assert ld["isAccessibleForFree"] is True
    assert (ld["license"], ld["isPartOf"]["url"]) == ("../index.html", "../index.html")
    assert ld["creator"] == [{"@type": "Organization", "name": "iicsa_stats project", "url": "../index.html"}]
    assert ld.get("sourceOrganization", {}).get("name") == original_producer(fig)
    for download in ld["distribution"]:
        assert (site / "figures" / download["contentUrl"]).resolve().is_file()


@pytest.mark.parametrize("figure_id", FIGURES)
def test_can_it_be_compared_names_every_other_figure_once_in_words(site: Path, figure_id: str) -> None:
    import html as html_lib
    import re

    text = html_lib.unescape((site / "figures" / f"{figure_id}.html").read_text(encoding="utf-8"))
    section = text[text.index('<h2 id="compared">') : text.index('<h2 id="cite">')]
    words = re.sub(r"<[^>]+>", " ", section)
    figures = _catalog.all_figures()
    for verdict, comparisons in ist.comparable_with(figure_id).items():
        assert (f'<h3 id="{verdict}">' in section) == bool(comparisons)
        for comparison in comparisons:
            other = figures[comparison.other(figure_id)]
            start = section.index(f'<h3 id="{verdict}">')
            end = section.find("<h3", start + 1)
            group = section[start : end if end != -1 else len(section)]
            assert group.count(f'<a href="{other.id}.html">{other.title}</a>') == 1
            reasons = re.findall(r"<strong>([^<]*)</strong>", group)
            assert len(reasons) == len(set(reasons)), f"figures with the same reasons are not grouped: {reasons}"
    assert sum(section.count(f'<a href="{f}.html">') for f in FIGURES) == len(FIGURES) - 1
    codes = {f.measure_code for f in figures.values()} | set(FIGURES) | {"gbp", "years_of_age"}
    for code in codes:  # no machine codes: "gbp against offences", "centre_of_expertise_funding against ..."
        assert not re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", words), code
    assert "_" not in words
    for found in ist.comparable_with(figure_id).values():
        for c in found:  # the comparisons table's computed notes name codes; the page words them plainly
            assert not [d.note for d in c.differences if d.basis != "curated" and d.note in words]


@pytest.mark.parametrize("document_id", DOCUMENTS)
def test_document_page_lists_its_figures_and_its_ledger_without_case_details(site: Path, document_id: str) -> None:
    import html as html_lib

    path = site / "documents" / f"{document_id}.html"
    text = html_lib.unescape(path.read_text(encoding="utf-8"))
    rows = [r for r in _loader.rows("ledger") if r["document_id"] == document_id]
    details = [r for r in rows if r["reason"] == "case_detail"]
    shown = [r for r in rows if r["reason"] != "case_detail"]
    assert text.count('<td data-label="Characters">') == len(shown)
    for row in shown:
        assert f'<td data-label="Characters">{row["start"]} to {row["end"]}</td>' in text
    for row in details:  # neither its position nor its note; only how many were left out
        assert f"{row['start']} to {row['end']}" not in text
        assert not row["note"] or row["note"] not in text
    if details:
        assert f"{len(details)} withheld as case details" in text
    assert "case detail" not in text.replace("withheld as case details", "") or details
    for fig in _catalog.all_figures().values():
        assert (f'href="../figures/{fig.id}.html"' in text) == (fig.provenance.document_id == document_id)
    (ld,) = _jsonld(path)
    document = next(d for d in _loader.rows("documents") if d["document_id"] == document_id)
    assert (ld["name"], ld["url"]) == (document["title"], document["url"])


def test_the_ledger_csv_keeps_its_case_details(site: Path) -> None:
    csv = (site / "downloads" / "ledger.csv").read_text(encoding="utf-8")
    details = [r for r in _loader.rows("ledger") if r["reason"] == "case_detail"]
    assert details and csv.count(",case_detail,") == len(details)


def test_citation_files_equal_the_citations(site: Path) -> None:
    from iicsa_stats.citation import cite_figure

    for fig in _catalog.all_figures().values():
        page = (site / "figures" / f"{fig.id}.html").read_text(encoding="utf-8")
        for style, suffix in (("bibtex", "bib"), ("ris", "ris"), ("csl-json", "json")):
            written = (site / "cite" / f"{fig.id}.{suffix}").read_text(encoding="utf-8")
            assert written == cite_figure(fig, style).rstrip("\n") + "\n"
            assert f'href="../cite/{fig.id}.{suffix}"' in page
        json.loads((site / "cite" / f"{fig.id}.json").read_text(encoding="utf-8"))


def test_control_characters_never_reach_a_page_raw() -> None:
    env = site_environment()
    damaged = "a caveat\x1b[31m with ESC, BEL\x07, NUL\x00 and C1\x85 in it\nand a second line\tafter a tab"
    html = env.from_string('<p title="{{ x }}">{{ x }}</p>{{ y | safe }}').render(x=damaged, y="<b>\x1b</b>")
    assert not any((0 <= ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F for c in html), repr(html)
    assert html.count("\ufffd") == 9 and "<b>\ufffd</b>" in html and "\n" in html and "\t" in html


# -- the case-detail policy ----------------------------------------------------------------------------------------


def test_no_excerpt_shows_a_case_detail(site: Path) -> None:
    import html as html_lib

    details = [r for r in _loader.rows("ledger") if r["reason"] == "case_detail"]
    assert details, "the ledger has case details; the policy test needs them"
    for fig in _catalog.all_figures().values():
        html = html_lib.unescape((site / "figures" / f"{fig.id}.html").read_text(encoding="utf-8"))
        start = html.index('<blockquote class="excerpt"')
        shown = (
            html[html.index("<p>", start) + 3 : html.index("</p>", start)].replace("<mark>", "").replace("</mark>", "")
        )
        raw = _loader.raw_text(fig.provenance.raw_path)
        lo = raw.index(shown.removeprefix("… ").removesuffix(" …"))
        hi = lo + len(shown.removeprefix("… ").removesuffix(" …"))
        assert lo <= fig.provenance.quote_start and fig.provenance.quote_end <= hi, fig.id
        for row in details:
            if row["document_id"] == fig.provenance.document_id:
                assert row["end"] <= lo or row["start"] >= hi, f"{fig.id} shows the case detail at {row['start']}"


def test_excerpt_cuts_the_context_before_a_case_detail_and_says_so() -> None:
    text = "Intro sentence. Earlier, a person aged 12 was named. The figure is 500 reports. Then a case aged 9 is told."
    start = text.index("The figure")
    end = text.index(" Then")
    before_detail = (text.index("12"), text.index("12") + 2)
    after_detail = (text.index("9 is"), text.index("9 is") + 1)
    shown = excerpt(text, start, end, [before_detail, after_detail])
    assert shown["quote"] == "The figure is 500 reports."
    assert shown["case_detail_cut"]
    assert "12" not in shown["before"] and "aged" not in shown["before"]
    assert "9" not in shown["after"] and "Then" not in shown["after"]
    clear = excerpt(text, start, end)
    assert not clear["case_detail_cut"] and "aged 12" in clear["before"] and "aged 9" in clear["after"]
    with pytest.raises(ValueError, match="lies inside the quote"):
        excerpt(text, start, end, [(start + 14, start + 17)])


def test_a_figure_page_says_when_its_context_was_cut(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import html as html_lib

    import iicsa_stats.site as site_module

    incidents, offences = ist.figure(FIGURES[4]), ist.figure(FIGURE_SHOT)
    assert incidents.id == "police-recorded-online-csa-incidents-2016-17"
    raw = _loader.raw_text(offences.provenance.raw_path)
    # Pretend the footnote marker between the two quotes were a case detail: neither page may show it,
    # nor what stands beyond it (the other figure's words).
    marker = raw.index("[4]", incidents.provenance.quote_end)
    assert incidents.provenance.quote_end <= marker < offences.provenance.quote_start
    rows = _loader.rows
    detail = {"document_id": offences.provenance.document_id, "start": marker, "end": marker + 3}
    ledger = [*rows("ledger"), {**detail, "reason": "case_detail", "status": "excluded"}]
    monkeypatch.setattr(site_module._loader, "rows", lambda name, *a: ledger if name == "ledger" else rows(name, *a))
    build_site(tmp_path / "site")
    for fig, beyond in ((incidents, "8,525"), (offences, "5,653")):
        html = html_lib.unescape((tmp_path / "site" / "figures" / f"{fig.id}.html").read_text(encoding="utf-8"))
        assert "details of an individual case, which this site does not show" in html
        start = html.index('<blockquote class="excerpt"')
        shown = html[start : html.index("</blockquote>", start)]
        assert f"<mark>{fig.provenance.quote}</mark>" in shown
        assert "[4]" not in shown and beyond not in shown
    untouched = (tmp_path / "site" / "figures" / f"{FIGURES[0]}.html").read_text(encoding="utf-8")
    assert "which this site does not show" not in untouched


# -- writing the site ---------------------------------------------------------------------------------------------


def test_the_same_data_gives_the_same_site(site: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    build_site(again)
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        assert (again / path.relative_to(site)).read_bytes() == path.read_bytes(), path


def test_base_url_gives_absolute_addresses_and_canonical_links(site: Path, site_with_base: Path) -> None:
    (ld,) = _jsonld(site_with_base / "index.html")
    assert (ld["url"], ld["license"]) == (f"{BASE}index.html", f"{BASE}index.html")
    assert all(d["contentUrl"].startswith(f"{BASE}downloads/") for d in ld["distribution"])
    (ld,) = _jsonld(site_with_base / "figures" / f"{FIGURE_SHOT}.html")
    assert ld["url"] == f"{BASE}figures/{FIGURE_SHOT}.html"
    assert ld["creator"][0]["url"] == ld["isPartOf"]["url"] == f"{BASE}index.html"
    for path in _pages(site_with_base):
        page = path.relative_to(site_with_base).as_posix()
        links = [href for tag, href in _parse(path).resources if tag == "link" and href.startswith("https://")]
        assert links == [f"{BASE}{page}"], page
        assert f'<link rel="canonical" href="{BASE}{page}">' in path.read_text(encoding="utf-8")
    assert all("canonical" not in path.read_text(encoding="utf-8") for path in _pages(site))


@pytest.mark.parametrize(
    "base_url",
    [
        "https://",
        "https:/example.org",
        "example.org",
        "ftp://example.org/",
        "https://exa mple.org/",
        'https://example.org/"x',
        "https://example.org/?q=1",
        "https://user@example.org/",
        "https://example.org:0/",
    ],
)
def test_a_base_url_that_is_not_an_absolute_web_address_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], base_url: str
) -> None:
    assert main(["site", "--out", str(tmp_path / "site"), "--base-url", base_url]) == 2
    err = capsys.readouterr().err
    assert "--base-url must be an absolute https:// (or http://) address with a host" in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(InvalidArgumentError, match="base_url must be a str"):
        build_site(tmp_path / "site", base_url=5)  # type: ignore[arg-type]


def test_a_failure_while_writing_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import iicsa_stats.site as site_module

    def failing(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(site_module.shutil, "copyfile", failing)
    with pytest.raises(SiteError, match="No space left on device"):
        build_site(tmp_path / "site")
    assert list(tmp_path.iterdir()) == []


# -- in a real browser -----------------------------------------------------------------------------------------------
#
# One browser and one tab for the module; each page is opened once, axe-core injected once, and every check of
# the page runs in that visit at a phone's width (375 x 667) and then at a desktop's (1280 x 800).

#: axe-core's rule tags for WCAG 2.0, 2.1 and 2.2, levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
#: Only the violations, without the selectors and paths of each node (asked for again when one is found), and no
#: preloading of the style sheets (a page opened from a file may not read them: it would be a console error).
_AXE_FAST = {"resultTypes": ["violations"], "selectors": False, "ancestry": False, "xpath": False, "preload": False}
SCREENS = ((375, 667), (1280, 800))


class _Tab:
    """The module's one browser tab: the console errors and the requests that left the file system, per visit."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        self.remote: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url}"))
        page.route("**/*", self._route)

    def _route(self, route: Any) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            self.remote.append(route.request.url)
            route.abort()

    def visit(self, path: Path, screen: tuple[int, int]) -> Any:
        self.errors.clear()
        self.remote.clear()
        self.page.set_viewport_size({"width": screen[0], "height": screen[1]})
        self.page.goto(path.as_uri())
        return self.page

    def axe_violations(self) -> list[dict[str, Any]]:
        """axe-core's WCAG 2.2 A and AA violations on the page as it now is, each with the nodes concerned."""
        run = "options => axe.run(document, options).then(r => r.violations)"
        only = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "preload": False}
        found: list[dict[str, Any]] = self.page.evaluate(run, {**only, **_AXE_FAST})
        if found:  # again, with each node's selector, for the report
            found = self.page.evaluate(run, {**only, "resultTypes": ["violations"]})
        return [{"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]]} for v in found]


@pytest.fixture(scope="module")
def tab() -> Iterator[_Tab]:
    reason = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - the test extra installs it
        reason = f"Playwright's Python package is not installed ({exc})"
    if reason is None and not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        reason = f"no Chromium at {CHROMIUM} (install Debian's chromium package, or set IICSA_STATS_CHROMIUM)"
    if reason is not None:
        if REQUIRE_BROWSER:
            pytest.fail(f"IICSA_STATS_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        from axe_playwright_python.sync_playwright import Axe

        page = browser.new_page()
        page.add_init_script(script=Axe().axe_script)  # axe-core in every page, handed to the browser once
        yield _Tab(page)
        browser.close()


_VISIBLE_TEXT = """() => {
    let length = document.body.innerText.length;
    for (const block of document.querySelectorAll("pre, code")) {
        if (block.tagName === "PRE" || !block.closest("pre")) length -= block.innerText.length;
    }
    return length;
}"""


def _phone_checks(page: Any, fig: ist.Figure) -> None:
    """A figure page on a phone: at most 6,000 characters, the title on the first screen, the picture whole."""
    length = page.evaluate(_VISIBLE_TEXT)
    assert length <= TEXT_LIMIT, f"{length} characters of visible text"
    box = page.locator("h1").bounding_box()
    assert box["y"] + box["height"] <= 667, "the title is below a phone's first screen"
    svg = page.locator("svg")
    assert svg.count() == 1, "one figure per picture, one picture per page"
    assert svg.get_attribute("role") == "img"
    label = svg.get_attribute("aria-labelledby")
    assert page.locator(f"svg #{label}").evaluate("e => e.tagName") == "title"
    name = page.locator(f"svg #{label}").text_content() or ""
    assert name.startswith(fig.value_text)
    marks = {
        "dot": svg.locator("circle.dot").count(),
        "hollow": svg.locator("circle.hollow").count(),
        "bar": svg.locator("line.mark").count(),
        "arrow": svg.locator("polyline.mark").count(),
    }
    shape = SHAPES[fig.qualifier]
    if shape == "point":
        assert marks == {"dot": 1, "hollow": 0, "bar": 0, "arrow": 0}
    elif shape == "interval":
        assert marks == {"dot": 0, "hollow": 0, "bar": 3, "arrow": 0}
        assert ("a confidence interval from" if fig.qualifier == "confidence_interval" else "a range from") in name
    else:
        hollow = fig.qualifier == "more_than"
        assert marks == {"dot": int(not hollow), "hollow": int(hollow), "bar": 1, "arrow": 1}
        assert "no upper end" in name
    box = svg.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375


def _readers_order(page: Any, fig: ist.Figure) -> None:
    """A figure page on a desktop, in a reader's order; each further caveat opens to its text and basis."""
    assert page.inner_text("h1") == fig.title
    assert page.title() == page_title(fig.title) and len(page.title()) <= TITLE_LIMIT
    assert page.inner_text(".value") == fig.value_text
    order = page.eval_on_selector_all(
        "h1, .value, .lead, .key-facts, #know, .caveat.key, #source, #compared, #cite",
        "nodes => nodes.map(n => n.getBoundingClientRect().top + window.scrollY)",
    )
    assert order == sorted(order) and len(order) == 9, "the page's parts are out of order"
    facts = page.locator(".key-facts")
    assert facts.bounding_box()["y"] + facts.bounding_box()["height"] <= 800, "key facts below the first screen"
    for label in ("Produced by", "Through whom", "Period", "Geography", "Unit", "Source"):
        assert label in facts.locator("dt").all_inner_texts()
    assert fig.provenance.locator in facts.inner_text()
    key = page.locator(".caveat.key")
    assert key.locator(".caveat-text").inner_text() == fig.caveats[0].text and key.is_visible()
    assert page.locator("mark").all_inner_texts() == [" ".join(fig.provenance.quote.split())]
    # each further caveat: its first sentence, hidden until its summary is clicked, then its text and basis
    others = page.evaluate(_OPEN_CAVEATS)
    assert len(others) == len(fig.caveats) - 1
    for caveat, item in zip(fig.caveats[1:], others, strict=True):
        assert item["summary"].endswith(first_sentence(caveat.text))
        assert not item["shown_before"] and item["shown_after"], "a caveat's details are shown before asked for"
        assert item["text"] == caveat.text
        if caveat.basis == "source":
            assert caveat.quote is not None
            assert " ".join(caveat.quote.split()) in " ".join(item["all"].split())
        for ref in caveat.references:
            (words,) = item["links"][ref.url]
            assert ("(not confirmed)" in words) == (not ref.confirmed)
            assert f"({ref.publisher}" in words and ref.supports in words


#: Click each further caveat's summary (and its basis's), and read what it shows.
_OPEN_CAVEATS = """() => [...document.querySelectorAll("ul.caveats > li")].map(item => {
    const text = item.querySelector(".caveat-text");
    const summary = item.querySelector(":scope > details > summary");
    const shown_before = text.checkVisibility();
    summary.click();
    item.querySelector("details.basis > summary")?.click();
    const links = {};
    for (const a of item.querySelectorAll("a[href]")) {
        (links[a.getAttribute("href")] ??= []).push(a.parentElement.innerText);
    }
    const shown_after = text.checkVisibility();
    return {summary: summary.innerText, shown_before, shown_after, text: text.innerText, all: item.innerText, links};
})"""


def _page_names() -> list[str]:
    return ["index.html"] + [f"figures/{f}.html" for f in FIGURES] + [f"documents/{d}.html" for d in DOCUMENTS]


@pytest.mark.parametrize("name", _page_names())
def test_page_in_the_browser_fits_passes_axe_and_reads_in_order_at_both_widths(
    tab: _Tab, site: Path, name: str
) -> None:
    figure_id = name.removeprefix("figures/").removesuffix(".html") if name.startswith("figures/") else None
    fig = ist.figure(figure_id) if figure_id else None
    shots = os.environ.get("IICSA_STATS_SCREENSHOTS")
    page = tab.visit(site / name, SCREENS[0])
    for width, height in SCREENS:
        page.set_viewport_size({"width": width, "height": height})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"scrolls at {width} px"
        assert tab.axe_violations() == [], f"axe-core at {width} px"
        if fig and width == 375:
            _phone_checks(page, fig)
        if shots and (figure_id in FIGURE_SHOTS or name == "index.html"):
            for part, full in (("first-screen", False), ("full", True)):
                shot = Path(shots) / f"{figure_id or 'index'}-{width}-{part}.png"
                shot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(shot), full_page=full)
                assert shot.stat().st_size > 10_000
    if fig:  # last: it opens the caveats
        _readers_order(page, fig)
    if name == "index.html":  # the skip link is the first stop and moves to the main content
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
        page.keyboard.press("Enter")
        assert page.evaluate("location.hash") == "#main"
    assert tab.errors == [] and tab.remote == []


def test_chromium_is_required_in_ci() -> None:
    ci_script = (Path(__file__).parents[1] / ".ci" / "run").read_text(encoding="utf-8")
    assert "IICSA_STATS_REQUIRE_BROWSER=1" in ci_script
    assert "apt-get install" in ci_script and "chromium" in ci_script
    if REQUIRE_BROWSER:
        assert shutil.which("chromium") or os.path.isfile(CHROMIUM)
