"""The build's swap into place survives interruption, kills and a second build (issue 11: 0b, 6, concurrent builds).

Every test works on a copy of the checkout.  A curator's caveat text is edited
first, so that the committed files ("old") and a fresh build ("new") differ
in ``caveats.csv`` and its pin in ``datapackage.json``: after any interruption,
the files in place must be exactly the old set or exactly the new set.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

import iicsa_stats as ist
from conftest import REPO
from iicsa_stats import _store
from iicsa_stats.build import build
from iicsa_stats.errors import BuildError
from iicsa_stats.validation import format_report, validate

JOURNAL = ".iicsa-build.journal"
LOCK = ".iicsa-build.lock"
FIGURE = "police-recorded-online-csa-offences-2017-18"


def outputs(root: Path) -> dict[str, bytes]:
    """The CSV and JSON files a build writes (Parquet files are pinned in PARQUET.sha256, compared with it)."""
    files = {"datapackage.json": (root / "datapackage.json").read_bytes()}
    processed = root / "data" / "processed"
    if processed.is_dir():
        for path in sorted(processed.iterdir()):
            if path.suffix != ".parquet":
                files[path.relative_to(root).as_posix()] = path.read_bytes()
    return files


def leftovers(root: Path) -> list[str]:
    """Staging folders and journals left in the root."""
    return sorted(p.name for p in root.iterdir() if p.name.startswith(".iicsa-build") and p.name != LOCK)


@pytest.fixture
def root(checkout_copy: Path) -> Path:
    """A checkout copy whose curation differs from its committed build output (one caveat text edited)."""
    path = checkout_copy / "data" / "curation" / "caveats.toml"
    text = path.read_text(encoding="utf-8")
    at = text.index('text = "') + len('text = "')
    path.write_text(text[:at] + "Edited for a test. " + text[at:], encoding="utf-8")
    return checkout_copy


@pytest.fixture
def versions(root: Path, tmp_path: Path) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The old files (committed) and the new ones (a fresh build of the edited curation)."""
    new = build(root, out=tmp_path / "fresh")
    old_files, new_files = outputs(root), outputs(new)
    assert old_files["data/processed/caveats.csv"] != new_files["data/processed/caveats.csv"]
    return old_files, new_files


def load_from(root: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Read a figure and its caveats through the loader, from ``root``; returns its caveat texts."""
    monkeypatch.setenv("IICSA_STATS_DATA_DIR", str(root))
    _store.clear_cache()
    try:
        fig = ist.figure(FIGURE)
        return " ".join(c.text for c in fig.caveats) + "".join(c.text for c in _store.all_figures()[FIGURE].caveats)
    finally:
        _store.clear_cache()


SWAP_MOVER = """
import os

_real_replace = os.replace
_targets = {{{targets}}}
_calls = 0


def _swap_replace(src, dst):
    # count only the swap's moves: those taking data/processed or datapackage.json out of or into place
    global _calls
    if os.fspath(src) not in _targets and os.fspath(dst) not in _targets:
        return _real_replace(src, dst)
    if _calls == {after} == 0:
        _calls = -1
        {action}
    _real_replace(src, dst)
    _calls += 1
    if _calls == {after}:
        {action}


os.replace = _swap_replace
"""


def swap_mover(root: Path, after_move: int, action: str) -> str:
    """Code that patches os.replace to run ``action`` right after the swap's n-th move (0: before the first)."""
    targets = ", ".join(repr(str(p)) for p in (root / "data" / "processed", root / "datapackage.json"))
    return SWAP_MOVER.format(targets=targets, after=after_move, action=action)


def run_killed(root: Path, after_move: int) -> subprocess.CompletedProcess[str]:
    """Build ``root`` in a subprocess that SIGKILLs itself right after the swap's n-th move (0: before the first)."""
    script = swap_mover(root, after_move, "os.kill(os.getpid(), 9)") + textwrap.dedent(
        f"""
        from pathlib import Path
        from iicsa_stats.build import build

        build(Path({str(root)!r}))
        """
    )
    return subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, text=True, timeout=300)


# --------------------------------------------------------------------------- interrupted in the process


@pytest.mark.parametrize(
    ("after_move", "error"),
    [
        *((n, e) for n in (0, 1, 2) for e in (KeyboardInterrupt, SystemExit, RuntimeError, OSError)),
        # after the commit only an asynchronous interrupt can arrive (a real os.replace fails before, or not at all)
        (3, KeyboardInterrupt),
        (3, SystemExit),
    ],
)
def test_an_interrupt_after_each_move_leaves_a_complete_set(
    root: Path,
    versions: tuple[dict[str, bytes], dict[str, bytes]],
    monkeypatch: pytest.MonkeyPatch,
    after_move: int,
    error: type[BaseException],
) -> None:
    """Ctrl-C (or any exception) before move 1 or after move 1 or 2 rolls back; after move 3, the commit, it stands."""
    namespace: dict[str, Any] = {"_error": error}
    exec(swap_mover(root, after_move, "raise _error()"), namespace)  # patches os.replace, as a kill test does
    patched = os.replace
    os.replace = namespace["_real_replace"]
    monkeypatch.setattr(os, "replace", patched)
    old, new = versions
    with pytest.raises((error, BuildError)):
        build(root)
    monkeypatch.undo()
    assert outputs(root) == (new if after_move == 3 else old)
    assert leftovers(root) == []
    assert validate(root, rebuild=False) == []
    build(root)
    assert outputs(root) == new


# --------------------------------------------------------------------------- killed


@pytest.mark.parametrize("after_move", [0, 1, 2, 3])
def test_a_kill_after_each_step_is_recovered_by_the_next_load(
    root: Path, versions: tuple[dict[str, bytes], dict[str, bytes]], monkeypatch: pytest.MonkeyPatch, after_move: int
) -> None:
    old, new = versions
    result = run_killed(root, after_move)
    assert result.returncode == -signal.SIGKILL, result.stderr
    caveats = load_from(root, monkeypatch)  # the loader finishes or undoes the swap first
    assert outputs(root) == (new if after_move == 3 else old)
    assert ("Edited for a test." in caveats) == (after_move == 3)
    assert leftovers(root) == []
    problems = validate(root, rebuild=False)
    assert problems == [], format_report(problems)


@pytest.mark.parametrize("after_move", [1, 2])
def test_a_kill_is_recovered_by_the_next_build(
    root: Path, versions: tuple[dict[str, bytes], dict[str, bytes]], after_move: int
) -> None:
    _, new = versions
    assert run_killed(root, after_move).returncode == -signal.SIGKILL
    assert (root / JOURNAL).exists()
    build(root)
    assert outputs(root) == new
    assert leftovers(root) == []
    assert validate(root, rebuild=True) == []


def test_an_interrupted_recovery_can_run_again(
    root: Path, versions: tuple[dict[str, bytes], dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    import iicsa_stats._staging as staging

    old, _ = versions
    assert run_killed(root, 2).returncode == -signal.SIGKILL

    def move(src: Any, dst: Any) -> None:
        os.replace(src, dst)
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(staging, "_move", move)
        with pytest.raises(KeyboardInterrupt):
            staging.recover(root)
    assert (root / JOURNAL).exists()
    assert staging.recover(root) == "rolled back"
    assert outputs(root) == old
    assert leftovers(root) == []


def test_builds_killed_at_random_points_always_leave_a_complete_set(
    root: Path, versions: tuple[dict[str, bytes], dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    old, new = versions
    rng = random.Random(11)
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    for _ in range(4):
        process = subprocess.Popen(
            [sys.executable, "-m", "iicsa_stats", "build", "--root", str(root)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.2, 2.5))
        process.send_signal(signal.SIGKILL)
        process.wait()
        load_from(root, monkeypatch)
        assert outputs(root) in (old, new)
        assert not (root / JOURNAL).exists()
    build(root)
    assert outputs(root) == new
    assert leftovers(root) == []


# --------------------------------------------------------------------------- stale staging folders (6)


def test_a_killed_build_leaves_staging_that_the_next_build_removes(root: Path) -> None:
    script = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        import iicsa_stats.build as b

        def write_package(result, root, out):
            (out / "half-written").write_text("x")
            os.kill(os.getpid(), signal.SIGKILL)

        b.write_package = write_package
        b.build(Path({str(root)!r}))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, text=True, timeout=300)
    assert result.returncode == -signal.SIGKILL, result.stderr
    stale = [p for p in root.iterdir() if p.name.startswith(".iicsa-build-")]
    assert len(stale) == 1 and (stale[0] / "half-written").exists()
    build(root)
    assert leftovers(root) == []


def test_staging_of_a_running_build_is_left_alone(root: Path) -> None:
    owner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], check=False, capture_output=True, text=True
    )
    try:
        live = root / f".iicsa-build-{owner.pid}-abcd1234"
        gone = root / f".iicsa-build-{dead.stdout.strip()}-efgh5678"
        for folder in (live, gone):
            (folder / "data").mkdir(parents=True)
        build(root)
        assert live.is_dir()
        assert not gone.exists()
    finally:
        owner.kill()
        owner.wait()


@pytest.mark.parametrize("name", [".iicsa-build-123-abcd/", LOCK, JOURNAL])
def test_build_files_are_ignored_by_git(name: str) -> None:
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    result = subprocess.run(["git", "check-ignore", "-q", "--no-index", name], cwd=REPO, check=False)
    assert result.returncode == 0, f"{name} is not in .gitignore"


# --------------------------------------------------------------------------- one build at a time


def test_a_second_build_is_refused_while_one_runs(root: Path, versions: tuple[dict[str, bytes], Any]) -> None:
    old, _ = versions
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import fcntl, os, sys, time
                fd = os.open({str(root / LOCK)!r}, os.O_RDWR | os.O_CREAT)
                fcntl.flock(fd, fcntl.LOCK_EX)
                os.write(fd, str(os.getpid()).encode())
                print("locked", flush=True)
                time.sleep(120)
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(BuildError, match=rf"another build is running .*pid {holder.pid}"):
            build(root)
        assert outputs(root) == old
        cli = subprocess.run(
            [sys.executable, "-m", "iicsa_stats", "build", "--root", str(root)],
            check=False,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO / "src")},
        )
        assert cli.returncode == 1
        assert "another build is running" in cli.stderr and "Traceback" not in cli.stderr
    finally:
        holder.kill()
        holder.wait()
    build(root)  # the lock dies with its holder


def test_two_builds_at_once_never_both_write(root: Path, versions: tuple[Any, dict[str, bytes]]) -> None:
    _, new = versions
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    command = [sys.executable, "-m", "iicsa_stats", "build", "--root", str(root)]
    for _ in range(2):
        runs = [subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        results = [(p.wait(), p.communicate()[1]) for p in runs]
        assert any(code == 0 for code, _ in results), results
        for code, err in results:
            assert code == 0 or (code == 1 and "another build is running" in err), err
        assert outputs(root) == new
        assert leftovers(root) == []
