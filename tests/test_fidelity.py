"""Issue 14: curator claims rest on specific pages that say what they support; chains, qualifiers and dates as data."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest

import iicsa_stats as ist
from conftest import read_rows, write_pinned
from iicsa_stats import _loader, cli
from iicsa_stats._figure import figure_shape
from iicsa_stats._provenance import Reference, SourceStep
from iicsa_stats.build import build_tables
from iicsa_stats.errors import CurationError
from iicsa_stats.validation import format_report, run_checks

NSPCC_PAGE = "https://www.nspcc.org.uk/what-we-do/news-opinion/rise-in-child-sex-offences-involving-the-internet/"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("iicsa-internet-report-b1.toml", 'unit_label = "males (estimate)"', 'unit_label = "nan"', "missing value"),
        ("caveats.toml", "Arrests count people", "Arrests\\ncount people", "control character"),
        ("caveats.toml", "Arrests count people", "Arrests\\u202Ecount people", "control character"),
        ("caveats.toml", NSPCC_PAGE, "https://www.nspcc.org.uk/index.html?x=1#top", "home page"),
        ("caveats.toml", 'published = "2016-11-08"', 'published = "2016-13-45"', "not a real"),
        (
            "package.toml",
            "Figures compiled by the iicsa_stats project.",
            "Figures compiled\\u001b]0;x\\u0007.",
            "control",
        ),
        ("iicsa-internet-report-b1.toml", 'producer = "home-office"', 'producer = "nspcc"', "not a step of the chain"),
        (
            "iicsa-internet-report-b1.toml",
            '{ body = "home-office", role = "reported"',
            '{ body = "home-office", role = "cited"',
            "the one document that cites",
        ),
        (
            "iicsa-internet-report-b1.toml",
            '{ body = "police-forces-england-wales", role = "collected", basis = "source"',
            '{ body = "police-forces-england-wales", role = "reported", basis = "source"',
            "out of order",
        ),
        ("caveats.toml", 'published = "2016-11-08"', 'published = "2099-01"', "after this version's release"),
        ("caveats.toml", NSPCC_PAGE, NSPCC_PAGE.replace("https", "http"), r"not an https:// address"),
        ("caveats.toml", 'supports = "Gives 5,653', 'support = "Gives 5,653', r"unknown key 'support'"),
        ("caveats.toml", 'published = "2016-11-08"', 'published = "8 November 2016"', "not a real YYYY"),
        ("documents.toml", 'url = "https://www.iicsa', 'url = "javascript:alert(1)" # ', "not an https://"),
        ("caveats.toml", "Arrests count people", "Arrests\\u001b[31m count people", "control character"),
        (
            "iicsa-internet-report-b1.toml",
            '{ body = "iicsa", role = "cited", basis = "source" },\n]',
            "]",
            "role 'cited'",
        ),
        (
            "iicsa-internet-report-b1.toml",
            'basis = "public_reference", reference = "https://news',
            'basis = "source", reference = "https://news',
            "exactly when its basis",
        ),
        (
            "iicsa-internet-report-b1.toml",
            'period_start = 2016-01-01\nperiod_start_precision = "year"',
            'period_start = 2016-03-01\nperiod_start_precision = "year"',
            "stored as the first day of it",
        ),
    ],
    ids=[
        "nan-text",
        "line-break",
        "bidi-override",
        "index-page",
        "impossible-date",
        "package-control-character",
        "producer-not-in-chain",
        "two-cited-steps",
        "chain-out-of-order",
        "future-page-date",
        "http",
        "no-supports",
        "page-date",
        "javascript-url",
        "control-character",
        "chain-end",
        "step-reference",
        "date-precision",
    ],
)
def test_the_build_refuses_a_claim_without_its_page(
    checkout_copy: Path, file: str, old: str, new: str, message: str
) -> None:
    _edit(checkout_copy / "data" / "curation" / file, old, new)
    with pytest.raises(CurationError, match=message) as info:
        build_tables(checkout_copy)
    assert info.value.path.endswith(file), info.value  # the model's rules too are reported in the curation file


#: One damage per row of a table, each of which the build refuses: (table, row, column, value, message).
REPINNED_DAMAGE = [
    ("caveat_references", 0, "url", "https://www.nspcc.org.uk/", "pattern"),  # a home page
    ("caveat_references", 1, "supports", "", "required"),
    ("documents", 0, "url", "javascript:alert(1)", "pattern"),
    ("caveats", 0, "text", "Arrests\x1b[31m count", "pattern"),  # a control character
    ("caveats", 1, "text", "Arrests\u202e count", "pattern"),  # a bidirectional override
]


def test_validate_refuses_what_the_build_refuses_in_a_re_pinned_table(checkout_copy: Path) -> None:
    for table in {damage[0] for damage in REPINNED_DAMAGE}:
        header, rows = read_rows(checkout_copy / "data" / "processed" / f"{table}.csv")
        for _, row, column, value, _ in (d for d in REPINNED_DAMAGE if d[0] == table):
            rows[row][column] = value
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        write_pinned(checkout_copy, table, buffer.getvalue().encode())
    found = run_checks(checkout_copy, ["package"])
    for table, row, column, _, message in REPINNED_DAMAGE:
        assert any(p.table == table and p.field == column and re.search(message, p.message) for p in found), (
            table,
            row,
            column,
            format_report(found),
        )


def test_the_loader_refuses_a_control_character_and_a_chain_with_a_gap(
    checkout_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IICSA_STATS_DATA_DIR", str(checkout_copy))
    processed = checkout_copy / "data" / "processed"
    header, rows = read_rows(processed / "figure_sources.csv")
    rows = [r for r in rows if not (r["figure_id"] == "nspcc-males-viewed-csa-images-uk" and r["position"] == "2")]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_pinned(checkout_copy, "figure_sources", buffer.getvalue().encode())
    _loader.clear_cache()
    try:
        with pytest.raises(ist.DataFileError, match=r"figure_sources\.csv.*positions do not run 1, 2"):
            ist.figure("nspcc-males-viewed-csa-images-uk")
        write_pinned(
            checkout_copy, "caveats", (processed / "caveats.csv").read_bytes().replace(b"Arrests", b"Arr\x1bests")
        )
        _loader.clear_cache()
        with pytest.raises(ist.DataFileError, match="control character"):
            ist.list_figures()
        descriptor = checkout_copy / "datapackage.json"
        text = descriptor.read_text(encoding="utf-8")
        descriptor.write_text(text.replace('"path": "data/processed/ledger.csv"', '"path": "/etc/hostname"'))
        _loader.clear_cache()
        with pytest.raises(ist.DataFileError, match="resource path '/etc/hostname' is an absolute path"):
            ist.list_figures()
    finally:
        _loader.clear_cache()


def test_every_figure_has_a_chain_ending_with_the_citing_body_and_every_page_says_what_it_supports() -> None:
    for figure_id in ist.list_figures():
        fig = ist.figure(figure_id)
        assert fig.sources and fig.sources[-1].role == "cited", figure_id
        for caveat in fig.caveats:
            assert all(ref.supports and ref.url.startswith("https://") for ref in caveat.references)
    chain = ist.figure("police-recorded-online-csa-incidents-2016-17").provenance.chain_line
    assert (
        chain.startswith("collected by Police forces in England and Wales") and "compiled by National Society" in chain
    )


def test_cli_show_lists_the_chain_and_what_each_page_supports(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["show", "police-recorded-online-csa-incidents-2016-17"]) == 0
    out = capsys.readouterr().out
    assert "chain, first step first:\n    1. collected by Police forces in England and Wales" in out
    assert "2. compiled by National Society for the Prevention of Cruelty to Children (Freedom of Information" in out
    assert "(NSPCC) <" + NSPCC_PAGE + ">: Gives 5,653" in out


def test_a_toml_date_is_a_page_date_to_the_day(checkout_copy: Path) -> None:
    _edit(checkout_copy / "data" / "curation" / "caveats.toml", 'published = "2016-11-08"', "published = 2016-11-08")
    rows = build_tables(checkout_copy)[0]["caveat_references"]
    assert "2016-11-08" in {row["published"] for row in rows}


def test_dates_and_amounts_say_what_the_source_says() -> None:
    week = ist.figure("nca-police-joint-operation-arrests-2018")
    assert (week.period_type, week.period_start, week.period_end) == ("ending_by", None, dt.date(2018, 9, 3))
    assert week.period_dates == "ending on or before 3 September 2018, start not stated"
    since = ist.figure("people-arrested-online-csa-per-month")
    assert (since.period_start_precision, since.period_dates) == ("year", "from 2016, no end date")
    assert ist.figure("home-office-centre-of-expertise-funding").qualifier == "rounded"
    assert ist.figure("rea-adults-online-sexualised-conversations-lower-bound").geography.endswith(
        "(not measured there)"
    )
    rows = read_rows(Path(ist.__file__).resolve().parents[2] / "data" / "processed" / "ledger.csv")[1]
    year = next(r for r in rows if r["text"] == "2015")
    assert year["caveat_id"] == "report-dates-nspcc-work-2015"


def test_the_model_refuses_what_the_build_refuses() -> None:
    with pytest.raises(ValueError, match="home page"):
        Reference(
            title="t", publisher="p", published=None, url="https://www.nspcc.org.uk/", supports="s", confirmed=True
        )
    with pytest.raises(ValueError, match="does not say what it supports"):
        Reference(title="t", publisher="p", published=None, url=NSPCC_PAGE, supports=" ", confirmed=True)
    with pytest.raises(ValueError, match="exactly when its basis is public_reference"):
        SourceStep(body_id="nspcc", body_name="NSPCC", role="compiled", basis="public_reference")
    shape = {"qualifier": "exact", "value": 1.0, "value_lower": None, "value_upper": None, "period_type": "ending_by"}
    assert (
        figure_shape(
            **shape,
            period_start=None,
            period_end=dt.date(2018, 9, 3),
            period_start_precision=None,
            period_end_precision="day",
        )
        == []
    )
    broken = figure_shape(
        **shape,
        period_start=dt.date(2018, 9, 1),
        period_end=dt.date(2018, 9, 3),
        period_start_precision="day",
        period_end_precision="day",
    )
    assert [e.message for e in broken] == ["an ending_by period needs period_end and no period_start"]
