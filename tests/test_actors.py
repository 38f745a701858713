"""Actors and demonyms, table-driven from tests/data/actors/cases.csv."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from conflictmap.extract.actors import find_actors, find_demonyms

CASES = list(
    csv.DictReader((Path(__file__).parent / "data" / "actors" / "cases.csv").open(encoding="utf-8"))
)


@pytest.mark.parametrize("case", CASES, ids=[c["sentence"][:40] for c in CASES])
def test_actors(case: dict[str, str]) -> None:
    found = find_actors(
        case["sentence"], country=case["country"], main_actor=case["main_actor"] or None
    )
    assert [a.name for a in found] == case["actors"].split("|")


def test_without_a_country_generic_actors_are_left_out() -> None:
    assert [a.name for a in find_actors("Security forces clashed with the Taliban.")] == ["Taliban"]


def test_demonyms_give_countries() -> None:
    codes = [code for code, _, _ in find_demonyms("Afghan, Qatari and U.S. officials; Ukrainians")]
    assert codes == ["AF", "QA", "US", "UA"]
    assert find_demonyms("Afghanistan's Taliban") == ()
