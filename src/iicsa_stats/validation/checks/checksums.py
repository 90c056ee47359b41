"""The ``checksums`` check.

Every resource's ``bytes`` and ``hash`` in ``datapackage.json``, and every Parquet file against
``data/processed/PARQUET.sha256``; every table's resources at the package's paths, with the pins the loader
requires (``hash`` and ``schemaHash`` as ``sha256:<hex>``), and every schema file against its pin.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from ..._pins import PARQUET_CHECKSUMS, parse_listing, sha256_hex
from ...tables import TABLES, parquet_path
from .. import _meta
from .._problem import Problem, problem
from .._state import REBUILD_FIX, PackageState, read_error
from .package import _resource_table

NAME = "checksums"


def _safe_relative(path: Any) -> bool:
    if not isinstance(path, str) or "://" in path:
        return False
    pure = PurePosixPath(path)
    return not pure.is_absolute() and ".." not in pure.parts


def run(pkg: PackageState) -> Iterator[Problem]:
    """Yield every problem of this check on the loaded package ``pkg``."""
    if "datapackage.json" in pkg.unreadable:
        # its sizes and hashes are left out; PARQUET.sha256 is still checked
        yield from pkg.skipped("checksums", ["datapackage.json"])
    if pkg.descriptor is not None:
        for fields in _meta.layout_problems(pkg.descriptor):
            yield problem(check="checksums", **fields)
        for fields in _meta.pin_problems(pkg.root, pkg.descriptor, pkg.schema_bytes):
            yield problem(check="checksums", **fields)
    yield from _resources(pkg)
    yield from _parquet_listing(pkg)


def _resources(pkg: PackageState) -> Iterator[Problem]:
    """Every resource's file against the ``bytes`` and ``hash`` that ``datapackage.json`` declares."""
    if pkg.descriptor is not None:
        for resource in pkg.descriptor["resources"]:
            if not isinstance(resource, dict) or ("bytes" not in resource and "hash" not in resource):
                continue
            rel, name = resource.get("path"), resource.get("name")
            if not _safe_relative(rel):
                yield problem(
                    check="checksums",
                    file="datapackage.json",
                    message=f"resource {name!r} has path {rel!r}, which is not a relative path inside the package",
                )
                continue
            yield from _check_file_digest(pkg, pkg.root / str(rel), resource, _resource_table(name))


def _parquet_listing(pkg: PackageState) -> Iterator[Problem]:
    """Every Parquet file against its SHA-256 in ``PARQUET.sha256``."""
    listing = pkg.root / "data" / "processed" / PARQUET_CHECKSUMS
    listing_rel = pkg.rel(listing)
    if listing_rel in pkg.refused:
        return  # reported by `files`
    try:
        text = listing.read_text(encoding="utf-8")
    except OSError as exc:
        yield problem(check="checksums", file=listing_rel, message=f"{read_error(listing, exc)}; {REBUILD_FIX}")
        return
    except UnicodeDecodeError as exc:
        yield problem(
            check="checksums",
            file=listing_rel,
            message=f"not UTF-8 text ({exc.reason} at byte {exc.start}); {REBUILD_FIX}",
        )
        return
    listed, bad = parse_listing(text)
    for number, line in bad:
        yield problem(
            check="checksums",
            file=listing_rel,
            row=f"line {number}",
            found=line,
            message=f"not a line of the form '<64 hex digits>  <name>.parquet'; {REBUILD_FIX}",
        )
    expected_names = {f"{table}.parquet": table for table in TABLES}
    for name in sorted(set(listed) - set(expected_names)):
        yield problem(
            check="checksums", file=listing_rel, found=name, message="lists a file that is not part of the package"
        )
    for name, table in expected_names.items():
        path = parquet_path(pkg.root, table)
        rel = pkg.rel(path)
        if name not in listed:
            yield problem(
                check="checksums", file=listing_rel, table=table, message=f"has no SHA-256 for {name}; {REBUILD_FIX}"
            )
            continue
        if rel in pkg.refused:
            continue  # reported by `files`
        try:
            digest = sha256_hex(path.read_bytes())
        except OSError:
            continue  # reported by `parquet`
        if digest != listed[name]:
            yield problem(
                check="checksums",
                file=rel,
                table=table,
                expected=listed[name],
                found=digest,
                message=f"SHA-256 differs from the one in {listing_rel}: the file changed after the build; "
                f"{REBUILD_FIX}",
            )


def _check_file_digest(
    pkg: PackageState, path: Path, resource: Mapping[str, Any], table: str | None
) -> Iterator[Problem]:
    rel = pkg.rel(path)
    if rel in pkg.unreadable:
        return
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield problem(
            check="checksums",
            file=rel,
            table=table,
            message=f"listed in datapackage.json but {read_error(path, exc)}; {REBUILD_FIX}",
        )
        return
    if "bytes" in resource and resource["bytes"] != len(data):
        yield problem(
            check="checksums",
            file=rel,
            table=table,
            field="bytes",
            expected=str(resource["bytes"]),
            found=str(len(data)),
            message=f"size differs from the one in datapackage.json: the file changed after the build; {REBUILD_FIX}",
        )
    if "hash" in resource:
        declared = str(resource["hash"])
        algorithm, _, expected = declared.rpartition(":")
        algorithm = algorithm or "md5"  # the Data Package default when no algorithm is named
        try:
            digest = hashlib.new(algorithm, data).hexdigest()
        except ValueError:
            yield problem(
                check="checksums",
                file="datapackage.json",
                table=table,
                field="hash",
                found=declared,
                message=f"unknown hash algorithm {algorithm!r}",
            )
            return
        if digest != expected.lower():
            yield problem(
                check="checksums",
                file=rel,
                table=table,
                field="hash",
                expected=f"{algorithm}:{expected}",
                found=f"{algorithm}:{digest}",
                message="hash differs from the one in datapackage.json: the file changed after the build; "
                f"{REBUILD_FIX}",
            )
