"""The ``package`` check.

Frictionless validates ``datapackage.json`` and every resource but the Parquet ones with zero errors: types,
constraints, primary and foreign keys, and every resource's ``bytes`` and ``hash``.  It is given the descriptor as
validate read it, with the schemas it read inlined, so it reads only the data files (and none that validate refused).
The ``parquet`` check compares each Parquet file with its CSV file.
"""

from __future__ import annotations

import copy
import os
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..._loader import path_problem
from ...tables import TABLES, schema_path
from .._problem import Problem, problem
from .._state import CAP, REBUILD_FIX, PackageState
from .checksums import metadata_problems

NAME = "package"

#: What to do about a file that differs from its size or hash in ``datapackage.json``.
_PIN_FIX = f"; the file changed after the build: {REBUILD_FIX}"
#: frictionless errors that a resource gets when a resource its foreign keys point to cannot be loaded.
_LOAD_ERRORS = frozenset(
    {"resource-error", "source-error", "scheme-error", "format-error", "encoding-error", "compression-error"}
)


def _resource_table(name: str | None) -> str | None:
    if name is None:
        return None
    base = name.removesuffix("-parquet")
    return base if base in TABLES else None


def _foreign_tables(pkg: PackageState, table: str | None) -> set[str]:
    """The other tables that ``table``'s foreign keys point to."""
    if table is None:
        return set()
    targets = set()
    for fk in pkg.schemas.get(table, {}).get("foreignKeys", []):
        target = fk.get("reference", {}).get("resource") if isinstance(fk, dict) else None
        if target and target != table:
            targets.add(str(target))
    return targets


def run(pkg: PackageState) -> Iterator[Problem]:
    """Yield every problem of this check on the loaded package ``pkg``."""
    path = pkg.root / "datapackage.json"
    if "datapackage.json" in pkg.unreadable or not os.path.isfile(path):
        yield from pkg.skipped("package", ["datapackage.json"])  # the file itself is reported by `files`
        return
    for fields in metadata_problems(pkg.descriptor or {}):
        yield problem(check="package", **fields)
    gate = list(_gate(pkg))
    if gate:
        yield from gate
        return
    import frictionless

    try:
        with offline():
            report = frictionless.validate(_source(pkg), basepath=str(pkg.root))
    except Exception as exc:  # frictionless raises its own errors for descriptors it cannot use
        yield problem(
            check="package",
            file="datapackage.json",
            message=f"frictionless could not validate the package: {pkg.relative(str(exc))}",
        )
        return
    for error in report.errors:
        yield problem(check="package", file="datapackage.json", message=f"{error.type}: {pkg.relative(error.message)}")
    skipped: set[str] = set()
    for task in report.tasks:
        yield from _task(pkg, task, skipped)
    yield from pkg.skipped("package", skipped)


def _gate(pkg: PackageState) -> Iterator[Problem]:
    """Every reference frictionless must not follow (:func:`descriptor_problems`); it runs only when none."""
    found = list(descriptor_problems(pkg.root, pkg.descriptor or {}))
    for table, schema in pkg.schemas.items():
        rel = pkg.rel(schema_path(pkg.root, table))
        found += [(f"{rel} {where}", value, why) for where, value, why in nested_problems(schema)]
    for where, value, why in found:
        yield problem(
            check="package",
            file="datapackage.json",
            found=value,
            message=f"{where} {why}: a data package refers only to files inside its own folder; {REBUILD_FIX}",
        )
    if found:
        yield problem(
            check="package",
            file="datapackage.json",
            message="frictionless was not run on the package, so that nothing outside it is read or fetched; "
            "it runs once the references above are fixed",
        )


def _source(pkg: PackageState) -> dict[str, Any]:
    """``datapackage.json`` as read, each table's schema inlined as read.

    Left out: resources naming a file validate refused, and resources whose schema file could not be read (both
    reported by ``files``); and the Parquet resources: frictionless cannot check their bytes, and the ``parquet``
    check compares each Parquet file, column types and rows, with its CSV file, which frictionless validates.
    """
    assert pkg.descriptor is not None
    by_path = {pkg.rel(schema_path(pkg.root, table)): schema for table, schema in pkg.schemas.items()}
    resources = []
    for resource in pkg.descriptor["resources"]:
        if isinstance(resource, dict) and resource.get("format") == "parquet":
            continue
        schema = resource.get("schema") if isinstance(resource, dict) else None
        if isinstance(resource, dict) and isinstance(schema, str):
            if _refers_to(resource, set(pkg.refused)) or schema in pkg.unreadable:
                continue  # refused, or its schema could not be read (frictionless would read it on its own)
            resources.append({**resource, "schema": copy.deepcopy(by_path.get(schema, schema))})
        elif not (isinstance(resource, dict) and _refers_to(resource, set(pkg.refused))):
            resources.append(resource)
    return {**pkg.descriptor, "resources": resources}


def _refers_to(resource: dict[str, Any], refused: set[str]) -> bool:
    """Whether a resource names a refused file as its path (or one of them), its schema or its dialect."""
    for key in ("path", "extrapaths", "schema", "dialect"):
        value = resource.get(key)
        if any(isinstance(v, str) and v in refused for v in (value if isinstance(value, list) else [value])):
            return True
    return False


def _task(pkg: PackageState, task: Any, skipped: set[str]) -> Iterator[Problem]:
    """The errors frictionless found in one resource, at most CAP of a kind, follow-on errors left out."""
    table = _resource_table(task.name)
    place = str(task.place) if task.place else None
    # A resource whose foreign keys point to an unreadable table fails on loading that table, or on every
    # row that names it: those errors are about the other file, already reported by `files`.
    broken = {t: source for t in _foreign_tables(pkg, table) if (source := pkg.table_source(t))}
    follow_on = bool(broken) and place not in pkg.unreadable
    counts: Counter[str] = Counter()
    for error in task.errors:
        if follow_on and error.type in _LOAD_ERRORS:
            skipped.update(broken.values())
            continue
        reference = getattr(error, "reference_name", None)
        if error.type == "foreign-key" and reference in broken:
            skipped.add(broken[reference])
            continue
        counts[error.type] += 1
        if counts[error.type] > CAP:
            continue
        row_number = getattr(error, "row_number", None)
        field_name = getattr(error, "field_name", None)
        cells = getattr(error, "cells", None)
        figure_id = None
        if table == "figures" and cells and isinstance(cells[0], str) and cells[0]:
            figure_id = cells[0]
        yield problem(
            check="package",
            file=place,
            table=table,
            row=str(row_number) if row_number else None,
            field=field_name or None,
            figure_id=figure_id,
            message=f"{error.type} in resource {task.name!r}: {pkg.relative(error.message)}"
            + (_PIN_FIX if error.type in ("hash-count", "byte-count") else ""),
        )
    for kind, count in counts.items():
        if count > CAP:
            yield problem(
                check="package",
                file=place,
                table=table,
                message=f"{count - CAP} more {kind} errors in resource {task.name!r} (the first {CAP} are listed)",
            )


# Frictionless stays inside the package root and off the network.
#
# ``validate`` is meant to run on a downloaded package in a user's CI, so nothing a
# package says may make frictionless fetch an address or read a file outside its
# own folder (the files validate reads itself go through iicsa_stats._loader):
#
# * :func:`descriptor_problems` looks at every reference in ``datapackage.json``
#   (resource ``path``, ``schema``, ``dialect``, ``$schema`` profiles) and at the
#   Table Schemas *before* frictionless sees them: a remote address, an absolute
#   path or a ``..`` escape (:func:`iicsa_stats._loader.path_problem`) is a problem,
#   and frictionless is then not run on the descriptor at all;
# * :func:`offline` runs frictionless with an HTTP session that refuses every
#   request and in frictionless's untrusted mode, as a second line of defence.
#: The profiles a descriptor, resource, Table Schema or dialect may name in ``$schema``: the standard ones.
OFFICIAL_PROFILES = frozenset(
    f"https://datapackage.org/profiles/{version}/{name}.json"
    for version in ("1.0", "2.0")
    for name in ("datapackage", "dataresource", "tableschema", "tabledialect")
)
#: Data Package v1 profile names (no address), as frictionless knows them.
_PROFILE_NAMES = re.compile(r"[a-z-]+")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


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
