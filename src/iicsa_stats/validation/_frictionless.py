"""The ``package`` check: frictionless on ``datapackage.json`` and every CSV resource, kept inside the root.

Frictionless runs only once every reference (paths, schemas, dialects, profiles, schemes) is local, in untrusted
mode, offline, on the descriptor as read with the schemas inlined as read.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from .._loader import path_problem, refusal
from ..tables import TABLES
from ._problem import Problem, capped
from ._state import REBUILD_FIX, Package, schema_rel

_PROFILES = frozenset(
    f"https://datapackage.org/profiles/{version}/{name}.json"
    for version in ("1.0", "2.0")
    for name in ("datapackage", "dataresource", "tableschema", "tabledialect")
)


def _named(licence: Any) -> bool:
    return isinstance(licence, dict) and any(
        isinstance(licence.get(k), str) and licence[k].strip() for k in ("name", "path")
    )


_METADATA: dict[str, tuple[Callable[[Any], bool], str]] = {
    "name": (lambda v: isinstance(v, str) and bool(re.fullmatch(r"[a-z0-9._-]+", v)), "name (a-z, 0-9, '._-')"),
    "version": (lambda v: isinstance(v, str) and bool(v.strip()), "version"),
    "licenses": (lambda v: isinstance(v, list) and bool(v) and all(map(_named, v)), "licenses (each a name or path)"),
    "attribution": (lambda v: isinstance(v, str) and bool(v.strip()), "attribution"),
}


def _refused(pkg: Package, resource: Mapping[str, Any], path: Any) -> str | None:
    """Why the guard refuses a resource's local file (a link leaving the root, a pipe, far larger than pinned)."""
    pinned = resource.get("bytes") if resource.get("path") == path else None
    return refusal(pkg.root, pkg.root / path, pinned_bytes=pinned)


def _references(pkg: Package) -> Iterator[tuple[str, Any, str]]:
    """Every reference in the descriptor and the schemas that frictionless must not follow: (where, value, why)."""
    profiled: list[tuple[str, Any]] = [("the package", pkg.descriptor)]
    profiled += [(schema_rel(table), schema) for table, schema in pkg.schemas.items()]
    for index, resource in enumerate(r for r in (pkg.descriptor or {})["resources"] if isinstance(r, dict)):
        label = f"resource {resource.get('name', index)!r}"
        profiled += [(label, resource)] + [
            (f"{label} {k}", resource[k]) for k in ("schema", "dialect") if isinstance(resource.get(k), dict)
        ]
        if resource.get("scheme") not in (None, "file"):
            yield f"{label} scheme", resource["scheme"], "names a scheme other than local files (nothing is fetched)"
        for key in ("path", "extrapaths", "schema", "dialect"):
            values = resource.get(key)
            for value in (v for v in (values if isinstance(values, list) else [values]) if not isinstance(v, dict)):
                if key != "path" and value is None:
                    continue
                if why := path_problem(value) or (None if value in pkg.unreadable else _refused(pkg, resource, value)):
                    yield f"{label} {key}", value, why
    for label, obj in profiled:
        for key in ("$schema", "profile"):
            value = obj.get(key, "data-package")
            if value not in _PROFILES and not (isinstance(value, str) and re.fullmatch(r"[a-z-]+", value)):
                yield f"{label} {key}", value, "is not one of the standard Data Package profiles (none other is read)"


@contextmanager
def offline() -> Iterator[None]:
    """Run frictionless in untrusted mode with an HTTP session that refuses every request."""
    import frictionless
    import requests  # frictionless's own HTTP client

    class Offline(requests.Session):  # type: ignore[misc,unused-ignore]
        def request(self, method: str, url: Any, *args: Any, **kwargs: Any) -> Any:
            raise OSError(f"validate never fetches anything ({url!r} refused)")

    session = Offline()
    with frictionless.system.use_context(trusted=False, http_session=session):
        yield


def _target(foreign_key: Any) -> Any:
    """The resource a foreign key points to (None when it is malformed: frictionless reports that)."""
    reference = foreign_key.get("reference") if isinstance(foreign_key, dict) else None
    return reference.get("resource") if isinstance(reference, dict) else None


def _frictionless_source(pkg: Package, broken: set[str]) -> dict[str, Any]:
    """The descriptor as read, the schemas inlined as read, without what frictionless must not or need not read.

    Left out: the Parquet resources (the ``parquet`` check compares them with their CSV files), resources whose
    schema could not be read or whose file the guard refuses, and foreign keys into the ``broken`` tables.
    """
    assert pkg.descriptor is not None
    by_path: dict[Any, dict[str, Any]] = {schema_rel(table): schema for table, schema in pkg.schemas.items()}
    resources: list[Any] = []
    for resource in pkg.descriptor["resources"]:
        if not isinstance(resource, dict) or resource.get("format") == "parquet":
            resources += [] if isinstance(resource, dict) else [resource]  # frictionless reports a non-object
            continue
        paths: list[Any] = resource["path"] if isinstance(resource.get("path"), list) else [resource.get("path")]
        if resource.get("schema") in pkg.unreadable or any(_refused(pkg, resource, p) for p in paths):
            continue  # the files problem says why
        if isinstance(schema := by_path.get(resource.get("schema")), dict):
            schema = copy.deepcopy(schema)
            schema["foreignKeys"] = [k for k in schema.get("foreignKeys", []) if _target(k) not in broken]
        resources.append({**resource, "schema": schema} if isinstance(schema, dict) else resource)
    return {**pkg.descriptor, "resources": resources}


def package(pkg: Package) -> Iterator[Problem]:
    """The package metadata; then frictionless on ``datapackage.json`` and every CSV resource, with zero errors."""
    if pkg.descriptor is None:
        return
    at = {"check": "package", "file": "datapackage.json"}
    for key, (ok, what) in _METADATA.items():
        if not ok(value := pkg.descriptor.get(key)):
            found = None if value is None else repr(value)
            yield Problem(**at, field=key, found=found, message=f"the package has no {what}; {REBUILD_FIX}")
    unsafe = list(_references(pkg))
    for where, value, why in unsafe:
        message = f"{where} {why}: a data package refers only to files inside its own folder"
        yield Problem(**at, found=repr(value), message=message)
    if unsafe:
        why = "so that nothing outside it is read or fetched; it runs once the references above are fixed"
        yield Problem(**at, message=f"frictionless was not run on the package, {why}")
        return
    import frictionless

    broken = {t for t in TABLES if t not in pkg.tables}
    try:
        with offline():
            report = frictionless.validate(_frictionless_source(pkg, broken), basepath=str(pkg.root))
    except Exception as exc:  # frictionless raises its own errors for a descriptor it cannot use
        yield Problem(**at, message=f"frictionless could not validate the package: {pkg.relative(str(exc))}")
        return
    for error in report.errors:
        yield Problem(**at, message=f"{error.type}: {pkg.relative(error.message)}")
    for task in report.tasks:
        yield from _capped_by_kind(pkg, task)


def _capped_by_kind(pkg: Package, task: Any) -> Iterator[Problem]:
    """The errors frictionless found in one resource, at most :data:`CAP` of each kind."""
    table = task.name if task.name in TABLES else None
    at: dict[str, Any] = {"check": "package", "file": str(task.place) if task.place else None, "table": table}
    for kind in dict.fromkeys(error.type for error in task.errors):
        found = []
        for error in (e for e in task.errors if e.type == kind):
            cells = getattr(error, "cells", None) or [None]
            fix = f"; the file changed after the build: {REBUILD_FIX}" if kind.endswith("-count") else ""
            found.append(
                Problem(
                    **at,
                    row=str(error.row_number) if getattr(error, "row_number", None) else None,
                    field=getattr(error, "field_name", None) or None,
                    figure_id=cells[0] if table == "figures" and isinstance(cells[0], str) and cells[0] else None,
                    message=f"{kind} in resource {task.name!r}: {pkg.relative(error.message)}{fix}",
                )
            )
        yield from capped(found, at["file"], table)
