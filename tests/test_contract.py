"""Contract tests over every figure, caveat, table and ledger row (in the spirit of sklearn's test_common)."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

import iicsa_stats as ist
from iicsa_stats import _loader
from iicsa_stats._figure import TABLE_FIELDS
from iicsa_stats._loader import load_schema
from iicsa_stats._paths import data_root
from iicsa_stats.numbers import find_numbers, values_in

FIGURE_IDS = ist.list_figures()


def _raw(document_id: str) -> str:
    doc = next(r for r in _loader.rows("documents") if r["document_id"] == document_id)
    return (data_root() / doc["raw_path"]).read_text(encoding="utf-8")


def test_table_fields_are_every_figure_attribute_that_is_a_column() -> None:
    import dataclasses

    columns = {f["name"] for f in load_schema(data_root(), "figures")["fields"]}
    attributes = {f.name for f in dataclasses.fields(ist.Figure)}
    assert set(TABLE_FIELDS) == columns & attributes
    assert len(TABLE_FIELDS) == len(set(TABLE_FIELDS))


def test_there_are_figures() -> None:
    assert len(FIGURE_IDS) >= 9
    assert sorted(FIGURE_IDS) == FIGURE_IDS


def test_figure_quote_is_at_its_offsets_and_holds_its_values() -> None:
    for figure_id in FIGURE_IDS:
        fig = ist.figure(figure_id)
        p = fig.provenance
        assert _raw(p.document_id)[p.quote_start : p.quote_end] == p.quote, figure_id
        found = values_in(p.quote)
        for value in (fig.value, fig.value_lower, fig.value_upper):
            if value is not None:
                assert any(math.isclose(value, v) for v in found), (figure_id, value, found)


def test_figure_api_and_dataframe_agree() -> None:
    def same(a: object, b: object) -> bool:
        if b is None or b is pd.NA or (isinstance(b, float) and math.isnan(b)) or b is pd.NaT:
            return a is None
        if isinstance(a, dt.date):
            return pd.Timestamp(a) == pd.Timestamp(b)
        return a == b

    frame = ist.figures().set_index("figure_id")
    links = ist.table("figure_caveats").sort_values("position")
    assert list(frame.index) == FIGURE_IDS
    for figure_id in FIGURE_IDS:
        fig, row = ist.figure(figure_id), frame.loc[figure_id]
        for column in TABLE_FIELDS:
            assert same(getattr(fig, column), row[column]), (figure_id, column)
        p = fig.provenance
        assert (p.quote, p.quote_start, p.quote_end, p.locator) == tuple(
            row[["quote", "quote_start", "quote_end", "locator"]]
        )
        markers = row["footnote_markers"]
        assert p.footnote_markers == (tuple(markers.split()) if isinstance(markers, str) else ()), figure_id
        assert [c.id for c in fig.caveats] == links[links["figure_id"] == figure_id]["caveat_id"].tolist()


def test_figure_never_comes_without_caveats_and_source() -> None:
    for figure_id in FIGURE_IDS:
        fig = ist.figure(figure_id)
        text, html = str(fig), fig._repr_html_()
        assert fig.caveats and fig.caveats[0].text in text, figure_id
        assert fig.provenance.url in text and fig.provenance.url in fig.cite()
        assert fig.provenance.quote in fig.context(50)
        assert "Caveats" in html and "<script" not in html


def test_caveat_basis() -> None:
    refs = {r["caveat_id"] for r in _loader.rows("caveat_references") if r["url"].startswith("https://")}
    for row in _loader.rows("caveats"):
        if row["basis"] == "source":
            assert _raw(row["document_id"])[row["quote_start"] : row["quote_end"]] == row["quote"], row["caveat_id"]
            assert row["caveat_id"] not in refs
        else:
            assert row["quote"] is None and row["caveat_id"] in refs, row["caveat_id"]


def test_table_types() -> None:
    """Frames have the schema's columns, integers as Int64, dates as datetimes (validate checks the files' keys)."""
    for table in ist.TABLES:
        schema, frame = load_schema(data_root(), table), ist.table(table)
        assert list(frame.columns) == [f["name"] for f in schema["fields"]], table
        for field in schema["fields"]:
            kind = str(frame[field["name"]].dtype)
            if field["type"] == "integer":
                assert kind == "Int64", (table, field["name"])
            if field["type"] == "date":
                assert kind.startswith("datetime64"), (table, field["name"])


@pytest.mark.parametrize("document_id", [r["document_id"] for r in _loader.rows("documents")])
def test_every_number_is_accounted_for(document_id: str) -> None:
    text = _raw(document_id)
    ledger = [r for r in _loader.rows("ledger") if r["document_id"] == document_id]
    mentions = find_numbers(text)
    assert [(m.start, m.end, m.text) for m in mentions] == [(r["start"], r["end"], r["text"]) for r in ledger]
    spans = {r["figure_id"]: (r["quote_start"], r["quote_end"]) for r in _loader.rows("figures")}
    spans |= {r["caveat_id"]: (r["quote_start"], r["quote_end"]) for r in _loader.rows("caveats") if r["quote"]}
    for row in ledger:
        if row["status"] == "excluded":
            assert row["reason"] and (row["reason"] != "other" or row["note"])
        else:
            start, end = spans[row["figure_id"] or row["caveat_id"]]
            assert start <= row["start"] and row["end"] <= end


def test_incidents_and_offences_are_never_merged() -> None:
    units = {ist.figure(i).unit for i in FIGURE_IDS if ist.figure(i).measure_code == "police_recorded_online_csa"}
    assert units == {"incidents", "offences"}
    for figure_id in FIGURE_IDS:
        fig = ist.figure(figure_id)
        if fig.measure_code == "police_recorded_online_csa":
            assert "police-counts-not-shown-comparable" in [c.id for c in fig.caveats]


def test_case_details_are_left_out() -> None:
    excluded = [r for r in _loader.rows("ledger") if r["reason"] == "case_detail"]
    assert excluded, "the report's case details must be listed as left out"
    figures_text = " ".join(str(ist.figure(i)) for i in FIGURE_IDS)
    for row in excluded:
        doc_text = _raw(row["document_id"])
        # no figure quote reaches into an excluded case detail
        for fig_row in _loader.rows("figures"):
            if fig_row["document_id"] == row["document_id"]:
                assert not (fig_row["quote_start"] <= row["start"] < fig_row["quote_end"])
        assert doc_text[row["start"] : row["end"]] == row["text"]
    assert "Falder" not in figures_text
