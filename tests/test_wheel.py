"""The built wheel works on its own, and figure lookups never import the heavy dependencies.

The slow tests build the wheel with hatchling's PEP 517 hook (what ``pip wheel`` and ``python -m build`` call),
install it with pip, without its dependencies, into a new virtual environment that borrows the test runner's
third-party packages through a ``.pth`` line (such lines are not site directories, so the runner's editable
``iicsa_stats`` stays invisible), and use it from a folder outside the repository.  An audit hook records every
file the installed package opens: the data must come from the wheel, never from the checkout.  Installing the
dependencies from an index would cost half a minute and prove only what the last test here proves from the
wheel's metadata: it declares every package its code imports, at versions this suite ran with.
"""

from __future__ import annotations

import ast
import json
import os
import site
import subprocess
import sys
import sysconfig
import venv
import zipfile
from dataclasses import dataclass
from email.parser import Parser
from importlib.metadata import files, requires, version
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import iicsa_stats
from conftest import REPO

pytestmark = pytest.mark.xdist_group("wheel")  # one worker builds and installs the wheel, once

FIGURE_ID = "police-recorded-online-csa-offences-2017-18"
HEAVY = ("pandas", "pyarrow", "frictionless", "jinja2")
# Variables that could make a child process find the checkout or another copy of the data.
_LEAKY_ENV = ("IICSA_STATS_DATA_DIR", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONSAFEPATH", "VIRTUAL_ENV")
# Records (in the child) every file opened by path; printed with the report, as real paths.
_AUDIT = """
import os, sys
OPENED = []
sys.addaudithook(lambda event, args: OPENED.append(args[0]) if event == "open" and isinstance(args[0], str) else None)
def opened():
    return sorted({os.path.realpath(p) for p in OPENED if not p.endswith((".py", ".pyc", ".so"))})
"""


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _LEAKY_ENV}
    return {**env, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1", **extra}


def _run(args: list[str | Path], *, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env or _env(),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, (
        f"{' '.join(result.args)} exited {result.returncode}\n"
        f"--- stdout ---\n{result.stdout[-3000:]}\n--- stderr ---\n{result.stderr[-3000:]}"
    )
    return result


def _last_json(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def _within(path: str | Path, folder: str | Path) -> bool:
    return Path(path).resolve().is_relative_to(Path(folder).resolve())


# -- the code under test, in a fresh process (fast) ----------------------------------------------------------

_LIGHT_SCRIPT = (
    _AUDIT
    + """
import contextlib, io, json
import iicsa_stats
from iicsa_stats.cli import main
def figure():
    fig = iicsa_stats.figure(FIGURE_ID)
    assert fig.caveats and fig.headline and fig.context(40)
    assert len(iicsa_stats.list_figures()) >= 9
def search():
    assert iicsa_stats.search("police recorded offences")
def cli():
    with contextlib.redirect_stdout(io.StringIO()) as out:
        status = main(["show", FIGURE_ID])
    assert status == 0 and FIGURE_ID in out.getvalue(), (status, out.getvalue())
def cite():
    assert iicsa_stats.figure(FIGURE_ID).cite(style="bibtex").startswith("@report")
    with contextlib.redirect_stdout(io.StringIO()) as out:
        status = main(["cite", FIGURE_ID, "--format", "csl-json"])
    assert status == 0 and '"report"' in out.getvalue(), (status, out.getvalue())
heavy = {}
for scenario in (figure, search, cli, cite):  # in one process: the first scenario to import one is named
    scenario()
    heavy[scenario.__name__] = sorted(m for m in sys.modules if m.split(".")[0] in HEAVY)
print(json.dumps({"file": iicsa_stats.__file__, "heavy": heavy, "opened": opened()}))
"""
)


@pytest.fixture(scope="module")
def light(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Lookups in a new interpreter that imports the same iicsa_stats as this one, from a folder elsewhere."""
    script = f"FIGURE_ID, HEAVY = {FIGURE_ID!r}, {HEAVY!r}\n{_LIGHT_SCRIPT}"
    source = str(Path(iicsa_stats.__file__).resolve().parents[1])
    return _last_json(
        _run([sys.executable, "-c", script], cwd=tmp_path_factory.mktemp("light"), env=_env(PYTHONPATH=source))
    )


def test_lookups_do_not_import_pandas_pyarrow_or_frictionless(light: dict[str, Any]) -> None:
    assert light["heavy"] == {"figure": [], "search": [], "cli": [], "cite": []}


def test_source_checkout_reads_the_repository_data(light: dict[str, Any]) -> None:
    if not _within(light["file"], REPO / "src"):
        pytest.skip(f"iicsa_stats is imported from {light['file']}, not from this checkout's src/")
    assert str((REPO / "datapackage.json").resolve()) in light["opened"]
    shipped = [p for p in light["opened"] if {"iicsa_stats", "_data"} <= set(Path(p).parts)]
    assert shipped == [], "the checkout's code read a shipped copy of the data"


# -- the installed wheel (slow) ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Installed:
    wheel: Path
    purelib: Path  # the new environment's site-packages
    scripts: Path
    python: Path
    outside: Path  # a folder outside the repository, the working directory of every check

    def run(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        return _run(list(args), cwd=self.outside)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Build the wheel, install it alone into a new virtual environment, and give the paths."""
    base = tmp_path_factory.mktemp("wheel")
    build = "import sys, hatchling.build as hook; print(hook.build_wheel(sys.argv[1]))"
    wheel = base / "dist" / _run([sys.executable, "-c", build, base / "dist"], cwd=REPO).stdout.split()[-1]
    env_dir, outside = base / "venv", base / "elsewhere"
    outside.mkdir()
    assert not _within(outside, REPO)
    venv.EnvBuilder(with_pip=False, symlinks=os.name != "nt").create(env_dir)
    paths = sysconfig.get_paths(scheme="venv", vars={"base": str(env_dir), "platbase": str(env_dir)})
    python = Path(paths["scripts"]) / ("python.exe" if os.name == "nt" else "python")
    pip = [sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "--no-compile"]
    _run([*pip, "--quiet", "--disable-pip-version-check", wheel], cwd=outside)
    runner = "".join(f"{folder}\n" for folder in site.getsitepackages())  # pandas, pyarrow, frictionless, ...
    (Path(paths["purelib"]) / "_runner_packages.pth").write_text(runner, encoding="utf-8")
    return Installed(wheel, Path(paths["purelib"]), Path(paths["scripts"]), python, outside)


_INSTALLED_SCRIPT = (
    _AUDIT
    + """
import contextlib, io, json
import iicsa_stats
from iicsa_stats.cli import main
fig = iicsa_stats.figure(FIGURE_ID)
frame = iicsa_stats.figures()
problems = [str(p) for p in iicsa_stats.validate()]
with contextlib.redirect_stdout(io.StringIO()) as out:
    site = main(["site", "--out", "site"])
    bibtex = main(["cite", FIGURE_ID, "--format", "bibtex"])
print(json.dumps({
    "file": iicsa_stats.__file__,
    "sys_path": sys.path,
    "figure_ids": iicsa_stats.list_figures(),
    "value": fig.value,
    "context": fig.context(30),
    "quote": fig.provenance.quote,
    "frame_ids": list(frame["figure_id"]),
    "problems": problems,
    "status": {"site": site, "cite": bibtex},
    "output": out.getvalue(),
    "opened": opened(),
}))
"""
)


@pytest.fixture(scope="module")
def report(installed: Installed) -> dict[str, Any]:
    return _last_json(installed.run(installed.python, "-c", f"FIGURE_ID = {FIGURE_ID!r}\n{_INSTALLED_SCRIPT}"))


@pytest.mark.slow
def test_import_and_data_come_from_the_wheel_not_the_checkout(installed: Installed, report: dict[str, Any]) -> None:
    package = Path(report["file"]).resolve().parent
    assert package == installed.purelib.resolve() / "iicsa_stats"
    entries = [Path(p) if p else installed.outside for p in report["sys_path"]]  # "": the working directory
    others = [p for p in entries if (p / "iicsa_stats" / "__init__.py").is_file()]
    assert [Path(p).resolve() for p in others] == [installed.purelib.resolve()], "another iicsa_stats is importable"
    opened = report["opened"]
    assert str(package / "_data" / "datapackage.json") in opened
    assert any(_within(p, package / "_data" / "data" / "raw") for p in opened), "the raw text is not read"
    checkout = [p for p in opened if any(_within(p, REPO / name) for name in ("data", "schemas", "src"))]
    assert checkout == [] and str(REPO / "datapackage.json") not in opened, f"read from the checkout: {checkout}"


@pytest.mark.slow
def test_figures_load_from_the_installed_data(report: dict[str, Any]) -> None:
    ids = report["figure_ids"]
    assert len(ids) >= 9 and FIGURE_ID in ids
    assert report["frame_ids"] == ids
    assert report["value"] == 8525.0
    assert f"\u00bb{report['quote']}\u00ab" in report["context"]  # context() reads the shipped raw text


@pytest.mark.slow
def test_validate_passes_on_the_shipped_data(report: dict[str, Any]) -> None:
    assert report["problems"] == []


@pytest.mark.slow
def test_console_script_runs(installed: Installed) -> None:
    shown = installed.run(installed.scripts / "iicsa-stats", "show", FIGURE_ID)
    assert FIGURE_ID in shown.stdout and "8,525" in shown.stdout


@pytest.mark.slow
def test_site_and_citations_build_from_the_wheel(installed: Installed, report: dict[str, Any]) -> None:
    assert report["status"] == {"site": 0, "cite": 0}
    assert (installed.outside / "site" / "index.html").is_file()
    assert (installed.outside / "site" / "figures" / f"{FIGURE_ID}.html").is_file()
    assert f"@report{{iicsa-stats:{FIGURE_ID}," in report["output"]


@pytest.mark.slow
def test_wheel_contains_the_data_package_as_committed(installed: Installed) -> None:
    processed = [p for p in (REPO / "data" / "processed").iterdir() if p.suffix in (".csv", ".parquet", ".sha256")]
    files = [REPO / "datapackage.json", *processed, *(REPO / "data" / "raw").glob("*.txt")]
    files += (REPO / "schemas").glob("*.json")
    assert {p.suffix for p in processed} >= {".csv", ".parquet"}
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
        assert "iicsa_stats/py.typed" in names
        for path in files:
            name = f"iicsa_stats/_data/{path.relative_to(REPO).as_posix()}"
            assert name in names, f"the wheel lacks {name}"
            assert wheel.read(name) == path.read_bytes(), name
        assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def _imported_modules() -> set[str]:
    """The third-party top-level modules that src/iicsa_stats imports anywhere."""
    modules = set()
    for path in (REPO / "src" / "iicsa_stats").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    return {m for m in modules - set(sys.stdlib_module_names) if not m.startswith("_")} - {"iicsa_stats"}


def _wanted(req: Requirement, extras: list[str]) -> bool:
    return req.marker is None or any(req.marker.evaluate({"extra": e}) for e in extras or [""])


@pytest.mark.slow
def test_wheel_declares_every_package_its_code_imports(installed: Installed) -> None:
    """A missing or unsatisfiable requirement fails here, as a user's ``pip install`` of the wheel would."""
    with zipfile.ZipFile(installed.wheel) as wheel:
        name = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(wheel.read(name).decode("utf-8"))
    extras = [e for e in metadata.get_all("Provides-Extra") or [] if e != "test"]  # what users may install
    queue = [r for r in map(Requirement, metadata.get_all("Requires-Dist") or []) if _wanted(r, extras)]
    for req in queue:  # what this suite ran with is what the wheel asks for
        assert req.specifier.contains(version(req.name), prereleases=True), f"{req}, but {version(req.name)} here"
    reachable: set[str] = set()
    provided: set[str] = set()  # the top-level modules of those distributions
    while queue:  # and what they require in turn, as pip would install them
        req = queue.pop()
        if canonicalize_name(req.name) not in reachable:
            reachable.add(canonicalize_name(req.name))
            provided.update(f.parts[0].removesuffix(".py") for f in files(req.name) or [] if f.parts)
            queue += [r for r in map(Requirement, requires(req.name) or []) if _wanted(r, [])]
    assert _imported_modules() - provided == set(), "imported, but no declared requirement provides it"
