"""The static site: built in a temporary folder, read as HTML, and opened in a real headless Chromium.

The browser tests need Debian's ``chromium`` (``/usr/bin/chromium``) and Playwright's Python package;
no browser is downloaded.  Without Chromium they are skipped with a reason, unless
``IICSA_STATS_REQUIRE_BROWSER=1`` (set by ``.ci/run``), which makes a missing browser a failure.
"""

from __future__ import annotations

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
from iicsa_stats import _store
from iicsa_stats._paths import data_root
from iicsa_stats.cli import main
from iicsa_stats.site import MARKER, SiteError, build_site
from iicsa_stats.site import _figure_excerpt as figure_excerpt
from iicsa_stats.site.excerpt import excerpt
from iicsa_stats.site.jsonld import temporal_coverage
from iicsa_stats.tables import load_schema

FIGURES = ist.list_figures()
DOCUMENTS = [d["document_id"] for d in _store.rows("documents")]
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


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    build_site(out)
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

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "title":
            self._in_title = True
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.headings.append(int(tag[1]))
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))
            if self.first_link is None:
                self.first_link = str(a["href"])
        if tag in ("img", "iframe", "video", "audio", "object", "embed", "picture", "svg"):
            self.resources.append((tag, "imagery or embedded content"))
        if tag == "script" and (a.get("src") or a.get("type") != "application/ld+json"):
            self.resources.append((tag, "a script other than JSON-LD"))
        if tag == "link" and a.get("href"):
            self.resources.append((tag, str(a["href"])))

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def _parse(path: Path) -> _Page:
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


def test_index_lists_every_figure_with_its_key_caveat(site: Path) -> None:
    html = (site / "index.html").read_text(encoding="utf-8")
    import html as html_lib

    text = html_lib.unescape(html)
    for fig in _store.all_figures().values():
        assert f'href="figures/{fig.id}.html">{fig.headline}</a>' in text
        assert fig.caveats[0].text in text
    assert "Content notice." in text


def test_index_quotes_the_four_ways_of_measuring_scale_from_the_raw_text(site: Path) -> None:
    import html as html_lib

    text = html_lib.unescape((site / "index.html").read_text(encoding="utf-8"))
    caveat = next(c for f in _store.all_figures().values() for c in f.caveats if c.id == "four-measures-differ")
    assert caveat.quote is not None and caveat.quote in text
    schema = load_schema(data_root(), "figures")
    codes = next(f for f in schema["fields"] if f["name"] == "scale_measure")["constraints"]["enum"]
    for code in codes:
        assert f"<strong>{code.replace('_', ' ').capitalize()}</strong>" in text
        for fig in _store.all_figures().values():
            if fig.scale_measure == code:
                assert f'href="figures/{fig.id}.html"' in text


def test_index_jsonld_describes_the_package(site: Path) -> None:
    package = _store.package()
    items = _jsonld(site / "index.html")
    assert len(items) == 1
    ld = items[0]
    assert ld["@type"] == "Dataset"
    assert ld["name"] == package["title"]
    assert ld["description"] == package["description"]
    assert 50 <= len(ld["description"]) <= 5000  # Google's Dataset guidance
    assert ld["license"]["name"] == package["licenses"][0]["title"]
    assert [c["name"] for c in ld["creator"]] == ["iicsa_stats project"]
    assert ld["isBasedOn"] == [s["path"] for s in package["sources"]]
    assert "citation" not in ld
    formats = {d["encodingFormat"] for d in ld["distribution"]}
    assert formats == {"application/zip", "text/csv", "application/vnd.apache.parquet"}
    for download in ld["distribution"]:
        assert (site / download["contentUrl"]).is_file(), download
    assert len(ld["distribution"]) == 1 + 2 * len(ist.TABLES)
    figures = list(_store.all_figures().values())
    assert [v["name"] for v in ld["variableMeasured"]] == [f.measure_code for f in figures]
    assert [v.get("value") for v in ld["variableMeasured"]] == [f.value for f in figures]


def _expected_figure_ld(fig: ist.Figure) -> dict[str, Any]:
    expected: dict[str, Any] = {
        "name": fig.headline,
        "identifier": fig.id,
        "isBasedOn.url": fig.provenance.url,
        "variableMeasured.name": fig.measure_code,
        "variableMeasured.unitText": fig.unit,
    }
    if fig.value is not None:
        expected["variableMeasured.value"] = fig.value
    else:
        expected["variableMeasured.minValue"] = fig.value_lower
        expected["variableMeasured.maxValue"] = fig.value_upper
    return expected


def _dig(data: dict[str, Any], dotted: str) -> Any:
    value: Any = data
    for part in dotted.split("."):
        value = value[part]
    return value


@pytest.mark.parametrize("figure_id", FIGURES)
def test_figure_jsonld_equals_the_data(site: Path, figure_id: str) -> None:
    fig = ist.figure(figure_id)
    (ld,) = _jsonld(site / "figures" / f"{figure_id}.html")
    assert ld["@type"] == "Dataset"
    for key, value in _expected_figure_ld(fig).items():
        assert _dig(ld, key) == value, key
    assert ld.get("temporalCoverage") == temporal_coverage(fig)
    if fig.period_start:
        assert ld["temporalCoverage"].startswith(fig.period_start.isoformat())
    assert ld.get("spatialCoverage", {}).get("name") == (None if fig.geography == "not_stated" else fig.geography)
    assert ld["description"].startswith(fig.measure)
    assert fig.caveats[0].text in ld["description"]
    assert "citation" not in ld
    for download in ld["distribution"]:
        assert (site / "figures" / download["contentUrl"]).resolve().is_file()


@pytest.mark.parametrize("figure_id", FIGURES)
def test_not_comparable_with_lists_every_other_figure_by_verdict(site: Path, figure_id: str) -> None:
    import html as html_lib

    text = html_lib.unescape((site / "figures" / f"{figure_id}.html").read_text(encoding="utf-8"))
    section = text[text.index('<h2 id="not-comparable">') : text.index('<h2 id="cite">')]
    listed = 0
    for verdict, comparisons in ist.comparable_with(figure_id).items():
        if not comparisons:
            assert f'<h3 id="{verdict}">' not in section
            continue
        start = section.index(f'<h3 id="{verdict}">')
        end = section.find("<h3", start + 1)
        group = section[start : end if end != -1 else len(section)]
        for comparison in comparisons:
            other = ist.figure(comparison.other(figure_id))
            assert f'<a href="{other.id}.html">{other.headline}</a>' in group
            decisive = [d for d in comparison.differences if d.effect == "not_comparable"]
            if verdict == "not_comparable":
                assert decisive
            for difference in decisive:
                assert f"<li>{difference.name.replace('_', ' ')}: {difference.note}</li>" in group
            listed += 1
    assert listed == len(FIGURES) - 1


@pytest.mark.parametrize("document_id", DOCUMENTS)
def test_document_page_lists_its_figures_and_whole_ledger(site: Path, document_id: str) -> None:
    path = site / "documents" / f"{document_id}.html"
    text = path.read_text(encoding="utf-8")
    rows = [r for r in _store.rows("ledger") if r["document_id"] == document_id]
    assert f"<caption>{len(rows)} numeric mentions</caption>" in text
    for row in rows:
        assert f'<td data-label="Characters">{row["start"]} to {row["end"]}</td>' in text
    for fig in _store.all_figures().values():
        assert (f'href="../figures/{fig.id}.html"' in text) == (fig.provenance.document_id == document_id)
    (ld,) = _jsonld(path)
    document = next(d for d in _store.rows("documents") if d["document_id"] == document_id)
    assert (ld["name"], ld["url"]) == (document["title"], document["url"])


# -- the case-detail policy ----------------------------------------------------------------------------------------


def test_no_excerpt_shows_a_case_detail() -> None:
    details = [r for r in _store.rows("ledger") if r["reason"] == "case_detail"]
    assert details, "the ledger has case details; the policy test needs them"
    for fig in _store.all_figures().values():
        shown = figure_excerpt(fig)
        lo = shown.start - len(shown.before)
        hi = shown.end + len(shown.after)
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
    assert shown.quote == "The figure is 500 reports."
    assert shown.case_detail_cut
    assert "12" not in shown.before and "aged" not in shown.before
    assert "9" not in shown.after and "Then" not in shown.after
    clear = excerpt(text, start, end)
    assert not clear.case_detail_cut and "aged 12" in clear.before and "aged 9" in clear.after
    with pytest.raises(ValueError, match="lies inside the quote"):
        excerpt(text, start, end, [(start + 14, start + 17)])


def test_a_figure_page_says_when_its_context_was_cut(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import html as html_lib

    import iicsa_stats.site as site_module

    incidents, offences = ist.figure(FIGURES[4]), ist.figure(FIGURE_SHOT)
    assert incidents.id == "police-recorded-online-csa-incidents-2016-17"
    raw = _store.raw_text(offences.provenance.raw_path)
    # Pretend the footnote marker between the two quotes were a case detail: neither page may show it,
    # nor what stands beyond it (the other figure's words).
    marker = raw.index("[4]", incidents.provenance.quote_end)
    assert incidents.provenance.quote_end <= marker < offences.provenance.quote_start
    monkeypatch.setattr(site_module, "_case_details", lambda document_id: [(marker, marker + 3)])
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


def test_a_base_url_that_is_not_a_web_address_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["site", "--out", str(tmp_path / "site"), "--base-url", "example.org"]) == 2
    assert "--base-url must be a web address" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_base_url_gives_absolute_addresses(tmp_path: Path) -> None:
    build_site(tmp_path / "site", base_url="https://example.org/iicsa")
    (ld,) = _jsonld(tmp_path / "site" / "index.html")
    assert all(d["contentUrl"].startswith("https://example.org/iicsa/downloads/") for d in ld["distribution"])
    (ld,) = _jsonld(tmp_path / "site" / "figures" / f"{FIGURE_SHOT}.html")
    assert ld["url"] == f"https://example.org/iicsa/figures/{FIGURE_SHOT}.html"


def test_a_failure_while_writing_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import iicsa_stats.site as site_module

    def failing(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(site_module.shutil, "copyfile", failing)
    with pytest.raises(SiteError, match="No space left on device"):
        build_site(tmp_path / "site")
    assert list(tmp_path.iterdir()) == []


# -- in a real browser -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
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
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield chromium
        chromium.close()


class _Visit:
    """A page opened in the browser, with its console errors and every request that left the file system."""

    def __init__(self, browser: Any, url: str, width: int) -> None:
        self.errors: list[str] = []
        self.remote: list[str] = []
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url}"))
        self.page.route("**/*", self._route)
        self.page.goto(url)

    def _route(self, route: Any) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            self.remote.append(route.request.url)
            route.abort()

    def fits(self) -> bool:
        return bool(self.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("IICSA_STATS_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.mark.parametrize("figure_id", FIGURES)
def test_figure_page_in_the_browser_shows_the_data(browser: Any, site: Path, figure_id: str) -> None:
    fig = ist.figure(figure_id)
    visit = _Visit(browser, (site / "figures" / f"{figure_id}.html").as_uri(), 375)
    try:
        page = visit.page
        assert page.inner_text("h1") == fig.headline
        assert page.title() == f"{fig.headline} · IICSA figures"
        texts = page.locator(".caveat-text").all_inner_texts()
        assert texts == [c.text for c in fig.caveats]
        assert "Key caveat" in page.locator(".caveat").first.inner_text()
        for caveat, item in zip(fig.caveats, page.locator(".caveat").all(), strict=True):
            shown = item.inner_text()
            if caveat.basis == "source":
                assert caveat.quote is not None and " ".join(caveat.quote.split()) in " ".join(shown.split())
            for ref in caveat.references:
                link = item.locator(f'a[href="{ref.url}"]')
                assert link.count() == 1
                assert ("(not confirmed)" in link.locator("xpath=..").inner_text()) == (not ref.confirmed)
        assert page.locator("mark").all_inner_texts() == [" ".join(fig.provenance.quote.split())]
        ld = json.loads(page.locator('script[type="application/ld+json"]').text_content() or "")
        for key, value in _expected_figure_ld(fig).items():
            assert _dig(ld, key) == value, key
        assert visit.fits(), f"{figure_id} scrolls sideways at 375 px"
        assert visit.errors == []
        assert visit.remote == []
    finally:
        visit.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_every_page_fits_and_every_link_resolves_in_the_browser(browser: Any, site: Path, width: int) -> None:
    for path in _pages(site):
        visit = _Visit(browser, path.as_uri(), width)
        try:
            assert visit.fits(), f"{path} scrolls sideways at {width} px"
            assert visit.errors == [], path
            assert visit.remote == [], path
            hrefs = visit.page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
            for href in hrefs:
                parts = urlsplit(href)
                if parts.scheme != "file":
                    continue
                target = Path(unquote(parts.path))
                assert target.is_file(), f"{path}: {href}"
                if parts.fragment:
                    assert parts.fragment in _parse(target).ids, f"{path}: {href}"
        finally:
            visit.close()


def test_skip_link_is_the_first_stop_and_moves_to_main(browser: Any, site: Path) -> None:
    visit = _Visit(browser, (site / "index.html").as_uri(), 1280)
    try:
        visit.page.keyboard.press("Tab")
        assert visit.page.evaluate("document.activeElement.textContent") == "Skip to main content"
        visit.page.keyboard.press("Enter")
        assert visit.page.evaluate("location.hash") == "#main"
    finally:
        visit.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_screenshots_of_index_and_a_figure_page(browser: Any, site: Path, screenshots: Path, width: int) -> None:
    for name, path in (("index", site / "index.html"), ("figure", site / "figures" / f"{FIGURE_SHOT}.html")):
        visit = _Visit(browser, path.as_uri(), width)
        try:
            shot = screenshots / f"{name}-{width}.png"
            visit.page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
        finally:
            visit.close()


def test_chromium_is_required_in_ci() -> None:
    ci_script = (Path(__file__).parents[1] / ".ci" / "run").read_text(encoding="utf-8")
    assert "IICSA_STATS_REQUIRE_BROWSER=1" in ci_script
    assert "apt-get install" in ci_script and "chromium" in ci_script
    if REQUIRE_BROWSER:
        assert shutil.which("chromium") or os.path.isfile(CHROMIUM)
