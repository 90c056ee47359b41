"""The package check's DataFrame reader yields the cells frictionless's own ``pandas`` parser yields."""

from __future__ import annotations

import datetime
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from frictionless import Resource, system
from frictionless.formats.pandas.parser import PandasParser

from iicsa_stats.validation import _pandas_rows
from iicsa_stats.validation._pandas_rows import PLUGIN_NAME, RowOncePandasParser, registered


def _frames() -> list[pd.DataFrame]:
    plain = pd.DataFrame(
        {
            "figure_id": ["a", "b", None],
            "value": [1.5, float("nan"), 3.0],
            "count": [1, 2, 3],
            "same": [True, False, True],
            "when": pd.to_datetime(["2018-01-01", None, "2020-05-06"]),
        }
    )
    indexed = plain.set_index(["figure_id", "count"])
    single = plain.set_index("count")
    return [plain, indexed, single, plain.iloc[0:0]]


def _cells(parser_class: type[PandasParser], frame: pd.DataFrame) -> list[list[Any]]:
    parser = parser_class(Resource(data=frame, format="pandas"))
    return [list(cells) for cells in parser.read_cell_stream_create()]


@pytest.mark.parametrize("index", range(4))
def test_same_cells_as_frictionless(index: int) -> None:
    frame = _frames()[index]
    ours, theirs = _cells(RowOncePandasParser, frame), _cells(PandasParser, frame)
    assert repr(ours) == repr(theirs)
    assert any(isinstance(c, datetime.datetime) for row in ours[1:] for c in row) or len(ours) == 1


def test_registered_only_inside_the_block_and_used_for_parquet(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    _frames()[0].drop(columns="when").to_parquet(path)  # frictionless cannot read a missing datetime (NaT)
    with registered() as used:
        assert used
        with registered() as again:  # nested: still one registration, left in place by the inner block
            assert again
        assert list(system.plugins).count(PLUGIN_NAME) == 1
        assert isinstance(system.create_parser(Resource(data=_frames()[0], format="pandas")), RowOncePandasParser)
        resource = Resource(str(path))
        with resource:
            rows = [row.to_dict() for row in resource.row_stream]
        assert [row["figure_id"] for row in rows] == ["a", "b", None]
        assert [row["count"] for row in rows] == [1, 2, 3]
        report = Resource("t.parquet", basepath=str(tmp_path)).validate()
        assert report.valid, report.flatten(["type", "message"])
    # A program that uses frictionless after validate gets frictionless's own parser back.
    assert PLUGIN_NAME not in system.plugins
    assert type(system.create_parser(Resource(data=_frames()[0], format="pandas"))) is PandasParser


def test_removed_after_an_error_inside_the_block() -> None:
    with pytest.raises(RuntimeError, match="inside"), registered():
        raise RuntimeError("inside")
    assert PLUGIN_NAME not in system.plugins


def test_frictionless_own_parser_when_the_parent_method_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_pandas_rows, "_PARENT_METHOD", "_PandasParser__no_such_method")
    with registered() as used:
        assert not used
        assert PLUGIN_NAME not in system.plugins


def test_validate_leaves_frictionless_as_it_was() -> None:
    import iicsa_stats as ist

    assert ist.validate(rebuild=False) == []
    assert PLUGIN_NAME not in system.plugins


def test_registered_first_in_a_fresh_process() -> None:
    code = (
        "from frictionless import system\n"
        "from iicsa_stats.validation._pandas_rows import PLUGIN_NAME, registered\n"
        "with registered():\n"
        "    print(next(iter(system.methods['create_parser'])) == PLUGIN_NAME)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"
