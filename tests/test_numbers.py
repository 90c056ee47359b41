"""The number parser on every form used in the Inquiry's texts."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iicsa_stats.numbers import find_numbers, parse_number, values_in


@pytest.mark.parametrize(
    ("text", "kind", "values"),
    [
        ("5,653", "number", (5653.0,)),
        ("between 450,000 and 590,000", "range", (450000.0, 590000.0)),
        ("£7.5 million", "money", (7_500_000.0,)),
        ("£7.5\u00a0million", "money", (7_500_000.0,)),
        ("1 in 10", "ratio", (0.1,)),
        ("one in ten", "ratio", (0.1,)),
        ("400 to 450", "range", (400.0, 450.0)),
        ("18\u201389", "range", (18.0, 89.0)),
        ("10-18", "range", (10.0, 18.0)),
        ("2016/17", "financial_year", (2016.0, 2017.0)),
        ("1999/00", "financial_year", (1999.0, 2000.0)),
        ("three", "word", (3.0,)),
        ("Four", "word", (4.0,)),
        ("[14]", "footnote_marker", ()),
        ("260", "number", (260.0,)),
        ("7.5", "number", (7.5,)),
    ],
)
def test_each_form_is_one_mention(text: str, kind: str, values: tuple[float, ...]) -> None:
    (mention,) = find_numbers(text)
    assert (mention.text, mention.kind, mention.values) == (text, kind, values)
    assert (mention.start, mention.end) == (0, len(text))


def test_forms_in_running_text() -> None:
    text = "over 260 participants, aged 10-18 years; since 2016, approximately 400 to 450 people.[8]"
    assert [(m.text, m.kind) for m in find_numbers(text)] == [
        ("260", "number"),
        ("10-18", "range"),
        ("2016", "number"),
        ("400 to 450", "range"),
        ("[8]", "footnote_marker"),
    ]


def test_section_number_after_letter_is_found() -> None:
    assert [m.text for m in find_numbers("B.1: Online")] == ["1"]


def test_words_inside_other_words_are_not_numbers() -> None:
    assert find_numbers("someone online often tone") == []


def test_offsets_point_into_the_text() -> None:
    text = "In 2017/18, the figure had grown to 8,525 offences.[5]"
    for mention in find_numbers(text):
        assert text[mention.start : mention.end] == mention.text


def test_values_in_collects_range_bounds() -> None:
    assert values_in("between 450,000 and 590,000 males aged 18\u201389") == {450000.0, 590000.0, 18.0, 89.0}


@pytest.mark.parametrize("bad", ["", "five apples", "1,2", "abc", "7.5 zillion"])
def test_parse_number_refuses_non_numbers(bad: str) -> None:
    with pytest.raises(ValueError, match="not one number"):
        parse_number(bad)


@settings(deadline=None, max_examples=40)
@given(st.integers(min_value=0, max_value=10**12))
def test_grouped_thousands_round_trip(n: int) -> None:
    text = f"recorded {n:,} offences"
    (mention,) = find_numbers(text)
    assert mention.values == (float(n),)
    assert mention.text == f"{n:,}"


@settings(deadline=None, max_examples=40)
@given(
    st.integers(min_value=0, max_value=10**6),
    st.integers(min_value=0, max_value=10**6),
    st.sampled_from(["-", "\u2013", " to "]),
)
def test_ranges_round_trip(a: int, b: int, dash: str) -> None:
    (mention,) = find_numbers(f"aged {a}{dash}{b} years")
    assert mention.kind == "range"
    assert mention.values == (float(a), float(b))


@settings(deadline=None, max_examples=40)
@given(
    st.integers(min_value=1, max_value=999),
    st.integers(min_value=0, max_value=99),
    st.sampled_from(["", " ", "\u00a0"]),
)
def test_money_with_millions(units: int, tenths: int, space: str) -> None:
    text = f"£{space}{units}.{tenths:02d} million"
    (mention,) = find_numbers(text)
    assert mention.kind == "money"
    assert mention.values[0] == pytest.approx((units + tenths / 100) * 1_000_000)


@settings(deadline=None, max_examples=40)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=80))
def test_never_fails_and_mentions_do_not_overlap(text: str) -> None:
    mentions = find_numbers(text)
    for earlier, later in itertools.pairwise(mentions):
        assert earlier.end <= later.start
    for mention in mentions:
        assert text[mention.start : mention.end] == mention.text
