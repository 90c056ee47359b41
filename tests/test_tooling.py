"""The project's own tooling passes: ruff (lint and format) on the tree; mypy (strict) runs in CI.

ruff takes a fraction of a second, so it runs here. mypy strict takes about 25 s of CPU without a cache (as on a
fresh clone), a fifth of the suite's budget, so ``.ci/run`` runs it beside the README's test command instead;
the last test keeps it there.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import REPO


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["ruff-check", "ruff-format"])
def test_ruff_passes(command: list[str]) -> None:
    result = subprocess.run(  # --no-cache: nothing written into the checkout
        [sys.executable, "-m", "ruff", *command, "--no-cache", "."],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ci_runs_mypy_and_the_readme_test_command() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    commands = re.findall(r"^\s*\.venv/bin/python -m (mypy|pytest)(.*)$", ci, re.MULTILINE)
    assert commands == [("mypy", ""), ("pytest", "")], "CI runs `mypy` (over pyproject's files) and `pytest` as is"
    assert "python -m pytest\n" in (REPO / "README.md").read_text(encoding="utf-8")
