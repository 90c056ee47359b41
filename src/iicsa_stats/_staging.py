"""Write into a temporary folder beside the target, then swap it into place: locked, journalled, self-cleaning.

The build and ``iicsa-stats export`` both write everything into a staging folder
first and only then move the finished files into place (:func:`swap_into`).

For the build, the swap is crash-safe.  Before the first move, a journal
(:data:`JOURNAL_NAME`, beside the target) names the staging folder; it is
removed after the last move.  The moves are ordered so that the last one, a
single atomic :func:`os.replace` of ``datapackage.json``, is the commit point.
If the swap stops for any reason (an exception of any kind, Ctrl-C, or a kill),
:func:`recover` finds the journal and puts the folder back in a consistent
state: the old files if the commit point was not reached, the new ones if it
was.  Every step of the recovery can itself be interrupted and run again.  The
loader runs :func:`settle` when it finds a journal, and the next build runs
:func:`recover` under its lock.

Only one build writes into a folder at a time: :class:`BuildLock` holds an
exclusive lock on :data:`LOCK_NAME` (which records the owner's pid) for the
whole build.  Staging folders carry their owner's pid in their name
(``.iicsa-build-<pid>-<random>``); :func:`clean_stale` removes those whose
owner is no longer running (left by a killed build).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from .errors import BuildError, DataFileError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from types import TracebackType

__all__ = [
    "JOURNAL_NAME",
    "LOCK_NAME",
    "STAGING_PREFIX",
    "BuildLock",
    "clean_stale",
    "make_staging",
    "pid_running",
    "reason",
    "recover",
    "replace_in_place",
    "settle",
    "stage_files",
    "swap_into",
]

#: Prefix of the build's staging folders; the owner's pid follows it.
STAGING_PREFIX = ".iicsa-build-"
#: The build lock, beside the target; it holds the pid of the build that owns it.
LOCK_NAME = ".iicsa-build.lock"
#: The swap journal, beside the target, present only while a swap is under way (or was interrupted).
JOURNAL_NAME = ".iicsa-build.journal"
#: Inside a staging folder: where the files being replaced are kept until the swap is complete.
PREVIOUS = ".previous"
#: How long a reader waits for a running build to finish its swap.
SETTLE_SECONDS = 30.0


def pid_running(pid: int) -> bool:
    """Whether a process with this pid exists (a pid we may not signal counts as running)."""
    try:
        os.kill(pid, 0) if pid > 0 else None
    except PermissionError:
        return True
    except OSError:  # ProcessLookupError: no such process
        return False
    return pid > 0


def _owner(path: Path) -> int | None:
    """The pid in a staging folder's name, or None if the name carries none."""
    rest = path.name[len(STAGING_PREFIX) :]
    pid, _, _ = rest.partition("-")
    return int(pid) if pid.isdigit() else None


class BuildLock:
    """An exclusive lock on building into ``root``: one build at a time, never two writing at once.

    The lock is an advisory lock (``flock``) on ``root / LOCK_NAME``, which
    the kernel releases when its owner exits, even if it is killed; the file
    records the owner's pid so that a refused build can say which build holds
    it.

    Parameters
    ----------
    root : pathlib.Path
        The folder the build writes into.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock if no one holds it; True if taken, False if another build holds it.

        Raises
        ------
        BuildError
            If the lock file cannot be created or opened (e.g. a read-only folder).
        """
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise BuildError(
                f"cannot create the build lock {self.path}: {exc.strerror or exc}; the folder must be writable "
                "by the build; nothing was changed"
            ) from None
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: no advisory locks, one build at a time is up to the user
            self._fd = fd
            return True
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def holder(self) -> str:
        """The pid recorded in the lock file, as text ("unknown" if it cannot be read)."""
        with contextlib.suppress(OSError, UnicodeDecodeError):
            if (text := self.path.read_text(encoding="ascii").strip()).isdigit():
                return text
        return "unknown"

    def release(self) -> None:
        """Release the lock (the file stays, empty, for the next build)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)  # closing releases the flock

    def __enter__(self) -> BuildLock:
        if not self.acquire():
            raise BuildError(
                f"another build is running in {self.root} (pid {self.holder()}, lock file {self.path.name}); "
                "wait for it to finish, then run the build again; nothing was changed"
            )
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.release()


def reason(exc: OSError) -> str:
    """An OSError in words, with the file concerned when it names one."""
    where = f" ({exc.filename})" if exc.filename else ""
    return f"{exc.strerror or exc}{where}"


def make_staging(parent: Path) -> Path:
    """A fresh staging folder in ``parent``, named after this process (see :func:`clean_stale`).

    Raises
    ------
    BuildError
        If it cannot be made (a read-only folder, a name too long).
    """
    try:
        parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=parent))
    except OSError as exc:
        raise BuildError(
            f"could not write the build output below {parent}: {reason(exc)}; nothing was changed"
        ) from None


def replace_in_place(root: Path, write: Callable[[Path], None], items: Sequence[str], *, commit: str) -> None:
    """Replace ``items`` and ``commit`` in ``root`` with what ``write(staging)`` writes: locked and journalled.

    Under the :class:`BuildLock`: finish or undo an earlier interrupted swap,
    remove stale staging folders, write into a fresh staging folder, then
    :func:`swap_into` with a journal.

    Raises
    ------
    BuildError
        If another build holds the lock, or writing or moving fails (the
        previous files are then in place).
    """
    with BuildLock(root):
        try:
            recover(root)
            clean_stale(root)
        except (OSError, DataFileError) as exc:
            raise BuildError(f"cannot clean up after an earlier build in {root}: {exc}; nothing was changed") from None
        staging = make_staging(root)
        try:
            write(staging)
            swap_into(staging, root, items, commit=commit, journal=True)
        except OSError as exc:
            raise BuildError(
                f"could not write the build output below {root}: {reason(exc)}; nothing was changed"
            ) from None
        finally:
            if not (root / JOURNAL_NAME).exists():  # else an undone swap still needs it: recover() removes it
                shutil.rmtree(staging, ignore_errors=True)


def clean_stale(parent: Path) -> list[Path]:
    """Remove staging folders in ``parent`` left by builds that are no longer running.

    A folder is stale when the pid in its name is not a running process, or
    carries no pid (a folder from an older version).  Folders of running
    builds, this one included, are left alone.  Run it while holding the
    :class:`BuildLock`.

    Returns
    -------
    list of pathlib.Path
        The folders removed.
    """
    removed: list[Path] = []
    try:
        entries = list(parent.iterdir())
    except OSError:
        return removed
    for path in entries:
        if not path.name.startswith(STAGING_PREFIX) or path.name in (LOCK_NAME, JOURNAL_NAME):
            continue
        pid = _owner(path)
        if pid is not None and pid_running(pid):
            continue
        if _journal_staging(parent) == path.name:
            continue  # an interrupted swap still needs it: recover() removes it when done
        shutil.rmtree(path, ignore_errors=True)
        if not path.exists():
            removed.append(path)
    return removed


# --------------------------------------------------------------------------- the swap


def _write_journal(root: Path, record: dict[str, object]) -> None:
    """Write the journal atomically (a temporary file, synced, then renamed) and sync the folder."""
    path = root / JOURNAL_NAME
    tmp = root / f"{JOURNAL_NAME}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(record, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    _sync_dir(root)


def _sync_dir(path: Path) -> None:
    """Flush a folder's entries to disk, where the system allows it (a rename survives a power cut)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _read_journal(root: Path) -> dict[str, object] | None:
    try:
        with open(root / JOURNAL_NAME, encoding="utf-8") as handle:
            record = json.load(handle)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise DataFileError(
            f"{root / JOURNAL_NAME}: the journal of an interrupted build cannot be read ({exc}); delete it, then "
            "run `iicsa-stats build` and `iicsa-stats validate`"
        ) from None
    return record if isinstance(record, dict) else {}


def _journal_staging(root: Path) -> str | None:
    try:
        record = _read_journal(root)
    except DataFileError:
        return None
    staging = record.get("staging") if record else None
    return staging if isinstance(staging, str) else None


def _checked(root: Path, record: dict[str, object]) -> tuple[Path, list[str], str | None]:
    """The staging folder, items and commit item a journal names, refusing anything outside ``root``."""
    staging, items, commit = record.get("staging"), record.get("items"), record.get("commit")
    bad = DataFileError(
        f"{root / JOURNAL_NAME}: not a journal written by `iicsa-stats build`; delete it, then run "
        "`iicsa-stats build` and `iicsa-stats validate`"
    )
    if not (isinstance(staging, str) and staging.startswith(STAGING_PREFIX) and "/" not in staging):
        raise bad
    if not (isinstance(items, list) and all(isinstance(i, str) for i in items)):
        raise bad
    if commit is not None and not isinstance(commit, str):
        raise bad
    for item in [*items, *([commit] if commit else [])]:
        parts = item.split("/")
        if item.startswith("/") or any(p in ("", ".", "..") for p in parts):
            raise bad
    return root / staging, list(items), commit


def _move(src: Path, dst: Path) -> None:
    os.replace(src, dst)  # one function for every move of a swap, so that tests can interrupt it


def _roll_back(root: Path, staging: Path, items: Sequence[str]) -> None:
    """Undo the moves of ``items`` (in reverse), from whatever step they stopped at."""
    previous = staging / PREVIOUS
    for item in reversed(items):
        staged, target, kept = staging / item, root / item, previous / item
        if not staged.exists() and target.exists():  # the new copy was moved in: take it out again
            _move(target, staged)
        if kept.exists() or kept.is_symlink():  # the old copy was set aside: put it back
            _move(kept, target)


def recover(root: Path) -> str | None:
    """Finish or undo a swap that was interrupted, as its journal says; None if there was none.

    If the commit item was moved into place, the swap is complete and only the
    clean-up is left; otherwise every move is undone, restoring the previous
    files.  Call it while holding the :class:`BuildLock`.

    Returns
    -------
    str or None
        ``"completed"`` or ``"rolled back"``, or None when no swap was pending.
    """
    record = _read_journal(root)
    if record is None:
        return None
    staging, items, commit = _checked(root, record)
    committed = commit is not None and not (staging / commit).exists()
    if not committed:
        _roll_back(root, staging, items)
        _sync_dir(root)
    (root / JOURNAL_NAME).unlink()
    _sync_dir(root)
    shutil.rmtree(staging, ignore_errors=True)
    return "completed" if committed else "rolled back"


def settle(root: Path) -> None:
    """Make sure no interrupted swap is pending in ``root`` before reading from it (used by the loader).

    If a build is running, wait (up to :data:`SETTLE_SECONDS`) for its swap to
    end; if none is, recover the interrupted swap it left.

    Raises
    ------
    DataFileError
        If the swap cannot be recovered (e.g. a read-only folder) or a build
        holds the folder for too long.
    """
    deadline = time.monotonic() + SETTLE_SECONDS
    while (root / JOURNAL_NAME).exists():
        lock = BuildLock(root)
        try:
            taken = lock.acquire()
        except BuildError:
            taken = False
            if not os.access(root, os.W_OK):
                raise DataFileError(
                    f"{root}: an interrupted build left its swap unfinished ({JOURNAL_NAME}), and this folder is "
                    "read-only; run `iicsa-stats build` there with write access"
                ) from None
        if taken:
            try:
                recover(root)
            except OSError as exc:
                raise DataFileError(
                    f"{root}: cannot finish the swap of an interrupted build ({exc.strerror or exc}); run "
                    "`iicsa-stats build` there"
                ) from None
            finally:
                lock.release()
            return
        if time.monotonic() > deadline:
            raise DataFileError(
                f"{root}: a build (pid {lock.holder()}) is replacing the data files and has not finished; "
                "try again when it is done"
            )
        time.sleep(0.02)


def swap_into(
    staging: Path, root: Path, items: Sequence[str], *, commit: str | None = None, journal: bool = False
) -> None:
    """Move ``items`` (then ``commit``) from ``staging`` into ``root``, all or nothing.

    Each item's previous copy in ``root`` is first set aside in
    ``staging/.previous``, then the new one moved in; ``commit``, if given, is
    moved last with one atomic replace, and once it is in place the swap counts
    as done.  If anything stops the swap (any exception, including
    :class:`KeyboardInterrupt`), every move is undone before the exception
    propagates, unless the commit was reached.  With ``journal``, a journal
    beside the target lets :func:`recover` do the same after a kill.

    Parameters
    ----------
    staging : pathlib.Path
        The staging folder holding every item (relative paths as in ``items``).
    root : pathlib.Path
        The folder the items go into; the folders holding them must exist.
    items : sequence of str
        Relative POSIX paths of the files or folders to move in.
    commit : str, optional
        The item whose move completes the swap (a file; moved last).
    journal : bool
        Write a journal first (for the build's swap into a checkout).
    """
    previous = staging / PREVIOUS
    for item in items:
        (previous / item).parent.mkdir(parents=True, exist_ok=True)
    if journal:
        _write_journal(root, {"staging": staging.name, "items": list(items), "commit": commit})
    try:
        for item in items:
            target = root / item
            if target.exists() or target.is_symlink():
                _move(target, previous / item)
            _move(staging / item, target)
        if commit is not None:
            _move(staging / commit, root / commit)
    except BaseException:
        if commit is None or (staging / commit).exists():
            _roll_back(root, staging, items)
        if journal:
            (root / JOURNAL_NAME).unlink(missing_ok=True)
        raise
    if journal:
        (root / JOURNAL_NAME).unlink()
        _sync_dir(root)


def stage_files(target: Path, write: Callable[[Path], list[str]], *, prefix: str) -> list[str]:
    """Write files into ``target`` all or nothing: ``write(staging)`` writes them, then they are swapped in.

    The staging folder is made inside ``target`` (created if missing).  Before
    anything in ``target`` is replaced, each name is checked: a folder (or
    anything but a file) in the way is refused with :class:`IsADirectoryError`.
    If writing or moving fails, or anything else stops it (Ctrl-C included),
    ``target`` is left as it was; a ``target`` this call created is removed.

    ``write(staging)`` returns the names it wrote, returned here in that order.
    An :class:`OSError` means that nothing in ``target`` has changed.
    """
    created = not target.exists()
    target.mkdir(parents=True, exist_ok=True)
    staging: Path | None = None
    try:
        staging = Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=target))
        names = write(staging)
        for name in names:
            dest = target / name
            if (dest.exists() or dest.is_symlink()) and (dest.is_symlink() or not dest.is_file()):
                raise IsADirectoryError(21, "not a file, so it cannot be replaced; move it away", str(dest))
        swap_into(staging, target, names)
    except BaseException:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        if created:
            shutil.rmtree(target, ignore_errors=True)
        raise
    shutil.rmtree(staging, ignore_errors=True)
    return names
