"""Cold-process benchmark of the iicsa_stats loader: start-up time and peak memory.

Every measurement is a whole new process (``subprocess.run``), timed with
``time.perf_counter`` around it.  The compared commands run interleaved, in a
rotating order, so machine noise hits them alike; medians over ``--runs``.

    python bench/bench_loader.py                 # 15 runs, a table
    python bench/bench_loader.py --runs 31 --json results.json
    python bench/bench_loader.py --before /tmp/old   # also an older checkout, in the same run

Comparisons (goals from the package's design):

1. ``iicsa-stats show ID`` and ``python -m iicsa_stats show ID`` against
   ``python -c pass``: at most 3x the bare interpreter's start-up.
2. ``import iicsa_stats as i; i.figures()`` against pandas reading the same
   Parquet file: at most 1.10x.
3. Peak memory (max RSS) of each, and the same ratios (no goal: reported only).
4. ``python -c "import <the standard-library modules show imports>"`` (the list read from a
   child that runs ``show``) against ``python -c pass``, and ``show`` against it: how much of
   ``show``'s time the standard library alone takes, and how much the package adds (no goal).

With ``--before DIR`` (a checkout of an older commit, e.g. made with
``git worktree add /tmp/old <commit>``), the ``show`` and ``figures()``
commands also run with that checkout's ``src`` first on ``PYTHONPATH``,
interleaved with the others, and their two time ratios are reported too: a
before-and-after comparison on the same machine at the same moment.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

DEFAULT_FIGURE = "police-recorded-online-csa-offences-2017-18"
GNU_TIME = "/usr/bin/time"

# Fallback for max RSS without GNU time: a small wrapper that spawns exactly one child (posix_spawn, so the child
# never holds a copy of the wrapper's memory), waits for it and prints RUSAGE_CHILDREN.ru_maxrss: that child's peak
# (kilobytes on Linux, bytes on macOS).
_RSS_WRAPPER = (
    "import os, resource, sys\n"
    "null = os.open(os.devnull, os.O_WRONLY)\n"
    "pid = os.posix_spawnp(sys.argv[1], sys.argv[1:], os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, null, 1)])\n"
    "status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])\n"
    "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "print(rss // 1024 if sys.platform == 'darwin' else rss)\n"
    "sys.exit(0 if status == 0 else 1)\n"
)


@dataclass
class Command:
    key: str
    label: str
    argv: list[str]
    seconds: list[float]
    rss_kib: list[int]
    env: dict[str, str] | None = None  # added to the environment (the --before commands)


@dataclass(frozen=True)
class Comparison:
    kind: str  # "time" or "memory"
    subject: str
    baseline: str
    goal: float | None


COMPARISONS = (
    Comparison("time", "cli", "bare", 3.0),
    Comparison("time", "module", "bare", 3.0),
    Comparison("time", "stdlib", "bare", None),  # what the standard library alone costs `show`
    Comparison("time", "cli", "stdlib", None),  # and what the package adds to it
    Comparison("time", "figures", "pandas", 1.10),
    Comparison("memory", "cli", "bare", None),
    Comparison("memory", "module", "bare", None),
    Comparison("memory", "figures", "pandas", None),
)


# Run in a child: `show` in-process, then the top-level standard-library modules it imported.
_SHOW_IMPORTS = (
    "import os, sys\n"  # both loaded by any start: nothing is imported before the snapshot
    "before = set(sys.modules)\n"
    "out = os.dup(1)\n"
    "os.dup2(os.open(os.devnull, os.O_WRONLY), 1)\n"
    "from iicsa_stats.cli import main\n"
    "main(['show', sys.argv[1]])\n"
    "sys.stdout.flush()\n"
    "new = {name.partition('.')[0] for name in set(sys.modules) - before}\n"
    "names = sorted(n for n in new if n in sys.stdlib_module_names)\n"
    "os.write(out, ' '.join(names).encode())\n"
)


def _stdlib_of_show(figure_id: str) -> list[str]:
    """The standard-library modules (top level) that ``show figure_id`` imports, beyond a bare start."""
    with tempfile.TemporaryDirectory(prefix="iicsa-bench-") as cwd:  # as the timed runs: no module of the caller's
        found = subprocess.run(
            [sys.executable, "-c", _SHOW_IMPORTS, figure_id],
            env=_environment(),
            cwd=cwd,
            capture_output=True,
            text=True,
            check=False,
        )
    if found.returncode != 0 or not (names := found.stdout.split()):
        sys.exit(f"bench_loader: listing the modules `show {figure_id}` imports failed:\n{found.stderr}")
    return names


def _versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in ("pandas", "pyarrow", "iicsa-stats"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def _commands(figure_id: str, before: Path | None = None) -> list[Command]:
    import iicsa_stats

    python = sys.executable
    script = Path(python).parent / ("iicsa-stats.exe" if os.name == "nt" else "iicsa-stats")
    if not script.exists():
        sys.exit(f"bench_loader: no console script {script}; install the package into this interpreter's environment")
    package = Path(iicsa_stats.__file__).resolve().parent  # where the loader looks (IICSA_STATS_DATA_DIR is unset)
    root = package / "_data" if (package / "_data").is_dir() else package.parents[1]  # a wheel, or a checkout
    parquet = str(root / "data" / "processed" / "figures.parquet")
    read = f"import pandas as pd; pd.read_parquet({parquet!r})"
    stdlib = _stdlib_of_show(figure_id)
    imports = "import " + ", ".join(stdlib)  # never empty: _stdlib_of_show stops the run first
    specs = [
        ("bare", "python -c pass", [python, "-c", "pass"]),
        ("cli", "iicsa-stats show ID", [str(script), "show", figure_id]),
        ("module", "python -m iicsa_stats show ID", [python, "-m", "iicsa_stats", "show", figure_id]),
        ("stdlib", f"stdlib that show imports ({len(stdlib)} modules)", [python, "-c", imports]),
        ("figures", "iicsa_stats.figures()", [python, "-c", "import iicsa_stats as i; i.figures()"]),
        ("pandas", "pandas.read_parquet(figures.parquet)", [python, "-c", read]),
    ]
    commands = [Command(key, label, argv, [], []) for key, label, argv in specs]
    if before is not None:
        old = {"PYTHONPATH": str(before / "src")}
        figures = next(c for c in commands if c.key == "figures")
        commands += [
            Command("cli_before", "before: iicsa-stats show ID", [str(script), "show", figure_id], [], [], old),
            Command("figures_before", "before: iicsa_stats.figures()", figures.argv, [], [], old),
        ]
    return commands


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("IICSA_STATS_DATA_DIR", None)  # measure the data the package ships
    # as users run them: bytecode written (this machine sets PYTHONDONTWRITEBYTECODE=1) and warmed by the
    # untimed first run of each command
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["NO_COLOR"] = "1"
    return env


def _time_once(cmd: Command, env: dict[str, str], cwd: str) -> float:
    env = {**env, **(cmd.env or {})}
    start = time.perf_counter()
    result = subprocess.run(cmd.argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"bench_loader: `{cmd.label}` exited {result.returncode}:\n{result.stderr.decode(errors='replace')}")
    return elapsed


def _gnu_time() -> bool:
    """Whether GNU time is there and reports max RSS the way _rss_once reads it."""
    if not Path(GNU_TIME).exists():
        return False
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as out:
        probe = subprocess.run([GNU_TIME, "-f", "%M", "-o", out.name, "true"], capture_output=True, check=False)
        return probe.returncode == 0 and Path(out.name).read_text().strip().isdigit()


def _rss_once(cmd: Command, env: dict[str, str], cwd: str, gnu: bool) -> int:
    """Peak resident memory of one run of the command, in KiB."""
    env = {**env, **(cmd.env or {})}
    if gnu:
        with tempfile.NamedTemporaryFile("r", suffix=".rss") as out:
            argv = [GNU_TIME, "-f", "%M", "-o", out.name, *cmd.argv]
            result = subprocess.run(
                argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False
            )
            text = Path(out.name).read_text().strip()
    else:
        argv = [sys.executable, "-c", _RSS_WRAPPER, *cmd.argv]
        result = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, check=False)
        text = result.stdout.decode().strip()
    if result.returncode != 0:
        sys.exit(f"bench_loader: `{cmd.label}` exited {result.returncode}:\n{result.stderr.decode(errors='replace')}")
    return int(text.splitlines()[-1])


def measure(commands: list[Command], runs: int, gnu: bool, warm_up: bool = True) -> None:
    env = _environment()
    with tempfile.TemporaryDirectory(prefix="iicsa-bench-") as cwd:
        for cmd in commands if warm_up else []:  # warm-up: byte-code caches and the page cache, untimed
            _time_once(cmd, env, cwd)
        for round_ in range(runs):
            shift = round_ % len(commands)
            order = commands[shift:] + commands[:shift]  # A, B, C, then B, C, A, ...
            for cmd in order:
                cmd.seconds.append(_time_once(cmd, env, cwd))
            for cmd in order:
                cmd.rss_kib.append(_rss_once(cmd, env, cwd, gnu))


def summarise(commands: list[Command], runs: int, figure_id: str, gnu: bool) -> dict[str, object]:
    by_key = {c.key: c for c in commands}
    medians = {
        c.key: {
            "label": c.label,
            "wall_ms": statistics.median(c.seconds) * 1000,
            "max_rss_kib": statistics.median(c.rss_kib),
        }
        for c in commands
    }
    ratios = []
    extra = (Comparison("time", "cli_before", "bare", 3.0), Comparison("time", "figures_before", "pandas", 1.10))
    for comp in COMPARISONS + tuple(c for c in extra if c.subject in by_key):
        field = "wall_ms" if comp.kind == "time" else "max_rss_kib"
        ratio = medians[comp.subject][field] / medians[comp.baseline][field]
        ratios.append(
            {
                "kind": comp.kind,
                "subject": by_key[comp.subject].label,
                "baseline": by_key[comp.baseline].label,
                "ratio": ratio,
                "goal": comp.goal,
                "result": None if comp.goal is None else ("PASS" if ratio <= comp.goal else "MISS"),
            }
        )
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "runs": runs,
        "figure_id": figure_id,
        "versions": _versions(),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
        "memory_tool": GNU_TIME + " -f %M" if gnu else "RUSAGE_CHILDREN of a one-child wrapper",
        "commands": medians,
        "samples": {c.key: {"wall_s": c.seconds, "max_rss_kib": c.rss_kib} for c in commands},
        "ratios": ratios,
    }


def render(summary: dict[str, object]) -> str:
    v = summary["versions"]
    m = summary["machine"]
    assert isinstance(v, dict)
    assert isinstance(m, dict)
    lines = [
        f"iicsa_stats loader benchmark, {summary['date']}",
        f"{summary['runs']} cold runs per command, interleaved; medians; ID = {summary['figure_id']}; the last two "
        'run as python -c "import iicsa_stats as i; i.figures()" and "import pandas as pd; pd.read_parquet(...)"',
        f"Python {v['python']}, pandas {v['pandas']}, pyarrow {v['pyarrow']}, iicsa-stats {v['iicsa-stats']}; "
        f"{m['platform']}, {m['cpus']} CPUs; max RSS by {summary['memory_tool']}",
        "",
        f"{'command':<62} {'wall ms':>9} {'max RSS MiB':>12}",
    ]
    commands = summary["commands"]
    assert isinstance(commands, dict)
    for row in commands.values():
        lines.append(f"{row['label']:<62} {row['wall_ms']:>9.1f} {row['max_rss_kib'] / 1024:>12.1f}")
    lines += ["", f"{'':<13}{'comparison':<62} {'ratio':>7} {'goal':>9}  result"]
    ratios = summary["ratios"]
    assert isinstance(ratios, list)
    for r in ratios:
        goal = f"<= {r['goal']:.2f}x" if r["goal"] is not None else "none"
        what = f"{r['subject']} / {r['baseline']}"
        lines.append(f"ratio {r['kind']:<6} {what:<62} {r['ratio']:>6.2f}x {goal:>9}  {r['result'] or '-'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=15, help="cold runs per command (default 15)")
    parser.add_argument("--figure", default=DEFAULT_FIGURE, help=f"figure id to show (default {DEFAULT_FIGURE})")
    parser.add_argument(
        "--json", metavar="FILE", help="also write every sample and the summary as JSON ('-': stdout only)"
    )
    parser.add_argument(
        "--before", metavar="DIR", type=Path, help="a checkout of an older commit to measure in the same run"
    )
    parser.add_argument(
        "--no-warm-up", dest="warm_up", action="store_false", help="skip the untimed first run (a quick smoke run)"
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.before is not None and not (args.before / "src" / "iicsa_stats" / "__init__.py").is_file():
        parser.error(f"--before {args.before}: not a checkout of iicsa_stats (no src/iicsa_stats in it)")
    gnu = _gnu_time()
    commands = _commands(args.figure, args.before)
    measure(commands, args.runs, gnu, args.warm_up)
    summary = summarise(commands, args.runs, args.figure, gnu)
    if args.json == "-":
        json.dump(summary, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    print(render(summary))
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
