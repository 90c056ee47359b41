"""Citations as reference managers read them: BibTeX parses and fits biblatex's data model, CSL-JSON validates,
RIS is one record, and pandoc's citeproc renders CSL-JSON and BibTeX in two styles the way a careful person writes.

The rendering tests need Debian's ``pandoc`` (``/usr/bin/pandoc``); without it they are skipped with a reason,
unless ``IICSA_STATS_REQUIRE_PANDOC=1`` (set by ``.ci/run``), which makes a missing pandoc a failure.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import bibtexparser
import jsonschema
import pytest

import iicsa_stats as ist
from iicsa_stats import _loader
from iicsa_stats._provenance import SourceStep
from iicsa_stats._version import __release_date__
from iicsa_stats.citation import STYLES, cite_figure, cite_package, original_producer
from iicsa_stats.cli import main
from iicsa_stats.errors import IICSAStatsError, InvalidArgumentError, UnknownCitationStyleError

CSL = Path(__file__).parent / "csl"
CSL_SCHEMA = json.loads((CSL / "csl-data.subset.schema.json").read_text(encoding="utf-8"))
FIGURES = ist.list_figures()
PANDOC = shutil.which("pandoc")
REQUIRE_PANDOC = os.environ.get("IICSA_STATS_REQUIRE_PANDOC") == "1"
KINDS = {d["document_id"]: d["kind"] for d in _loader.rows("documents")}
#: A figure from the Inquiry's report, one from its web page, one whose producer the source does not name.
REPORT_FIGURE = "nspcc-males-viewed-csa-images-uk"
PAGE_FIGURE = "research-with-children-participants"
UNNAMED_FIGURE = "people-arrested-online-csa-per-month"
#: The fields of biber's data model (biber-tool.conf) for each entry type written, besides the date and url
#: that every type has.  A field outside them is a data-model warning.
BIBER_FIELDS = {
    "report": {"author", "title", "type", "institution", "note", "number", "version", "location", "subtitle"},
    "misc": {"author", "title", "type", "organization", "note", "howpublished", "version", "location", "subtitle"},
    "dataset": {"author", "title", "type", "organization", "publisher", "note", "version", "edition", "subtitle"},
}
BIBER_REQUIRED = {"report": {"author", "title", "type", "institution"}, "misc": {"title"}, "dataset": {"title"}}


def _bibtex_fields(text: str) -> tuple[Any, dict[str, str]]:
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    assert len(library.entries) == 1
    entry = library.entries[0]
    return entry, {f.key: f.value for f in entry.fields}


def _hostile(figure_id: str, **provenance: Any) -> ist.Figure:
    """The figure with ``provenance`` fields replaced; a ``producer_name`` becomes the chain's producing step too."""
    fig = ist.figure(figure_id)
    if "producer_name" in provenance:
        body = fig.provenance.producer_id or "hostile"
        step = SourceStep(body_id=body, body_name=provenance["producer_name"], role="estimated", basis="source")
        provenance["sources"] = (step, fig.sources[-1])
    return dataclasses.replace(fig, provenance=dataclasses.replace(fig.provenance, **provenance))


# -- each format on its own --------------------------------------------------------------------------------------


@pytest.mark.parametrize("figure_id", FIGURES)
def test_bibtex_entry_fits_its_type_and_names_document_producer_and_version(figure_id: str) -> None:
    fig = ist.figure(figure_id)
    p = fig.provenance
    entry, fields = _bibtex_fields(fig.cite(style="bibtex"))
    report = "report" in KINDS[p.document_id].lower()
    assert entry.entry_type == ("report" if report else "misc")
    assert entry.key == f"iicsa-stats:{figure_id}"
    assert set(fields) - {"date", "url"} <= BIBER_FIELDS[entry.entry_type], "a field outside biber's data model"
    assert BIBER_REQUIRED[entry.entry_type] <= set(fields)
    assert "howpublished" not in fields and "urldate" not in fields and "year" not in fields
    assert (fields["title"], fields["author"], fields["url"]) == (
        "{" + p.document_title + "}",
        "{" + p.publisher + "}",
        p.url,
    )
    assert fields.get("date") == (p.published.isoformat() if p.published else None)
    assert fields["institution" if report else "organization"] == p.publisher
    assert (original_producer(fig) or "producer the source does not name") in fields["type"]
    assert p.locator in fields["type"]
    note = fields["note"].replace("\\_", "_")
    assert f"iicsa_stats {ist.__version__}" in note
    assert (p.producer_name or "does not name the figure's producer") in note


@pytest.mark.parametrize("figure_id", FIGURES)
def test_csl_json_matches_its_schema_and_the_document_kind(figure_id: str) -> None:
    fig = ist.figure(figure_id)
    (item,) = json.loads(fig.cite(style="csl-json"))
    jsonschema.validate([item], CSL_SCHEMA)
    assert item["type"] == ("report" if "report" in KINDS[fig.provenance.document_id].lower() else "webpage")
    assert (item["title"], item["URL"]) == (fig.provenance.document_title, fig.provenance.url)
    assert "accessed" not in item
    published = fig.provenance.published
    assert item.get("issued") == (
        {"date-parts": [[published.year, published.month, published.day]]} if published else None
    )


def test_the_csl_schema_rejects_what_csl_does_not_allow() -> None:
    items = json.loads(ist.figure(FIGURES[0]).cite(style="csl-json"))
    for broken in (
        [{**items[0], "type": "data"}],
        [{**items[0], "producer_note": "not a CSL variable"}],
        [{k: v for k, v in items[0].items() if k != "id"}],
        [{**items[0], "author": [{"name": "not a name part"}]}],
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, CSL_SCHEMA)


def _ris_tags(text: str) -> dict[str, str]:
    lines = text.split("\n")
    assert lines[-1] == "ER  - " and [line[:2] for line in lines].count("TY") == 1 and lines.count("ER  - ") == 1
    tags: dict[str, str] = {}
    for line in lines:
        tag, sep, value = line.partition("  - ")
        assert sep and len(tag) == 2 and tag.isalnum(), line
        assert value.strip() or tag == "ER", f"empty {tag}"
        tags.setdefault(tag, value)
    return tags


@pytest.mark.parametrize("figure_id", FIGURES)
def test_ris_is_one_record_of_the_document_kind_without_an_empty_tag(figure_id: str) -> None:
    fig = ist.figure(figure_id)
    tags = _ris_tags(fig.cite(style="ris"))
    assert tags["TY"] == ("RPRT" if "report" in KINDS[fig.provenance.document_id].lower() else "ELEC")
    assert (tags["TI"], tags["UR"]) == (fig.provenance.document_title, fig.provenance.url)
    assert "Y2" not in tags
    assert fig.provenance.locator in tags["M3"]


def test_text_style_is_the_figures_citation() -> None:
    fig = ist.figure("police-recorded-online-csa-offences-2017-18")
    assert fig.cite() == fig.cite(style="text") == cite_figure(fig, "text")
    assert fig.cite().startswith("Independent Inquiry into Child Sexual Abuse (IICSA). The Internet Investigation")
    assert "Provenance: collected by Police forces in England and Wales (inferred); work cited:" in fig.cite()


def test_the_original_producer_is_the_first_step_of_the_provenance_chain() -> None:
    fig = ist.figure(REPORT_FIGURE)
    assert original_producer(fig) == fig.provenance.producer_name
    assert original_producer(ist.figure(UNNAMED_FIGURE)) is None
    chain = (SimpleNamespace(body_name="A collecting body", role="collected", basis="stated"),)
    assert original_producer(SimpleNamespace(sources=chain, provenance=fig.provenance)) == "A collecting body"  # type: ignore[arg-type]


# -- bad arguments and hostile values ----------------------------------------------------------------------------


def test_unknown_style_is_a_lookup_error_with_close_matches() -> None:
    fig = ist.figure(FIGURES[0])
    with pytest.raises(UnknownCitationStyleError, match=r"unknown citation style 'bibtext'\. Did you mean 'bibtex'"):
        fig.cite(style="bibtext")
    with pytest.raises(LookupError):
        cite_package("apa")
    assert issubclass(UnknownCitationStyleError, IICSAStatsError)


def test_a_non_figure_or_a_non_str_style_is_an_invalid_argument() -> None:
    with pytest.raises(InvalidArgumentError, match=r"fig must be a Figure .*got NoneType"):
        cite_figure(None)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match=r"style must be a str, one of text, bibtex.*; got int"):
        cite_figure(ist.figure(FIGURES[0]), 5)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match=r"style must be a str.*; got bytes"):
        cite_package(b"ris")  # type: ignore[arg-type]


def test_a_newline_in_a_value_cannot_start_a_second_ris_record() -> None:
    fig = _hostile(REPORT_FIGURE, producer_name="Body\nER  - \n\nTY  - JOUR\nTI  - Injected\r\u2028\x1b[31m")
    tags = _ris_tags(fig.cite(style="ris"))
    assert tags["TY"] == "RPRT" and "Injected" in tags["N1"]


def _whole_for_brace_counters(entry: str) -> bool:
    """BibTeX and biber count every brace, escaped or not: the entry must close at its last character only."""
    depth = 0
    for at, c in enumerate(entry):
        depth += {"{": 1, "}": -1}.get(c, 0)
        if depth == 0 and c == "}":
            return at == len(entry) - 1
    return False


def test_braces_and_special_characters_in_any_value_give_bibtex_that_parses() -> None:
    producer = "Body} @misc{x, title={y}} \\ & % $ # _ ~ ^"
    url = 'https://example.org/a}b{c\\d e"f%20g'
    fig = _hostile(REPORT_FIGURE, producer_name=producer, url=url, locator="para {1")
    text = fig.cite(style="bibtex")
    entry, fields = _bibtex_fields(text)
    assert _whole_for_brace_counters(text), text
    assert entry.entry_type == "report" and fields["url"] == "https://example.org/a%7Db%7Bc%5Cd%20e%22f%20g"
    # ``type`` is read raw by pandoc: it names the producer without LaTeX specials; ``note`` has the exact name
    assert fields["type"].startswith("Figure estimated by Body @misc x, title= y and , cited at para 1,")
    if PANDOC:  # pandoc reads the same entry back: the exact producer's name and locator, and the address
        (item,) = json.loads(_pandoc(["-f", "biblatex", "-t", "csljson"], text))
        assert f"para {{1, footnote [2]. Provenance: estimated by {producer};" in item["note"]
        assert item["genre"] == fields["type"]
        assert item["URL"] == fields["url"]


# -- the package ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("style", STYLES)
def test_package_citation_gives_version_release_date_and_address(style: str) -> None:
    package = _loader.package()
    text = cite_package(style)
    assert package["title"] in text and package["homepage"] in text
    assert f"version {package['version']}" in text
    for source in package["sources"]:
        assert source["path"] in text
    if style == "bibtex":
        entry, fields = _bibtex_fields(text)
        assert entry.entry_type == "dataset" and entry.key == f"{package['name']}-{package['version']}"
        assert set(fields) - {"date", "url"} <= BIBER_FIELDS["dataset"]
        assert (fields["date"], fields["url"]) == (__release_date__, package["homepage"])
    elif style == "csl-json":
        (item,) = json.loads(text)
        jsonschema.validate([item], CSL_SCHEMA)
        assert item["type"] == "dataset"
        assert item["issued"] == {"date-parts": [[int(part) for part in __release_date__.split("-")]]}
    elif style == "ris":
        tags = _ris_tags(text)
        assert (tags["TY"], tags["ET"], tags["DA"]) == ("DATA", package["version"], __release_date__.replace("-", "/"))
    else:
        assert text.startswith(f"iicsa_stats project ({__release_date__[:4]}). {package['title']} (version")


# -- rendered by pandoc's citeproc, as a reader sees the reference list ---------------------------------------------


def _pandoc(args: list[str], stdin: str) -> str:
    assert PANDOC
    done = subprocess.run([PANDOC, *args], input=stdin, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "[WARNING]" not in done.stderr, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def pandoc() -> None:
    if not PANDOC:
        if REQUIRE_PANDOC:
            pytest.fail("pandoc is required here (IICSA_STATS_REQUIRE_PANDOC=1); apt-get install pandoc")
        pytest.skip("pandoc is not installed (apt-get install pandoc)")


SUBJECTS = [REPORT_FIGURE, PAGE_FIGURE, UNNAMED_FIGURE, "package"]


def _rendered(tmp_path: Path, citations: dict[str, str], fmt: str, style: str | None) -> dict[str, str]:
    """The reference-list entry pandoc writes for each key of ``citations``, as plain text on one line."""
    import html
    import re

    bibliography = tmp_path / ("refs.json" if fmt == "csl-json" else "refs.bib")
    if fmt == "csl-json":
        bibliography.write_text(json.dumps([i for c in citations.values() for i in json.loads(c)]), encoding="utf-8")
    else:
        bibliography.write_text("\n\n".join(citations.values()), encoding="utf-8")
    args = ["--citeproc", "--bibliography", str(bibliography), "-f", "markdown", "-t", "html", "--wrap=none"]
    if style:
        args += ["--csl", str(CSL / style)]
    text = _pandoc(args, "Cited: [" + "; ".join(f"@{key}" for key in citations) + "].\n")
    assert re.sub(r"<[^>]+>", "", text).startswith("Cited: ("), text
    entries = {}
    for key in citations:
        div = re.search(rf'<div id="ref-{re.escape(key)}"[^>]*>(.*?)</div>', text, re.DOTALL)
        assert div, f"no entry for {key}: {text}"
        entries[key] = " ".join(html.unescape(re.sub(r"<[^>]+>", "", div.group(1))).split())
    return entries


@pytest.mark.usefixtures("pandoc")
@pytest.mark.parametrize("style", [None, "apa.csl"], ids=["chicago-author-date", "apa"])
@pytest.mark.parametrize("fmt", ["csl-json", "bibtex"])
def test_pandoc_renders_the_citations_as_a_careful_reader_would(tmp_path: Path, fmt: str, style: str | None) -> None:
    """Three figures (from a report, from a web page, with no producer named) and the package, in one list."""
    package = _loader.package()
    citations = {f"iicsa-stats:{f}": cite_figure(ist.figure(f), fmt) for f in SUBJECTS[:-1]}
    citations[f"{package['name']}-{package['version']}"] = cite_package(fmt)
    entries = _rendered(tmp_path, citations, fmt, style)
    for subject, (key, entry) in zip(SUBJECTS, entries.items(), strict=True):
        if subject == "package":
            url = package["homepage"]
            expected = [package["title"], f"version {package['version']}", __release_date__[:4], "Data package"]
        else:
            fig = ist.figure(subject)
            p = fig.provenance
            url = p.url
            expected = [p.document_title, p.locator, original_producer(fig) or "producer the source does not name"]
            expected.append(str(p.published.year) if p.published else "n.d.")
        for words in expected:  # Chicago puts titles in headline case
            assert words.casefold() in entry.casefold(), f"{key}: {words!r} not in {entry!r}"
        assert entry.count(url) == 1, f"the address is not given exactly once: {entry!r}"
        assert entry.count("https://") == 1, entry
        for bare in ("Accessed", "Retrieved", "urldate"):
            assert bare not in entry, entry
        assert "Data set" not in entry, f"APA's bare '[Data set]' label: {entry!r}"


@pytest.mark.usefixtures("pandoc")
def test_pandoc_reads_the_bibtex_as_the_csl_json_says() -> None:
    figures = [ist.figure(figure_id) for figure_id in (REPORT_FIGURE, PAGE_FIGURE)]
    read = json.loads(
        _pandoc(["-f", "biblatex", "-t", "csljson"], "\n\n".join(f.cite(style="bibtex") for f in figures))
    )
    assert len(read) == len(figures)
    for fig, got in zip(
        figures, sorted(read, key=lambda item: [f.id for f in figures].index(item["id"][12:])), strict=True
    ):
        (item,) = json.loads(fig.cite(style="csl-json"))
        for name in ("title", "author", "publisher", "issued", "URL", "genre", "note"):
            assert got.get(name) == item.get(name), (fig.id, name)
        assert got["type"] == ("report" if item["type"] == "report" else "")  # pandoc reads @misc as no type


def test_pandoc_is_required_in_ci() -> None:
    ci_script = (Path(__file__).parents[1] / ".ci" / "run").read_text(encoding="utf-8")
    assert "IICSA_STATS_REQUIRE_PANDOC=1" in ci_script and "missing+=(pandoc)" in ci_script
    if REQUIRE_PANDOC:
        assert PANDOC


# -- the command line ----------------------------------------------------------------------------------------------


def test_cli_cite_formats(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cite", "rea-perpetrator-age-band", "--format", "bibtex"]) == 0
    _bibtex_fields(capsys.readouterr().out)
    assert main(["cite", "--package", "--format", "csl-json"]) == 0
    jsonschema.validate(json.loads(capsys.readouterr().out), CSL_SCHEMA)
    assert main(["cite", "rea-perpetrator-age-band"]) == 0
    assert capsys.readouterr().out == ist.figure("rea-perpetrator-age-band").cite() + "\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["cite"], "give one figure id, or --package"),
        (["cite", "rea-perpetrator-age-band", "--package"], "give one figure id, or --package"),
        (["cite", "rea-perpetrator-age-band", "--format", "apa"], "invalid choice: 'apa'"),
        (["cite", "no-such-figure", "--format", "ris"], "unknown figure id 'no-such-figure'"),
    ],
)
def test_cli_cite_bad_input_is_one_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1
