"""schema.org descriptions (JSON-LD) of the data package, each figure and each source document.

They follow Google's Dataset structured-data guidance: a ``Dataset`` with
name, description, address (``url``), identifier, licence (a URL), creator
(name and address), ``citation`` (how to cite it: the formatted citation of
the package, or of the Inquiry document that states the figure),
``isAccessibleForFree``, the period and place covered where known, the
sources it is based on (``isBasedOn``), a ``DataDownload`` for each download
(``encodingFormat`` and ``contentUrl``) and the variables measured, each with
its unit; a range or a bound is given as ``minValue``/``maxValue``, never as
one value.  Every value comes from the data.

Addresses are absolute when the site is built for one (``--base-url``), else
relative to the page.  The package's licence has no address of its own, so
``license`` is the address of the site's index page, whose footer states it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .._figure import Figure
from ..citation import cite_figure, cite_package, original_producer

__all__ = ["document_jsonld", "figure_jsonld", "package_jsonld", "temporal_coverage"]

CONTEXT = "https://schema.org"
#: Qualifiers whose value is a lower bound (``minValue``), or an upper bound (``maxValue``); a range has both.
LOWER_BOUNDS = frozenset({"more_than", "at_least", "lower_bound"})
UPPER_BOUNDS = frozenset({"less_than", "at_most", "upper_bound"})


def _organization(name: str, url: str | None = None) -> dict[str, Any]:
    org: dict[str, Any] = {"@type": "Organization", "name": name}
    if url:
        org["url"] = url
    return org


def _licence(package: Mapping[str, Any], home: str) -> str | list[str]:
    """Each licence's address, or the index page's (which states it) for a licence that has none."""
    urls = list(dict.fromkeys(lic.get("path") or home for lic in package.get("licenses", [])))
    return urls[0] if len(urls) == 1 else urls


def _creators(package: Mapping[str, Any], home: str) -> list[dict[str, Any]]:
    """The package's creators, each with its address (the site's index page, for a creator that has none)."""
    return [
        _organization(c["title"], c.get("path") or home)
        for c in package.get("contributors", [])
        if "creator" in c.get("roles", [])
    ]


def _common(package: Mapping[str, Any], home: str) -> dict[str, Any]:
    licences = [lic.get("title") or lic.get("name") for lic in package.get("licenses", [])]
    return {
        "license": _licence(package, home),
        "copyrightNotice": " ".join(str(title) for title in licences if title),
        "creator": _creators(package, home),
        "isAccessibleForFree": True,
    }


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


def _period_of_all(figures: Sequence[Figure]) -> str | None:
    """The period the figures cover together: the earliest known start to the latest end (``..`` if one is open)."""
    dated = [f for f in figures if f.period_start is not None]
    if not dated:
        return None
    start = min(f.period_start for f in dated if f.period_start is not None).isoformat()
    ends = [f.period_end for f in dated]
    if None in ends:
        return f"{start}/.."
    return f"{start}/{max(end for end in ends if end is not None).isoformat()}"


def _places(figures: Sequence[Figure]) -> list[dict[str, str]]:
    """The areas the figures cover, each once, in the order first met; none for a geography not stated."""
    names = dict.fromkeys(f.geography for f in figures if f.geography != "not_stated")
    return [{"@type": "Place", "name": name} for name in names]


def _coverage(figures: Sequence[Figure]) -> dict[str, Any]:
    coverage: dict[str, Any] = {}
    period = temporal_coverage(figures[0]) if len(figures) == 1 else _period_of_all(figures)
    if period:
        coverage["temporalCoverage"] = period
    places = _places(figures)
    if places:
        coverage["spatialCoverage"] = places[0] if len(places) == 1 else places
    return coverage


def _variable(fig: Figure) -> dict[str, Any]:
    """The figure as a ``PropertyValue``: one value, or a range or bound as ``minValue``/``maxValue``."""
    variable: dict[str, Any] = {
        "@type": "PropertyValue",
        "name": fig.measure_code,
        "description": f"{fig.measure} (qualifier: {fig.qualifier.replace('_', ' ')})",
        "unitText": fig.unit,
    }
    if fig.value is None:
        variable["minValue"] = fig.value_lower
        variable["maxValue"] = fig.value_upper
    elif fig.qualifier in LOWER_BOUNDS:
        variable["minValue"] = fig.value
    elif fig.qualifier in UPPER_BOUNDS:
        variable["maxValue"] = fig.value
    else:
        variable["value"] = fig.value
    return variable


def _distribution(downloads: Sequence[Mapping[str, str]]) -> list[dict[str, str]]:
    """A ``DataDownload`` for each download: its name, format and address."""
    return [
        {
            "@type": "DataDownload",
            "name": d["name"],
            "encodingFormat": d["encodingFormat"],
            "contentUrl": d["contentUrl"],
        }
        for d in downloads
    ]


def package_jsonld(
    package: Mapping[str, Any], figures: Sequence[Figure], downloads: Sequence[Mapping[str, str]], url: str
) -> dict[str, Any]:
    """The index page's ``Dataset``.

    Parameters
    ----------
    package : mapping
        The ``datapackage.json`` descriptor.
    figures : sequence of Figure
        Every figure, for ``variableMeasured`` and the period and places covered.
    downloads : sequence of mapping
        Each download's ``name``, ``encodingFormat`` (a media type) and ``contentUrl``.
    url : str
        The index page's address (absolute when the site is built for one).

    Returns
    -------
    dict
        JSON-LD, ready for ``json.dumps``.

    Examples
    --------
    >>> import iicsa_stats as ist
    >>> from iicsa_stats import _catalog, _loader
    >>> ld = package_jsonld(_loader.package(), list(_catalog.all_figures().values()), [], "https://example.org/index.html")
    >>> ld["url"], ld["license"], ld["isAccessibleForFree"]
    ('https://example.org/index.html', 'https://example.org/index.html', True)
    """
    return {
        "@context": CONTEXT,
        "@type": "Dataset",
        "name": package["title"],
        "description": package["description"],
        "url": url,
        "identifier": package["name"],
        "version": package["version"],
        "keywords": list(package.get("keywords", [])),
        **_common(package, url),
        "citation": cite_package("text"),
        "isBasedOn": [s["path"] for s in package.get("sources", [])],
        **_coverage(figures),
        "distribution": _distribution(downloads),
        "variableMeasured": [_variable(f) for f in figures],
    }


def figure_jsonld(
    fig: Figure, package: Mapping[str, Any], downloads: Sequence[Mapping[str, str]], url: str, home: str
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
    url : str
        The page's address (absolute when the site is built for one).
    home : str
        The index page's address: the package's, and the page that states its licence.

    Returns
    -------
    dict
        JSON-LD, ready for ``json.dumps``.

    Examples
    --------
    >>> import iicsa_stats as ist
    >>> from iicsa_stats import _catalog, _loader
    >>> fig = ist.figure("rea-adults-online-sexualised-conversations-lower-bound")
    >>> ld = figure_jsonld(fig, _loader.package(), [], "figure.html", "../index.html")
    >>> ld["variableMeasured"]["minValue"], "value" in ld["variableMeasured"], ld["variableMeasured"]["unitText"]
    (0.1, False, 'proportion')
    """
    p = fig.provenance
    data: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "Dataset",
        "name": fig.headline,
        "description": f"{fig.measure}. {fig.caveats[0].text}",
        "url": url,
        "identifier": fig.id,
        **_common(package, home),
        "citation": cite_figure(fig, "text"),
        "isBasedOn": {
            "@type": "CreativeWork",
            "name": p.document_title,
            "url": p.url,
            "publisher": _organization(p.publisher),
        },
        "isPartOf": {"@type": "Dataset", "name": package["title"], "identifier": package["name"], "url": home},
        **_coverage([fig]),
        "variableMeasured": _variable(fig),
        "distribution": _distribution(downloads),
    }
    producer = original_producer(fig)
    if producer:
        data["sourceOrganization"] = _organization(producer)
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
