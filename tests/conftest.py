"""Fixtures shared by the test modules."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

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
