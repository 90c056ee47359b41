"""Mutation tests: every figure, damaged in five ways, must be caught and named by validate().

For each kind of damage, one copy of the data package has every figure damaged that way:

* ``csv-value``: its value changed in ``figures.csv``;
* ``parquet-value``: its value changed in ``figures.parquet``;
* ``quote-offsets``: its quote offsets shifted by one in ``figures.csv``;
* ``raw-digit``: a digit of its number changed in the raw text;
* ``ledger-rows``: its rows dropped from ``ledger.csv``.

Each figure must be named by a problem of the check meant for that damage.  Only that check runs on the
mutant (``run_checks``): the full ``validate()`` of a sound package is tested elsewhere.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import REPO, read_rows, write_rows
from iicsa_stats.numbers import values_in
from iicsa_stats.validation import format_report, run_checks


def _figure_ids() -> list[str]:
    with open(REPO / "data" / "processed" / "figures.csv", encoding="utf-8", newline="") as handle:
        return [row["figure_id"] for row in csv.DictReader(handle)]


FIGURE_IDS = _figure_ids()


# --------------------------------------------------------------------------- editing helpers


def figure_row(pkg: Path, fid: str) -> dict[str, str]:
    _, rows = read_rows(pkg / "data/processed/figures.csv")
    return next(row for row in rows if row["figure_id"] == fid)


def value_field(row: dict[str, str]) -> str:
    return "value" if row["value"] else "value_lower"


def changed_value(row: dict[str, str]) -> float:
    """A value that is not among the numbers of the figure's quote."""
    old = float(row[value_field(row)])
    new = old * 3 + 7
    assert new not in values_in(row["quote"])
    return new


def cell(number: float) -> str:
    return str(int(number)) if number.is_integer() else repr(number)


# --------------------------------------------------------------------------- the five mutations


def mutate_csv_value(pkg: Path, fid: str) -> None:
    path = pkg / "data/processed/figures.csv"
    header, rows = read_rows(path)
    for row in rows:
        if row["figure_id"] == fid:
            row[value_field(row)] = cell(changed_value(row))
    write_rows(path, header, rows)


def mutate_parquet_value(pkg: Path, fid: str) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    row = figure_row(pkg, fid)
    name, new = value_field(row), changed_value(row)
    path = pkg / "data/processed/figures.parquet"
    table = pq.read_table(path)
    ids = table.column("figure_id").to_pylist()
    values = table.column(name).to_pylist()
    values[ids.index(fid)] = new
    index = table.column_names.index(name)
    table = table.set_column(index, table.schema.field(index), pa.array(values, pa.float64()))
    pq.write_table(table, path, compression="zstd")


def mutate_quote_offsets(pkg: Path, fid: str) -> None:
    path = pkg / "data/processed/figures.csv"
    header, rows = read_rows(path)
    for row in rows:
        if row["figure_id"] == fid:
            row["quote_start"] = str(int(row["quote_start"]) + 1)
            row["quote_end"] = str(int(row["quote_end"]) + 1)
    write_rows(path, header, rows)


def mutate_raw_digit(pkg: Path, fid: str) -> None:
    """Change the first digit of the figure's own number (a ledger mention it owns) in the raw text."""
    fig = figure_row(pkg, fid)
    _, ledger = read_rows(pkg / "data/processed/ledger.csv")
    _, documents = read_rows(pkg / "data/processed/documents.csv")
    raw_path = pkg / next(d["raw_path"] for d in documents if d["document_id"] == fig["document_id"])
    declared = {float(fig[k]) for k in ("value", "value_lower", "value_upper") if fig[k]}
    owned = [r for r in ledger if r["figure_id"] == fid and any(c.isdigit() for c in r["text"])]
    # Prefer the mention that states a declared value, so the figure's own number is what changes.
    owned.sort(key=lambda r: not (values_in(r["text"]) & declared))
    mention = owned[0]
    offset = int(mention["start"]) + next(i for i, c in enumerate(mention["text"]) if c.isdigit())
    text = raw_path.read_text(encoding="utf-8")
    assert int(fig["quote_start"]) <= offset < int(fig["quote_end"]), "the digit must lie inside its quote"
    digit = text[offset]
    text = text[:offset] + str((int(digit) + 1) % 10) + text[offset + 1 :]
    raw_path.write_text(text, encoding="utf-8", newline="")


def mutate_ledger_rows(pkg: Path, fid: str) -> None:
    path = pkg / "data/processed/ledger.csv"
    header, rows = read_rows(path)
    kept = [row for row in rows if row["figure_id"] != fid]
    assert len(kept) < len(rows), f"figure {fid} has no ledger rows to drop"
    write_rows(path, header, kept)


MUTATIONS: dict[str, Callable[[Path, str], None]] = {
    "csv-value": mutate_csv_value,
    "parquet-value": mutate_parquet_value,
    "quote-offsets": mutate_quote_offsets,
    "raw-digit": mutate_raw_digit,
    "ledger-rows": mutate_ledger_rows,
}


# --------------------------------------------------------------------------- running mutants

EXPECTED_CHECK = {
    "csv-value": "quotes",
    "parquet-value": "parquet",
    "quote-offsets": "quotes",
    "raw-digit": "quotes",
    "ledger-rows": "ledger",
}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("mutants") / "pristine"
    shutil.copytree(REPO / "data", out / "data", ignore=shutil.ignore_patterns("curation"))
    shutil.copytree(REPO / "schemas", out / "schemas")
    shutil.copy2(REPO / "datapackage.json", out)
    # the committed files, checked by the fast checks (the validate tests run every check on them)
    assert run_checks(out, ["quotes", "ledger", "comparisons"]) == []
    return out


def test_there_are_figures_to_mutate() -> None:
    assert len(FIGURE_IDS) >= 9
    assert len(set(FIGURE_IDS)) == len(FIGURE_IDS)


@pytest.mark.parametrize("kind", sorted(MUTATIONS))
def test_every_figure_damaged_is_named_by_its_check(pristine: Path, tmp_path: Path, kind: str) -> None:
    copy = Path(shutil.copytree(pristine, tmp_path / "mutant"))
    for fid in FIGURE_IDS:
        MUTATIONS[kind](copy, fid)
    problems = run_checks(copy, [EXPECTED_CHECK[kind]])
    named = {p.figure_id for p in problems}
    assert named >= set(FIGURE_IDS), f"{kind}: not named {set(FIGURE_IDS) - named}\n{format_report(problems)}"


# --------------------------------------------------------------------------- the comparison tables

INCIDENTS = "police-recorded-online-csa-incidents-2016-17"
OFFENCES = "police-recorded-online-csa-offences-2017-18"


def _edit_comparisons(pkg: Path, table: str, edit: Callable[[list[dict[str, str]]], list[dict[str, str]]]) -> None:
    path = pkg / f"data/processed/{table}.csv"
    header, rows = read_rows(path)
    edited = edit([dict(row) for row in rows])
    assert edited != rows, "the mutation changed nothing"
    write_rows(path, header, edited)


def _police(row: dict[str, str]) -> bool:
    return (row["figure_a"], row["figure_b"]) == (INCIDENTS, OFFENCES)


def _flip_verdict(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{**row, "verdict": "comparable"} if _police(row) else row for row in rows]


def _flip_same(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{**row, "same": "true"} if _police(row) and row["dimension"] == "unit" else row for row in rows]


def _change_note(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{**row, "note": "the same"} if _police(row) and row["dimension"] == "period" else row for row in rows]


def _swap_pair(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{**row, "figure_a": OFFENCES, "figure_b": INCIDENTS} if _police(row) else row for row in rows]


def _override_without_basis(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    # the offences count carries this caveat, the incidents count does not: no basis for the pair
    return [
        {**row, "caveat_id": "geography-inferred-from-context"} if row["basis"] == "curated" else row for row in rows
    ]


def _drop_deciding_caveat(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [row for row in rows if not (_police(row) and row["caveat_id"] == "police-counts-not-shown-comparable")]


COMPARISON_MUTATIONS: dict[str, tuple[str, Callable[[list[dict[str, str]]], list[dict[str, str]]], str]] = {
    # kind: (table, edit, the figure a problem must name)
    "verdict-flipped": ("comparisons", _flip_verdict, INCIDENTS),
    "same-flipped": ("comparisons", _flip_same, INCIDENTS),
    "note-changed": ("comparisons", _change_note, INCIDENTS),
    "pair-swapped": ("comparisons", _swap_pair, OFFENCES),
    "override-without-basis": ("comparisons", _override_without_basis, INCIDENTS),
    "deciding-caveat-dropped": ("comparison_caveats", _drop_deciding_caveat, INCIDENTS),
}


@pytest.mark.parametrize("kind", sorted(COMPARISON_MUTATIONS))
def test_comparison_mutant_is_caught_by_the_comparisons_check(pristine: Path, tmp_path: Path, kind: str) -> None:
    table, edit, fid = COMPARISON_MUTATIONS[kind]
    copy = Path(shutil.copytree(pristine, tmp_path / kind))
    _edit_comparisons(copy, table, edit)
    problems = run_checks(copy, ["comparisons"])
    assert any(p.figure_id == fid and p.table == table for p in problems), format_report(problems)
