"""The example notebook runs top to bottom, and is committed without outputs."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import nbformat
import pytest

from conftest import REPO

NOTEBOOK = REPO / "examples" / "explore_figures.ipynb"


def _text(cell: nbformat.NotebookNode) -> str:
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append(output["text"])
        elif "data" in output:
            parts.append(output["data"].get("text/plain", ""))
    return "".join(parts)


@pytest.mark.slow
def test_notebook_runs_top_to_bottom(tmp_path: Path) -> None:
    from nbclient import NotebookClient

    import iicsa_stats as ist

    nb = nbformat.read(NOTEBOOK, as_version=4)
    cwd, temporary = tmp_path / "cwd", tmp_path / "tmp"
    cwd.mkdir()
    temporary.mkdir()
    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", allow_errors=False, resources={"metadata": {"path": str(cwd)}}
    )
    client.execute(env={**os.environ, "TMPDIR": str(temporary)})  # raises CellExecutionError, naming the cell

    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
    everything = "\n".join(_text(cell) for cell in code)
    assert "8,525 offences, England and Wales" in everything
    assert "»In 2017/18, the figure had grown to 8,525 offences.«" in everything  # fig.context()
    police = ("police-recorded-online-csa-incidents-2016-17", "police-recorded-online-csa-offences-2017-18")
    assert ist.compare(*police).reason.split(";")[0] in everything
    for caveat in ist.figure(police[1]).caveats:
        assert everything.count(caveat.text) == 1, f"caveat {caveat.id} is printed more than once (or not at all)"
    images = [o for cell in code for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) == 2, "the police-recorded chart and the range chart, drawn inline"
    assert "figures-england-and-wales.csv" in everything
    assert "figures-england-and-wales.parquet" in everything
    assert "removed: True" in everything
    assert not list(cwd.iterdir()) and not list(temporary.iterdir()), "the notebook leaves nothing behind"


def test_committed_notebook_has_no_outputs() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code
    for cell in code:
        assert cell.outputs == [], f"cell {cell.get('id')} has outputs: strip them"
        assert cell.execution_count is None, f"cell {cell.get('id')} has an execution count: strip it"
    assert nb.metadata["kernelspec"]["name"] == "python3"


def test_committed_notebook_is_what_the_script_writes() -> None:
    spec = importlib.util.spec_from_file_location("make_notebook", REPO / "examples" / "make_notebook.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert nbformat.writes(module.build()).rstrip("\n") == NOTEBOOK.read_text(encoding="utf-8").rstrip("\n"), (
        "examples/explore_figures.ipynb differs from examples/make_notebook.py: run `python examples/make_notebook.py`"
    )


def test_notebook_plots_inline_in_short_cells() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    assert code[0].startswith("%matplotlib inline\n")
    for source in code:
        assert "savefig" not in source and "Image(" not in source, "charts are drawn inline, not through a file"
        assert len(source.splitlines()) <= 15, f"a cell of {len(source.splitlines())} lines: split it"
