"""Smoke test of bench/bench_loader.py, so the benchmark script cannot rot unnoticed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

SCRIPT = REPO / "bench" / "bench_loader.py"


@pytest.mark.slow
def test_bench_script_runs_and_prints_the_ratios(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    env = {k: v for k, v in os.environ.items() if k != "IICSA_STATS_DATA_DIR"}
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--runs", "1", "--json", str(out)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert re.search(r"Python \d+\.\d+\.\d+, pandas \S+, pyarrow \S+", text)
    ratio = re.compile(
        r"^ratio (time|memory)\s+(.+?)\s+(\d+\.\d\d)x\s+(<= \d\.\d\dx|none)\s+(PASS|MISS|-)$", re.MULTILINE
    )
    found = {(m[1], m[2].strip()) for m in ratio.finditer(text)}
    for kind in ("time", "memory"):
        assert (kind, "iicsa-stats show ID / python -c pass") in found, text
        assert (kind, "python -m iicsa_stats show ID / python -c pass") in found, text
        assert (kind, "iicsa_stats.figures() / pandas.read_parquet(figures.parquet)") in found, text
    summary = json.loads(out.read_text(encoding="utf-8"))
    assert summary["runs"] == 1
    assert {r["kind"] for r in summary["ratios"]} == {"time", "memory"}
    assert all(r["ratio"] > 0 for r in summary["ratios"])
    assert all(len(s["wall_s"]) == 1 and len(s["max_rss_kib"]) == 1 for s in summary["samples"].values())
