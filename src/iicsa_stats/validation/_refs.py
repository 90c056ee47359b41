"""Validation stays inside the package root and off the network.

``validate`` is meant to run on a downloaded package in a user's CI, so nothing a
package says may make it fetch an address or read a file outside its own folder.
Three guards, used by :mod:`iicsa_stats.validation`:

* :func:`descriptor_problems` looks at every reference in ``datapackage.json``
  (resource ``path``, ``schema``, ``dialect``, ``$schema`` profiles) and at the
  Table Schemas *before* frictionless sees them: a remote address, an absolute
  path or a ``..`` escape is a problem, and frictionless is then not run on the
  descriptor at all;
* :func:`refusal` tells, for any file validate is about to read, whether it
  lies outside the root (through a symbolic link), is not a regular file (a
  FIFO would block forever), or is far larger than its pinned size; such a
  file is reported and not read, and its resource is left out of what
  frictionless sees;
* :func:`offline` runs frictionless with an HTTP session that refuses every
  request and in frictionless's untrusted mode, as a second line of defence.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

#: The profiles a descriptor, resource, Table Schema or dialect may name in ``$schema``: the standard ones.
OFFICIAL_PROFILES = frozenset(
    f"https://datapackage.org/profiles/{version}/{name}.json"
    for version in ("1.0", "2.0")
    for name in ("datapackage", "dataresource", "tableschema", "tabledialect")
)
#: Data Package v1 profile names (no address), as frictionless knows them.
_PROFILE_NAMES = re.compile(r"[a-z-]+")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
#: A file validate reads may be at most this many times its pinned size, plus :data:`SIZE_SLACK` bytes.
SIZE_FACTOR = 2
SIZE_SLACK = 64 * 1024
#: A file with no pinned size (a Parquet file, a schema) is not read beyond this size: the whole package is
#: a few hundred kilobytes.
MAX_UNPINNED_BYTES = 64 * 1024 * 1024

__all__ = ["descriptor_problems", "local_path_problem", "offline", "refusal", "size_limit"]


def local_path_problem(value: Any) -> str | None:
    """Why ``value`` is not a relative POSIX path inside a package, or None when it is one."""
    if not isinstance(value, str) or not value.strip():
        return "is not a path"
    if "://" in value or _SCHEME.match(value):
        return "is a remote address or names a scheme (validate never fetches anything)"
    if "\\" in value or "\x00" in value:
        return "is not a POSIX path (it holds a backslash or a NUL character)"
    pure = PurePosixPath(value)
    if pure.is_absolute() or value.startswith("~"):
        return "is an absolute path"
    if ".." in pure.parts:
        return "leaves the package root ('..')"
    return None


def _inside(root: Path, path: Path) -> bool:
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


def refusal(root: Path, path: Path, *, pinned_bytes: Any = None) -> str | None:
    """Why validate must not read ``path`` (below ``root``), or None when it may.

    A missing file is not refused here (the readers report it).  Refused:
    a path whose real location is outside ``root`` (a symbolic link leaving
    it), anything but a regular file, and a file far larger than its pinned
    size (``pinned_bytes``) or, with no pin, than :data:`MAX_UNPINNED_BYTES`.
    """
    if not _inside(root, path):
        return (
            "is a symbolic link (or lies below one) to a place outside the package root; validate reads nothing there"
        )
    try:
        info = os.stat(path)
    except OSError:
        return None  # missing or unreadable: reported by whoever reads it
    if stat.S_ISDIR(info.st_mode):
        return None  # a folder in place of a file: reported by whoever reads it, in their words
    if not stat.S_ISREG(info.st_mode):
        return "is not a regular file (a pipe, socket or device); validate does not read it"
    limit = size_limit(pinned_bytes)
    if info.st_size > limit:
        pinned = f"its pinned size is {pinned_bytes} bytes" if _is_size(pinned_bytes) else "it has no pinned size"
        return (
            f"is {info.st_size} bytes, far larger than it should be ({pinned}; at most {limit} bytes are read): "
            "it was not read"
        )
    return None


def _is_size(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def size_limit(pinned_bytes: Any) -> int:
    """The largest size validate reads for a file pinned at ``pinned_bytes`` (None: no pin)."""
    if _is_size(pinned_bytes):
        return int(min(SIZE_FACTOR * pinned_bytes + SIZE_SLACK, MAX_UNPINNED_BYTES))
    return MAX_UNPINNED_BYTES


def _profile_problem(value: Any) -> str | None:
    if isinstance(value, str) and (value in OFFICIAL_PROFILES or _PROFILE_NAMES.fullmatch(value)):
        return None
    return "is not one of the standard Data Package profiles (validate fetches no other)"


def _reference_problem(root: Path, value: Any) -> str | None:
    # A local path that leads outside the root (a symbolic link), to a pipe or to a huge file is refused while
    # loading (see PackageState.refuse) and its resource is left out of frictionless's view.
    return local_path_problem(value)


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
                if why := _reference_problem(root, item):
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
            elif why := _reference_problem(root, value):
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
