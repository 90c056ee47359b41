"""The one guard for every file the loader, the build and validate open below a data root.

A data package may come from anywhere (a download checked in a user's CI), so
nothing it says may make the package read outside its own folder, block on a
pipe or read a file without bound.  Every path is checked the same way:

* :func:`path_problem`: a path named by the package (a resource ``path``, a
  ``raw_path``) must be relative, POSIX, without ``..`` and without a scheme;
* :func:`refusal`: below the *resolved* root, the file must not lie outside it
  through a symbolic link, must be a regular file, and must not be far larger
  than its pinned size;
* :func:`read_file` applies both and reads the file (opened without blocking,
  so a FIFO put in its place is refused, not waited on).

Standard library only, and no :mod:`pathlib` at import: the figure lookup reads
through here.
"""

from __future__ import annotations

import os
import re
import stat

from .errors import DataFileError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

__all__ = ["MAX_UNPINNED_BYTES", "is_dir", "is_file", "path_problem", "read_file", "refusal", "size_limit"]

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
#: A file may be at most this many times its pinned size, plus :data:`SIZE_SLACK` bytes.
SIZE_FACTOR = 2
SIZE_SLACK = 64 * 1024
#: A file with no pinned size (a schema, a Parquet file, the descriptor) is not read beyond this size: the whole
#: package is a few hundred kilobytes.
MAX_UNPINNED_BYTES = 64 * 1024 * 1024


def path_problem(value: Any) -> str | None:
    """Why ``value`` is not a relative POSIX path inside a package, or None when it is one.

    Examples
    --------
    >>> path_problem("data/raw/a.txt") is None
    True
    >>> path_problem("../outside.txt")
    "leaves the package root ('..')"
    """
    if not isinstance(value, str) or not value.strip():
        return "is not a path"
    if "://" in value or _SCHEME.match(value):
        return "is a remote address or names a scheme (nothing is ever fetched)"
    if "\\" in value or "\x00" in value:
        return "is not a POSIX path (it holds a backslash or a NUL character)"
    if value.startswith(("/", "~")):
        return "is an absolute path"
    if ".." in value.split("/"):
        return "leaves the package root ('..')"
    return None


def _inside(root: str | os.PathLike[str], path: str | os.PathLike[str]) -> bool:
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


def _is_size(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def size_limit(pinned_bytes: Any) -> int:
    """The largest size read for a file pinned at ``pinned_bytes`` (None: no pin)."""
    if _is_size(pinned_bytes):
        return int(min(SIZE_FACTOR * pinned_bytes + SIZE_SLACK, MAX_UNPINNED_BYTES))
    return MAX_UNPINNED_BYTES


_OUTSIDE = "is a symbolic link (or lies below one) to a place outside the package root; nothing there is read"
_NOT_REGULAR = "is not a regular file (a pipe, socket or device); it is not read"


def _too_large(size: int, pinned_bytes: Any) -> str | None:
    limit = size_limit(pinned_bytes)
    if size <= limit:
        return None
    pinned = f"its pinned size is {pinned_bytes} bytes" if _is_size(pinned_bytes) else "it has no pinned size"
    return f"is {size} bytes, far larger than it should be ({pinned}; at most {limit} bytes are read): it was not read"


def refusal(root: str | os.PathLike[str], path: str | os.PathLike[str], *, pinned_bytes: Any = None) -> str | None:
    """Why ``path`` (below ``root``) must not be read, or None when it may.

    A missing file or a folder is not refused here (its reader reports it in
    its own words).  Refused: a path whose real location is outside ``root``
    (a symbolic link leaving it), anything but a regular file or folder, and a
    file far larger than its pinned size (``pinned_bytes``) or, with no pin,
    than :data:`MAX_UNPINNED_BYTES`.
    """
    if not _inside(root, path):
        return _OUTSIDE
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None  # missing or unreadable: reported by whoever reads it
    if stat.S_ISDIR(info.st_mode):
        return None
    if not stat.S_ISREG(info.st_mode):
        return _NOT_REGULAR
    return _too_large(info.st_size, pinned_bytes)


def read_file(root: str | os.PathLike[str], rel: str, *, fix: str, pinned_bytes: Any = None) -> bytes:
    """The bytes of the file at ``rel`` below ``root``, refused as :func:`path_problem` and :func:`refusal` say.

    Raises
    ------
    DataFileError
        Naming the file, what is wrong (missing, a folder, unreadable, refused) and ``fix``.
    """
    path = os.path.join(root, rel)
    why = path_problem(rel) or refusal(root, path, pinned_bytes=pinned_bytes)
    if why is not None:
        raise DataFileError.at(path, why, fix)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise DataFileError.at(path, "file is missing", fix) from None
    except NotADirectoryError:
        raise DataFileError.at(path, "file is missing (a part of its path is a file, not a folder)", fix) from None
    except OSError as exc:
        raise DataFileError.at(path, f"cannot be read ({exc.strerror or exc})", fix) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise DataFileError.at(path, "is a folder, not a file", fix)
        if not stat.S_ISREG(info.st_mode):  # replaced by a pipe after the check above
            raise DataFileError.at(path, _NOT_REGULAR, fix)
        if why := _too_large(info.st_size, pinned_bytes):
            raise DataFileError.at(path, why, fix)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(size_limit(pinned_bytes) + 1)
        if why := _too_large(len(data), pinned_bytes):  # it grew while being read
            raise DataFileError.at(path, why, fix)
        return data
    except OSError as exc:
        raise DataFileError.at(path, f"cannot be read ({exc.strerror or exc})", fix) from None
    finally:
        os.close(fd)


def is_dir(path: str | Path) -> bool:
    """Whether ``path`` is a folder; False also when it cannot be looked at (a name too long, no permission)."""
    try:
        return os.path.isdir(path)
    except (OSError, ValueError):
        return False


def is_file(path: str | Path) -> bool:
    """Whether ``path`` is a file; False also when it cannot be looked at (a name too long, no permission)."""
    try:
        return os.path.isfile(path)
    except (OSError, ValueError):
        return False
