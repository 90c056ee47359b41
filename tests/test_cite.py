"""Citations that reference managers read: BibTeX parses, CSL-JSON validates and renders, RIS is a data set."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import bibtexparser
import jsonschema
import pytest
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON

import iicsa_stats as ist
from iicsa_stats import _store
from iicsa_stats.citation import STYLES, cite_figure, cite_package
from iicsa_stats.cli import main
from iicsa_stats.errors import IICSAStatsError, UnknownCitationStyleError

CSL_SCHEMA = json.loads((Path(__file__).parent / "csl" / "csl-data.subset.schema.json").read_text(encoding="utf-8"))
FIGURES = ist.list_figures()


def _bibtex_fields(text: str) -> tuple[Any, dict[str, str]]:
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    assert len(library.entries) == 1
    entry = library.entries[0]
    return entry, {f.key: f.value for f in entry.fields}


def _render_csl(items: list[dict[str, Any]]) -> str:
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)  # bundled with citeproc-py
    bibliography = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
    bibliography.register(Citation([CitationItem(items[0]["id"])]))
    return "".join(str(item) for item in bibliography.bibliography())


@pytest.mark.parametrize("figure_id", FIGURES)
def test_bibtex_parses_and_names_document_producer_and_version(figure_id: str) -> None:
    fig = ist.figure(figure_id)
    p = fig.provenance
    entry, fields = _bibtex_fields(fig.cite(style="bibtex"))
    assert entry.entry_type == "misc"
    assert entry.key == f"iicsa-stats:{figure_id}"
    assert fields["title"] == "{" + p.document_title + "}"
    assert fields["author"] == "{" + p.publisher + "}"
    assert fields["url"] == p.url
    assert fields["urldate"] == ""  # the access date is the reader's to fill in
    if p.published:
        assert (fields["year"], fields["date"]) == (str(p.published.year), p.published.isoformat())
    else:
        assert "year" not in fields
        assert "Publication date not stated" in fields["note"]
    note = fields["note"].replace("\\_", "_")
    assert p.locator in note
    assert f"iicsa_stats {ist.__version__}" in note
    assert (p.producer_name or "does not name the figure's producer") in note


@pytest.mark.parametrize("figure_id", FIGURES)
def test_csl_json_matches_its_schema_and_renders_with_a_standard_style(figure_id: str) -> None:
    fig = ist.figure(figure_id)
    items = json.loads(fig.cite(style="csl-json"))
    jsonschema.validate(items, CSL_SCHEMA)
    assert items[0]["type"] == "dataset"
    assert items[0]["title"] == fig.provenance.document_title
    rendered = _render_csl(items)
    assert fig.provenance.document_title in rendered
    assert fig.provenance.url in rendered
    published = fig.provenance.published
    if published:
        assert items[0]["issued"] == {"date-parts": [[published.year, published.month, published.day]]}
        assert str(published.year) in rendered


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


@pytest.mark.parametrize("figure_id", FIGURES)
def test_ris_is_a_data_record(figure_id: str) -> None:
    fig = ist.figure(figure_id)
    lines = fig.cite(style="ris").splitlines()
    assert lines[0] == "TY  - DATA"
    assert lines[-1] == "ER  - "
    tags = {}
    for line in lines:
        tag, sep, value = line.partition("  - ")
        assert sep and len(tag) == 2, line
        tags.setdefault(tag, value)
    assert tags["TI"] == fig.provenance.document_title
    assert tags["UR"] == fig.provenance.url
    assert tags["Y2"] == ""
    assert fig.provenance.locator in tags["N1"]


def test_text_style_is_todays_citation() -> None:
    fig = ist.figure("police-recorded-online-csa-offences-2017-18")
    assert fig.cite() == fig.cite(style="text") == cite_figure(fig, "text")
    assert fig.cite().startswith("Independent Inquiry into Child Sexual Abuse (IICSA). The Internet Investigation")


def test_unknown_style_is_a_lookup_error_with_close_matches() -> None:
    fig = ist.figure(FIGURES[0])
    with pytest.raises(UnknownCitationStyleError, match=r"unknown citation style 'bibtext'\. Did you mean 'bibtex'"):
        fig.cite(style="bibtext")
    with pytest.raises(LookupError):
        cite_package("apa")
    assert issubclass(UnknownCitationStyleError, IICSAStatsError)


@pytest.mark.parametrize("style", STYLES)
def test_package_citation_comes_from_the_descriptor(style: str) -> None:
    package = _store.package()
    text = cite_package(style)
    assert package["title"] in text
    assert package["version"] in text
    for source in package["sources"]:
        assert source["path"] in text
    if style == "bibtex":
        entry, fields = _bibtex_fields(text)
        assert fields["version"] == package["version"]
        assert entry.key == f"{package['name']}-{package['version']}"
    elif style == "csl-json":
        items = json.loads(text)
        jsonschema.validate(items, CSL_SCHEMA)
        assert items[0]["version"] == package["version"]
        assert package["title"] in _render_csl(items)
    elif style == "ris":
        assert text.splitlines()[0] == "TY  - DATA"
        assert f"ET  - {package['version']}" in text.splitlines()


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
