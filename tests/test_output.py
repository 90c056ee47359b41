"""The one output primitive (``_staging.py``): write beside the target, then replace it.

The build's commit point, its lock and its recovery after a kill are tested on a
small stand-in root (a ``data/processed`` folder and a ``datapackage.json``),
which is what ``replace_in_place`` moves; readers, the site and the zip on the
real data.  A kill is a real SIGKILL of a forked child at the named step.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import iicsa_stats as ist
import iicsa_stats._staging as staging
from conftest import REPO
from iicsa_stats import _loader as loader
from iicsa_stats.build import build
from iicsa_stats.bundle import write_zip
from iicsa_stats.cli import main
from iicsa_stats.errors import BuildError
from iicsa_stats.site import MARKER, build_site
from iicsa_stats.validation import format_report, validate

FIGURE = "police-recorded-online-csa-offences-2017-18"
EDIT = "Edited for a test. "


def state(root: Path) -> dict[str, bytes]:
    """Every file below ``root`` (relative path to bytes), hidden names included."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


OLD = {"data/processed/a.csv": b"old a", "data/processed/b.csv": b"old b", "datapackage.json": b"old pins"}
NEW = {"data/processed/a.csv": b"new a", "data/processed/b.csv": b"new b", "datapackage.json": b"new pins"}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A stand-in root holding the old files."""
    for name, data in OLD.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    return tmp_path


def write_new(folder: Path) -> None:
    for name, data in NEW.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)


def commit(root: Path) -> None:
    staging.replace_in_place(root, write_new)


def files_of(root: Path) -> dict[str, bytes]:
    """What a reader sees: the stand-in's files without the build lock."""
    return {k: v for k, v in state(root).items() if k != staging.LOCK_NAME}


def stop_at(monkeypatch: pytest.MonkeyPatch, step: str, when: str, stop: Callable[[], None]) -> None:
    """Make ``_staging.<step>`` (``_exchange`` or ``_move``) call ``stop()`` before or after its first real run."""
    real = getattr(staging, step)
    calls = 0

    def stopping(*args: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 1 and when == "before":
            stop()
        real(*args)
        if calls == 1 and when == "after":
            stop()

    monkeypatch.setattr(staging, step, stopping)


def killed(monkeypatch: pytest.MonkeyPatch, step: str, when: str, run: Callable[[], object]) -> None:
    """Run ``run()`` in a forked child SIGKILLed at ``step`` (see :func:`stop_at`); returns when it is dead."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            stop_at(monkeypatch, step, when, lambda: os.kill(os.getpid(), signal.SIGKILL))
            run()
        finally:
            os._exit(3)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, status


# --------------------------------------------------------------------------- the build's commit point


@pytest.mark.parametrize(
    ("step", "when", "expected"),
    [("_exchange", "before", OLD), ("_move", "before", OLD), ("_move", "after", NEW)],
    ids=["data/processed", "datapackage.json", "after the commit"],
)
def test_a_build_stopped_at_each_step_leaves_the_old_or_the_new_set(
    root: Path, monkeypatch: pytest.MonkeyPatch, step: str, when: str, expected: dict[str, bytes]
) -> None:
    """A failed move (or Ctrl-C after the commit) in the process: rolled back before the commit, kept after it."""

    def stop() -> None:
        raise KeyboardInterrupt if when == "after" else OSError(5, "Input/output error")

    stop_at(monkeypatch, step, when, stop)
    with pytest.raises((KeyboardInterrupt, BuildError)):
        commit(root)
    assert files_of(root) == expected


@pytest.mark.parametrize(
    ("step", "when", "expected"),
    [("_exchange", "before", OLD), ("_exchange", "after", NEW), ("_move", "after", NEW)],
    ids=["journal written", "half: new data/processed, old datapackage.json", "committed"],
)
def test_a_killed_build_is_committed_or_rolled_back_by_the_next_reader(
    root: Path, monkeypatch: pytest.MonkeyPatch, step: str, when: str, expected: dict[str, bytes]
) -> None:
    killed(monkeypatch, step, when, lambda: commit(root))
    assert any(p.name.startswith(staging.STAGING_PREFIX) for p in root.iterdir())  # the kill left its staging
    with staging.reading(root):
        assert files_of(root) == expected


def test_a_build_killed_while_writing_leaves_staging_the_next_build_removes(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
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
    assert files_of(root) != OLD  # the half-written staging folder is there
    commit(root)
    assert files_of(root) == NEW


def test_one_build_at_a_time(checkout_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = state(checkout_copy)
    fd = os.open(checkout_copy / staging.LOCK_NAME, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, b"4242\n")
        assert main(["build", "--root", str(checkout_copy)]) == 1
    finally:
        os.close(fd)
    assert "another build is running in" in capsys.readouterr().err
    assert {k: v for k, v in state(checkout_copy).items() if k != staging.LOCK_NAME} == before


def test_build_files_are_ignored_by_git() -> None:
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    names = [".iicsa-build-123-abcd/", staging.LOCK_NAME, ".iicsa-tmp-123-abcd", ".iicsa-tmp-123-abcd/"]
    for name in names:
        result = subprocess.run(["git", "check-ignore", "-q", "--no-index", name], cwd=REPO, check=False)
        assert result.returncode == 0, f"{name} is not in .gitignore"


def test_a_read_only_checkout(checkout_copy: Path) -> None:
    """A folder where nothing can be created (chattr +i: permission bits do not stop root)."""
    if subprocess.run(["chattr", "+i", str(checkout_copy)], check=False, capture_output=True).returncode:
        pytest.skip("chattr +i is not available here")
    try:
        with pytest.raises(BuildError, match=r"Operation not permitted.*nothing was changed"):
            build(checkout_copy)
    finally:
        subprocess.run(["chattr", "-i", str(checkout_copy)], check=True)


# --------------------------------------------------------------------------- on the real data


@pytest.fixture
def edited(checkout_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkout copy, used by the loader, whose curation differs from its build output (a caveat edited)."""
    path = checkout_copy / "data" / "curation" / "caveats.toml"
    text = path.read_text(encoding="utf-8")
    at = text.index('text = "') + len('text = "')
    path.write_text(text[:at] + EDIT + text[at:], encoding="utf-8")
    monkeypatch.setenv("IICSA_STATS_DATA_DIR", str(checkout_copy))
    loader.clear_cache()
    yield checkout_copy
    loader.clear_cache()


def test_a_real_build_killed_at_its_commit_is_finished_by_the_next_command(edited: Path) -> None:
    """A real ``iicsa-stats build`` SIGKILLed between data/processed and datapackage.json; ``show`` finishes it."""
    script = textwrap.dedent(
        f"""
        import os, signal
        import iicsa_stats._staging as staging
        from iicsa_stats.cli import main

        real = staging._exchange
        def exchange(a, b):
            real(a, b)
            os.kill(os.getpid(), signal.SIGKILL)
        staging._exchange = exchange
        main(["build", "--root", {str(edited)!r}])
        """
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    killed_run = subprocess.run([sys.executable, "-c", script], env=env, check=False, timeout=300)
    assert killed_run.returncode == -signal.SIGKILL
    show = [sys.executable, "-m", "iicsa_stats", "show", FIGURE]
    env["IICSA_STATS_DATA_DIR"] = str(edited)
    shown = subprocess.run(show, check=False, env=env, capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr
    assert EDIT.strip() in shown.stdout
    assert not [p for p in edited.iterdir() if p.name.startswith(staging.STAGING_PREFIX)]
    problems = validate(edited, rebuild=False)
    assert problems == [], format_report(problems)


def _loader(root: Path, out: Path) -> object:
    return [c.text for c in ist.figure(FIGURE).caveats]


def _validate(root: Path, out: Path) -> object:
    return format_report(validate(root, rebuild=False))


def _site(root: Path, out: Path) -> object:
    return len(build_site(out / "site"))


@pytest.mark.parametrize("read", [_loader, _validate, _site], ids=["loader", "validate --no-rebuild", "site"])
def test_a_reader_during_the_commit_sees_one_build(
    edited: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, read: Callable[[Path, Path], object]
) -> None:
    """A reader that starts between the move of data/processed and that of datapackage.json waits for the commit."""
    results: list[object] = []

    def reader() -> None:
        loader.clear_cache()
        try:
            results.append(read(edited, tmp_path))
        except Exception as exc:  # the test reports it
            results.append(exc)

    threads: list[threading.Thread] = []

    def start_reader() -> None:
        threads.append(threading.Thread(target=reader))
        threads[0].start()
        threads[0].join(0.3)  # it waits for the commit

    stop_at(monkeypatch, "_exchange", "after", start_reader)
    build(edited)
    threads[0].join(60)
    (result,) = results
    assert not isinstance(result, Exception), result
    if read is _loader:
        assert any(text.startswith(EDIT) for text in result)  # type: ignore[attr-defined]
    if read is _validate:
        assert result == format_report([]), result


def test_a_reader_with_pins_cached_before_a_build_reads_the_new_files(edited: Path) -> None:
    loader.package()  # the old pins, cached
    build(edited)
    assert any(row["text"].startswith(EDIT) for row in loader.rows("caveats"))


# --------------------------------------------------------------------------- site and export


def test_a_site_is_replaced_only_while_it_holds_what_was_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "site"
    assert main(["site", "--out", str(out)]) == 0
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    before = state(out)
    assert main(["site", "--out", str(out)]) == 2
    assert "did not write (notes.txt)" in capsys.readouterr().err
    assert state(out) == before
    (out / "notes.txt").unlink()
    (out / "index.html").write_text("edited", encoding="utf-8")  # a file it wrote: replaced
    assert main(["site", "--out", str(out)]) == 0
    assert (out / "index.html").read_text(encoding="utf-8") != "edited"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
    other = tmp_path / "notes"
    other.mkdir()
    (other / "mine.txt").write_text("keep me", encoding="utf-8")
    assert main(["site", "--out", str(other)]) == 2
    assert "holds other files" in capsys.readouterr().err
    assert [p.name for p in other.iterdir()] == ["mine.txt"]


def _zip(out: Path) -> object:
    return write_zip(out / "pkg.zip")


def _site_into(out: Path) -> object:
    return build_site(out / "site")


@pytest.mark.parametrize(
    ("write", "step"), [(_site_into, "_exchange"), (_zip, "_move")], ids=["site (its exchange)", "zip (its rename)"]
)
@pytest.mark.parametrize("when", ["before", "after"])
def test_an_output_killed_at_its_replace_is_whole_and_its_leftovers_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write: Callable[[Path], object], step: str, when: str
) -> None:
    write(tmp_path)
    (name,) = os.listdir(tmp_path)
    killed(monkeypatch, step, when, lambda: write(tmp_path))
    renamed = step == "_move" and when == "after"  # a file renamed into place leaves no temporary
    assert len(os.listdir(tmp_path)) == (1 if renamed else 2)  # the target, and the killed run's temporary
    assert (tmp_path / name).exists()
    write(tmp_path)
    assert os.listdir(tmp_path) == [name]


def test_site_out_parent_from_inside_its_own_figures_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build_site(tmp_path / "site")
    monkeypatch.chdir(tmp_path / "site" / "figures")
    assert main(["site", "--out", ".."]) == 0
    assert os.listdir(tmp_path) == ["site"]
    assert (tmp_path / "site" / MARKER).is_file() and (tmp_path / "site" / "index.html").is_file()


@pytest.mark.parametrize("folder", ["data/processed", "schemas"])
def test_a_site_inside_the_data_package_is_refused(
    edited: Path, folder: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = state(edited)
    assert main(["site", "--out", str(edited / folder / "site")]) == 2
    assert "inside the data package" in capsys.readouterr().err
    assert state(edited) == before


def test_a_failed_export_write_leaves_the_folder_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    for name in ("figures.csv", "ATTRIBUTION.txt", "notes.txt"):
        (out / name).write_text(f"old {name}\n", encoding="utf-8")
    before = state(out)
    real = Path.write_bytes

    def full(path: Path, data: Any) -> int:
        if path.name == "ledger.csv":
            raise OSError(28, "No space left on device", str(path))
        return real(path, data)

    monkeypatch.setattr(Path, "write_bytes", full)
    assert main(["export", "--format", "csv", "--out", str(out)]) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert state(out) == before


def test_a_symbolic_link_is_never_a_target(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Red-team: ``site --out`` followed a dangling link and created the site at its destination."""
    from iicsa_stats.cli import main

    link = tmp_path / "dangling"
    link.symlink_to(tmp_path / "elsewhere")
    assert main(["site", "--out", str(link)]) == 2
    assert "symbolic link" in capsys.readouterr().err
    assert not (tmp_path / "elsewhere").exists()
