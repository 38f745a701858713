"""The geoparser's contract: toponyms in order, with offsets, kind, country and role."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conflictmap import geoparse
from conflictmap.extract.ner import Entity
from conflictmap.extract.toponyms import NOT_FOUND

CASES = json.loads((Path(__file__).parent / "data" / "toponyms" / "cases.json").read_text())


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["text"][:30])
def test_toponyms_in_order_with_offsets(case: dict) -> None:
    text = case["text"]
    found = [t for t in geoparse(text) if t.status != NOT_FOUND]
    got = [[t.surface, t.kind, t.geonameid and _country_code(t.country)] for t in found]
    assert [g[:2] for g in got] == [e[:2] for e in case["expect"]]
    assert [g[2] for g in got] == [e[2] for e in case["expect"]]
    for t in found:
        assert text[t.start : t.end] == t.surface
        assert t.latitude is not None and t.longitude is not None
    assert [t.start for t in found] == sorted(t.start for t in found)


def _country_code(country: str) -> str:
    from conflictmap.geo.gazetteer import default_gazetteer

    place = default_gazetteer().country(country)
    return place.country_code if place else ""


def test_a_person_the_ner_names_is_no_place() -> None:
    # The gazetteer knows "Sherman" (towns in Texas and elsewhere); the NER calls it a person.
    text = "General Sherman visited the troops."

    def ner(_: str) -> tuple[Entity, ...]:
        return (Entity("Sherman", 8, 15, "PERSON"),)

    assert not [t for t in geoparse(text, entities=ner) if t.surface == "Sherman"]


def test_a_place_the_gazetteer_does_not_know_is_reported_not_found() -> None:
    text = "Fighting spread to Zzyzxville on Sunday."

    def ner(_: str) -> tuple[Entity, ...]:
        return (Entity("Zzyzxville", 19, 29, "GPE"),)

    (toponym,) = geoparse(text, entities=ner)
    assert (toponym.surface, toponym.status, toponym.latitude) == ("Zzyzxville", NOT_FOUND, None)
    assert (toponym.start, toponym.end) == (19, 29)


def test_a_cue_keeps_a_place_the_ner_calls_an_organisation() -> None:
    text = "Clashes were reported in Kandahar province."

    def ner(_: str) -> tuple[Entity, ...]:
        return (Entity("Kandahar", 25, 33, "ORG"),)

    (toponym,) = geoparse(text, entities=ner)
    assert (toponym.surface, toponym.kind) == ("Kandahar", "admin1")


def test_a_misspelt_place_gets_a_suggestion_from_the_articles_country() -> None:
    text = "In Myanmar, fighting spread to Lashioo on Sunday."

    def ner(_: str) -> tuple[Entity, ...]:
        return (Entity("Myanmar", 3, 10, "GPE"), Entity("Lashioo", 31, 38, "GPE"))

    unknown = [t for t in geoparse(text, entities=ner) if t.status == NOT_FOUND]
    assert [(t.surface, t.suggestion) for t in unknown] == [("Lashioo", "Lashio")]
