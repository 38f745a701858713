"""Date phrases and their resolution, table-driven from tests/data/dates/."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from conflictmap.extract.dates import find_date_phrases, resolve_date

DATA = Path(__file__).parent / "data"
CASES = list(csv.DictReader((DATA / "dates" / "cases.csv").open(encoding="utf-8")))
NO_DATES = (DATA / "dates" / "no_dates.txt").read_text(encoding="utf-8").splitlines()


def _published(raw: str) -> date | None:
    return date.fromisoformat(raw) if raw else None


@pytest.mark.parametrize("case", CASES, ids=[f"{c['phrase']}@{c['published']}" for c in CASES])
def test_phrase_is_found_and_resolved(case: dict[str, str]) -> None:
    phrases = {p.text: p for p in find_date_phrases(case["sentence"])}
    assert case["phrase"] in phrases, f"found {sorted(phrases)}"
    resolved = resolve_date(phrases[case["phrase"]], published=_published(case["published"]))
    assert resolved is not None
    expected = date.fromisoformat(case["value"]) if case["value"] else None
    assert resolved.value == expected
    assert resolved.precision == int(case["precision"])
    assert resolved.relative is (case["relative"] == "true")
    assert resolved.text == case["phrase"]


@pytest.mark.parametrize("sentence", NO_DATES)
def test_no_date_phrase(sentence: str) -> None:
    assert find_date_phrases(sentence) == ()


def test_resolve_date_accepts_plain_words() -> None:
    resolved = resolve_date("yesterday", published=date(2021, 8, 12))
    assert resolved is not None and resolved.value == date(2021, 8, 11)
    assert resolve_date("the tenth provincial capital", published=date(2021, 8, 12)) is None
