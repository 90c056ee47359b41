"""The public Python API: lookups, filters, errors, dtypes and metadata."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

import iicsa_stats as ist
from iicsa_stats import Caveat, Figure, Provenance, Reference


def test_unknown_figure_is_a_lookup_error_with_close_matches() -> None:
    with pytest.raises(
        LookupError, match=r"unknown figure id 'police-recorded-online-csa-offences'.*Did you mean"
    ) as info:
        ist.figure("police-recorded-online-csa-offences")
    err = info.value
    assert isinstance(err, ist.UnknownFigureError)
    assert err.key == "police-recorded-online-csa-offences"
    assert "police-recorded-online-csa-offences-2017-18" in err.matches
    assert "list_figures()" in str(err)


@pytest.mark.parametrize("bad", [None, 3, ["x"]])
def test_figure_id_must_be_a_string(bad: object) -> None:
    with pytest.raises(TypeError, match="figure id is a string"):
        ist.figure(bad)  # type: ignore[arg-type]


def test_unknown_table() -> None:
    with pytest.raises(ist.UnknownTableError, match=r"unknown table 'figure'.*'figures'"):
        ist.table("figure")


def test_unknown_filter_name() -> None:
    with pytest.raises(ist.UnknownFilterError, match=r"no column 'units'.*Did you mean unit"):
        ist.figures(units="offences")


def test_filter_value_outside_code_list() -> None:
    with pytest.raises(ist.InvalidFilterError, match=r"\['offence'\] not among the codes"):
        ist.figures(unit="offence")


def test_filter_value_of_wrong_type() -> None:
    with pytest.raises(ist.UnknownFilterError, match="give a value or a list"):
        ist.figures(unit={"a": 1}.items())


def test_filters_combine() -> None:
    frame = ist.figures(geography="England and Wales", unit=["incidents", "offences"])
    assert frame["figure_id"].tolist() == [
        "police-recorded-online-csa-incidents-2016-17",
        "police-recorded-online-csa-offences-2017-18",
    ]
    assert frame.index.tolist() == [0, 1]


def test_dataframe_dtypes_and_attrs() -> None:
    frame = ist.figures()
    assert str(frame["value"].dtype) == "Float64"
    assert str(frame["quote_start"].dtype) == "Int64"
    assert isinstance(frame["unit"].dtype, pd.CategoricalDtype)
    assert "incidents" in frame["unit"].cat.categories
    assert str(frame["period_start"].dtype).startswith("datetime64")
    assert frame.attrs["title"] == "Figures"
    assert "Crown copyright" in frame.attrs["attribution"]
    assert frame.attrs["columns"]["unit"].startswith("Unit of count")
    assert frame.attrs["version"] == ist.__version__


def test_figure_is_frozen_and_keyword_only() -> None:
    fig = ist.figure("police-recorded-online-csa-incidents-2016-17")
    with pytest.raises(dataclasses.FrozenInstanceError):
        fig.value = 1.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        Figure("x")  # type: ignore[misc]


def test_figure_invariants() -> None:
    fig = ist.figure("people-arrested-online-csa-per-month")
    with pytest.raises(ValueError, match="value_lower is greater than value_upper"):
        dataclasses.replace(fig, value_lower=500.0)
    with pytest.raises(ValueError, match="has no caveats"):
        dataclasses.replace(fig, caveats=())
    with pytest.raises(ValueError, match="unknown unit"):
        dataclasses.replace(fig, unit="incident")
    with pytest.raises(ValueError, match="quote offsets do not span"):
        dataclasses.replace(fig.provenance, quote_end=fig.provenance.quote_end + 1)
    with pytest.raises(TypeError, match=r"Figure.value_lower must be of type float \| None, got bool True"):
        dataclasses.replace(fig, value_lower=True)  # a bool is not a number
    with pytest.raises(TypeError, match=r"Reference\.url must be of type str, got int 5"):
        Reference(title="T", publisher="P", published=None, url=5, supports="s", confirmed=True)  # type: ignore[arg-type]


def test_caveat_invariants() -> None:
    with pytest.raises(ValueError, match="without a public reference"):
        Caveat(id="x", kind="definition", text="t", basis="curator")
    with pytest.raises(ValueError, match="has no quote"):
        Caveat(id="x", kind="definition", text="t", basis="source")
    with pytest.raises(ValueError, match="unknown caveat kind"):
        Caveat(id="x", kind="other", text="t", basis="curator")


def test_str_reads_like_a_footnote() -> None:
    text = str(ist.figure("police-recorded-online-csa-offences-2017-18"))
    first, *rest = text.splitlines()
    assert first == "8,525 offences, England and Wales, 2017/18 (financial year)"
    assert "Period: 1 April 2017 to 31 March 2018." in text
    assert rest[-1].startswith("Source: The Internet Investigation Report")
    assert "[comparability]" in text


def test_open_ended_and_bounds_say_so() -> None:
    assert "open-ended" in ist.figure("people-arrested-online-csa-per-month").headline
    assert ist.figure("research-with-children-participants").headline.startswith("over 260")
    assert "lowest estimate" in ist.figure("rea-adults-online-sexualised-conversations-lower-bound").headline


def test_cite_names_the_original_producer() -> None:
    cite = ist.figure("nspcc-males-viewed-csa-images-uk").cite()
    assert "National Society for the Prevention of Cruelty to Children" in cite
    assert "B.1 para 2.1, footnote [2]" in cite
    assert "12 March 2020" in cite
    assert "does not name" in ist.figure("people-arrested-online-csa-per-month").cite()


def test_context_marks_the_quote() -> None:
    fig = ist.figure("home-office-centre-of-expertise-funding")
    text = fig.context(10, mark=("<<", ">>"))
    start = text.index("<<")
    assert start == 10 and len(text) == 10 + 2 + len(fig.provenance.quote) + 2 + 10
    assert f"<<{fig.provenance.quote}>>" in text
    with pytest.raises(TypeError, match="chars must be"):
        fig.context(-1)


def test_search_ranks_and_limits() -> None:
    assert [f.id for f in ist.search("offences recorded by police", limit=2)] == [
        "police-recorded-online-csa-offences-2017-18",
        "police-recorded-online-csa-incidents-2016-17",
    ]
    assert ist.search("zzzz") == []
    with pytest.raises(TypeError, match="search words must be a string"):
        ist.search(5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="limit must be"):
        ist.search("arrests", limit=0)


def test_to_dict_is_json_ready() -> None:
    import json

    data = ist.figure("police-recorded-online-csa-incidents-2016-17").to_dict()
    assert json.loads(json.dumps(data))["provenance"]["quote_start"] == data["provenance"]["quote_start"]
    assert isinstance(ist.figure("nspcc-males-viewed-csa-images-uk").provenance, Provenance)


def test_bad_data_root_is_a_clear_error(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from iicsa_stats import _loader

    monkeypatch.setenv("IICSA_STATS_DATA_DIR", str(tmp_path))
    _loader.clear_cache()
    try:
        with pytest.raises(ist.DataFileError, match=r"has no datapackage\.json"):
            ist.list_figures()
    finally:
        monkeypatch.delenv("IICSA_STATS_DATA_DIR")
        _loader.clear_cache()


def test_import_and_load_work_without_network(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket
    import subprocess
    import sys

    code = """
import socket

def blocked(*args, **kwargs):
    raise OSError("network blocked by the test")

socket.socket = socket.create_connection = socket.getaddrinfo = blocked
import iicsa_stats as ist
assert ist.figure("police-recorded-online-csa-incidents-2016-17").context(10)
assert ist.search("arrests")
print("ok")
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False)
    assert (result.returncode, result.stdout.strip()) == (0, "ok"), result.stderr

    def blocked(*args: object, **kwargs: object) -> None:
        raise OSError("network blocked by the test")

    for name in ("socket", "create_connection", "getaddrinfo"):
        monkeypatch.setattr(socket, name, blocked)
    assert len(ist.figures()) == len(ist.list_figures())  # the DataFrame functions (pandas, pyarrow) too


def test_filters_in_the_column_type() -> None:
    import datetime as dt

    assert ist.figures(value=5653)["figure_id"].tolist() == ["police-recorded-online-csa-incidents-2016-17"]
    assert ist.figures(period_start=dt.date(2017, 4, 1))["figure_id"].tolist() == [
        "police-recorded-online-csa-offences-2017-18"
    ]
    with pytest.raises(ist.UnknownFilterError, match="this column holds numbers"):
        ist.figures(value="5653")
    with pytest.raises(ist.UnknownFilterError, match="this column holds text"):
        ist.figures(figure_id=3)
    with pytest.raises(ist.UnknownFilterError, match="this column holds dates"):
        ist.figures(period_start="2017-04-01")


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("offence", "police-recorded-online-csa-offences-2017-18"),
        ("image", "nspcc-males-viewed-csa-images-uk"),
        ("ages", "rea-perpetrator-age-band"),
        ("8,525", "police-recorded-online-csa-offences-2017-18"),
        ("8525", "police-recorded-online-csa-offences-2017-18"),
        ("arrested", "people-arrested-online-csa-per-month"),
    ],
)
def test_search_meets_singular_plural_and_numbers(query: str, first: str) -> None:
    assert ist.search(query)[0].id == first


def test_search_ignores_footnote_markers() -> None:
    # "[8]" is a footnote marker in the arrests paragraph, not the number 8
    assert "people-arrested-online-csa-per-month" not in [f.id for f in ist.search("8")]


def test_filters_accept_numpy_scalars_and_any_integer() -> None:
    import numpy as np

    assert ist.figures(value=np.int64(8525))["figure_id"].tolist() == ["police-recorded-online-csa-offences-2017-18"]
    assert ist.figures(value=10**400).empty
    with pytest.raises(ist.UnknownFilterError, match="this column holds numbers"):
        ist.figures(value=True)
