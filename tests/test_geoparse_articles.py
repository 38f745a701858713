"""The geoparser on three articles of our own from other wars (tests/data/geoparse/)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conflictmap import geoparse
from conflictmap.extract.articles import read_article
from conflictmap.geo.gazetteer import default_gazetteer

HERE = Path(__file__).parent / "data" / "geoparse"
EXPECTED: dict[str, list[list[str]]] = json.loads((HERE / "expected.json").read_text("utf-8"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_place_is_found_in_its_country(name: str) -> None:
    text = read_article(HERE / name).text
    gazetteer = default_gazetteer()
    found: dict[str, set[str]] = {}
    for toponym in geoparse(text):
        country = gazetteer.country(toponym.country) if toponym.country else None
        found.setdefault(toponym.surface, set()).add(country.country_code if country else "")
    for surface, code in EXPECTED[name]:
        assert surface in found, f"{surface} not found in {name}"
        assert code in found[surface], f"{surface}: {found[surface]} instead of {code}"
