"""The ``checksums`` check.

Every Parquet file against ``data/processed/PARQUET.sha256`` (frictionless cannot check the bytes of a Parquet
resource); every table's resources at the package's paths, with the pins the loader requires (``hash`` and
``schemaHash`` as ``sha256:<hex>``), and every schema file against its pin.  The ``bytes`` and ``hash`` of the
other resources are frictionless's to check (the ``package`` check).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..._pins import PARQUET_CHECKSUMS, parse_listing, sha256_hex
from ...tables import TABLES, parquet_path
from .. import _meta
from .._problem import Problem, problem
from .._state import REBUILD_FIX, PackageState

NAME = "checksums"


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
    yield from _parquet_listing(pkg)


def _parquet_listing(pkg: PackageState) -> Iterator[Problem]:
    """Every Parquet file against its SHA-256 in ``PARQUET.sha256``."""
    listing = pkg.root / "data" / "processed" / PARQUET_CHECKSUMS
    listing_rel = pkg.rel(listing)
    if listing_rel in pkg.refused:
        return  # reported by `files`
    data = pkg.files[listing_rel]
    if isinstance(data, str):
        yield problem(check="checksums", file=listing_rel, message=data)
        return
    try:
        text = data.decode("utf-8")
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
        content = pkg.files.get(rel)
        if not isinstance(content, bytes):
            continue  # refused (reported by `files`) or unreadable (reported by `parquet`)
        digest = sha256_hex(content)
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
