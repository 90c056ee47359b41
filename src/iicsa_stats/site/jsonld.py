"""schema.org descriptions (JSON-LD) of the data package, each figure and each source document.

They follow Google's Dataset structured-data guidance: a ``Dataset`` with
name, description, licence, creator, the sources it is based on
(``isBasedOn``), a ``DataDownload`` for each download (``encodingFormat`` and
``contentUrl``) and the variables measured.  Every value comes from the data.
The ``citation`` property is left out on purpose: schema.org uses it for
related works, not for how to cite the dataset itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .._figure import Figure

__all__ = ["document_jsonld", "figure_jsonld", "package_jsonld", "temporal_coverage"]

CONTEXT = "https://schema.org"


def _organization(name: str, url: str | None = None) -> dict[str, Any]:
    org: dict[str, Any] = {"@type": "Organization", "name": name}
    if url:
        org["url"] = url
    return org


def _licence(package: Mapping[str, Any]) -> dict[str, Any] | list[dict[str, Any]]:
    licences = [
        {"@type": "CreativeWork", "name": lic.get("title") or lic.get("name"), "identifier": lic.get("name")}
        for lic in package.get("licenses", [])
    ]
    return licences[0] if len(licences) == 1 else licences


def _creators(package: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        _organization(c["title"], c.get("path"))
        for c in package.get("contributors", [])
        if "creator" in c.get("roles", [])
    ]


def temporal_coverage(fig: Figure) -> str | None:
    """The figure's period as an ISO 8601 interval (``start/end``, ``start/..`` when open-ended), if known.

    Examples
    --------
    >>> import iicsa_stats as ist
    >>> temporal_coverage(ist.figure("police-recorded-online-csa-offences-2017-18"))
    '2017-04-01/2018-03-31'
    >>> temporal_coverage(ist.figure("people-arrested-online-csa-per-month"))
    '2016-01-01/..'
    """
    if fig.period_start is None:
        return None
    if fig.period_end is None:
        return f"{fig.period_start.isoformat()}/.."
    if fig.period_end == fig.period_start:
        return fig.period_start.isoformat()
    return f"{fig.period_start.isoformat()}/{fig.period_end.isoformat()}"


def _variable(fig: Figure) -> dict[str, Any]:
    variable: dict[str, Any] = {
        "@type": "PropertyValue",
        "name": fig.measure_code,
        "description": fig.measure,
        "unitText": fig.unit,
    }
    if fig.value is not None:
        variable["value"] = fig.value
    else:
        variable["minValue"] = fig.value_lower
        variable["maxValue"] = fig.value_upper
    return variable


def package_jsonld(
    package: Mapping[str, Any], figures: Sequence[Figure], downloads: Sequence[Mapping[str, str]]
) -> dict[str, Any]:
    """The index page's ``Dataset``.

    Parameters
    ----------
    package : mapping
        The ``datapackage.json`` descriptor.
    figures : sequence of Figure
        Every figure, for ``variableMeasured``.
    downloads : sequence of mapping
        Each download's ``name``, ``encodingFormat`` (a media type) and ``contentUrl``.

    Returns
    -------
    dict
        JSON-LD, ready for ``json.dumps``.
    """
    return {
        "@context": CONTEXT,
        "@type": "Dataset",
        "name": package["title"],
        "description": package["description"],
        "identifier": package["name"],
        "version": package["version"],
        "keywords": list(package.get("keywords", [])),
        "license": _licence(package),
        "creator": _creators(package),
        "isBasedOn": [s["path"] for s in package.get("sources", [])],
        "isAccessibleForFree": True,
        "distribution": [
            {
                "@type": "DataDownload",
                "name": d["name"],
                "encodingFormat": d["encodingFormat"],
                "contentUrl": d["contentUrl"],
            }
            for d in downloads
        ],
        "variableMeasured": [_variable(f) for f in figures],
    }


def figure_jsonld(
    fig: Figure, package: Mapping[str, Any], downloads: Sequence[Mapping[str, str]], url: str | None = None
) -> dict[str, Any]:
    """A figure page's ``Dataset``: the one figure, its measure, value, unit, period, area and source.

    Parameters
    ----------
    fig : Figure
        The figure.
    package : mapping
        The ``datapackage.json`` descriptor (licence, creator, the package it is part of).
    downloads : sequence of mapping
        The downloads that hold the figure.
    url : str, optional
        The page's absolute address, when the site is built for one.

    Returns
    -------
    dict
        JSON-LD, ready for ``json.dumps``.

    Examples
    --------
    >>> import iicsa_stats as ist
    >>> from iicsa_stats import _store
    >>> ld = figure_jsonld(ist.figure("police-recorded-online-csa-offences-2017-18"), _store.package(), [])
    >>> ld["name"], ld["variableMeasured"]["value"], ld["variableMeasured"]["unitText"]
    ('8,525 offences, England and Wales, 2017/18 (financial year)', 8525.0, 'offences')
    """
    p = fig.provenance
    description = f"{fig.measure}. {fig.caveats[0].text}"
    data: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "Dataset",
        "name": fig.headline,
        "description": description,
        "identifier": fig.id,
        "license": _licence(package),
        "creator": _creators(package),
        "isBasedOn": {
            "@type": "CreativeWork",
            "name": p.document_title,
            "url": p.url,
            "publisher": _organization(p.publisher),
        },
        "isPartOf": {"@type": "Dataset", "name": package["title"], "identifier": package["name"]},
        "variableMeasured": _variable(fig),
        "distribution": [
            {
                "@type": "DataDownload",
                "name": d["name"],
                "encodingFormat": d["encodingFormat"],
                "contentUrl": d["contentUrl"],
            }
            for d in downloads
        ],
    }
    if url:
        data["url"] = url
    coverage = temporal_coverage(fig)
    if coverage:
        data["temporalCoverage"] = coverage
    if fig.geography != "not_stated":
        data["spatialCoverage"] = {"@type": "Place", "name": fig.geography}
    if p.producer_name:
        data["sourceOrganization"] = _organization(p.producer_name)
    return data


def document_jsonld(document: Mapping[str, Any]) -> dict[str, Any]:
    """A source document page's ``CreativeWork``: the Inquiry document the figures are quoted from.

    Parameters
    ----------
    document : mapping
        A row of the documents table.

    Returns
    -------
    dict
        JSON-LD, ready for ``json.dumps``.
    """
    data: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "CreativeWork",
        "name": document["title"],
        "identifier": document["document_id"],
        "url": document["url"],
        "publisher": _organization(document["publisher"]),
        "copyrightNotice": document["licence_statement"],
        "genre": document["kind"],
    }
    if document["published"] is not None:
        data["datePublished"] = document["published"].isoformat()
    return data
