"""The code's layout: no module over 700 lines, no import cycle, no hidden module, code lists as the schemas say.

Modules are found by walking the package, so these tests hold whatever the modules are called.
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.util
import inspect
import json
import pkgutil
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import iicsa_stats as ist
from conftest import REPO, read_rows

SRC = REPO / "src" / "iicsa_stats"
MAX_MODULE_LINES = 700  # issue 15's rule, counted as `wc -l` counts (the files are ruff-formatted)
MAX_CHECK_FUNCTION_LINES = 60


def test_no_module_is_over_700_lines() -> None:
    lines = {path.relative_to(SRC).as_posix(): path.read_bytes().count(b"\n") for path in SRC.rglob("*.py")}
    assert {name: n for name, n in lines.items() if n > MAX_MODULE_LINES} == {}


def _validation_files() -> list[Path]:
    """The files of ``iicsa_stats.validation``, a module or a package."""
    spec = importlib.util.find_spec("iicsa_stats.validation")
    assert spec is not None and spec.origin is not None
    folders = spec.submodule_search_locations or []
    return sorted({Path(spec.origin), *(p for folder in folders for p in Path(folder).rglob("*.py"))})


@pytest.mark.parametrize("path", _validation_files(), ids=lambda p: p.relative_to(SRC).as_posix())
def test_no_validation_function_is_over_60_lines(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_CHECK_FUNCTION_LINES
    ]
    assert not long, f"{path.name}: {long}"


@pytest.mark.parametrize("name", ist.__all__)
def test_no_public_name_hides_a_module(name: str) -> None:
    """``import iicsa_stats.<name>`` and ``iicsa_stats.<name>`` never mean two different things."""
    spec = importlib.util.find_spec(f"iicsa_stats.{name}")
    if spec is not None:
        assert inspect.ismodule(getattr(ist, name)), f"iicsa_stats.{name} is a module hidden by {getattr(ist, name)!r}"


@functools.cache
def _modules() -> list[ModuleType]:
    """Every module of the package, imported (``__main__`` would run the command line)."""
    names = [m.name for m in pkgutil.walk_packages(ist.__path__, "iicsa_stats.") if not m.name.endswith("__main__")]
    return [ist, *map(importlib.import_module, names)]


def _defined(name: str) -> list[object]:
    """Each distinct value that a module of the package binds to ``name`` (a re-export counts once)."""
    found = {id(v): v for v in (vars(m).get(name) for m in _modules()) if v is not None}
    return list(found.values())


# Each code list of the package, by its constant's name, and the schema enums it must equal (KINDS: two lists).
CODE_LISTS = {
    "QUALIFIERS": [("figures", "qualifier")],
    "UNITS": [("figures", "unit")],
    "PERIOD_TYPES": [("figures", "period_type")],
    "PRODUCER_BASES": [("figures", "producer_basis")],
    "ROLES": [("figure_sources", "role")],
    "STEP_BASES": [("figure_sources", "basis")],
    "KINDS": [("ledger", "kind")],
    "CAVEAT_KINDS": [("caveats", "kind")],
    "CAVEAT_BASES": [("caveats", "basis")],
    "DIMENSIONS": [("comparisons", "dimension")],
    "EFFECTS": [("comparisons", "effect")],
    "VERDICTS": [("comparisons", "verdict")],
}


def _schema(table: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((REPO / "schemas" / f"{table}.schema.json").read_text(encoding="utf-8"))
    return schema


def _enum(table: str, column: str) -> tuple[str, ...]:
    field = next(f for f in _schema(table)["fields"] if f["name"] == column)
    return tuple(field["constraints"]["enum"])


@pytest.mark.parametrize("name", sorted(CODE_LISTS))
def test_code_lists_are_the_schema_enums(name: str) -> None:
    defined = sorted(tuple(v) for v in _defined(name))
    assert defined == sorted({_enum(*column) for column in CODE_LISTS[name]}), f"{name} differs from the schema"


def test_range_qualifiers_are_qualifiers() -> None:
    (qualifiers,), (ranges,) = _defined("QUALIFIERS"), _defined("RANGE_QUALIFIERS")
    assert set(qualifiers) > set(ranges)


# --------------------------------------------------------------------------- every loader, one contract


@pytest.mark.parametrize("table", ist.TABLES)
def test_every_table_keeps_the_contract(table: str) -> None:
    """Columns as the schema, metadata with attribution and licence, rows as the CSV, nothing shared."""
    import pandas as pd

    frame = ist.table(table)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == [f["name"] for f in _schema(table)["fields"]]
    assert len(frame) == len(read_rows(REPO / "data" / "processed" / f"{table}.csv")[1])
    assert frame.attrs["name"] == table
    assert frame.attrs["attribution"] and frame.attrs["licenses"]
    assert set(frame.attrs["columns"]) == set(frame.columns)
    again = ist.table(table)
    assert isinstance(again, pd.DataFrame)
    assert again is not frame
    pd.testing.assert_frame_equal(frame, again)


def test_shortcut_loaders_are_the_table_function() -> None:  # so the contract above holds for them too
    import pandas as pd

    for name in ("figures", "caveats", "documents", "ledger"):
        shortcut = getattr(ist, name)()
        assert isinstance(shortcut, pd.DataFrame)
        pd.testing.assert_frame_equal(shortcut, ist.table(name))


def _module(path: Path) -> str:
    return ".".join(path.relative_to(SRC.parent).with_suffix("").parts).removesuffix(".__init__")


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The package's modules that ``path`` imports anywhere: at its top, in a function or for type checkers only."""
    name = _module(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # from . import x, from..y import z
                base = ".".join([*package[: len(package) - node.level + 1], *([base] if base else [])])
            found.update(f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names)
    return found & modules - {name}


def test_no_import_cycle() -> None:
    """No module imports one that imports it back, however indirectly, even inside a function."""
    paths = {_module(path): path for path in SRC.rglob("*.py")}
    graph = {name: _imports(path, set(paths)) for name, path in paths.items()}
    cycles = []
    for start in sorted(graph):  # depth first from each module: a way back to it is a cycle
        stack, seen = [(start, [start])], set()
        while stack:
            module, chain = stack.pop()
            for imported in sorted(graph[module]):
                if imported == start:
                    cycles.append(" -> ".join([*chain, start]))
                elif imported not in seen:
                    seen.add(imported)
                    stack.append((imported, [*chain, imported]))
    assert not cycles, "import cycles:\n" + "\n".join(cycles)
