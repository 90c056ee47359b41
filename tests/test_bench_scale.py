"""Smoke test of bench/bench_scale.py on a tiny corpus, so the scale benchmark cannot rot unnoticed."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

SCRIPT = REPO / "bench" / "bench_scale.py"


@pytest.mark.slow
def test_scale_benchmark_builds_validates_and_prints_ratios(tmp_path: Path) -> None:
    out = tmp_path / "scale.json"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--sizes", "1", "2", "--json", str(out)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert re.search(r"^ratio build\s+per document, 2 against 1 documents: \d+\.\d\dx$", result.stdout, re.M)
    assert re.search(r"^ratio validate per document, 2 against 1 documents: \d+\.\d\dx$", result.stdout, re.M)
    results = json.loads(out.read_text(encoding="utf-8"))
    assert [r["documents"] for r in results] == [1, 2]
    assert all(r["build_s"] > 0 and r["validate_s"] > 0 for r in results)


def test_the_synthetic_corpus_is_neutral_and_accounted_for(tmp_path: Path) -> None:
    """Every number of a synthetic page is the figure's value or excluded with a reason."""
    sys.path.insert(0, str(REPO / "bench"))
    try:
        import bench_scale
    finally:
        sys.path.remove(str(REPO / "bench"))
    root = bench_scale.make_corpus(tmp_path / "corpus", 2)
    from iicsa_stats.build import build_tables

    result = build_tables(root)
    synthetic = [r for r in result.tables["ledger"] if r["document_id"].startswith("synthetic-")]
    assert {r["status"] for r in synthetic} == {"figure", "excluded"}
    assert len([r for r in synthetic if r["status"] == "figure"]) == 2
