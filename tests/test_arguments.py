"""Arguments of the wrong type to the public functions: the package's InvalidArgumentError, never a raw error."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import iicsa_stats as ist
from iicsa_stats import export, site


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: export.export("csv", None), r"out must be a folder path .*got NoneType None"),
        (lambda: export.export(None, "x"), r"fmt must be one of csv"),
        (lambda: site.build_site(None), r"out must be a folder path .*got NoneType None"),
        (lambda: export.write_zip(5), r"target must be a folder path .*got int 5"),
        (lambda: ist.figures(unit=b"offences"), r"filter unit must be a value or a list of values .*got bytes"),
        (lambda: ist.validate(rebuild="yes"), r"rebuild must be True, False or None, got str 'yes'"),
    ],
    ids=["export-out", "export-format", "site-out", "zip-target", "figures-bytes", "validate-rebuild"],
)
def test_a_wrong_argument_type_is_an_invalid_argument_error(call: Callable[[], Any], match: str) -> None:
    with pytest.raises(ist.InvalidArgumentError, match=match):
        call()


def test_write_zip_takes_a_str_path(tmp_path: Path) -> None:
    members = export.write_zip(str(tmp_path / "pkg.zip"))
    assert (tmp_path / "pkg.zip").is_file() and members
