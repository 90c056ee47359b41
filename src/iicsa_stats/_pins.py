"""SHA-256 pins: one home for hashing files, the ``PARQUET.sha256`` listing, and checking a file against its pin.

Every file of the data package is pinned: a table by the ``hash`` of its
resource in ``datapackage.json``, a raw text by the ``sha256`` column of the
documents table, a Parquet file by its line in ``data/processed/PARQUET.sha256``
(frictionless cannot check the bytes of a Parquet resource).  The build writes
the pins, the loader and export refuse a file that differs from its pin, and
validation reports every difference; all of them use this module.
"""

from __future__ import annotations

import os
import re

from .errors import DataFileError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

__all__ = [
    "PARQUET_CHECKSUMS",
    "SCHEMA_PIN",
    "SHA256_PIN",
    "check_parquet_pin",
    "format_listing",
    "parse_listing",
    "resource_pin",
    "resource_pins",
    "sha256_hex",
]

#: The file, in ``data/processed``, that pins every Parquet file.
PARQUET_CHECKSUMS = "PARQUET.sha256"
#: One line of :data:`PARQUET_CHECKSUMS`: the hex digest, two spaces, the file name.
_LISTING_LINE = re.compile(r"([0-9a-f]{64})  (\S+)")
_FIX = "reinstall or rebuild with `iicsa-stats build`"
#: The property of a table resource in ``datapackage.json`` that pins its Table Schema file, like ``hash`` its data.
SCHEMA_PIN = "schemaHash"
#: The one form of pin the loader accepts.
SHA256_PIN = re.compile(r"sha256:[0-9a-f]{64}")


def sha256_hex(data: bytes) -> str:
    """SHA-256 of ``data`` in hex, without loading OpenSSL when CPython's built-in hash is there.

    :mod:`hashlib` loads OpenSSL, which costs about 4 ms and 4 MB at start-up;
    the lookup path checks every file it reads, so it uses CPython's own
    built-in SHA-256 (the same digest) and falls back to hashlib elsewhere.

    Examples
    --------
    >>> sha256_hex(b"")[:16]
    'e3b0c44298fc1c14'
    """
    try:
        from _sha2 import sha256  # type: ignore[import-not-found,unused-ignore]  # CPython 3.12+
    except ImportError:
        try:
            from _sha256 import sha256  # type: ignore[import-not-found,no-redef,unused-ignore]  # CPython 3.11
        except ImportError:
            from hashlib import sha256  # type: ignore[assignment,unused-ignore]
    return str(sha256(data).hexdigest())


def resource_pin(data: bytes) -> str:
    """The ``hash`` of a resource in ``datapackage.json``: ``"sha256:<hex>"``.

    Examples
    --------
    >>> resource_pin(b"")[:15]
    'sha256:e3b0c442'
    """
    return f"sha256:{sha256_hex(data)}"


def format_listing(digests: Mapping[str, str]) -> str:
    """The text of :data:`PARQUET_CHECKSUMS` for ``{file name: hex digest}``, in the given order.

    Examples
    --------
    >>> format_listing({"a.parquet": "0" * 64}) == "0" * 64 + "  a.parquet\\n"
    True
    """
    return "".join(f"{digest}  {name}\n" for name, digest in digests.items())


def parse_listing(text: str) -> tuple[dict[str, str], list[tuple[int, str]]]:
    """Read :data:`PARQUET_CHECKSUMS`: ``({file name: hex digest}, [(line number, line) not of that form])``.

    Examples
    --------
    >>> parse_listing("0" * 64 + "  a.parquet\\nbad line")[1]
    [(2, 'bad line')]
    """
    listed: dict[str, str] = {}
    bad: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _LISTING_LINE.fullmatch(line)
        if match:
            listed[match.group(2)] = match.group(1)
        else:
            bad.append((number, line))
    return listed, bad


def check_parquet_pin(root: str | os.PathLike[str], table: str) -> bytes:
    """The bytes of a table's Parquet file, refused if they differ from their pin in :data:`PARQUET_CHECKSUMS`.

    Raises
    ------
    DataFileError
        If the file or the listing is missing or unreadable, or the file differs from its pin.
    """
    from ._guard import read_file

    listing = os.path.join(root, "data", "processed", PARQUET_CHECKSUMS)
    path = os.path.join(root, "data", "processed", f"{table}.parquet")
    try:
        text = read_file(root, f"data/processed/{PARQUET_CHECKSUMS}", fix=_FIX).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataFileError.at(listing, f"cannot be read ({exc})", "reinstall or rebuild") from None
    data = read_file(root, f"data/processed/{table}.parquet", fix=_FIX)
    pins, _ = parse_listing(text)
    name = os.path.basename(path)
    found = sha256_hex(data)
    if pins.get(name) != found:
        raise DataFileError(
            f"{path}: the file differs from its pin in {PARQUET_CHECKSUMS} (expected {pins.get(name)}, found "
            f"{found}): it was changed or damaged; {_FIX}; `iicsa-stats validate` lists every problem"
        )
    return data


def resource_pins(package: Mapping[str, Any], table: str, where: str) -> tuple[str, str]:
    """The SHA-256 pins of a table's CSV file and of its schema file, as ``datapackage.json`` declares them.

    The loader reads ``data/processed/TABLE.csv`` typed by ``schemas/TABLE.schema.json``
    only when the table's resource pins both, in the form ``sha256:<64 hex digits>``.

    Raises
    ------
    DataFileError
        Naming ``where`` (the descriptor) and what is missing, when a pin is absent or malformed.
    """
    resources = package.get("resources")
    found = (
        [r for r in resources if isinstance(r, dict) and r.get("name") == table] if isinstance(resources, list) else []
    )
    if not found:
        raise DataFileError(
            f"{where}: no resource for the {table} table, so no sha256 pin for it; reinstall or rebuild"
        )
    resource = found[-1]
    pins = []
    for key, what in (("hash", f"the {table} table"), (SCHEMA_PIN, f"the schema of the {table} table")):
        pin = resource.get(key)
        if not isinstance(pin, str):
            raise DataFileError(f"{where}: no sha256 pin for {what} ({key!r}); reinstall or rebuild")
        if not SHA256_PIN.fullmatch(pin):
            raise DataFileError(
                f"{where}: the pin of {what} ({key!r}) is not of the form sha256:<64 lowercase hex digits>; "
                "reinstall or rebuild"
            )
        pins.append(pin)
    return pins[0], pins[1]
