"""The shared word lists: number words and demonyms."""

from __future__ import annotations

import pytest

from conflictmap.lexicon import MONTHS, demonyms, number_value


@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("twenty-five", 25),
        ("three hundred", 300),
        ("two dozen", 24),
        ("a dozen", 12),
        ("a hundred and twenty", 120),
        ("1,200", 1200),
        ("eleven", 11),
        ("dozens", 12),
        ("hundreds", 100),
        ("first", None),
        ("several", None),
        ("", None),
    ],
)
def test_number_words(words: str, value: int | None) -> None:
    assert number_value(words) == value


def test_demonyms_cover_the_world_with_plurals() -> None:
    table = demonyms()
    assert len(table) > 180
    assert {"Syrian", "Syrians"} <= set(table["SY"])
    assert "Mexican" in table["MX"] and "American" in table["US"] and "British" in table["GB"]
    owners = [code for code, words in table.items() if "American" in words]
    assert owners == ["US"]


def test_months() -> None:
    assert MONTHS["sept"] == MONTHS["september"] == MONTHS["sep"] == 9
    assert len({v for v in MONTHS.values()}) == 12
