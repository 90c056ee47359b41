"""Smoke test of bench/bench_scale.py on a tiny corpus, so the scale benchmark cannot rot unnoticed."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

from conftest import REPO


@pytest.mark.slow
def test_scale_benchmark_builds_validates_and_prints_ratios(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("bench_scale", REPO / "bench" / "bench_scale.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = tmp_path / "scale.json"
    assert bench.main(["--sizes", "1", "2", "--no-warm-up", "--json", str(out)]) == 0  # exits if validate fails
    text = capsys.readouterr().out
    assert re.search(r"^ratio build\s+per document, 2 against 1 documents: \d+\.\d\dx$", text, re.M)
    assert re.search(r"^ratio validate per document, 2 against 1 documents: \d+\.\d\dx$", text, re.M)
    results = json.loads(out.read_text(encoding="utf-8"))
    assert [r["documents"] for r in results] == [1, 2]
    assert all(r["build_s"] > 0 and r["validate_s"] > 0 for r in results)
    # each synthetic document adds its one figure (its other numbers are excluded in the ledger, which validate
    # checks at 100%)
    assert results[1]["figures"] == results[0]["figures"] + 1
