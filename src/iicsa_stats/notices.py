"""The texts that travel with the data: the content notice and the attribution statement.

One copy of each, used by every export (folders, the zip bundle) and by the
static site, so that they can never say different things.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["CONTENT_NOTICE", "attribution_text"]

#: What a reader should know before opening the data (plain text; the site and the bundle's README show it).
CONTENT_NOTICE = (
    "The subject of this dataset is child sexual abuse. Its tables hold aggregate figures only (counts, "
    "estimates, ranges and amounts, each with its caveats), and no imagery. Numbers that belong to details of "
    "individual cases are left out of the figures by policy: the number ledger lists each one only by its "
    "position, the number as written and the reason code case_detail. The verbatim source texts in data/raw/ "
    "(kept byte for byte, as provenance) include the Inquiry's own descriptions of individual cases."
)


def attribution_text(package: Mapping[str, object]) -> str:
    """The text that travels with every export: what the data is, its attribution, licence and sources.

    Parameters
    ----------
    package : mapping
        The ``datapackage.json`` descriptor.

    Returns
    -------
    str
        Plain text, ending with a newline.

    Examples
    --------
    >>> from iicsa_stats import _store
    >>> print(attribution_text(_store.package()).splitlines()[3])
    Attribution (reproduce it when you reuse the figures):
    """
    lines = [
        str(package.get("title", "")),
        f"Version {package.get('version', '')} of the {package.get('name', '')} data package.",
        "",
        "Attribution (reproduce it when you reuse the figures):",
        f"  {package.get('attribution', '')}",
        "",
        "Licence:",
        *(f"  {lic.get('title') or lic.get('name')}" for lic in package.get("licenses", [])),  # type: ignore[attr-defined]
        "",
        "Sources:",
        *(f"  {s.get('title')}: {s.get('path')}" for s in package.get("sources", [])),  # type: ignore[attr-defined]
        "",
        "Read every figure with its caveats (figure_caveats links them; position 1 is the key caveat).",
        "Units are as the source counts them: incidents and offences are different units.",
    ]
    return "\n".join(lines) + "\n"
