"""The built wheel works on its own, and figure lookups never import the heavy dependencies.

The slow tests build the wheel from this checkout, install it into a new virtual
environment and use it from a folder outside the repository: the package, its
data, the command line and ``iicsa-stats validate`` must all work from the
installed files alone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO

FIGURE_ID = "police-recorded-online-csa-offences-2017-18"
HEAVY = ("pandas", "pyarrow", "frictionless", "jinja2")
# Variables that could make a child process find the checkout or another copy of the data.
_LEAKY_ENV = ("IICSA_STATS_DATA_DIR", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONSAFEPATH", "VIRTUAL_ENV")


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _LEAKY_ENV}
    env["PYTHONIOENCODING"] = "utf-8"
    env["NO_COLOR"] = "1"
    return env


def _run(args: list[str | Path], *, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=_clean_env(),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        check=False,
    )


def _ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, (
        f"{' '.join(result.args)} exited {result.returncode}\n"
        f"--- stdout ---\n{result.stdout[-3000:]}\n--- stderr ---\n{result.stderr[-3000:]}"
    )
    return result


# -- the source checkout (fast) ------------------------------------------------------------------------------


def test_source_checkout_uses_the_repository_root(monkeypatch: pytest.MonkeyPatch) -> None:
    from iicsa_stats import _paths

    monkeypatch.delenv(_paths.ENV_VAR, raising=False)
    if not Path(_paths.__file__).resolve().is_relative_to(REPO / "src"):
        pytest.skip(f"iicsa_stats is imported from {_paths.__file__}, not from this checkout's src/")
    assert _paths.checkout_root() == REPO
    assert _paths.data_root() == REPO
    assert (_paths.data_root() / "datapackage.json").is_file()


_LIGHT_SCRIPT = """
import contextlib, io, json, sys
import iicsa_stats
SCENARIO = {scenario!r}
FIGURE_ID = {figure_id!r}
if SCENARIO == "figure":
    fig = iicsa_stats.figure(FIGURE_ID)
    assert fig.caveats and fig.headline and fig.context(40)
    assert len(iicsa_stats.list_figures()) >= 9
elif SCENARIO == "search":
    assert iicsa_stats.search("police recorded offences")
elif SCENARIO == "cli":
    from iicsa_stats.cli import main
    with contextlib.redirect_stdout(io.StringIO()) as out:
        status = main(["show", FIGURE_ID])
    assert status == 0 and FIGURE_ID in out.getvalue(), (status, out.getvalue())
elif SCENARIO == "cite":
    from iicsa_stats.cli import main
    assert iicsa_stats.figure(FIGURE_ID).cite(style="bibtex").startswith("@report")
    with contextlib.redirect_stdout(io.StringIO()) as out:
        status = main(["cite", FIGURE_ID, "--format", "csl-json"])
    assert status == 0 and '"report"' in out.getvalue(), (status, out.getvalue())
print(json.dumps({{
    "file": iicsa_stats.__file__,
    "heavy": sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r}),
}}))
"""


@pytest.mark.parametrize("scenario", ["figure", "search", "cli", "cite"])
def test_lookups_do_not_import_pandas_pyarrow_or_frictionless(scenario: str, tmp_path: Path) -> None:
    script = _LIGHT_SCRIPT.format(scenario=scenario, figure_id=FIGURE_ID, heavy=HEAVY)
    result = _ok(_run([sys.executable, "-c", script], cwd=tmp_path, timeout=120))
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["heavy"] == [], f"{scenario} imported {report['heavy']}"


# -- the installed wheel (slow) ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    python: Path
    scripts: Path
    outside: Path  # a folder outside the repository, the working directory of every check

    def run(self, *args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return _run(list(args), cwd=self.outside, timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Build the wheel, install it into a new virtual environment, and give the paths.

    How the environment gets pandas, pyarrow and frictionless: a plain
    ``pip install <wheel>`` into a venv made without ``--system-site-packages``.
    It resolves the wheel's declared dependencies like a user's install does
    (so a missing or wrong requirement fails here), and it never sees the
    editable install of the test runner.  Measured on a 2-core machine with a
    warm pip cache, the install takes about 15 s and this whole fixture about
    22 s, well under the 2 minutes that would justify a shortcut; so the
    faster but artificial route (a ``.pth`` file pointing at the runner's
    site-packages minus the editable iicsa_stats) is not worth its fragility.
    It needs pip to reach an index (PyPI or a configured mirror) or its cache.

    The wheel is built with ``--no-isolation``: hatchling comes from the test
    extra, so the build itself needs no network.
    """
    base = tmp_path_factory.mktemp("wheel")
    dist = base / "dist"
    _ok(
        _run(
            [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", dist, REPO],
            cwd=REPO,
            timeout=300,
        )
    )
    wheels = sorted(dist.glob("iicsa_stats-*.whl"))
    assert len(wheels) == 1, f"expected one wheel, found {wheels}"

    env_dir = base / "venv"
    venv.EnvBuilder(with_pip=True, system_site_packages=False, clear=True).create(env_dir)
    scripts = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = scripts / ("python.exe" if os.name == "nt" else "python")
    outside = base / "elsewhere"
    outside.mkdir()
    assert not outside.resolve().is_relative_to(REPO)

    _ok(
        _run(
            [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheels[0]],
            cwd=outside,
            timeout=900,
        )
    )
    return Installed(wheel=wheels[0], venv=env_dir, python=python, scripts=scripts, outside=outside)


_INSTALLED_SCRIPT = f"""
import importlib.resources, json, sys, sysconfig
import iicsa_stats, iicsa_stats._paths as paths
first = iicsa_stats.list_figures()[0]
fig = iicsa_stats.figure({FIGURE_ID!r})
frame = iicsa_stats.figures()
shipped = importlib.resources.files("iicsa_stats") / "_data" / "datapackage.json"
print(json.dumps({{
    "file": iicsa_stats.__file__,
    "purelib": sysconfig.get_paths()["purelib"],
    "sys_path": sys.path,
    "data_root": str(paths.data_root()),
    "checkout_root": None if paths.checkout_root() is None else str(paths.checkout_root()),
    "resources_datapackage": str(shipped),
    "resources_is_file": shipped.is_file(),
    "figure_ids": iicsa_stats.list_figures(),
    "first_headline": iicsa_stats.figure(first).headline,
    "value": fig.value,
    "caveats": len(fig.caveats),
    "context": fig.context(30),
    "quote": fig.provenance.quote,
    "frame_rows": len(frame),
    "frame_ids": list(frame["figure_id"]),
}}))
"""


@pytest.fixture(scope="module")
def report(installed: Installed) -> dict[str, Any]:
    result = _ok(installed.run(installed.python, "-c", _INSTALLED_SCRIPT))
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def _within(path: str | Path, folder: str | Path) -> bool:
    return Path(path).resolve().is_relative_to(Path(folder).resolve())


@pytest.mark.slow
def test_import_comes_from_the_wheel_not_the_checkout(installed: Installed, report: dict[str, Any]) -> None:
    purelib = str(report["purelib"])
    assert _within(purelib, installed.venv)
    assert _within(str(report["file"]), Path(purelib) / "iicsa_stats")
    assert not _within(str(report["file"]), REPO)
    leaks = [p for p in report["sys_path"] if p and _within(p, REPO)]
    assert leaks == [], f"the new environment can see the checkout: {leaks}"
    runner_sites = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    seen = [p for p in report["sys_path"] if p and any(_within(p, site) for site in runner_sites)]
    assert seen == [], f"the new environment can see the test runner's site-packages: {seen}"


@pytest.mark.slow
def test_data_is_found_inside_the_installed_package(report: dict[str, Any]) -> None:
    package_dir = Path(str(report["file"])).resolve().parent
    assert report["checkout_root"] is None
    assert Path(str(report["data_root"])).resolve() == package_dir / "_data"
    # The shortcut in _paths (the package's own directory) finds what importlib.resources finds.
    assert report["resources_is_file"] is True
    assert Path(str(report["resources_datapackage"])).resolve() == package_dir / "_data" / "datapackage.json"


@pytest.mark.slow
def test_figures_load_from_the_installed_data(report: dict[str, Any]) -> None:
    ids = report["figure_ids"]
    assert isinstance(ids, list)
    assert len(ids) >= 9
    assert FIGURE_ID in ids
    assert report["first_headline"]
    assert report["value"] == 8525.0
    assert report["caveats"] >= 1
    assert report["frame_rows"] >= 9
    assert report["frame_ids"] == ids
    # context() reads the shipped raw text around the quote.
    assert f"\u00bb{report['quote']}\u00ab" in str(report["context"])


@pytest.mark.slow
@pytest.mark.parametrize("how", ["script", "module"])
def test_cli_show_and_list(installed: Installed, report: dict[str, Any], how: str) -> None:
    command = [installed.scripts / "iicsa-stats"] if how == "script" else [installed.python, "-m", "iicsa_stats"]
    shown = _ok(installed.run(*command, "show", FIGURE_ID))
    assert FIGURE_ID in shown.stdout
    assert "Caveats" in shown.stdout
    assert "8525" in shown.stdout
    listed = _ok(installed.run(*command, "list", "--format", "json"))
    records = json.loads(listed.stdout)
    assert [r["figure_id"] for r in records] == report["figure_ids"]


@pytest.mark.slow
def test_validate_passes_on_the_shipped_data(installed: Installed) -> None:
    result = _ok(installed.run(installed.scripts / "iicsa-stats", "validate", timeout=600))
    assert result.stdout.strip(), "validate printed no report"


def _expected_data_files() -> list[str]:
    processed = [
        p
        for p in (REPO / "data" / "processed").iterdir()
        if p.suffix in (".csv", ".parquet") or p.name == "PARQUET.sha256"
    ]
    files = [*processed, *(REPO / "data" / "raw").glob("*.txt"), *(REPO / "schemas").glob("*.json")]
    return sorted(p.relative_to(REPO).as_posix() for p in files)


@pytest.mark.slow
def test_wheel_contains_the_data_package(installed: Installed) -> None:
    expected = _expected_data_files()
    assert any(name.endswith(".parquet") for name in expected)
    assert any(name.startswith("data/raw/") for name in expected)
    assert any(name.startswith("schemas/") for name in expected)
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
        wanted = ["iicsa_stats/_data/datapackage.json", "iicsa_stats/py.typed"]
        wanted += [f"iicsa_stats/_data/{name}" for name in expected]
        missing = [name for name in wanted if name not in names]
        assert missing == [], f"the wheel lacks {missing}"
        # Shipped byte for byte as committed in the checkout.
        for name in ["datapackage.json", *expected]:
            assert wheel.read(f"iicsa_stats/_data/{name}") == (REPO / name).read_bytes(), name
        assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


@pytest.mark.slow
def test_site_templates_ship_and_the_site_builds_from_the_wheel(installed: Installed) -> None:
    templates = sorted((REPO / "src" / "iicsa_stats" / "site" / "templates").iterdir())
    assert {p.suffix for p in templates} == {".j2", ".css"}
    with zipfile.ZipFile(installed.wheel) as wheel:
        for path in templates:
            assert wheel.read(f"iicsa_stats/site/templates/{path.name}") == path.read_bytes(), path.name
    out = installed.outside / "site"
    _ok(installed.run(installed.scripts / "iicsa-stats", "site", "--out", out))
    assert (out / "index.html").is_file()
    assert (out / "figures" / f"{FIGURE_ID}.html").is_file()
    bibtex = _ok(installed.run(installed.scripts / "iicsa-stats", "cite", FIGURE_ID, "--format", "bibtex"))
    assert bibtex.stdout.startswith(f"@report{{iicsa-stats:{FIGURE_ID},")
