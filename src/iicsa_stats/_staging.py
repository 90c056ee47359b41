"""The one output primitive (write beside the target, then replace it) and the build's commit.

Outputs are written under a temporary name holding the writer's pid (:func:`clean_stale` removes it once that
process is dead), then renamed or, a folder, swapped into place.  A build moves the old ``data/processed`` into
its staging folder (:data:`OLD`), the new one in and ``datapackage.json`` last, under the root's exclusive lock:
readers hold its shared lock (:func:`reading`) and roll back a build killed before its commit.
"""

from __future__ import annotations

import contextlib
import fcntl
import os

from .errors import BuildError, DataFileError

TYPE_CHECKING = False
if TYPE_CHECKING:  # pathlib and shutil are imported where used: readers (the loader) need neither
    from collections.abc import Callable, Iterator
    from pathlib import Path
    from typing import TypeVar

    T = TypeVar("T")

#: The prefixes of temporary outputs and of the build's staging folders, and the build lock, in the root.
PREFIX, STAGING_PREFIX, LOCK_NAME = ".iicsa-tmp-", ".iicsa-build-", ".iicsa-build.lock"
#: What a build replaces in the root (the file last), and the old folder's name in its staging folder.
FOLDER, COMMIT, OLD = "data/processed", "datapackage.json", "old"
#: In a folder written by :func:`write_folder`: the files written there, so a later run may replace it.
MARKER = ".iicsa-stats-output"
_MARKER_HEAD = "Written by iicsa-stats, which may replace this folder while it holds only these files:\n"


def reason(exc: OSError) -> str:
    """An OSError in words, with the file concerned when it names one."""
    name = str(exc.filename or "")
    where = f" ({name if len(name) < 100 else '...' + name[-97:]})" if name else ""
    return f"{exc.strerror or exc}{where}"


def _refused(path: Path, why: str) -> OSError:
    return OSError(1, why, str(path))  # EPERM: callers report it like any other failure to write


def temporary(parent: Path, prefix: str = PREFIX) -> Path:
    """A new name in ``parent`` for this process's temporary output (not created; short whatever the target)."""
    return parent / f"{prefix}{os.getpid()}-{os.urandom(4).hex()}"


def _remove(path: Path) -> None:
    import shutil

    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def clean_stale(parent: Path) -> None:
    """Remove the temporary outputs in ``parent`` whose owner (the pid in the name) is no longer running."""
    with contextlib.suppress(OSError):
        for name in os.listdir(parent):
            pid = name.removeprefix(PREFIX).partition("-")[0]
            if name.startswith(PREFIX) and pid.isdigit():
                try:
                    os.kill(int(pid), 0)
                except ProcessLookupError:
                    _remove(parent / name)
                except OSError:  # e.g. not ours to signal: it runs
                    pass


# --------------------------------------------------------------------------- writing an output


def guard(target: Path, *, folder: bool) -> Path:
    """The resolved ``target``, to be written as a folder or a file; an OSError saying why it may not be."""
    import stat
    from pathlib import Path

    from ._paths import checkout_root, data_root

    if "\0" in str(target):  # before any system call, which would raise ValueError on it
        raise _refused(Path(target), "holds a NUL character, which no path can; give another name")
    if Path(target).is_symlink():
        raise _refused(Path(target), "is a symbolic link; give the file or folder itself")
    resolved = Path(target).resolve()
    if not resolved.name:
        raise _refused(resolved, "is not a path that can be written to; give a file or folder with a name")
    bases = [checkout_root()]
    with contextlib.suppress(DataFileError):
        bases.append(data_root())
    for base in {b.resolve() for b in bases if b is not None}:
        for inside in (base, base / "datapackage.json", base / "data", base / "schemas"):
            if resolved == inside or (inside != base and resolved.is_relative_to(inside)):
                raise _refused(Path(target), f"is inside the data package ({inside}); write to a place of your own")
    with contextlib.suppress(FileNotFoundError):
        if not stat.S_ISREG(mode := resolved.stat().st_mode) and not stat.S_ISDIR(mode):
            raise _refused(Path(target), "is not a regular file or folder (a device, FIFO or socket); give another")
    if resolved.exists() and resolved.is_dir() != folder:
        raise _refused(resolved, "is a file; give a folder" if folder else "is a folder; give a file name")
    if folder:
        _check_ours(resolved)
    return resolved


def _entries(folder: Path) -> set[str]:
    """Every file and folder below ``folder``, as relative POSIX paths (links not followed)."""
    from pathlib import Path

    return {Path(top, n).relative_to(folder).as_posix() for top, dirs, files in os.walk(folder) for n in dirs + files}


def _check_ours(target: Path) -> None:
    """Refuse a non-empty folder unless its :data:`MARKER` lists every file in it and each can be removed."""
    from pathlib import PurePosixPath

    if not target.is_dir() or not any(target.iterdir()):
        return
    try:
        text = (target / MARKER).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    if not text.startswith(_MARKER_HEAD):
        raise _refused(
            target, "is a folder that holds other files (not written by iicsa-stats); give a new or empty one"
        )
    listed = {MARKER, *text[len(_MARKER_HEAD) :].splitlines()}
    entries = _entries(target)
    extra = sorted(entries - listed - {p.as_posix() for n in listed for p in PurePosixPath(n).parents})
    if extra:
        shown = ", ".join(extra[:3]) + (" ..." if len(extra) > 3 else "")
        raise _refused(target, f"is a folder holding files iicsa-stats did not write ({shown}); move them away first")
    for name in sorted(entries):  # access() fails on an immutable file (chattr +i), even for root
        if not os.access(target / name, os.W_OK | (os.X_OK if (target / name).is_dir() else 0), follow_symlinks=False):
            raise _refused(target / name, "cannot be removed (immutable or read-only), so the folder is never replaced")


def _write(target: Path, write: Callable[[Path], T], *, folder: bool) -> T:
    target = guard(target, folder=folder)
    created = next((p for p in [*reversed(target.parents), target] if not p.exists()), None)
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(target.parent)
    tmp = temporary(target.parent)
    try:
        if folder:
            tmp.mkdir()
        result = write(tmp)
        if folder:
            files = sorted(n for n in _entries(tmp) if (tmp / n).is_file())
            (tmp / MARKER).write_text(_MARKER_HEAD + "".join(f"{n}\n" for n in files), encoding="utf-8")
        if folder and target.is_dir():
            _exchange(tmp, target)  # tmp now holds the old folder
        else:
            _move(tmp, target)
    except BaseException:
        _remove(tmp)
        if created is not None:
            _remove(created)
        raise
    _remove(tmp)
    return result


def write_file(target: Path, write: Callable[[Path], T]) -> T:
    """``write(tmp)`` writes a file beside ``target``, which then replaces it; an OSError leaves ``target`` as is."""
    return _write(target, write, folder=False)


def write_folder(target: Path, write: Callable[[Path], T]) -> T:
    """``write(tmp)`` fills a folder beside ``target`` (then given its :data:`MARKER`), which then replaces it."""
    return _write(target, write, folder=True)


def _move(src: Path, dst: Path) -> None:
    """Replace ``dst`` by ``src`` (one atomic rename; tests interrupt it here)."""
    os.replace(src, dst)


def _exchange(a: Path, b: Path) -> None:
    """Swap two folders in one atomic step: Linux's ``renameat2`` with ``RENAME_EXCHANGE``."""
    import ctypes

    rename = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if rename is None or rename(-100, os.fsencode(a), -100, os.fsencode(b), 2) != 0:  # AT_FDCWD, RENAME_EXCHANGE
        errno = ctypes.get_errno() if rename is not None else 38  # ENOSYS
        why = f"{os.strerror(errno)}: cannot swap the new folder into place in one step; remove it or give a new one"
        raise OSError(errno, why, str(b))


# --------------------------------------------------------------------------- the build's commit


def _flock(path: str | os.PathLike[str], *, exclusive: bool, block: bool = True, create: bool = False) -> int | None:
    """A descriptor of ``path`` holding its ``flock``; None if busy (not ``block``) or it cannot be opened."""
    try:
        fd = os.open(path, (os.O_RDWR | os.O_CREAT) if create else os.O_RDONLY, 0o644)
    except OSError:
        if create:
            raise
        return None
    try:
        fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | (0 if block else fcntl.LOCK_NB))
    except OSError:
        os.close(fd)
        return None
    return fd


def _waiting(path: str | os.PathLike[str], *, exclusive: bool, create: bool = False) -> int | None:
    """``_flock(path)``, saying once on standard error that it waits when a build holds the lock."""
    if (fd := _flock(path, exclusive=exclusive, block=False, create=create)) is None and os.path.exists(path):
        from ._output import say

        where = path if os.path.isdir(path) else os.path.dirname(path)
        say(
            "iicsa-stats",
            f"waiting for the build replacing the data files in {where} (one stopped with Ctrl-Z: resume it)",
        )
        fd = _flock(path, exclusive=exclusive, create=create)
    return fd


def _close(*fds: int | None) -> None:
    for fd in fds:
        if fd is not None:
            os.close(fd)


def _staging_folders(root: str | os.PathLike[str]) -> list[Path]:
    """The build staging folders in ``root`` (real folders, never links); no pathlib when there are none."""
    with contextlib.suppress(OSError):
        if found := [n for n in sorted(os.listdir(root)) if n.startswith(STAGING_PREFIX)]:
            from pathlib import Path

            return [p for p in (Path(root, n) for n in found) if p.is_dir() and not p.is_symlink()]
    return []


def _stopped(staging: Path) -> bool:
    """Whether ``staging`` is a build stopped between moving the old folder aside and its commit."""
    return os.path.lexists(staging / OLD) and os.path.lexists(staging / COMMIT)


def _recover(folder: str | os.PathLike[str]) -> None:
    """Under the build lock: end every stopped build in ``folder``, putting the old ``data/processed`` back."""
    from pathlib import Path

    root = Path(folder)
    fd = _flock(root, exclusive=True)  # readers finish first
    try:
        for staging in _staging_folders(root):
            if _stopped(staging):
                if os.path.lexists(root / FOLDER):  # the new folder, moved in: back into the staging folder
                    _move(root / FOLDER, staging / FOLDER)
                _move(staging / OLD, root / FOLDER)
            _remove(staging)
    finally:
        _close(fd)


@contextlib.contextmanager
def reading(root: str | os.PathLike[str], *, repair: bool = True) -> Iterator[None]:
    """Hold ``root``'s shared lock for the block: no build commits meanwhile (a killed one is first rolled back)."""
    fd = _waiting(root, exclusive=False)
    found = _staging_folders(root) if repair and fd is not None else []  # one scan when there are none
    if found and (lock := _flock(os.path.join(root, LOCK_NAME), exclusive=True, block=False)) is not None:
        _close(fd)  # a killed build's leftovers, and no build runs: gone
        with contextlib.suppress(OSError):  # a read-only folder keeps them; a stopped build is named below
            _recover(root)
        _close(lock)
        fd = _waiting(root, exclusive=False)
        found = _staging_folders(root) if fd is not None else []
    while any(_stopped(p) for p in found):
        _close(fd)
        try:  # after a running build, which ends them itself
            lock = _waiting(os.path.join(root, LOCK_NAME), exclusive=True, create=True)
            try:
                _recover(root)
            finally:
                _close(lock)
        except OSError as exc:
            raise DataFileError(
                f"{root}: a build was killed before it finished replacing the data files, and it cannot be rolled "
                f"back here ({reason(exc)}; a read-only folder?); run `iicsa-stats build` there with write access"
            ) from None
        fd = _waiting(root, exclusive=False)
        found = _staging_folders(root) if fd is not None else []
    try:
        yield
    finally:
        _close(fd)


def replace_in_place(root: Path, write: Callable[[Path], None]) -> None:
    """Replace ``data/processed``, then ``datapackage.json``, in ``root`` by what ``write(staging)`` wrote there."""
    try:
        lock = _flock(root / LOCK_NAME, exclusive=True, block=False, create=True)
    except OSError as exc:
        raise BuildError(f"cannot create the build lock in {root}: {reason(exc)}; nothing was changed") from None
    if lock is None:
        raise BuildError(
            f"another build is running in {root} (lock file {LOCK_NAME}); wait for it to finish, then run the "
            "build again; nothing was changed"
        )
    staging = temporary(root, STAGING_PREFIX)
    try:
        _recover(root)  # under the lock, every staging folder is a stopped build's
        staging.mkdir()
        write(staging)
        exclusive = _flock(root, exclusive=True)  # readers finish first, and wait
        try:
            if os.path.lexists(root / FOLDER):
                _move(root / FOLDER, staging / OLD)
            else:
                (staging / OLD).mkdir()  # a first build: rolled back, the root has an empty data/processed
            _move(staging / FOLDER, root / FOLDER)
            _move(staging / COMMIT, root / COMMIT)  # the commit point
        finally:
            _close(exclusive)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            _recover(root)  # not committed: the old folder back (if this stops, the next run ends it)
        if not isinstance(exc, (OSError, DataFileError)):
            raise
        why = reason(exc) if isinstance(exc, OSError) else str(exc)
        raise BuildError(f"could not write the build output below {root}: {why}; nothing was changed") from None
    finally:
        if not _stopped(staging):
            _remove(staging)
        _close(lock)
