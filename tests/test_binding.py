"""Each figure is bound to the data root it was loaded from (issue 8, section 1)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import iicsa_stats as ist
from iicsa_stats import _catalog, _loader
from iicsa_stats._paths import data_dir

FIGURE = "police-recorded-online-csa-offences-2017-18"


@pytest.fixture(autouse=True)
def _fresh_cache() -> object:
    _loader.clear_cache()
    yield
    _loader.clear_cache()


def test_context_reads_the_root_the_figure_was_loaded_from(
    checkout_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fig = ist.figure(FIGURE)
    expected = fig.context(30)
    # Another data folder becomes current, whose raw texts are gone: the figure must not read it.
    shutil.rmtree(checkout_copy / "data" / "raw")
    monkeypatch.setenv("IICSA_STATS_DATA_DIR", str(checkout_copy))
    assert fig.context(30) == expected
    assert fig.data_root != data_dir()
    with pytest.raises(ist.RawDocumentError, match="raw document unreadable"):
        ist.figure(FIGURE).context(30)  # a figure loaded from the new folder reads the new folder


def test_a_figure_loaded_from_another_root_keeps_reading_it(
    checkout_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IICSA_STATS_DATA_DIR", str(checkout_copy))
    fig = ist.figure(FIGURE)
    assert fig.data_root == str(checkout_copy)
    monkeypatch.delenv("IICSA_STATS_DATA_DIR")
    (checkout_copy / "data" / "raw" / "iicsa-internet-report-b1.txt").unlink()
    with pytest.raises(ist.RawDocumentError, match=r"iicsa-internet-report-b1\.txt: raw document unreadable"):
        fig.context(30)  # it reads its own folder, not the shipped data
    assert ist.figure(FIGURE).context(30)


def test_passing_a_root_gives_figures_bound_to_it(checkout_copy: Path) -> None:
    figures = _catalog.all_figures(str(checkout_copy))
    assert {f.data_root for f in figures.values()} == {str(checkout_copy)}
    assert list(figures) == ist.list_figures()
    assert figures[FIGURE] == ist.figure(FIGURE)  # the root is not part of equality


def test_a_hand_made_figure_reads_the_current_root() -> None:
    import dataclasses

    fig = dataclasses.replace(ist.figure(FIGURE), data_root=None)
    assert fig.context(30) == ist.figure(FIGURE).context(30)
    with pytest.raises(TypeError, match=r"Figure.data_root must be of type str \| None"):
        dataclasses.replace(fig, data_root=Path("."))  # type: ignore[arg-type]
