"""Fixtures shared by the test modules."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

# In CI (CI=true) property tests are derandomized: the same examples every run, so a landing never
# depends on luck; locally they explore new examples each run. No deadlines: the machines are shared.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def checkout_copy(tmp_path: Path) -> Path:
    """A copy of the checkout's data package sources and outputs, safe to damage."""
    copy = tmp_path / "checkout"
    for name in ("data", "schemas"):
        shutil.copytree(REPO / name, copy / name)
    for name in ("pyproject.toml", "datapackage.json"):
        shutil.copy2(REPO / name, copy / name)
    return copy
