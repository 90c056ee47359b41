"""The licence and attribution text of the data package: one place for frames, Excel, export and the CLI.

Every copy of the data that leaves the package carries the same attribution
and licence, taken from ``datapackage.json``.
"""

from __future__ import annotations

from .errors import DataFileError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

__all__ = ["attribution", "attribution_text", "licence_titles", "objects", "source_lines"]


def objects(package: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    """A list of objects in the descriptor (``licenses``, ``sources``), or a DataFileError if it is something else."""
    value = package.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise DataFileError(
            f"datapackage.json: {key} must be a list of objects, got {type(value).__name__} {value!r:.60}; "
            "reinstall or rebuild"
        )
    return value


def licence_titles(package: Mapping[str, Any]) -> list[str]:
    """The title (or else the name) of each licence of the package."""
    return [str(lic.get("title") or lic.get("name") or "") for lic in objects(package, "licenses")]


def attribution(package: Mapping[str, Any]) -> str:
    """The attribution to reproduce with the figures."""
    return str(package.get("attribution", ""))


def source_lines(package: Mapping[str, Any]) -> list[str]:
    """Each source document as ``title: address``."""
    return [f"{s.get('title', '')}: {s.get('path', '')}" for s in objects(package, "sources")]


def attribution_text(package: Mapping[str, Any]) -> str:
    """The text that travels with every export: what the data is, its attribution, licence and sources.

    Examples
    --------
    >>> print(attribution_text({"title": "T", "version": "1", "name": "n", "attribution": "A"}))  # doctest: +ELLIPSIS
    T
    Version 1 of the n data package.
    <BLANKLINE>
    Attribution (reproduce it when you reuse the figures):
      A
    ...
    """
    lines = [
        str(package.get("title", "")),
        f"Version {package.get('version', '')} of the {package.get('name', '')} data package.",
        "",
        "Attribution (reproduce it when you reuse the figures):",
        f"  {attribution(package)}",
        "",
        "Licence:",
        *(f"  {title}" for title in licence_titles(package)),
        "",
        "Sources:",
        *(f"  {line}" for line in source_lines(package)),
        "",
        "Read every figure with its caveats (figure_caveats links them; position 1 is the key caveat).",
        "Units are as the source counts them: incidents and offences are different units.",
    ]
    return "\n".join(lines) + "\n"
