"""The one output primitive (``_staging.py``): write beside the target, then replace it; the build's commit.

The commit, its lock and its recovery after a kill are tested on a small stand-in root (a ``data/processed``
folder and a ``datapackage.json``), the folder writer with a few small files; a kill is a real SIGKILL of a
forked child at the named step.  One real build checks that a reader waits for the commit.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import iicsa_stats as ist
import iicsa_stats._staging as staging
from conftest import REPO
from iicsa_stats import _loader
from iicsa_stats.build import build
from iicsa_stats.cli import main
from iicsa_stats.errors import BuildError

FIGURE = "police-recorded-online-csa-offences-2017-18"
EDIT = "Edited for a test. "
OLD = {"data/processed/a.csv": b"old a", "data/processed/b.csv": b"old b", "datapackage.json": b"old pins"}
NEW = {"data/processed/a.csv": b"new a", "data/processed/b.csv": b"new b", "datapackage.json": b"new pins"}


def state(root: Path) -> dict[str, bytes]:
    """Every file below ``root`` (relative path to bytes), hidden names included, but the build lock."""
    files = {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
    return {k: v for k, v in files.items() if k != staging.LOCK_NAME}


def write(folder: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A stand-in root holding the old files."""
    write(tmp_path, OLD)
    return tmp_path


def commit(root: Path) -> None:
    staging.replace_in_place(root, lambda folder: write(folder, NEW))


def stop_at(monkeypatch: pytest.MonkeyPatch, step: str, nth: int, stop: Callable[[], None], before: bool) -> None:
    """Make ``_staging.<step>`` (``_move`` or ``_exchange``) call ``stop()`` after (or before) its ``nth`` run."""
    real = getattr(staging, step)
    calls = 0

    def stopping(*args: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == nth and before:
            stop()
        real(*args)
        if calls == nth and not before:
            stop()

    monkeypatch.setattr(staging, step, stopping)


def killed(
    monkeypatch: pytest.MonkeyPatch, step: str, nth: int, run: Callable[[], object], before: bool = False
) -> None:
    """Run ``run()`` in a forked child SIGKILLed after (or before) the ``nth`` run of ``step``, until it is dead."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            stop_at(monkeypatch, step, nth, lambda: os.kill(os.getpid(), signal.SIGKILL), before)
            run()
        finally:
            os._exit(3)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, status


# --------------------------------------------------------------------------- the build's commit point


@pytest.mark.parametrize(("nth", "expected"), [(2, OLD), (3, NEW)], ids=["before the commit", "after it"])
def test_a_build_stopped_in_the_process_leaves_the_old_or_the_new_set(
    root: Path, monkeypatch: pytest.MonkeyPatch, nth: int, expected: dict[str, bytes]
) -> None:
    """A failed move (or Ctrl-C after the commit): rolled back before the commit, kept after it; nothing left."""

    def stop() -> None:
        raise KeyboardInterrupt if nth == 3 else OSError(5, "Input/output error")

    stop_at(monkeypatch, "_move", nth, stop, before=False)
    with pytest.raises((KeyboardInterrupt, BuildError)):
        commit(root)
    assert state(root) == expected


@pytest.mark.parametrize(
    ("nth", "expected"), [(1, OLD), (2, OLD), (3, NEW)], ids=["old moved aside", "new moved in", "committed"]
)
def test_a_killed_build_is_rolled_back_by_the_next_reader(
    root: Path, monkeypatch: pytest.MonkeyPatch, nth: int, expected: dict[str, bytes]
) -> None:
    killed(monkeypatch, "_move", nth, lambda: commit(root))
    assert any(p.name.startswith(staging.STAGING_PREFIX) for p in root.iterdir())  # the kill left its staging
    with staging.reading(root):
        assert {k: v for k, v in state(root).items() if not k.startswith(staging.STAGING_PREFIX)} == expected
    if nth < 3:  # the reader removed what it repaired
        assert state(root) == expected


def test_a_build_killed_while_writing_leaves_staging_the_next_reader_removes(root: Path) -> None:
    def write_then_die(folder: Path) -> None:
        (folder / "half-written").write_text("x")
        os.kill(os.getpid(), signal.SIGKILL)

    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            staging.replace_in_place(root, write_then_die)
        finally:
            os._exit(3)
    os.waitpid(pid, 0)
    assert state(root) != OLD  # the half-written staging folder is there
    with staging.reading(root):
        assert state(root) == OLD  # no build runs: the first reader removes the killed build's staging folder
    commit(root)
    assert state(root) == NEW


def test_one_build_at_a_time(root: Path) -> None:
    fd = os.open(root / staging.LOCK_NAME, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with pytest.raises(BuildError, match="another build is running in"):
            commit(root)
    finally:
        os.close(fd)
    assert state(root) == OLD


def test_a_read_only_root(root: Path) -> None:
    """A folder where nothing can be created (chattr +i: permission bits do not stop root)."""
    if subprocess.run(["chattr", "+i", str(root)], check=False, capture_output=True).returncode:
        pytest.skip("chattr +i is not available here")
    try:
        with pytest.raises(BuildError, match=r"Operation not permitted.*nothing was changed"):
            commit(root)
    finally:
        subprocess.run(["chattr", "-i", str(root)], check=True)


def test_a_killed_build_in_a_read_only_root_is_named(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    killed(monkeypatch, "_move", 2, lambda: commit(root))
    (root / staging.LOCK_NAME).unlink()
    if subprocess.run(["chattr", "+i", str(root)], check=False, capture_output=True).returncode:
        pytest.skip("chattr +i is not available here")
    try:
        killed_build = r"a build was killed .*cannot be rolled back.* read-only.*; run `iicsa-stats build`"
        with pytest.raises(ist.DataFileError, match=killed_build), staging.reading(root):
            pass
    finally:
        subprocess.run(["chattr", "-i", str(root)], check=True)
    with staging.reading(root):
        assert state(root) == OLD


def test_build_files_are_ignored_by_git() -> None:
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    names = [".iicsa-build-123-abcd/", staging.LOCK_NAME, ".iicsa-tmp-123-abcd", ".iicsa-tmp-123-abcd/"]
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", "-n", "-v", *names], cwd=REPO, check=False, capture_output=True, text=True
    )
    assert not [line for line in result.stdout.splitlines() if line.startswith("::")], result.stdout


def test_a_reader_during_the_commit_sees_the_new_build(checkout_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A reader with the old pins cached, started between the moves of data/processed and datapackage.json."""
    path = checkout_copy / "data" / "curation" / "caveats.toml"
    text = path.read_text(encoding="utf-8")
    at = text.index('text = "') + len('text = "')
    path.write_text(text[:at] + EDIT + text[at:], encoding="utf-8")
    monkeypatch.setenv("IICSA_STATS_DATA_DIR", str(checkout_copy))
    _loader.clear_cache()
    _loader.package()  # the old pins, cached
    results: list[object] = []

    def reader() -> None:
        try:
            results.append([c.text for c in ist.figure(FIGURE).caveats])
        except Exception as exc:  # the test reports it
            results.append(exc)

    threads = [threading.Thread(target=reader)]

    def start_reader() -> None:
        threads[0].start()
        threads[0].join(0.3)  # it waits for the commit

    stop_at(monkeypatch, "_move", 2, start_reader, before=False)
    try:
        build(checkout_copy)
        threads[0].join(60)
    finally:
        _loader.clear_cache()
    (result,) = results
    assert isinstance(result, list) and any(text.startswith(EDIT) for text in result), result


# --------------------------------------------------------------------------- writing a folder or a file

FILES = {"index.html": b"<p>site</p>", "figures/a.html": b"<p>a</p>"}


def write_site(target: Path, files: dict[str, bytes] = FILES) -> list[str]:
    return staging.write_folder(target, lambda folder: write(folder, files) or sorted(files))


def test_a_folder_is_replaced_only_while_it_holds_what_was_written(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_site(out)
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    before = state(out)
    with pytest.raises(OSError, match=r"did not write \(notes.txt\)"):
        write_site(out)
    assert state(out) == before
    (out / "notes.txt").unlink()
    (out / "index.html").write_text("edited", encoding="utf-8")  # a file it wrote: replaced
    write_site(out, {"index.html": b"new"})
    assert state(out) == {"index.html": b"new", staging.MARKER: state(out)[staging.MARKER]}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
    other = tmp_path / "notes"
    other.mkdir()
    (other / "mine.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(OSError, match="holds other files"):
        write_site(other)
    assert [p.name for p in other.iterdir()] == ["mine.txt"]


def test_a_folder_holding_an_immutable_file_is_not_replaced(tmp_path: Path) -> None:
    """Red-team: ``site --out`` over an old site with an immutable file exited 0 and left a temporary folder."""
    out = tmp_path / "site"
    write_site(out)
    if subprocess.run(["chattr", "+i", str(out / "index.html")], check=False, capture_output=True).returncode:
        pytest.skip("chattr +i is not available here")
    try:
        before = state(out)
        with pytest.raises(OSError, match="cannot be removed"):
            write_site(out, {"index.html": b"new"})
        assert state(out) == before
        assert os.listdir(tmp_path) == ["site"]
    finally:
        subprocess.run(["chattr", "-i", str(out / "index.html")], check=True)


@pytest.mark.parametrize("before", [True, False], ids=["before", "after"])
@pytest.mark.parametrize("step", ["_exchange", "_move"], ids=["a folder at its exchange", "a file at its rename"])
def test_an_output_killed_at_its_replace_is_whole_and_its_leftovers_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str, before: bool
) -> None:
    """Red-team: a killed ``site`` lost its target; killed runs left temporaries that later runs never removed."""

    def run() -> object:  # a 250-character name: the temporary beside it is short
        if step == "_exchange":
            return write_site(tmp_path / "site")
        return staging.write_file(tmp_path / ("a" * 246 + ".zip"), lambda path: path.write_bytes(b"zip"))

    run()
    (name,) = os.listdir(tmp_path)
    killed(monkeypatch, step, 1, run, before)
    renamed = step == "_move" and not before  # a file renamed into place leaves no temporary
    assert len(os.listdir(tmp_path)) == (1 if renamed else 2)  # the target, and the killed run's temporary
    assert (tmp_path / name).exists()
    run()
    assert os.listdir(tmp_path) == [name]


def test_a_folder_the_system_cannot_swap_is_an_os_error(tmp_path: Path) -> None:
    """Where ``renameat2`` cannot exchange (a file system without it), the old folder stays and the error says so."""
    (tmp_path / "new").mkdir()
    with pytest.raises(OSError, match="cannot swap the new folder into place"):
        staging._exchange(tmp_path / "new", tmp_path / "missing")
    assert os.listdir(tmp_path) == ["new"]


def test_a_folder_written_from_inside_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Red-team: ``site --out ..`` from inside its own ``figures/`` folder failed and left 6 items behind."""
    write_site(tmp_path / "site")
    monkeypatch.chdir(tmp_path / "site" / "figures")
    write_site(Path(".."))
    assert os.listdir(tmp_path) == ["site"]
    assert sorted(os.listdir(tmp_path / "site")) == sorted([staging.MARKER, "figures", "index.html"])


@pytest.mark.parametrize("target", ["data/processed/site", "schemas/site", "datapackage.json", "."])
def test_an_output_inside_the_data_package_is_refused(data_copy: Path, target: str) -> None:
    before = state(data_copy)
    with pytest.raises(OSError, match="inside the data package"):
        write_site(data_copy / target)
    assert state(data_copy) == before


def test_a_site_inside_the_data_package_is_refused(data_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Red-team: ``site --out`` inside data/processed was accepted, and the package then failed validate."""
    before = state(data_copy)
    assert main(["site", "--out", str(data_copy / "data" / "processed" / "site")]) == 2
    assert "inside the data package" in capsys.readouterr().err
    assert state(data_copy) == before


def test_a_symbolic_link_is_never_a_target(tmp_path: Path) -> None:
    """Red-team: ``site --out`` followed a dangling link and created the site at its destination."""
    link = tmp_path / "dangling"
    link.symlink_to(tmp_path / "elsewhere")
    with pytest.raises(OSError, match="symbolic link"):
        write_site(link)
    assert not (tmp_path / "elsewhere").exists()


def test_a_reader_says_once_that_it_waits_for_a_build_holding_the_lock(
    root: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    fd = os.open(root, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)  # as a build committing (or stopped with Ctrl-Z) holds it
    threading.Timer(0.3, os.close, [fd]).start()
    with staging.reading(root):
        assert state(root) == OLD
    assert capfd.readouterr().err.count("waiting for the build replacing the data files in") == 1
