"""The ``checksums`` check.

Every Parquet file against ``data/processed/PARQUET.sha256`` (frictionless cannot check the bytes of a Parquet
resource); every table's resources at the package's paths, with the pins the loader requires (``hash`` and
``schemaHash`` as ``sha256:<hex>``), and every schema file against its pin.  The ``bytes`` and ``hash`` of the
other resources are frictionless's to check (the ``package`` check).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ..._loader import PARQUET_CHECKSUMS, SCHEMA_PIN, SHA256_PIN, parse_listing, resource_pins, sha256_hex
from ...errors import DataFileError
from ...tables import TABLES, parquet_path, schema_path
from .._problem import Problem, problem
from .._state import REBUILD_FIX, PackageState

NAME = "checksums"


def run(pkg: PackageState) -> Iterator[Problem]:
    """Yield every problem of this check on the loaded package ``pkg``."""
    if "datapackage.json" in pkg.unreadable:
        # its sizes and hashes are left out; PARQUET.sha256 is still checked
        yield from pkg.skipped("checksums", ["datapackage.json"])
    if pkg.descriptor is not None:
        for fields in layout_problems(pkg.descriptor):
            yield problem(check="checksums", **fields)
        for fields in pin_problems(pkg.root, pkg.descriptor, pkg.schema_bytes):
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


# Checks of ``datapackage.json`` itself: the package metadata, the layout and the pins the loader relies on.
#
# * :func:`metadata_problems`: ``name``, ``version``, ``licenses`` and
#   ``attribution`` travel with the data; each must be there and of its type
#   (``licenses`` a non-empty list of objects, each with a ``name`` or a ``path``).
# * :func:`layout_problems`: every table has its CSV and Parquet resource at the
#   path the loader reads (``data/processed/TABLE.csv``) with the schema it types
#   values by (``schemas/TABLE.schema.json``).
# * :func:`pin_problems`: every table resource pins its data (``hash``) and its
#   schema (``schemaHash``) as the loader requires, and every schema pin matches
#   the schema file.
#
# These yield the keyword arguments of a :class:`~iicsa_stats.validation.Problem`
# without its ``check``, which the caller adds.
_DESCRIPTOR = "datapackage.json"
_FIX = "rebuild with `iicsa-stats build` (or restore datapackage.json from the release)"
_NAME = re.compile(r"[a-z0-9._-]+")


def metadata_problems(descriptor: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """The package's name, version, licences and attribution: present and well formed."""
    where = {"file": _DESCRIPTOR}
    name = descriptor.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        yield {
            **where,
            "field": "name",
            "found": None if name is None else repr(name),
            "message": "the package has no name (lowercase letters, digits, '.', '_' and '-'); " + _FIX,
        }
    version = descriptor.get("version")
    if not isinstance(version, str) or not version.strip():
        yield {
            **where,
            "field": "version",
            "found": None if version is None else repr(version),
            "message": "the package has no version; " + _FIX,
        }
    licenses = descriptor.get("licenses")
    if not isinstance(licenses, list) or not licenses:
        yield {
            **where,
            "field": "licenses",
            "found": None if licenses is None else repr(licenses),
            "message": "the package has no licenses (a list of objects, each with a name or a path): the "
            "licence travels with the data; " + _FIX,
        }
    else:
        for number, licence in enumerate(licenses, start=1):
            named = isinstance(licence, dict) and any(
                isinstance(licence.get(k), str) and licence[k].strip() for k in ("name", "path")
            )
            if not named:
                yield {
                    **where,
                    "field": "licenses",
                    "found": repr(licence),
                    "message": f"licence {number} is not an object with a name or a path; " + _FIX,
                }
    attribution = descriptor.get("attribution")
    if not isinstance(attribution, str) or not attribution.strip():
        yield {
            **where,
            "field": "attribution",
            "found": None if attribution is None else repr(attribution),
            "message": "the package has no attribution: the attribution travels with the data; " + _FIX,
        }


def layout_problems(descriptor: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Every table's CSV and Parquet resource, once each, at the paths the loader and the build use."""
    resources = [r for r in descriptor.get("resources", []) if isinstance(r, dict)]
    for table in TABLES:
        for name, path in (
            (table, f"data/processed/{table}.csv"),
            (f"{table}-parquet", f"data/processed/{table}.parquet"),
        ):
            found = [r for r in resources if r.get("name") == name]
            where = {"file": _DESCRIPTOR, "table": table}
            if len(found) != 1:
                yield {
                    **where,
                    "message": f"{'no' if not found else len(found)} resources named {name!r} (exactly one is "
                    f"expected); {_FIX}",
                }
                continue
            resource = found[0]
            expected = {"path": path, "schema": f"schemas/{table}.schema.json"}
            for key, value in expected.items():
                if resource.get(key) != value:
                    yield {
                        **where,
                        "field": key,
                        "expected": value,
                        "found": repr(resource.get(key)),
                        "message": f"resource {name!r} has another {key} than the package's layout (the loader "
                        f"reads {value}); {_FIX}",
                    }


def pin_problems(
    root: Path, descriptor: Mapping[str, Any], schema_bytes: Mapping[str, bytes]
) -> Iterator[dict[str, Any]]:
    """The loader's pins of each table, and every schema pin against its file (``schema_bytes``, by table)."""
    for table in TABLES:
        try:
            resource_pins(descriptor, table, _DESCRIPTOR)
        except DataFileError as exc:
            message = str(exc).removeprefix(f"{_DESCRIPTOR}: ")
            yield {"file": _DESCRIPTOR, "table": table, "message": f"the loader refuses the table: {message}"}
    for resource in descriptor.get("resources", []):
        if not isinstance(resource, dict) or resource.get("name") not in {*TABLES, *(f"{t}-parquet" for t in TABLES)}:
            continue
        name = str(resource["name"])
        table = name.removesuffix("-parquet")
        pin = resource.get(SCHEMA_PIN)
        if name == table and not isinstance(pin, str):
            continue  # reported above, in the loader's words
        if not isinstance(pin, str) or not SHA256_PIN.fullmatch(pin):
            yield {
                "file": _DESCRIPTOR,
                "table": table,
                "field": SCHEMA_PIN,
                "found": None if pin is None else repr(pin),
                "message": f"resource {name!r} has no {SCHEMA_PIN} of the form sha256:<64 lowercase hex digits> "
                f"pinning its schema; {_FIX}",
            }
            continue
        if table not in schema_bytes:
            continue  # the schema file is unreadable: reported by `files`
        found = f"sha256:{hashlib.sha256(schema_bytes[table]).hexdigest()}"
        if found != pin:
            yield {
                "file": schema_path(root, table).relative_to(root).as_posix(),
                "table": table,
                "field": SCHEMA_PIN,
                "expected": pin,
                "found": found,
                "message": f"the schema differs from its pin in datapackage.json (resource {name!r}): it was changed "
                "after the build; restore it, or rebuild if the change is intended",
            }
