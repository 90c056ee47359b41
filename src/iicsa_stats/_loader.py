"""The loader: reads a data package's files through one guard and one JSON reader, checks their pins, caches them."""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import stat
from _thread import get_ident

from ._paths import data_dir
from .errors import DataFileError, RawDocumentError
from .tables import RAW_PATH, Row, csv_path, finite, parse_csv

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping
    from pathlib import Path
    from typing import Any, TypeVar

    T = TypeVar("T")

VALIDATE_HINT = "run `iicsa-stats validate` to see every problem"
_REBUILD = "rebuild with `iicsa-stats build` or reinstall"
_RESTORE = "restore it from the release or rebuild it with `iicsa-stats build`"

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
#: A file is not read beyond twice its pinned size plus 64 KiB, or with no pin, beyond 64 MiB.
SIZE_FACTOR, SIZE_SLACK, MAX_UNPINNED_BYTES = 2, 64 * 1024, 64 * 1024 * 1024
_OUTSIDE = "is a symbolic link (or lies below one) to a place outside the package root; nothing there is read"
_NOT_REGULAR = "is not a regular file (a pipe, socket or device); it is not read"
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)  # a FIFO is never waited on


def path_problem(value: Any) -> str | None:
    """Why ``value`` is not a relative POSIX path inside a package (no scheme, no ``..``), or None."""
    if not isinstance(value, str) or not value.strip():
        return "is not a path"
    if "://" in value or _SCHEME.match(value):
        return "is a remote address or names a scheme (nothing is ever fetched)"
    if "\\" in value or "\x00" in value:
        return "is not a POSIX path (it holds a backslash or a NUL character)"
    if value.startswith(("/", "~")):
        return "is an absolute path"
    return "leaves the package root ('..')" if ".." in value.split("/") else None


def _inside(root: str | os.PathLike[str], path: str | os.PathLike[str]) -> bool:
    real_root, real = os.path.realpath(root), os.path.realpath(path)
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


def _limit(pinned_bytes: Any) -> int:
    if isinstance(pinned_bytes, int) and not isinstance(pinned_bytes, bool) and pinned_bytes >= 0:
        return min(SIZE_FACTOR * pinned_bytes + SIZE_SLACK, MAX_UNPINNED_BYTES)
    return MAX_UNPINNED_BYTES


def _too_large(size: int, pinned_bytes: Any) -> str | None:
    if size <= (limit := _limit(pinned_bytes)):
        return None
    pinned = "it has no pinned size" if limit == MAX_UNPINNED_BYTES else f"its pinned size is {pinned_bytes} bytes"
    return f"is {size} bytes, far larger than it should be ({pinned}; at most {limit} bytes are read): it was not read"


def refusal(root: str | os.PathLike[str], path: str | os.PathLike[str], *, pinned_bytes: Any = None) -> str | None:
    """Why ``path`` must not be read (outside ``root``, not a regular file or folder, far too large), or None."""
    if not _inside(root, path):
        return _OUTSIDE
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    if stat.S_ISDIR(info.st_mode):
        return None
    return _NOT_REGULAR if not stat.S_ISREG(info.st_mode) else _too_large(info.st_size, pinned_bytes)


def read_file(root: str | os.PathLike[str], rel: str, *, fix: str, pinned_bytes: Any = None) -> bytes:
    """The bytes of ``rel`` below ``root`` (refused as :func:`path_problem` and :func:`refusal` say), never blocking."""
    path = os.path.join(root, rel)
    if not (why := path_problem(rel) or refusal(root, path, pinned_bytes=pinned_bytes)):
        try:
            fd = os.open(path, _OPEN_FLAGS)
            try:
                with open(fd, "rb", closefd=False) as handle:  # a folder is refused here
                    data = handle.read(_limit(pinned_bytes) + 1)
            finally:
                os.close(fd)
            why = _too_large(len(data), pinned_bytes)  # it may have grown since it was looked at
        except FileNotFoundError:
            why = "file is missing"
        except IsADirectoryError:
            why = "is a folder, not a file"
        except NotADirectoryError:
            why = "file is missing (a part of its path is a file, not a folder)"
        except OSError as exc:
            why = f"cannot be read ({exc.strerror or exc})"
    if why:
        raise DataFileError.at(path, why, fix)
    return data


#: The deepest nesting of arrays and objects accepted (a descriptor nests about 6 deep).
MAX_DEPTH = 64
#: The longest number accepted, in characters (a size or an offset has a few digits).
MAX_NUMBER_CHARS = 100
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_LONG_NUMBER = re.compile(rb"[-+.0-9eE]{%d,}" % (MAX_NUMBER_CHARS + 1))
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    if len(result := dict(pairs)) < len(pairs):
        seen: set[str] = set()
        key = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise ValueError(f"the key {key[:80]!r} appears twice in one object (a JSON object names each once)")
    return result


def _too_deep(bare: bytes) -> bool:
    depths = itertools.accumulate(1 if mark in b"[{" else -1 for mark in bare.translate(None, _NOT_BRACKET))
    return max(depths, default=0) > MAX_DEPTH


def parse_json(path: str | Path, data: bytes) -> Any:
    """``data`` (read from ``path``) as JSON; DataFileError if too deep, a number too long, or a key twice."""
    import json

    bare = _STRING.sub(b"", data)  # what lies outside the strings
    if number := _LONG_NUMBER.search(bare):
        why = f"a number of {len(number.group())} characters (at most {MAX_NUMBER_CHARS} are accepted)"
    elif _too_deep(bare):
        why = f"nested more than {MAX_DEPTH} levels deep"
    else:
        try:
            text = data.decode("utf-8")
            return json.loads(text, object_pairs_hook=_object, parse_float=finite, parse_constant=finite)
        except UnicodeDecodeError as exc:
            why = f"not UTF-8 text ({exc.reason} at byte {exc.start})"
        except json.JSONDecodeError as exc:
            why = f"not valid JSON ({exc})"
        except RecursionError:  # brackets that do not pair, so not counted above
            why = f"nested more than {MAX_DEPTH} levels deep"
        except ValueError as exc:
            why = str(exc)
    raise DataFileError.at(str(path), f"not valid UTF-8 JSON: {why}", "restore it from the release or rebuild")


#: The file, in ``data/processed``, that pins every Parquet file (frictionless checks no Parquet bytes).
PARQUET_CHECKSUMS = "PARQUET.sha256"
#: The property of a table resource in ``datapackage.json`` that pins its Table Schema file, like ``hash`` its data.
SCHEMA_PIN = "schemaHash"
#: The one form of pin the loader accepts.
SHA256_PIN = re.compile(r"sha256:[0-9a-f]{64}")
_LISTING_LINE = re.compile(r"([0-9a-f]{64})  (\S+)")
try:  # CPython's own SHA-256, found once (hashlib would load OpenSSL, about 4 ms; a failed import is not cached)
    from _sha256 import sha256 as _sha256  # type: ignore[import-not-found,unused-ignore]  # CPython 3.11
except ImportError:
    try:
        from _sha2 import sha256 as _sha256  # type: ignore[import-not-found,no-redef,unused-ignore]  # 3.12+
    except ImportError:
        from hashlib import sha256 as _sha256  # type: ignore[assignment,no-redef,unused-ignore]


def sha256_hex(data: bytes) -> str:
    """SHA-256 of ``data`` in hex."""
    return str(_sha256(data).hexdigest())


def resource_pin(data: bytes) -> str:
    """The ``hash`` of a resource in ``datapackage.json``: ``"sha256:<hex>"``."""
    return f"sha256:{sha256_hex(data)}"


def _pinned(path: str, data: bytes, pin: str | None, *, what: str, where: str, fix: str) -> bytes:
    """``data`` (read from ``path``), refused if ``pin`` is given (in ``where``) and they differ from it."""
    if pin is not None and (found := resource_pin(data)) != pin:
        changed = f"{what} differs from its pin in {where} (expected {pin}, found {found})"
        raise DataFileError(f"{path}: {changed}: it was changed or damaged; {fix}; {VALIDATE_HINT}", path=path, fix=fix)
    return data


def parse_listing(text: str) -> tuple[dict[str, str], list[tuple[int, str]]]:
    """Read :data:`PARQUET_CHECKSUMS`: ``({file name: hex digest}, [(line number, line) not of that form])``."""
    listed: dict[str, str] = {}
    bad: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if match := _LISTING_LINE.fullmatch(line):
            listed[match.group(2)] = match.group(1)
        else:
            bad.append((number, line))
    return listed, bad


def check_parquet_pin(root: str | os.PathLike[str], table: str) -> bytes:
    """The bytes of a table's Parquet file, refused if they differ from their pin in :data:`PARQUET_CHECKSUMS`."""
    fix = "reinstall or rebuild with `iicsa-stats build`"
    listing = read_file(root, f"data/processed/{PARQUET_CHECKSUMS}", fix=fix).decode("utf-8", "replace")
    pin, rel = parse_listing(listing)[0].get(f"{table}.parquet"), f"data/processed/{table}.parquet"
    path, data = os.path.join(root, rel), read_file(root, rel, fix=fix)
    return _pinned(path, data, pin and f"sha256:{pin}", what="the file", where=PARQUET_CHECKSUMS, fix=fix)


def _resource(package: Mapping[str, Any], table: str, where: str) -> dict[str, Any]:
    for resource in reversed(package.get("resources") or ()):
        if isinstance(resource, dict) and resource.get("name") == table:
            return resource
    raise DataFileError(f"{where}: no resource for the {table} table, so no sha256 pin for it; reinstall or rebuild")


def resource_pins(package: Mapping[str, Any], table: str, where: str) -> tuple[str, str]:
    """The ``hash`` and ``schemaHash`` pins of a table in ``package``; DataFileError naming ``where`` if not sha256."""
    resource = _resource(package, table, where)
    for key, what in (("hash", f"the {table} table"), (SCHEMA_PIN, f"the schema of the {table} table")):
        if not (isinstance(pin := resource.get(key), str) and SHA256_PIN.fullmatch(pin)):
            form = "" if pin is None else f" of the form sha256:<64 lowercase hex digits>, found {pin!r:.80}"
            raise DataFileError(f"{where}: no sha256 pin for {what} ({key!r}){form}; reinstall or rebuild")
    return resource["hash"], resource[SCHEMA_PIN]


def schema_from_bytes(path: str | Path, data: bytes) -> dict[str, Any]:
    """The Table Schema in ``data`` (read from ``path``), refused unless it has a list of named fields."""
    schema: dict[str, Any] = parse_json(path, data)
    fields = schema.get("fields") if isinstance(schema, dict) else None
    if not isinstance(fields, list) or not all(isinstance(f, dict) and "name" in f for f in fields):
        why = "not a Table Schema with a list of named fields"
        raise DataFileError.at(str(path), why, "restore it from the release")
    return schema


def load_schema(root: str | Path, table: str, *, sha256: str | None = None) -> dict[str, Any]:
    """A table's Table Schema; with ``sha256`` (its pin), refused if its bytes differ."""
    rel = f"schemas/{table}.schema.json"
    fix = _REBUILD if sha256 is None else "restore it from the release or reinstall"
    path, data = os.path.join(root, rel), read_file(root, rel, fix=fix)
    return schema_from_bytes(path, _pinned(path, data, sha256, what="the schema", where="datapackage.json", fix=fix))


def read_csv(
    root: str | Path, table: str, schema: Mapping[str, Any], *, sha256: str | None = None, pinned_bytes: Any = None
) -> list[Row]:
    """The typed rows of a processed CSV table; with ``sha256`` (its pin), refused if its bytes differ."""
    rel = f"data/processed/{table}.csv"
    path, data = os.path.join(root, rel), read_file(root, rel, fix=_RESTORE, pinned_bytes=pinned_bytes)
    _pinned(path, data, sha256, what="the file", where="datapackage.json", fix=_RESTORE)
    return parse_csv(path, data, schema, _RESTORE)


_CACHE: dict[tuple[Any, ...], Any] = {}
#: Per data root, which copy of ``datapackage.json`` and ``data/processed`` (a build replaces both) was cached.
_SEEN: dict[str, list[tuple[int, int, int] | None]] = {}
#: The roots whose lock this process holds, with the thread holding it.
_HELD: set[tuple[str, int]] = set()


def signature(root: str) -> list[tuple[int, int, int] | None]:
    """Which copy of ``datapackage.json`` and ``data/processed`` is in place (a build replaces both)."""
    found: list[tuple[int, int, int] | None] = []
    for path in (os.path.join(root, "datapackage.json"), os.path.join(root, "data", "processed")):
        try:
            info = os.stat(path)
            found.append((info.st_ino, info.st_mtime_ns, info.st_size))
        except OSError:
            found.append(None)
    return found


@contextlib.contextmanager
def holding(root: str) -> Iterator[None]:
    """Hold ``root``'s shared lock (no build commits meanwhile), the cache dropped if a build replaced the files."""
    if (holder := (root, get_ident())) in _HELD:  # held further up this thread's stack
        yield
        return
    from ._staging import reading

    with reading(root):
        if _SEEN.get(root) != (now := signature(root)):
            clear_cache()
            _SEEN[root] = now
        _HELD.add(holder)
        try:
            yield
        finally:
            _HELD.discard(holder)


def cached(read: Callable[..., T], root: str | None, *args: str) -> T:
    """``read(root, *args)`` at ``root`` (by default the current data root), once per process and build."""
    root = root or data_dir()
    found: T
    if (key := (read, root, *args)) in _CACHE and _SEEN.get(root) == signature(root):
        found = _CACHE[key]  # read from the build still in place
        return found
    with holding(root):
        if key not in _CACHE:
            _CACHE[key] = read(root, *args)
        found = _CACHE[key]
    return found


def consistent(read: Callable[[str], T]) -> T:
    """``read(root)`` on the current data root, with no build committing meanwhile."""
    with holding(root := data_dir()):
        return read(root)


def clear_cache() -> None:
    """Forget every file read and figure joined so far (after the data files changed)."""
    _CACHE.clear()
    _SEEN.clear()


def _package(root: str) -> dict[str, Any]:
    path = os.path.join(root, "datapackage.json")
    descriptor = parse_json(path, read_file(root, "datapackage.json", fix=_REBUILD))
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        raise DataFileError.at(path, "not a data package descriptor", "reinstall or rebuild")
    for resource in descriptor["resources"]:
        where = resource.get("path") if isinstance(resource, dict) else resource
        for value in where if isinstance(where, list) else [where]:
            if problem := path_problem(value):
                raise DataFileError.at(path, f"a resource path {value!r:.80} {problem}", "reinstall or rebuild")
    return descriptor


def package(root: str | None = None) -> dict[str, Any]:
    """The ``datapackage.json`` descriptor of the data package at ``root`` (by default the current one)."""
    return cached(_package, root)


def _rows(root: str, table: str) -> tuple[Row, ...]:
    descriptor, where = package(root), os.path.join(root, "datapackage.json")
    pin, schema_pin = resource_pins(descriptor, table, where)
    size = _resource(descriptor, table, where).get("bytes")
    return tuple(read_csv(root, table, load_schema(root, table, sha256=schema_pin), sha256=pin, pinned_bytes=size))


def rows(table: str, root: str | None = None) -> tuple[Row, ...]:
    """Typed rows of a table at ``root`` (by default the current data root), its file and schema pin-checked."""
    return cached(_rows, root, table)


def inconsistent(root: str, table: str, message: str) -> DataFileError:
    """The error for rows of ``table`` that do not fit together: names the file and what to run."""
    return DataFileError.at(csv_path(root, table), message, VALIDATE_HINT)


def raw_document(root: str | os.PathLike[str], raw_path: str, pin: str, size: Any, *, where: str, fix: str) -> str:
    """A raw document's text, or a RawDocumentError: unreadable, not UTF-8, or not of its ``pin`` and ``size``."""
    path = os.path.join(root, raw_path)
    try:
        data = read_file(root, raw_path, fix=fix, pinned_bytes=size)
    except DataFileError as exc:
        reason = str(exc).removeprefix(f"{path}: ")
        raise RawDocumentError(f"{path}: raw document unreadable ({reason})", path=path, fix=fix) from None
    if (found := resource_pin(data)) != pin or len(data) != size:
        pins = f"expected {pin} of {size} bytes, found {found} of {len(data)} bytes"
        raise RawDocumentError.at(path, f"the raw document differs from its pin in {where} ({pins})", fix)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        why = f"the raw document is not UTF-8 text ({exc.reason} at byte {exc.start})"
        raise RawDocumentError.at(path, why, fix) from None


def _raw_text(root: str, raw_path: str) -> str:
    doc = next((d for d in rows("documents", root) if d["raw_path"] == raw_path), None)
    if doc is None or not RAW_PATH.fullmatch(raw_path):
        raise inconsistent(root, "documents", f"{raw_path!r} is not the raw file of a registered document")
    fix, pin = "restore the verbatim capture or reinstall", f"sha256:{doc['sha256']}"
    return raw_document(root, raw_path, pin, doc.get("bytes"), where="the documents table", fix=fix)


def raw_text(raw_path: str, root: str | None = None) -> str:
    """A registered raw document's text, pin-checked (RawDocumentError), at ``root`` (by default the current one)."""
    return cached(_raw_text, root, raw_path)
