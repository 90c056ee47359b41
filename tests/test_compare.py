"""Comparability as data: the comparisons tables, ist.compare, ist.comparable_with, ist.check_frame and the CLI."""

from __future__ import annotations

import itertools
import re
import warnings
from pathlib import Path

import pytest

import iicsa_stats as ist
from conftest import REPO, read_rows
from iicsa_stats import cli
from iicsa_stats.build import build_tables
from iicsa_stats.comparability import DIMENSIONS, EFFECTS, VERDICTS, Override, comparison_tables, load_overrides
from iicsa_stats.errors import CurationError

INCIDENTS = "police-recorded-online-csa-incidents-2016-17"
OFFENCES = "police-recorded-online-csa-offences-2017-18"
IDS = ist.list_figures()


def _csv(table: str) -> list[dict[str, str]]:
    return read_rows(REPO / "data" / "processed" / f"{table}.csv")[1]


# -- the table ------------------------------------------------------------------------------------------------


def test_every_pair_has_one_row_per_dimension_and_exactly_one_verdict() -> None:
    rows = _csv("comparisons")
    pairs: dict[tuple[str, str], list[dict[str, str]]] = {}
    for row in rows:
        pairs.setdefault((row["figure_a"], row["figure_b"]), []).append(row)
    assert set(pairs) == set(itertools.combinations(sorted(IDS), 2))
    for pair, pair_rows in pairs.items():
        assert pair[0] < pair[1]
        assert sorted(r["dimension"] for r in pair_rows) == sorted(DIMENSIONS), pair
        verdicts = {r["verdict"] for r in pair_rows}
        assert len(verdicts) == 1 and verdicts <= set(VERDICTS), (pair, verdicts)


def test_the_police_counts_are_not_shown_comparable_by_producer_and_recording() -> None:
    """Issue 14 finding 10: an unidentified producer and uneven flagging decide it, not the report's wording."""
    c = ist.compare(INCIDENTS, OFFENCES)
    assert c.verdict == "not_shown_comparable" and c.verdict_text == "not shown to be comparable"
    names = {d.name: d for d in c.differences}
    assert names["unit"].effect == "caveats" and "the NSPCC's 2016/17 count is of offences" in names["unit"].note
    producer = names["producer"]
    assert producer.basis == "curated" and producer.caveat_id == "police-counts-not-shown-comparable"
    assert producer.effect == "not_shown" and "not identified" in producer.note
    assert names["population"].caveat_id == "police-online-flag-recording"
    deciding = [cv.id for cv in c.caveats]
    assert deciding[:2] == ["police-counts-not-shown-comparable", "police-online-flag-recording"]
    assert not c.comparable


def test_a_comparable_pair_is_computed_from_the_fields() -> None:
    """Two figures of one series that differ only in period: comparable, no deciding caveat."""
    base = {
        "figure_id": "a",
        "measure_code": "m",
        "scale_measure": "reported_offences",
        "unit": "offences",
        "frequency": None,
        "producer_id": "p",
        "geography": "England and Wales",
        "period_type": "financial_year",
        "period_start": 1,
        "period_end": 2,
        "period_label": "2016/17",
        "population": "x",
        "qualifier": "exact",
    }
    other = {**base, "figure_id": "b", "period_start": 3, "period_end": 4, "period_label": "2017/18"}
    rows, deciding = comparison_tables([base, other], [], [])
    assert {r["verdict"] for r in rows} == {"comparable"} and deciding == []
    assert [r["dimension"] for r in rows if not r["same"]] == ["period"]
    # a shared comparability caveat makes it comparable only with caveats, and decides it
    links = [{"figure_id": f, "caveat_id": "c", "position": 1} for f in ("a", "b")]
    caveats = [{"caveat_id": "c", "kind": "comparability"}]
    rows, deciding = comparison_tables([base, other], links, caveats)
    assert {r["verdict"] for r in rows} == {"comparable_with_caveats"}
    assert deciding == [{"figure_a": "a", "figure_b": "b", "caveat_id": "c", "position": 1}]
    # an unknown producer is never the same producer
    rows, _ = comparison_tables([{**base, "producer_id": None}, other], [], [])
    producer = next(r for r in rows if r["dimension"] == "producer")
    assert producer["same"] is False and producer["note"] == "the producer is not stated for a"


def test_an_override_must_rest_on_a_caveat_both_figures_carry() -> None:
    links = [{"figure_id": "a", "caveat_id": "c", "position": 1}]
    figure = {
        "figure_id": "a",
        "measure_code": "m",
        "scale_measure": None,
        "unit": "people",
        "frequency": None,
        "producer_id": "p",
        "geography": "UK",
        "period_type": "not_stated",
        "period_start": None,
        "period_end": None,
        "period_label": "Not stated",
        "population": "x",
        "qualifier": "exact",
    }
    figures = [figure, {**figure, "figure_id": "b"}]
    caveats = [{"caveat_id": "c", "kind": "comparability"}]
    override = Override(figure_a="a", figure_b="b", dimension="producer", note="not the same", caveat_id="c")
    with pytest.raises(ValueError, match="is not among the caveats of b"):
        comparison_tables(figures, links, caveats, [override])
    links.append({"figure_id": "b", "caveat_id": "c", "position": 1})
    rows, _ = comparison_tables(figures, links, caveats, [override])
    assert next(r for r in rows if r["dimension"] == "producer")["basis"] == "curated"
    unit = Override(figure_a="a", figure_b="b", dimension="unit", note="x", caveat_id="c")
    with pytest.raises(ValueError, match="not needed, the figures' fields already differ in unit"):
        comparison_tables([figure, {**figure, "figure_id": "b", "unit": "offences"}], links, caveats, [unit])
    with pytest.raises(ValueError, match="must sort before"):
        Override(figure_a="b", figure_b="a", dimension="unit", note="x", caveat_id="c")
    with pytest.raises(ValueError, match="unknown dimension"):
        Override(figure_a="a", figure_b="b", dimension="colour", note="x", caveat_id="c")


def test_a_bad_override_fails_the_build_naming_the_file(checkout_copy: Path) -> None:
    path = checkout_copy / "data" / "curation" / "comparisons.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('caveat = "police-counts-not-shown-comparable"', 'caveat = "financial-year"'))
    # financial-year is carried by both police counts: accepted
    assert load_overrides(checkout_copy)[0].caveat_id == "financial-year"
    only_offences = 'caveat = "geography-inferred-from-context"'
    path.write_text(text.replace('caveat = "police-counts-not-shown-comparable"', only_offences))
    with pytest.raises(CurationError, match=r"comparisons\.toml.*is not among the caveats of"):
        build_tables(checkout_copy)
    path.write_text(text.replace('dimension = "producer"', 'dimension = "colour"'))
    with pytest.raises(CurationError, match=r"comparisons\.toml, override #1: unknown dimension 'colour'"):
        load_overrides(checkout_copy)
    path.write_text(text.replace('dimension = "producer"', 'dimensions = "producer"'))
    with pytest.raises(CurationError, match=r"unknown: \['dimensions'\], missing: \['dimension'\]"):
        load_overrides(checkout_copy)


# -- the API --------------------------------------------------------------------------------------------------


def test_compare_agrees_with_the_table_for_every_pair() -> None:
    rows = _csv("comparisons")
    deciding = _csv("comparison_caveats")
    for a, b in itertools.combinations(IDS, 2):
        c = ist.compare(a, b)
        assert c == ist.compare(b, a) and c.other(a) == b and c.other(b) == a
        mine = {r["dimension"]: r for r in rows if (r["figure_a"], r["figure_b"]) == (a, b)}
        assert {r["verdict"] for r in mine.values()} == {c.verdict}
        for d in c.dimensions:
            assert (mine[d.name]["same"] == "true") == d.same and mine[d.name]["note"] == d.note
        ranked = sorted((r for r in deciding if (r["figure_a"], r["figure_b"]) == (a, b)), key=lambda r: r["position"])
        assert [r["caveat_id"] for r in ranked] == [cav.id for cav in c.caveats]


def test_a_figure_compared_with_itself_is_an_error() -> None:
    with pytest.raises(ist.ComparisonError, match=f"cannot compare figure '{INCIDENTS}' with itself"):
        ist.compare(INCIDENTS, INCIDENTS)


def test_an_unknown_id_is_a_lookup_error_with_close_matches() -> None:
    with pytest.raises(
        ist.UnknownFigureError, match="Did you mean 'police-recorded-online-csa-incidents-2016-17'"
    ) as info:
        ist.compare("police-recorded-online-csa-incidents", OFFENCES)
    assert isinstance(info.value, LookupError)
    with pytest.raises(ist.UnknownFigureError, match="unknown figure id"):
        ist.comparable_with("no-such-figure")


def test_comparison_text_html_and_dict() -> None:
    c = ist.compare(OFFENCES, INCIDENTS)
    text = str(c)
    assert text.startswith(f"{INCIDENTS} and {OFFENCES}: not shown to be comparable\n")
    assert "  - producer (leaves it not shown to be valid; curated, based on caveat police-counts-not-shown" in text
    assert "Deciding caveats:\n  - police-counts-not-shown-comparable (comparability): The 2016/17" in text
    assert "  - police-online-flag-recording (recording practice): " in text
    html = c._repr_html_()
    assert html.startswith('<pre class="iicsa-comparison">') and "not shown to be comparable" in html
    assert "the report&#x27;s &#x27;incidents&#x27;" in html  # the text, escaped
    data = c.to_dict()
    assert data["verdict"] == "not_shown_comparable"
    assert [d["dimension"] for d in data["differences"]] == ["unit", "producer", "population", "period"]
    assert len(data["dimensions"]) == len(DIMENSIONS)
    assert repr(c).endswith("not_shown_comparable; limited by unit, producer, population>")
    with pytest.raises(ValueError, match="is not one of the pair"):
        c.other("rea-perpetrator-age-band")


def test_comparable_with_groups_every_other_figure() -> None:
    beside = ist.comparable_with(OFFENCES)
    assert list(beside) == list(VERDICTS)
    others = [c.other(OFFENCES) for group in beside.values() for c in group]
    assert sorted(others) == sorted(set(IDS) - {OFFENCES})
    for verdict, group in beside.items():
        assert all(c.verdict == verdict for c in group)
        assert [c.other(OFFENCES) for c in group] == sorted(c.other(OFFENCES) for c in group)
    incidents = next(c for c in beside["not_shown_comparable"] if c.other(OFFENCES) == INCIDENTS)
    assert incidents.reason.startswith("not shown to be comparable: producer: not shown to be the same producer")


def test_check_frame_warns_on_mixed_units() -> None:
    frame = ist.figures(unit=["incidents", "offences"])
    with pytest.warns(ist.ComparabilityWarning, match=r"may not be added, ranked or plotted on one axis: 1 of 1 pairs"):
        bad = ist.check_frame(frame)
    assert [(c.figure_a, c.figure_b) for c in bad] == [(INCIDENTS, OFFENCES)]
    assert issubclass(ist.ComparabilityWarning, UserWarning)


def test_check_frame_is_silent_for_one_figure_and_refuses_a_frame_without_ids() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ist.check_frame(ist.figures(unit="offences")) == []
        assert ist.check_frame({"figure_id": [OFFENCES, OFFENCES]}) == []
    with pytest.raises(ist.ComparisonError, match="needs a table with a figure_id column"):
        ist.check_frame(ist.caveats())
    with pytest.raises(ist.UnknownFigureError, match="unknown figure id 'nope'"):
        ist.check_frame({"figure_id": ["nope"]})


# -- the CLI --------------------------------------------------------------------------------------------------


def test_cli_compare_police_counts_exits_1_and_names_unit_and_producer(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["compare", INCIDENTS, OFFENCES]) == 1
    out = capsys.readouterr().out
    assert "not shown to be comparable" in out
    assert "producer (leaves it not shown to be valid" in out and "unit (allows it only with caveats" in out


def test_cli_compare_json(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert cli.main(["compare", OFFENCES, INCIDENTS, "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["figure_a"] == INCIDENTS and data["verdict"] == "not_shown_comparable"


def test_cli_compare_prints_words_not_codes(capsys: pytest.CaptureFixture[str]) -> None:
    """Figures and caveats are named by id, the rest in words: no code of a measure, unit, producer, dimension,
    effect, verdict or caveat kind (``--format json`` keeps them)."""
    for a, b in itertools.combinations(IDS, 2):
        assert cli.main(["compare", a, b]) == 1
        text = capsys.readouterr().out
        producers = {ist.figure(f).provenance.producer_id for f in (a, b)} - {None}
        codes = [p for p in producers if re.search(rf"(?<![\w-]){p}(?![\w-])", text)]
        assert not re.search(r"[a-z]_[a-z]|\bgbp\b", text) and not codes, (a, b, codes, text)
    assert cli.main(["compare", "home-office-centre-of-expertise-funding", "rea-perpetrator-age-band"]) == 1
    text = capsys.readouterr().out
    assert "  - measure (rules it out): different measures: \u201cFunding provided by the Home Office" in text
    assert "  - unit (rules it out): different units: pounds sterling against an age in years\n" in text
    assert "  - producer (allows it only with caveats): different producers: Home Office against NatCen Social" in text
    assert "  - kind of period (allows it only with caveats): the period is not stated for" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([INCIDENTS, INCIDENTS], "with itself"),
        (["police-recorded-online-csa-incidents", OFFENCES], "Did you mean"),
        ([INCIDENTS], "the following arguments are required: b"),
    ],
)
def test_cli_compare_bad_input_exits_2(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["compare", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_cli_compare_exits_0_for_a_comparable_pair(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from iicsa_stats import comparison

    real = comparison.compare

    def comparable(a: str, b: str) -> comparison.Comparison:
        c = real(a, b)
        dims = tuple(
            comparison.Dimension(name=d.name, same=True, effect="none", note="the same", basis="fields")
            for d in c.dimensions
        )
        return comparison.Comparison(figure_a=c.figure_a, figure_b=c.figure_b, verdict="comparable", dimensions=dims)

    monkeypatch.setattr(comparison, "compare", comparable)
    assert cli.main(["compare", INCIDENTS, OFFENCES]) == 0
    assert "comparable" in capsys.readouterr().out


def test_compare_needs_no_pandas_and_import_stays_light() -> None:
    import json
    import subprocess
    import sys

    script = (
        "import json, sys, iicsa_stats as ist\n"
        "light = 'iicsa_stats.comparison' not in sys.modules\n"
        f"c = ist.compare({INCIDENTS!r}, {OFFENCES!r})\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('pandas', 'pyarrow', 'frictionless'))\n"
        "print(json.dumps([light, c.verdict, heavy]))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120)
    assert json.loads(result.stdout) == [True, "not_shown_comparable", []]


@pytest.mark.parametrize(
    ("codes", "column"), [(DIMENSIONS, "dimension"), (VERDICTS, "verdict"), (EFFECTS, "effect")], ids=str
)
def test_code_lists_are_the_schema_enums(codes: tuple[str, ...], column: str) -> None:
    import json

    schema = json.loads((REPO / "schemas" / "comparisons.schema.json").read_text(encoding="utf-8"))
    field = next(f for f in schema["fields"] if f["name"] == column)
    assert list(codes) == field["constraints"]["enum"]
