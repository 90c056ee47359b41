"""Frictionless stays inside the package root and off the network.

``validate`` is meant to run on a downloaded package in a user's CI, so nothing a
package says may make frictionless fetch an address or read a file outside its
own folder (the files validate reads itself go through :mod:`iicsa_stats._guard`):

* :func:`descriptor_problems` looks at every reference in ``datapackage.json``
  (resource ``path``, ``schema``, ``dialect``, ``$schema`` profiles) and at the
  Table Schemas *before* frictionless sees them: a remote address, an absolute
  path or a ``..`` escape (:func:`iicsa_stats._guard.path_problem`) is a problem,
  and frictionless is then not run on the descriptor at all;
* :func:`offline` runs frictionless with an HTTP session that refuses every
  request and in frictionless's untrusted mode, as a second line of defence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .._guard import path_problem

#: The profiles a descriptor, resource, Table Schema or dialect may name in ``$schema``: the standard ones.
OFFICIAL_PROFILES = frozenset(
    f"https://datapackage.org/profiles/{version}/{name}.json"
    for version in ("1.0", "2.0")
    for name in ("datapackage", "dataresource", "tableschema", "tabledialect")
)
#: Data Package v1 profile names (no address), as frictionless knows them.
_PROFILE_NAMES = re.compile(r"[a-z-]+")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
__all__ = ["descriptor_problems", "nested_problems", "offline"]


def _profile_problem(value: Any) -> str | None:
    if isinstance(value, str) and (value in OFFICIAL_PROFILES or _PROFILE_NAMES.fullmatch(value)):
        return None
    return "is not one of the standard Data Package profiles (validate fetches no other)"


def descriptor_problems(root: Path, descriptor: Mapping[str, Any]) -> Iterator[tuple[str, str, str]]:
    """Every reference in a descriptor that validate must not follow: ``(where, found, why)``.

    ``where`` names the property (``resource 'figures' schema``), ``found`` is
    its value and ``why`` says what is wrong with it.
    """
    for key in ("$schema", "profile"):
        if key in descriptor and (why := _profile_problem(descriptor[key])):
            yield f"the package's {key}", repr(descriptor[key]), why
    resources = descriptor.get("resources")
    for index, resource in enumerate(resources if isinstance(resources, list) else []):
        if not isinstance(resource, dict):
            continue
        label = f"resource {resource.get('name', index)!r}"
        for key in ("$schema", "profile"):
            if key in resource and (why := _profile_problem(resource[key])):
                yield f"{label} {key}", repr(resource[key]), why
        for key in ("path", "extrapaths"):
            if key not in resource:
                continue
            value = resource[key]
            for item in value if isinstance(value, list) else [value]:
                if why := path_problem(item):
                    yield f"{label} {key}", repr(item), why
        scheme = resource.get("scheme")
        if scheme not in (None, "file"):
            yield f"{label} scheme", repr(scheme), "names a scheme other than local files (validate never fetches)"
        for key in ("schema", "dialect"):
            value = resource.get(key)
            if value is None:
                continue
            if isinstance(value, dict):
                yield from ((f"{label} {key} {w}", f, y) for w, f, y in nested_problems(value))
            elif why := path_problem(value):
                yield f"{label} {key}", repr(value), why


def nested_problems(descriptor: Mapping[str, Any]) -> Iterator[tuple[str, str, str]]:
    """The profile references of a Table Schema or a dialect that validate must not follow."""
    for key in ("$schema", "profile"):
        if key in descriptor and (why := _profile_problem(descriptor[key])):
            yield key, repr(descriptor[key]), why


class _RefusedRequestError(OSError):
    pass


@contextmanager
def offline() -> Iterator[None]:
    """Run frictionless in untrusted mode with an HTTP session that refuses every request."""
    import frictionless
    import requests  # frictionless's own HTTP client

    class Refuse(requests.adapters.BaseAdapter):  # type: ignore[misc,unused-ignore]
        def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
            raise _RefusedRequestError(f"validate never fetches anything ({request.url!r} refused)")

        def close(self) -> None:
            pass

    session = requests.Session()
    for prefix in ("http://", "https://", "ftp://", "ftps://"):
        session.mount(prefix, Refuse())
    with frictionless.system.use_context(trusted=False, http_session=session):
        yield
