"""Fuzz the API's and the CLI's inputs: any input gives a result or a clear error, never a crash."""
# ruff: noqa: PT017 - a fuzz test checks whichever outcome the input leads to, so it asserts inside except.

from __future__ import annotations

import contextlib
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import iicsa_stats as ist
from iicsa_stats.cli import _COMMANDS, main

IDS = ist.list_figures()
texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)


@settings(max_examples=30, deadline=None)
@given(st.one_of(texts, st.sampled_from(IDS), st.sampled_from(IDS).map(lambda s: s[:-1])))
def test_figure_lookup_never_crashes(key: str) -> None:
    try:
        fig = ist.figure(key)
    except ist.UnknownFigureError as err:
        assert isinstance(err, LookupError)
        assert err.key == key
        assert "list_figures()" in str(err)
        assert all(m in IDS for m in err.matches)
    else:
        assert fig.id == key


@settings(max_examples=30, deadline=None)
@given(texts, st.one_of(st.none(), st.integers(min_value=-3, max_value=20)))
def test_search_never_crashes(words: str, limit: int | None) -> None:
    try:
        found = ist.search(words, limit=limit)
    except TypeError as err:
        assert limit is not None and limit < 1
        assert "limit" in str(err)
    else:
        assert all(f.id in IDS for f in found)
        assert limit is None or len(found) <= limit


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from(["unit", "geography", "qualifier", "figure_id", "value", "nonsense", "period_type"]),
        st.one_of(texts, st.integers(), st.lists(texts, max_size=3), st.dictionaries(texts, texts, max_size=1)),
        max_size=2,
    )
)
def test_figures_filters_never_crash(filters: dict[str, object]) -> None:
    try:
        frame = ist.figures(**filters)
    except (ist.UnknownFilterError, ist.InvalidFilterError) as err:
        assert isinstance(err, ist.IICSAStatsError)
        assert str(err)
    else:
        assert set(frame["figure_id"]) <= set(IDS)


argv_items = st.one_of(
    st.sampled_from([*_COMMANDS, "--format", "json", "csv", "table", "--unit", "--all", "--limit", "--context", "-x"]),
    st.sampled_from(IDS),
    texts.filter(lambda s: s not in ("-h", "--help", "--version") and not s.startswith("--h") and "\x00" not in s),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(argv_items, max_size=5))
def test_cli_never_crashes(argv: list[str]) -> None:
    if argv and argv[0] in ("export", "build", "validate", "todo"):
        argv = ["list", *argv[1:]]  # commands that write or run long are tested on their own
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as exit_:  # only --help/--version exit this way
            status = exit_.code  # type: ignore[assignment]
    assert status in (0, 1, 2)
    assert "Traceback" not in err.getvalue()
    if status == 2:
        assert len(err.getvalue().strip().splitlines()) == 1
