"""Smoke test of bench/bench_loader.py (one run, no warm-up), so the benchmark script cannot rot unnoticed."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

from conftest import REPO


@pytest.mark.slow
def test_bench_script_runs_and_prints_the_ratios(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = importlib.util.spec_from_file_location("bench_loader", REPO / "bench" / "bench_loader.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "bench_loader", bench)  # for its dataclasses
    spec.loader.exec_module(bench)
    out = tmp_path / "bench.json"
    assert bench.main(["--runs", "1", "--no-warm-up", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert re.search(r"Python \d+\.\d+\.\d+, pandas \S+, pyarrow \S+", text)
    ratio = re.compile(
        r"^ratio (time|memory)\s+(.+?)\s+(\d+\.\d\d)x\s+(<= \d\.\d\dx|none)\s+(PASS|MISS|-)$", re.MULTILINE
    )
    found = {(m[1], m[2].strip()) for m in ratio.finditer(text)}
    for kind in ("time", "memory"):
        assert (kind, "iicsa-stats show ID / python -c pass") in found, text
        assert (kind, "python -m iicsa_stats show ID / python -c pass") in found, text
        assert (kind, "iicsa_stats.figures() / pandas.read_parquet(figures.parquet)") in found, text
    stdlib = {s for k, s in found if k == "time" and "stdlib that show imports" in s}  # against bare, and show on it
    assert len(stdlib) == 2 and all(re.search(r"\([1-9][0-9]* modules\)", s) for s in stdlib), text
    summary = json.loads(out.read_text(encoding="utf-8"))
    assert summary["runs"] == 1
    assert all(r["ratio"] > 0 for r in summary["ratios"])
    assert all(len(s["wall_s"]) == 1 and len(s["max_rss_kib"]) == 1 for s in summary["samples"].values())
