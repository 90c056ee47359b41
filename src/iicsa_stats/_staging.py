"""The one output primitive: write beside the target, then replace it; and the build's commit point.

``build``, ``export`` and ``site`` write into a new temporary name beside their
target and only then replace it, so no target is ever half written.  Before
anything is written, :func:`guard` refuses a target inside the data package
(``datapackage.json``, ``data/``, ``schemas/``) and one that is not a regular
file or folder (a device, a FIFO); :func:`write_folder` replaces a non-empty
folder only if the :data:`MARKER` it left there lists every file in it.
Temporary names carry the owner's pid (``.iicsa-tmp-<pid>-<random>``), and
:func:`clean_stale` removes those of runs no longer alive.  A folder is
replaced by exchanging it with the new one in one step (Linux's
``renameat2(RENAME_EXCHANGE)``; three renames elsewhere).

The build (:func:`replace_in_place`, one at a time under :data:`LOCK_NAME`)
writes ``data/processed`` and ``datapackage.json`` into a staging folder in the
root, then, holding the root's exclusive lock, exchanges ``data/processed``
and replaces ``datapackage.json`` last: the commit point.  The staging folder's
:data:`JOURNAL`, written before the first move, knows the new folder by its
inode, so after a kill the next build or read (:func:`settle`) commits (the new
folder is in place) or rolls back.  Readers hold the root's shared lock while
they read (:func:`reading`): they never see one build's files with another's pins.
"""

from __future__ import annotations

import contextlib
import os

from .errors import BuildError, DataFileError

TYPE_CHECKING = False
if TYPE_CHECKING:  # pathlib and shutil are imported where used: readers (the loader) need neither
    from collections.abc import Callable, Iterator
    from pathlib import Path
    from typing import TypeVar

    T = TypeVar("T")

#: Prefix of the temporary names of an output; the owner's pid and a random part follow.
PREFIX = ".iicsa-tmp-"
#: Prefix of the build's staging folders in the root; the owner's pid follows.
STAGING_PREFIX = ".iicsa-build-"
#: The build lock in the root: one build at a time; it holds the pid of the build that owns it.
LOCK_NAME = ".iicsa-build.lock"
#: The folder and the file a build replaces in the root, the file last: the commit point.
FOLDER, COMMIT = "data/processed", "datapackage.json"
#: In a build's staging folder, written before its first move: the inode of the new ``data/processed``.
JOURNAL = ".swap"
#: In a folder written by :func:`write_folder`: the files written there, so a later run may replace it.
MARKER = ".iicsa-stats-output"
_MARKER_HEAD = "Written by iicsa-stats, which may replace this folder while it holds only these files:\n"


def reason(exc: OSError) -> str:
    """An OSError in words, with the file concerned when it names one."""
    where = f" ({exc.filename})" if exc.filename else ""
    return f"{exc.strerror or exc}{where}"


def _refused(path: Path, why: str) -> OSError:
    return OSError(1, why, str(path))  # EPERM: callers report it like any other failure to write


def temporary(parent: Path, prefix: str = PREFIX) -> Path:
    """A new name in ``parent`` for this process's temporary output (not created; short whatever the target)."""
    return parent / f"{prefix}{os.getpid()}-{os.urandom(4).hex()}"


def _dead(name: str, prefix: str) -> bool:
    pid = name[len(prefix) :].partition("-")[0] if name.startswith(prefix) else ""
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # e.g. not ours to signal: it runs
        pass
    return False


def _remove(path: Path | None) -> None:
    import shutil

    if path is not None and path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif path is not None:
        path.unlink(missing_ok=True)


def clean_stale(parent: Path, prefix: str = PREFIX) -> None:
    """Remove the temporary outputs in ``parent`` whose owner (the pid in the name) is no longer running."""
    with contextlib.suppress(OSError):
        for name in os.listdir(parent):
            if _dead(name, prefix):
                _remove(parent / name)


# --------------------------------------------------------------------------- writing an output


def guard(target: Path) -> Path:
    """The resolved ``target``; an OSError saying why if it is in the data package or not a file or folder.

    Refused: the data root or the checkout itself, anything in their ``datapackage.json``, ``data/`` or
    ``schemas/``, a device, FIFO or socket, and a path without a name.
    """
    import stat
    from pathlib import Path

    from ._paths import checkout_root, data_root

    if Path(target).is_symlink():
        raise _refused(Path(target), "a symbolic link; give the file or folder itself")
    resolved = Path(target).resolve()
    if not resolved.name:
        raise _refused(resolved, "not a path that can be written to; give a file or folder with a name")
    bases = [checkout_root()]
    with contextlib.suppress(DataFileError):
        bases.append(data_root())
    for base in {b.resolve() for b in bases if b is not None}:
        for inside in (base / "datapackage.json", base / "data", base / "schemas", base):
            if resolved == inside or (inside != base and resolved.is_relative_to(inside)):
                raise _refused(Path(target), f"inside the data package ({inside}); write to a place of your own")
    with contextlib.suppress(FileNotFoundError):
        if not stat.S_ISREG(mode := resolved.stat().st_mode) and not stat.S_ISDIR(mode):
            raise _refused(Path(target), "not a regular file or folder (a device, FIFO or socket)")
    return resolved


def _prepare(target: Path, *, folder: bool) -> tuple[Path, Path | None]:
    """Check ``target``, create its parent folders; the resolved target, and the topmost folder missing before."""
    target = guard(target)
    if folder and target.exists() and not target.is_dir():
        raise NotADirectoryError(20, "a file; give a folder", str(target))
    if not folder and target.is_dir():
        raise IsADirectoryError(21, "a folder; give a file name", str(target))
    created = next((p for p in [*reversed(target.parents), target] if not p.exists()), None)
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(target.parent)
    return target, created


def write_file(target: Path, write: Callable[[Path], T]) -> T:
    """Write one file: ``write(tmp)`` writes it at a temporary name beside ``target``, which it then replaces.

    An OSError (``target`` refused by :func:`guard` or a folder, or writing failed) leaves ``target`` as it was.
    """
    target, created = _prepare(target, folder=False)
    tmp = temporary(target.parent)
    try:
        result = write(tmp)
        _move(tmp, target)
    except BaseException:
        _remove(tmp)
        _remove(created)
        raise
    return result


def _entries(folder: Path) -> set[str]:
    """Every file and folder below ``folder``, as relative POSIX paths (links not followed)."""
    from pathlib import Path

    return {Path(top, n).relative_to(folder).as_posix() for top, dirs, files in os.walk(folder) for n in dirs + files}


def _check_ours(target: Path) -> None:
    """Refuse a non-empty folder unless its :data:`MARKER` lists every file in it."""
    from pathlib import Path

    if not target.is_dir() or not any(target.iterdir()):
        return
    try:
        text = (target / MARKER).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    if not text.startswith(_MARKER_HEAD):
        raise _refused(target, "a folder that holds other files (not written by iicsa-stats); give a new or empty one")
    listed = {MARKER, *text[len(_MARKER_HEAD) :].splitlines()}
    extra = sorted(_entries(target) - listed - {p.as_posix() for n in listed for p in Path(n).parents})
    if extra:
        shown = ", ".join(extra[:3]) + (" ..." if len(extra) > 3 else "")
        raise _refused(target, f"a folder holding files iicsa-stats did not write ({shown}); move them away first")


def write_folder(target: Path, write: Callable[[Path], T]) -> T:
    """Write one folder: ``write(tmp)`` fills a new folder beside ``target``, which then replaces ``target``.

    The new folder gets a :data:`MARKER` listing its files; an existing ``target`` must be empty or hold only
    files such a listing names.  An OSError (``target`` refused, a file, holding other files, or writing
    failed) leaves ``target`` as it was.
    """
    target, created = _prepare(target, folder=True)
    _check_ours(target)
    tmp = temporary(target.parent)
    try:
        tmp.mkdir()
        result = write(tmp)
        files = sorted(n for n in _entries(tmp) if (tmp / n).is_file())
        (tmp / MARKER).write_text(_MARKER_HEAD + "".join(f"{n}\n" for n in files), encoding="utf-8")
        if target.is_dir():
            _exchange(tmp, target)  # tmp now holds the old folder
        else:
            _move(tmp, target)
    except BaseException:
        _remove(tmp)
        _remove(created)
        raise
    _remove(tmp)
    return result


def stage_files(target: Path, write: Callable[[Path], list[str]], *, prefix: str = PREFIX) -> list[str]:
    """Write files into the folder ``target``: ``write(tmp)`` writes them all, then each replaces its namesake.

    ``write(tmp)`` returns the names it wrote, returned here; other files in ``target`` are left alone.  An
    OSError (``target`` refused, a name to replace not a regular file, or writing failed) leaves ``target`` as
    it was (removed if this call created it); a rename that fails after others leaves each file whole.
    """
    target, created = _prepare(target, folder=True)
    target.mkdir(exist_ok=True)
    clean_stale(target, prefix)
    tmp = temporary(target, prefix)
    try:
        tmp.mkdir()
        names = write(tmp)
        for name in names:
            if (dest := target / name).is_symlink() or (dest.exists() and not dest.is_file()):
                raise IsADirectoryError(21, "not a file, so it cannot be replaced; move it away", str(dest))
        for name in names:
            _move(tmp / name, target / name)
    except BaseException:
        _remove(tmp)
        _remove(created)
        raise
    _remove(tmp)
    return names


def _move(src: Path, dst: Path) -> None:
    """Replace ``dst`` by ``src`` (one atomic rename; tests interrupt it here)."""
    os.replace(src, dst)


def _exchange(a: Path, b: Path) -> None:
    """Swap two folders: atomically where the system can (Linux), else by three renames."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.renameat2(-100, os.fsencode(a), -100, os.fsencode(b), 2) == 0:  # AT_FDCWD, RENAME_EXCHANGE
            return
        if (errno := ctypes.get_errno()) not in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: rename instead
            raise OSError(errno, os.strerror(errno), str(b))
    except (AttributeError, ImportError):  # no renameat2 in this C library
        pass
    aside = a.with_name(a.name + "~")
    _move(b, aside)
    _move(a, b)
    _move(aside, a)


# --------------------------------------------------------------------------- the build's commit


def _flock(path: str | os.PathLike[str], *, exclusive: bool, block: bool = True, create: bool = False) -> int | None:
    """An open descriptor of ``path`` holding its ``flock``; None if busy (not ``block``) or it cannot be opened."""
    try:
        fd = os.open(path, (os.O_RDWR | os.O_CREAT) if create else os.O_RDONLY, 0o644)
    except OSError:
        if create:
            raise
        return None
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no advisory locks, one build at a time is up to the user
        return fd
    try:
        fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | (0 if block else fcntl.LOCK_NB))
    except OSError:
        os.close(fd)
        return None
    return fd


def _build_lock(root: Path) -> int | None:
    """Take the build lock if it is free (the lock file then records this pid): its descriptor, or None."""
    fd = _flock(root / LOCK_NAME, exclusive=True, block=False, create=True)
    if fd is not None:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
    return fd


def _unlock(fd: int | None) -> None:
    if fd is not None:
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)


@contextlib.contextmanager
def reading(root: str | os.PathLike[str], *, repair: bool = True) -> Iterator[None]:
    """Hold ``root``'s shared lock for the block: no build commits into it meanwhile (first :func:`settle` it)."""
    if repair:
        settle(root)
    fd = _flock(root, exclusive=False)
    try:
        yield
    finally:
        if fd is not None:
            os.close(fd)


def _inode(path: Path) -> int | None:
    with contextlib.suppress(OSError):
        return path.lstat().st_ino
    return None


def _undo(root: Path, staging: Path, inode: int | None) -> None:
    """Put the old ``data/processed`` back if the new one (known by its inode) is in place."""
    new, old = root / FOLDER, staging / FOLDER
    if not os.path.lexists(new) and os.path.lexists(aside := staging / f"{FOLDER}~"):
        _move(aside, new)  # stopped inside a three-rename exchange
    if _inode(new) == inode and os.path.lexists(old):
        _exchange(old, new)
    elif _inode(new) == inode:
        _move(new, old)


def _recover(root: Path, staging: Path) -> None:
    """End what a stopped build left in ``staging``: commit if its new folder is in place, else roll back."""
    try:
        inode: int | None = int((staging / JOURNAL).read_text(encoding="ascii"))
    except FileNotFoundError:
        inode = None  # stopped before its swap: nothing was moved
    except (OSError, ValueError) as exc:
        raise DataFileError(f"{staging / JOURNAL}: not a journal of `iicsa-stats build` ({exc}); delete it") from None
    if inode is not None and os.path.lexists(staging / COMMIT):
        if _inode(root / FOLDER) == inode:
            _move(staging / COMMIT, root / COMMIT)
        else:
            _undo(root, staging, inode)
    _remove(staging)


def _staging_folders(root: str | os.PathLike[str]) -> list[str]:
    """The build staging folders in ``root`` (real folders, never links), by name."""
    with contextlib.suppress(OSError):
        found = [n for n in sorted(os.listdir(root)) if n.startswith(STAGING_PREFIX)]
        return [n for n in found if os.path.isdir(p := os.path.join(root, n)) and not os.path.islink(p)]
    return []


def settle(root: str | os.PathLike[str]) -> None:
    """Commit or roll back what a killed build left in ``root``, unless a build or a reader holds it now.

    A DataFileError says so if the folder is read-only.
    """
    if not (pending := [n for n in _staging_folders(root) if os.path.exists(os.path.join(root, n, JOURNAL))]):
        return
    from pathlib import Path

    root = Path(root)
    try:
        lock = _build_lock(root)
    except OSError:
        raise DataFileError(
            f"{root}: a build was killed before it finished replacing the data files ({pending[0]}), and this "
            "folder is read-only; run `iicsa-stats build` there with write access"
        ) from None
    try:
        if lock is not None and (fd := _flock(root, exclusive=True, block=False)) is not None:
            try:
                for name in pending:
                    _recover(root, root / name)
            finally:
                os.close(fd)
    except OSError as exc:
        raise DataFileError(f"{root}: cannot finish a killed build ({reason(exc)}); run `iicsa-stats build`") from None
    finally:
        _unlock(lock)


def _swap(root: Path, staging: Path) -> None:
    """Exchange ``data/processed`` with its old copy, then replace ``datapackage.json``: the commit point."""
    inode = _inode(staging / FOLDER)
    with open(staging / JOURNAL, "w", encoding="ascii") as handle:
        handle.write(str(inode))
        handle.flush()
        os.fsync(handle.fileno())
    try:
        if os.path.lexists(root / FOLDER):
            _exchange(staging / FOLDER, root / FOLDER)
        else:
            _move(staging / FOLDER, root / FOLDER)
        _move(staging / COMMIT, root / COMMIT)
    except BaseException:
        if os.path.lexists(staging / COMMIT):  # not committed: put the old folder back
            _undo(root, staging, inode)
        (staging / JOURNAL).unlink()  # not reached if the undo stops: the next build or read ends it
        raise


def replace_in_place(root: Path, write: Callable[[Path], None]) -> None:
    """Replace ``data/processed`` and then ``datapackage.json`` in ``root`` by what ``write(staging)`` writes there.

    A BuildError if another build holds the lock, or writing or moving failed (the old files are then in place).
    """
    try:
        lock = _build_lock(root)
    except OSError as exc:
        raise BuildError(f"cannot create the build lock in {root}: {reason(exc)}; nothing was changed") from None
    if lock is None:
        holder = (root / LOCK_NAME).read_text(encoding="ascii", errors="replace").strip() or "unknown"
        raise BuildError(
            f"another build is running in {root} (pid {holder}, lock file {LOCK_NAME}); wait for it to "
            "finish, then run the build again; nothing was changed"
        )
    staging = temporary(root, STAGING_PREFIX)
    try:
        for name in _staging_folders(root):  # under the lock, every staging folder is a stopped build's
            _recover(root, root / name)
        staging.mkdir()
        write(staging)
        exclusive = _flock(root, exclusive=True)  # readers finish first, and wait
        try:
            _swap(root, staging)
        finally:
            if exclusive is not None:
                os.close(exclusive)
    except (OSError, DataFileError) as exc:
        why = reason(exc) if isinstance(exc, OSError) else str(exc)
        raise BuildError(f"could not write the build output below {root}: {why}; nothing was changed") from None
    finally:
        if not (staging / JOURNAL).exists() or not (staging / COMMIT).exists():  # else the next build or read ends it
            _remove(staging)
        _unlock(lock)
