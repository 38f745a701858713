"""Place mentions, their roles and their resolution, table-driven from tests/data/places/."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from conflictmap.extract.places import country_focus, find_place_mentions, resolve_places
from conflictmap.extract.roles import mention_roles
from conflictmap.extract.sentences import split_sentences
from conflictmap.geo.gazetteer import Gazetteer, default_gazetteer

DATA = Path(__file__).parent / "data" / "places"
MENTIONS = list(csv.DictReader((DATA / "mentions.csv").open(encoding="utf-8")))
ROLES = list(csv.DictReader((DATA / "roles.csv").open(encoding="utf-8")))


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return default_gazetteer()


def _split(cell: str) -> list[str]:
    return [part for part in cell.split("|") if part]


@pytest.mark.parametrize("case", MENTIONS, ids=[c["text"][:40] for c in MENTIONS])
def test_mentions(case: dict[str, str], gazetteer: Gazetteer) -> None:
    surfaces = [m.surface for m in find_place_mentions(case["text"], gazetteer)]
    assert surfaces == _split(case["found"])
    for name in _split(case["not_found"]):
        assert not any(name in surface for surface in surfaces)


@pytest.mark.parametrize("case", ROLES, ids=[f"{c['surface']}: {c['text'][:30]}" for c in ROLES])
def test_roles(case: dict[str, str], gazetteer: Gazetteer) -> None:
    text = case["text"]
    sentences = split_sentences(text)
    mentions = find_place_mentions(text, gazetteer, sentences=sentences)
    roles = dict(
        zip(
            (m.surface for m in mentions),
            mention_roles(text, mentions, sentences=sentences),
            strict=True,
        )
    )
    role = roles[case["surface"]]
    assert role.excluded == case["excluded"]
    assert role.admin_hint is (case["admin_hint"] == "true")
    assert role.city_hint is (case["city_hint"] == "true")
    assert role.near is (case["near"] == "true")


def _resolve(text: str, gazetteer: Gazetteer) -> dict[str, tuple[str, str, str, int, float]]:
    sentences = split_sentences(text)
    mentions = find_place_mentions(text, gazetteer, sentences=sentences)
    roles = mention_roles(text, mentions, sentences=sentences)
    resolved = resolve_places(mentions, gazetteer, focus=country_focus(mentions), roles=roles)
    return {
        r.mention.surface: (
            r.place.name,
            r.place.kind,
            r.place.admin1,
            r.geo_precision,
            r.confidence,
        )
        for r in resolved
    }


def test_fayzabad_told_apart_by_the_province_named_nearby(gazetteer: Gazetteer) -> None:
    got = _resolve("Fighting in Jowzjan province spread to Faizabad on Friday.", gazetteer)
    assert got["Faizabad"][2] == "Jowzjan"
    assert got["Faizabad"][4] < 1.0
    got = _resolve("The Taliban took Fayzabad, Badakhshan's capital, in Afghanistan.", gazetteer)
    assert got["Fayzabad"][2] == "Badakhshan"


def test_province_or_its_capital(gazetteer: Gazetteer) -> None:
    city = _resolve("The Taliban stormed Kandahar in Afghanistan.", gazetteer)["Kandahar"]
    assert (city[1], city[3]) == ("place", 1)
    province = _resolve("Clashes in Kandahar province, Afghanistan.", gazetteer)["Kandahar"]
    assert (province[1], province[3]) == ("admin1", 3)


def test_a_unique_name_is_sure(gazetteer: Gazetteer) -> None:
    assert _resolve("A blast hit Lashkargah.", gazetteer)["Lashkargah"][0:1] == ("Lashkar Gah",)
    assert _resolve("A blast hit Lashkargah.", gazetteer)["Lashkargah"][4] == 1.0


def test_country_focus_follows_demonyms_and_unique_names(gazetteer: Gazetteer) -> None:
    mentions = find_place_mentions("Kandahar and Ghazni were quiet.", gazetteer)
    focus = country_focus(mentions, demonym_codes=["AF"])
    assert max(focus, key=lambda code: focus[code]) == "AF"
