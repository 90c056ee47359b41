"""The code's layout (issue 8): one module per check, no hidden modules, code lists agree with the schemas."""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.util
import inspect
from collections.abc import Callable
from pathlib import Path

import pytest

import iicsa_stats as ist
from conftest import REPO
from iicsa_stats import _figure, _provenance, numbers
from iicsa_stats._loader import load_schema
from iicsa_stats.tables import TABLES
from iicsa_stats.validation import CHECKS, REGISTRY

SRC = REPO / "src" / "iicsa_stats"
MAX_CHECK_FUNCTION_LINES = 60


def test_every_check_is_in_the_registry_in_order() -> None:
    assert tuple(REGISTRY) == CHECKS


@pytest.mark.parametrize("path", sorted((SRC / "validation").rglob("*.py")), ids=lambda p: p.name)
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


def _enum(table: str, column: str) -> list[str]:
    schema = load_schema(REPO, table)
    field = next(f for f in schema["fields"] if f["name"] == column)
    enum: list[str] = field["constraints"]["enum"]
    return enum


@pytest.mark.parametrize(
    ("codes", "table", "column"),
    [
        (_figure.QUALIFIERS, "figures", "qualifier"),
        (_figure.UNITS, "figures", "unit"),
        (_figure.PERIOD_TYPES, "figures", "period_type"),
        (_provenance.PRODUCER_BASES, "figures", "producer_basis"),
        (_figure.CAVEAT_KINDS, "caveats", "kind"),
        (_figure.CAVEAT_BASES, "caveats", "basis"),
        (numbers.KINDS, "ledger", "kind"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_code_lists_are_the_schema_enums(codes: tuple[str, ...], table: str, column: str) -> None:
    assert list(codes) == _enum(table, column)


def test_range_qualifiers_are_qualifiers() -> None:
    assert set(_figure.QUALIFIERS) > _figure.RANGE_QUALIFIERS


# --------------------------------------------------------------------------- every loader, one contract

LOADERS: dict[str, tuple[str, Callable[[], object]]] = {
    "figures": ("figures", ist.figures),
    "caveats": ("caveats", ist.caveats),
    "documents": ("documents", ist.documents),
    "ledger": ("ledger", ist.ledger),
    **{f"table({t})": (t, functools.partial(ist.table, t)) for t in TABLES},
}


@pytest.mark.parametrize("loader", sorted(LOADERS))
def test_every_loader_keeps_the_contract(loader: str) -> None:
    """Columns as the schema, metadata with attribution and licence, rows as the CSV, nothing shared."""
    import pandas as pd

    from iicsa_stats import _loader

    table, load = LOADERS[loader]
    frame = load()
    assert isinstance(frame, pd.DataFrame)
    schema = load_schema(REPO, table)
    assert list(frame.columns) == [f["name"] for f in schema["fields"]]
    assert len(frame) == len(_loader.rows(table))
    assert frame.attrs["name"] == table
    assert frame.attrs["attribution"] and frame.attrs["licenses"]
    assert set(frame.attrs["columns"]) == set(frame.columns)
    again = load()
    assert isinstance(again, pd.DataFrame)
    assert again is not frame
    pd.testing.assert_frame_equal(frame, again)


def test_shortcut_loaders_are_the_table_function() -> None:
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
            if node.level:  # from . import x, from ..y import z
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
