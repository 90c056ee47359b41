"""What travels with every copy of the data: the content notices, how to read it, the attribution and licence."""

from __future__ import annotations

from .errors import DataFileError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

__all__ = ["CONTENT_NOTICE", "HOW_TO_READ", "SITE_NOTICE", "about", "attribution_text", "licence_titles", "objects"]

#: What a reader should know before opening the data (plain text; the site and the bundle's README show it).
CONTENT_NOTICE = (
    "The subject of this dataset is child sexual abuse. Its tables hold aggregate figures only (counts, "
    "estimates, ranges and amounts, each with its caveats), and no imagery. Numbers that belong to details of "
    "individual cases are left out of the figures by policy: the number ledger lists each one only by its "
    "position, the number as written and the reason code case_detail. The verbatim source texts in data/raw/ "
    "(kept byte for byte, as provenance) include the Inquiry's own descriptions of individual cases."
)

#: The content notice of the static site: short and plain, as its pages withhold every detail of a case.
SITE_NOTICE = (
    "This site is about child sexual abuse. It gives aggregate figures only: no images, no details of individual cases."
)

#: How to read the tables, in every export.
HOW_TO_READ = (
    "Read every figure with its caveats: figure_caveats links each figure to the caveats table, position 1 being "
    "the key caveat (in the SQLite database, the view figures_with_key_caveat gives each figure with its key "
    "caveat). Units are as the source counts them: incidents and offences are different units and are never "
    "merged. Figures measured in different ways (reported offences, victims, perpetrators, images) count "
    "different things and should not be added or compared; the comparisons table says which pairs may be set "
    "side by side."
)


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


def about(package: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What the data is, how to read it, its attribution, licences and sources, as (key, value) lines."""
    return [
        ("title", str(package.get("title", ""))),
        ("version", str(package.get("version", ""))),
        ("description", str(package.get("description", ""))),
        ("content notice", CONTENT_NOTICE),
        ("how to read it", HOW_TO_READ),
        ("attribution (reproduce it)", str(package.get("attribution", ""))),
        *(("licence", title) for title in licence_titles(package)),
        *(("source", f"{s.get('title', '')}: {s.get('path', '')}") for s in objects(package, "sources")),
    ]


def attribution_text(package: Mapping[str, Any]) -> str:
    """The ``ATTRIBUTION.txt`` that travels with every export: the :func:`about` lines."""
    return "".join(f"{key}: {value}\n" for key, value in about(package))
