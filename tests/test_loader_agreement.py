"""A catalogue of damages, each run against both the loader and validate: they must agree, case by case.

The rule (issue 11): whatever the loader refuses, validate reports.  Each case
damages a built copy of the package in one way and declares what the loader
does with it:

* ``refuses``: the loader raises when a figure, a table or a raw text is asked
  for; validate must report at least one problem;
* ``serves``: the loader serves the data (it reads only the CSV tables, their
  schemas and the raw texts, each against its pin); validate must still report
  the damage, because it checks more than the loader needs (Parquet files,
  metadata, order, extra files).  The reason is given with the case.

Most cases re-pin the copy after the damage (sizes and hashes in
``datapackage.json``, schema pins, ``PARQUET.sha256``, the raw texts' pins in
the documents table), so that what is tested is the loader's and validate's
reading of the content, not only the pins.  The catalogue covers every refusal
in the loader (``_store``, ``tables.read_csv``, ``tables.load_schema``,
``tables.resource_pins``, the model objects' own checks), the cases of issue 11
and the damages of the mutation tests.

Where the loader fails with an exception that is not an ``IICSAStatsError``
(a raw traceback for a user), the case would be marked ``traceback``, so that
it is seen; no case is today (a raw text that is not UTF-8 was one, before the
loader turned it into a ``RawDocumentError``).
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import REPO, read_rows
from iicsa_stats.build import build
from iicsa_stats.errors import IICSAStatsError
from iicsa_stats.validation import Problem, format_report, validate
from test_mutations import MUTATIONS
from test_validate_reliability import (
    PROCESSED,
    _flip,
    _footer_offset,
    _junk_rows,
    _retype_value,
    descriptor,
    edit_rows,
    load_everything,
    repin,
    resource,
    write_descriptor,
)

FIGURE = "police-recorded-online-csa-offences-2017-18"


@dataclass(frozen=True, kw_only=True)
class Case:
    """One damage: what it does, and what the loader is expected to do with it."""

    damage: Callable[[Path], None]
    loader: str  # "refuses", "serves" or "traceback"
    why: str = ""
    repin: bool = True

    def __post_init__(self) -> None:
        if self.loader not in ("refuses", "serves", "traceback"):
            raise ValueError(self.loader)
        if self.loader == "serves" and not self.why:
            raise ValueError("say why the loader serves it")


def _descriptor_edit(edit: Callable[[dict], None]) -> Callable[[Path], None]:
    def damage(pkg: Path) -> None:
        data = descriptor(pkg)
        edit(data)
        write_descriptor(pkg, data)

    return damage


def _file(rel: str, content: bytes | None) -> Callable[[Path], None]:
    def damage(pkg: Path) -> None:
        path = pkg / rel
        if content is None:
            path.unlink()
        else:
            path.write_bytes(content)

    return damage


def _cell(
    table: str, column: str, value: str, where: Callable[[dict[str, str]], bool] | None = None
) -> Callable[[Path], None]:
    def damage(pkg: Path) -> None:
        def edit(rows: list[dict[str, str]]) -> None:
            target = next(r for r in rows if where is None or where(r))
            target[column] = value

        edit_rows(pkg, table, edit)

    return damage


def _drop_rows(table: str, where: Callable[[dict[str, str]], bool]) -> Callable[[Path], None]:
    def damage(pkg: Path) -> None:
        edit_rows(pkg, table, lambda rows: [r for r in rows if not where(r)])

    return damage


def _add_row(table: str, values: dict[str, str]) -> Callable[[Path], None]:
    def damage(pkg: Path) -> None:
        def edit(rows: list[dict[str, str]]) -> list[dict[str, str]]:
            return [*rows, {**rows[0], **values}]

        edit_rows(pkg, table, edit)

    return damage


def _md5_pin(pkg: Path) -> None:
    data = descriptor(pkg)
    res = resource(data, "figures")
    res["hash"] = "md5:" + hashlib.md5((pkg / res["path"]).read_bytes()).hexdigest()
    write_descriptor(pkg, data)


def _upper_pin(pkg: Path) -> None:
    data = descriptor(pkg)
    res = resource(data, "figures")
    res["hash"] = "sha256:" + res["hash"].removeprefix("sha256:").upper()
    write_descriptor(pkg, data)


def _curator_caveat(pkg: Path) -> str:
    _, rows = read_rows(pkg / PROCESSED / "caveats.csv")
    return next(r["caveat_id"] for r in rows if r["basis"] == "curator")


def _source_caveat(pkg: Path) -> str:
    _, rows = read_rows(pkg / PROCESSED / "caveats.csv")
    return next(r["caveat_id"] for r in rows if r["basis"] == "source")


def _drop_references(pkg: Path) -> None:
    caveat = _curator_caveat(pkg)
    _drop_rows("caveat_references", lambda r: r["caveat_id"] == caveat)(pkg)


def _reference_for_source_caveat(pkg: Path) -> None:
    caveat = _source_caveat(pkg)
    _add_row("caveat_references", {"caveat_id": caveat, "position": "1"})(pkg)


def _raw(edit: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    def damage(pkg: Path) -> None:
        path = pkg / "data/raw/iicsa-internet-report-b1.txt"
        path.write_bytes(edit(path.read_bytes()))

    return damage


def _mutation(kind: str) -> Callable[[Path], None]:
    return lambda pkg: MUTATIONS[kind](pkg, FIGURE)


def _schema_url(pkg: Path) -> None:
    data = descriptor(pkg)
    resource(data, "figures")["schema"] = "http://127.0.0.1:9/x.json?leak=secret"
    write_descriptor(pkg, data)


def _parquet_flip_values(pkg: Path) -> None:
    path = pkg / PROCESSED / "figures.parquet"
    _flip(path, 300)  # inside the first column's data page


def _parquet_flip_footer(pkg: Path) -> None:
    path = pkg / PROCESSED / "figures.parquet"
    _flip(path, _footer_offset(path, b"Crown copyright material") + 3)


def _parquet_flip_statistics(pkg: Path) -> None:
    import pyarrow.parquet as pq

    path = pkg / PROCESSED / "figures.parquet"
    maximum = pq.read_metadata(path).row_group(0).column(0).statistics.max.encode()
    data = path.read_bytes()
    # the column chunk's maximum as the footer stores it (the statistics DuckDB filters by)
    offset = data.rfind(maximum, 0, len(data) - 8 - int.from_bytes(data[-8:-4], "little") + 4000)
    _flip(path, offset + len(maximum) - 1)


def _extra_file(pkg: Path) -> None:
    (pkg / PROCESSED / "figures-export.csv").write_bytes((pkg / PROCESSED / "figures.csv").read_bytes())


def _reverse(table: str) -> Callable[[Path], None]:
    return lambda pkg: edit_rows(pkg, table, lambda rows: list(reversed(rows)))


def _delete_key(key: str) -> Callable[[Path], None]:
    return _descriptor_edit(lambda d: d.pop(key))


CASES: dict[str, Case] = {
    # --- the descriptor and the pins the loader reads
    "descriptor-missing": Case(damage=_file("datapackage.json", None), loader="refuses", repin=False),
    "descriptor-not-json": Case(damage=_file("datapackage.json", b"{not json"), loader="refuses", repin=False),
    "descriptor-without-resources": Case(
        damage=_descriptor_edit(lambda d: d.pop("resources")), loader="refuses", repin=False
    ),
    "table-hash-removed (issue 11.1)": Case(
        damage=_descriptor_edit(lambda d: resource(d, "figures").pop("hash")), loader="refuses", repin=False
    ),
    "table-resource-removed": Case(
        damage=_descriptor_edit(lambda d: d["resources"].remove(resource(d, "caveats"))),
        loader="refuses",
        repin=False,
    ),
    "table-pinned-with-md5": Case(damage=_md5_pin, loader="refuses", repin=False),
    "table-pin-in-capitals": Case(damage=_upper_pin, loader="refuses", repin=False),
    "schema-pin-removed": Case(
        damage=_descriptor_edit(lambda d: resource(d, "ledger").pop("schemaHash")), loader="refuses", repin=False
    ),
    "schema-changed (issue 11.8)": Case(damage=_retype_value, loader="refuses", repin=False),
    "schema-changed-and-re-pinned": Case(damage=_retype_value, loader="refuses"),
    "table-changed-not-re-pinned": Case(
        damage=_cell("producers", "name", "Someone else"), loader="refuses", repin=False
    ),
    # --- the CSV files, re-pinned: the loader's own reading refuses them
    "csv-missing": Case(damage=_file(f"{PROCESSED}/caveats.csv", None), loader="refuses", repin=False),
    "csv-empty": Case(damage=_file(f"{PROCESSED}/figure_caveats.csv", b""), loader="refuses"),
    "csv-not-utf8": Case(
        damage=_file(f"{PROCESSED}/producers.csv", b"producer_id,name\n\xff\xfe,x\n"), loader="refuses"
    ),
    "csv-unclosed-quote": Case(
        damage=lambda p: (p / PROCESSED / "ledger.csv").open("a").write('x,"unclosed\n'), loader="refuses"
    ),
    "csv-other-header": Case(
        damage=lambda p: (p / PROCESSED / "producers.csv").write_text(
            (p / PROCESSED / "producers.csv").read_text().replace("producer_id", "producer", 1)
        ),
        loader="refuses",
    ),
    "csv-short-row": Case(
        damage=lambda p: (p / PROCESSED / "documents.csv").open("a").write("a,b\n"), loader="refuses"
    ),
    "csv-bad-type": Case(damage=_cell("figures", "quote_start", "twelve"), loader="refuses"),
    "csv-required-missing": Case(damage=_cell("figures", "unit", ""), loader="refuses"),
    # --- the join of the tables into figures, re-pinned
    "link-to-a-missing-caveat": Case(damage=_cell("figure_caveats", "caveat_id", "no-such-caveat"), loader="refuses"),
    "figure-names-a-missing-document": Case(
        damage=_cell("figures", "document_id", "no-such-document"), loader="refuses"
    ),
    "figure-names-a-missing-producer": Case(
        damage=_cell("figures", "producer_id", "no-such-producer", lambda r: bool(r["producer_id"])),
        loader="refuses",
    ),
    "caveat-of-an-unknown-kind": Case(damage=_cell("caveats", "kind", "other"), loader="refuses"),
    "reference-not-a-web-address": Case(
        damage=_cell("caveat_references", "url", "ftp://example.org/x"), loader="refuses"
    ),
    "curator-caveat-without-references": Case(damage=_drop_references, loader="refuses"),
    "source-caveat-with-a-reference": Case(damage=_reference_for_source_caveat, loader="refuses"),
    "figure-without-caveats": Case(
        damage=_drop_rows("figure_caveats", lambda r: r["figure_id"] == FIGURE), loader="refuses"
    ),
    "figure-id-not-a-slug": Case(damage=_cell("figures", "figure_id", "Not A Slug"), loader="refuses"),
    "figure-unknown-unit": Case(damage=_cell("figures", "unit", "widgets"), loader="refuses"),
    "figure-range-and-value": Case(
        damage=_cell("figures", "value_lower", "1", lambda r: r["figure_id"] == FIGURE), loader="refuses"
    ),
    "figure-period-reversed": Case(
        damage=_cell("figures", "period_end", "2000-01-01", lambda r: bool(r["period_start"] and r["period_end"])),
        loader="refuses",
    ),
    "figure-stated-producer-missing": Case(
        damage=_cell("figures", "producer_id", "", lambda r: r["producer_basis"] == "stated"), loader="refuses"
    ),
    "figure-quote-offsets-off-by-one-in-length": Case(
        damage=_cell("figures", "quote_end", "100000", lambda r: r["figure_id"] == FIGURE), loader="refuses"
    ),
    # --- the raw texts
    "raw-changed-not-re-pinned": Case(
        damage=_raw(lambda b: b.replace(b"8,525", b"8,526")), loader="refuses", repin=False
    ),
    "raw-missing": Case(damage=_file("data/raw/iicsa-internet-report-b1.txt", None), loader="refuses", repin=False),
    "raw-not-utf8-re-pinned (issue 11.2b)": Case(damage=_raw(lambda b: b + b"\xff"), loader="refuses"),
    "raw-path-outside-data-raw": Case(damage=_cell("documents", "raw_path", "../secret.txt"), loader="refuses"),
    # --- the mutation tests' damages (figures.csv, figures.parquet, raw text, ledger)
    **{
        f"mutation-{kind}": Case(
            damage=_mutation(kind),
            loader="refuses" if kind == "raw-digit" else "serves",
            why={
                "parquet-value": "the loader does not read Parquet files",
                "ledger-rows": "the loader does not use the ledger to build figures",
                "csv-value": "the value is a well-formed number; only the quote shows it is wrong, which validate "
                "checks and the loader does not",
                "quote-offsets": "the quote keeps its length, so the loader's Provenance accepts it; only the raw "
                "text shows that the offsets are wrong",
            }.get(kind, ""),
            repin=kind != "raw-digit",  # a changed raw text fails its pin in the documents table
        )
        for kind in MUTATIONS
    },
    "mutation-raw-digit-re-pinned": Case(
        damage=_mutation("raw-digit"),
        loader="serves",
        why="the raw text matches its (new) pin; only its quotes and ledger show that it changed",
    ),
    # --- the other cases of issue 11
    "schema-url (issue 11.0)": Case(
        damage=_schema_url,
        loader="serves",
        repin=False,
        why="the loader reads schemas/TABLE.schema.json, never the resource's schema",
    ),
    "parquet-byte-in-values (issue 11.3)": Case(
        damage=_parquet_flip_values, loader="serves", why="the loader does not read Parquet files"
    ),
    "parquet-byte-in-statistics (issue 11.3)": Case(
        damage=_parquet_flip_statistics, loader="serves", why="the loader does not read Parquet files"
    ),
    "parquet-footer-licence (issue 11.10)": Case(
        damage=_parquet_flip_footer, loader="serves", why="the loader does not read Parquet files"
    ),
    **{
        f"metadata-{key}-removed (issue 11.4)": Case(
            damage=_delete_key(key),
            loader="serves",
            repin=False,
            why="the loader serves figures without the package metadata",
        )
        for key in ("name", "version", "licenses", "attribution")
    },
    "licenses-a-string (issue 11.4)": Case(
        damage=_descriptor_edit(lambda d: d.__setitem__("licenses", "CC-BY-4.0")),
        loader="serves",
        repin=False,
        why="the figure lookup does not read the licences (the DataFrame functions refuse them: issue 11.9)",
    ),
    "rows-out-of-order (issue 11.5)": Case(
        damage=_reverse("figures"),
        loader="serves",
        why="the loader sorts figures by id; the order is the build's promise to readers of the files",
    ),
    "extra-file (issue 11.11)": Case(
        damage=_extra_file, loader="serves", repin=False, why="the loader reads only the package's own files"
    ),
    "junk-rows-2mb (issue 11.13)": Case(damage=_junk_rows, loader="refuses", repin=False),
}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = build(REPO, out=tmp_path_factory.mktemp("agreement") / "pristine")
    assert validate(out, rebuild=False) == []
    return out


@dataclass
class Outcome:
    loader: str
    error: str
    problems: list[Problem]


@pytest.fixture(scope="module")
def outcomes() -> dict[str, Outcome]:
    return {}


def run_case(name: str, pristine: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Outcome:
    case = CASES[name]
    pkg = Path(shutil.copytree(pristine, tmp_path / "package"))
    case.damage(pkg)
    if case.repin:
        repin(pkg)
    try:
        load_everything(pkg, monkeypatch)
    except IICSAStatsError as exc:
        loader, error = "refuses", str(exc)
    except Exception as exc:  # a raw traceback for the user: recorded as such
        loader, error = "traceback", f"{type(exc).__name__}: {exc}"
    else:
        loader, error = "serves", ""
    return Outcome(loader=loader, error=error, problems=validate(pkg, rebuild=False))


@pytest.mark.parametrize("name", sorted(CASES))
def test_loader_and_validate_agree(
    name: str, pristine: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, outcomes: dict[str, Outcome]
) -> None:
    outcome = outcomes[name] = run_case(name, pristine, tmp_path, monkeypatch)
    case = CASES[name]
    assert outcome.loader == case.loader, f"{name}: the loader {outcome.loader} ({outcome.error[:300]})"
    # the rule: whatever the loader refuses, validate reports; and every damage here is one validate must see
    assert outcome.problems, f"{name}: the loader {outcome.loader} ({outcome.error[:300]}) but validate is silent"
    assert "no problems found" not in format_report(outcome.problems)
