"""The loader's cache of the files of a data package, read with the standard library only.

Figure lookups, search and the CLI go through here, so they never import pandas,
pyarrow or frictionless.  Every function takes the data root it reads from: the
descriptor, the rows of a table and a raw text are read once per process and
root, and every file is checked against its pin (the SHA-256 in
``datapackage.json`` for a table, in the documents table for a raw text) before
anything in it is used: a changed or damaged file is refused, never served.

This module knows files and rows only; :mod:`iicsa_stats._store` joins the rows
into :class:`~iicsa_stats.Figure` objects, each bound to the root it came from.
"""

from __future__ import annotations

import os
from functools import lru_cache

from ._guard import path_problem, read_file
from ._paths import data_dir
from ._pins import resource_pins, sha256_hex
from .errors import DataFileError, RawDocumentError
from .tables import RAW_PATH, Row, load_json, read_csv

TYPE_CHECKING = False
if TYPE_CHECKING:
    from contextlib import AbstractContextManager
    from typing import Any

VALIDATE_HINT = "run `iicsa-stats validate` to see every problem"
#: Per data root, the state of its files when the cached descriptor was read (see :func:`signature`).
SIGNATURES: dict[str, tuple[object, ...]] = {}


def signature(root: str) -> tuple[object, ...]:
    """Which copy of ``datapackage.json`` and ``data/processed`` is in place (a build replaces both)."""
    found: list[object] = []
    for path in (os.path.join(root, "datapackage.json"), os.path.join(root, "data", "processed")):
        try:
            st = os.stat(path)
            found.append((st.st_ino, st.st_mtime_ns, st.st_size))
        except OSError:
            found.append(None)
    return tuple(found)


def _reading(root: str) -> AbstractContextManager[None]:
    """Hold the root's shared lock while reading: no build commits meanwhile (see _staging.py)."""
    from ._staging import reading

    return reading(root)


@lru_cache(maxsize=2)
def package(root: str) -> dict[str, Any]:
    """The ``datapackage.json`` descriptor of the data package at ``root``."""
    path = os.path.join(root, "datapackage.json")
    with _reading(root):
        SIGNATURES[root] = signature(root)
        descriptor = load_json(root, "datapackage.json")
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        raise DataFileError.at(str(path), "not a data package descriptor", "reinstall or rebuild")
    for resource in descriptor["resources"]:
        where = resource.get("path") if isinstance(resource, dict) else resource
        for value in where if isinstance(where, list) else [where]:
            if problem := path_problem(value):
                raise DataFileError.at(str(path), f"a resource path {value!r:.80} {problem}", "reinstall or rebuild")
    return descriptor


@lru_cache(maxsize=8)
def rows(root: str, table: str) -> tuple[Row, ...]:
    """Typed rows of a table of the data package at ``root``, its file and its schema checked against their pins."""
    pin, schema_pin = resource_pins(package(root), table, os.path.join(root, "datapackage.json"))
    with _reading(root):
        return tuple(read_csv(root, table, sha256=pin, schema_sha256=schema_pin))


def inconsistent(root: str, table: str, message: str) -> DataFileError:
    """The error for rows of ``table`` that do not fit together: names the file and what to run."""
    path = os.path.join(root, "data", "processed", f"{table}.csv")
    return DataFileError.at(str(path), message, VALIDATE_HINT)


@lru_cache(maxsize=4)
def raw_text(root: str, raw_path: str) -> str:
    """A raw document's text at ``root``, checked against its pin in the documents table.

    Raises
    ------
    RawDocumentError
        If the raw file cannot be read, differs from its pin or is not UTF-8.
    DataFileError
        If ``raw_path`` is not the raw file of a registered document.
    """
    doc = next((d for d in rows(root, "documents") if d["raw_path"] == raw_path), None)
    if doc is None or not RAW_PATH.fullmatch(raw_path):
        raise inconsistent(root, "documents", f"{raw_path!r} is not the raw file of a registered document")
    path = os.path.join(root, raw_path)
    try:
        data = read_file(root, raw_path, fix="reinstall or restore it", pinned_bytes=doc.get("bytes"))
    except DataFileError as exc:
        reason = str(exc).removeprefix(f"{path}: ")
        raise RawDocumentError(f"{path}: raw document unreadable ({reason})", path=path, fix=exc.fix) from None
    if sha256_hex(data) != doc["sha256"]:
        raise RawDocumentError(
            f"{path}: the raw document differs from its SHA-256 pin in the documents table: it was changed or "
            f"damaged; restore the verbatim capture or reinstall; {VALIDATE_HINT}"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RawDocumentError(
            f"{path}: the raw document is not UTF-8 text ({exc.reason} at byte {exc.start}); restore it or reinstall"
        ) from None


def current_root() -> str:
    """The data root in use now (see :func:`iicsa_stats._paths.data_dir`)."""
    return data_dir()


def clear() -> None:
    """Forget every file read so far (after the data files changed)."""
    for cached in (rows, package, raw_text):
        cached.cache_clear()
    SIGNATURES.clear()
