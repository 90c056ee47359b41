"""schema.org descriptions (JSON-LD) of the data package, each figure and each source document.

They follow Google's Dataset guidance; a range or a bound is ``minValue``/``maxValue``, never one value.
Addresses are absolute with ``--base-url``, else relative.  The licence has no address of its own, so
``license`` (and a creator's ``url``) is the index page's, whose footer states it.
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
    return {"@type": "Organization", "name": name, **({"url": url} if url else {})}


def _common(package: Mapping[str, Any], home: str) -> dict[str, Any]:
    """Licence, copyright notice, creators and free access: the same for every ``Dataset``."""
    licences = package.get("licenses", [])
    urls = list(dict.fromkeys(lic.get("path") or home for lic in licences))
    return {
        "license": urls[0] if len(urls) == 1 else urls,
        "copyrightNotice": " ".join(str(t) for t in (lic.get("title") or lic.get("name") for lic in licences) if t),
        "creator": [
            _organization(c["title"], c.get("path") or home)
            for c in package.get("contributors", [])
            if "creator" in c.get("roles", [])
        ],
        "isAccessibleForFree": True,
    }


def temporal_coverage(fig: Figure) -> str | None:
    """The figure's period as an ISO 8601 interval (``start/end``, ``start/..`` when open-ended), if known.

    >>> import iicsa_stats as ist
    >>> temporal_coverage(ist.figure("police-recorded-online-csa-offences-2017-18"))
    '2017-04-01/2018-03-31'
    >>> temporal_coverage(ist.figure("people-arrested-online-csa-per-month"))
    '2016-01-01/..'
    """
    if fig.period_start is None:
        return None
    if fig.period_end == fig.period_start:
        return fig.period_start.isoformat()
    return f"{fig.period_start.isoformat()}/{fig.period_end.isoformat() if fig.period_end else '..'}"


def _coverage(figures: Sequence[Figure]) -> dict[str, Any]:
    """The period the figures cover together (earliest start to latest end, ``..`` if one is open) and places."""
    coverage: dict[str, Any] = {}
    dated = [f for f in figures if f.period_start is not None]
    if len(figures) == 1 and dated:
        coverage["temporalCoverage"] = temporal_coverage(figures[0])
    elif dated:
        start = min(f.period_start for f in dated if f.period_start).isoformat()
        ends = [f.period_end for f in dated]
        end = ".." if None in ends else max(e for e in ends if e).isoformat()
        coverage["temporalCoverage"] = f"{start}/{end}"
    places = [{"@type": "Place", "name": g} for g in dict.fromkeys(f.geography for f in figures) if g != "not_stated"]
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
        return {**variable, "minValue": fig.value_lower, "maxValue": fig.value_upper}
    if fig.qualifier in LOWER_BOUNDS:
        return {**variable, "minValue": fig.value}
    return {**variable, ("maxValue" if fig.qualifier in UPPER_BOUNDS else "value"): fig.value}


def _distribution(downloads: Sequence[Mapping[str, str]]) -> list[dict[str, str]]:
    return [{"@type": "DataDownload", **{k: d[k] for k in ("name", "encodingFormat", "contentUrl")}} for d in downloads]


def package_jsonld(
    package: Mapping[str, Any], figures: Sequence[Figure], downloads: Sequence[Mapping[str, str]], url: str
) -> dict[str, Any]:
    """The index page's ``Dataset`` (at ``url``): the package (its descriptor), every figure, each download."""
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
    """A figure page's ``Dataset`` (at ``url``, part of the package at ``home``): measure, value, period, source."""
    p = fig.provenance
    producer = original_producer(fig)
    return {
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
        **({"sourceOrganization": _organization(producer)} if producer else {}),
    }


def document_jsonld(document: Mapping[str, Any]) -> dict[str, Any]:
    """A source document page's ``CreativeWork``: the Inquiry document the figures are quoted from."""
    published = document["published"]
    return {
        "@context": CONTEXT,
        "@type": "CreativeWork",
        "name": document["title"],
        "identifier": document["document_id"],
        "url": document["url"],
        "publisher": _organization(document["publisher"]),
        "copyrightNotice": document["licence_statement"],
        "genre": document["kind"],
        **({"datePublished": published.isoformat()} if published is not None else {}),
    }
