"""The content notice: what a reader should know before opening the data.

One copy for the zip bundle's README, which ships the verbatim source texts, and
a short one for the static site, which shows none of them beyond the quotes
around each figure (the attribution statement has its own home,
:mod:`iicsa_stats._attribution`).
"""

from __future__ import annotations

__all__ = ["CONTENT_NOTICE", "SITE_NOTICE"]

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
