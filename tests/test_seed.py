"""The seed article, published 2021-08-12: the rows issue 2 asks for, and none it forbids."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from conflictmap.extract.pipeline import extract_article
from conflictmap.geo.gazetteer import distance_km

SEED = Path(__file__).parents[1] / "data" / "000_7a287e12d804a890.txt"
PEOPLE_AND_OUTLETS = ("Abdullah", "Laghmani", "Daoud", "Ross", "Wilson", "Jazeera", "Taliban")


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    text = SEED.read_text(encoding="utf-8")
    return extract_article(text, published=date(2021, 8, 12), source="Al Jazeera").events


def test_ghazni_falls_to_the_taliban(events: pd.DataFrame) -> None:
    rows = events[
        (events.location == "Ghazni")
        & (events.event_date == "2021-08-12")
        & (events.sub_event_type == "Non-state actor overtakes territory")
    ]
    assert len(rows) == 1
    row = rows.iloc[0]
    assert row.event_type == "Battles"
    assert row.actor1 == "Taliban"
    assert row.admin1 == "Ghazni"
    assert row.geo_precision == 1
    assert row.time_precision == 1
    assert distance_km(row.latitude, row.longitude, 33.55, 68.42) < 5


def test_governor_arrested_in_maidan_wardak(events: pd.DataFrame) -> None:
    rows = events[events.sub_event_type == "Arrests"]
    assert len(rows) == 1
    row = rows.iloc[0]
    assert row.event_type == "Strategic developments"
    assert row.admin1 in {"Wardak", "Maidan Wardak"}
    assert row.event_date == "2021-08-12"
    assert row.geo_precision == 3
    assert row.place_mention == "Maidan Wardak"


def test_doha_meeting(events: pd.DataFrame) -> None:
    rows = events[(events.location == "Doha") & (events.sub_event_type == "Agreement")]
    assert len(rows) == 1
    assert rows.iloc[0].country == "Qatar"
    assert rows.iloc[0].event_date == "2021-08-12"
    assert "In Doha, Abdullah Abdullah" in rows.iloc[0].notes
    assert not (events.location == "Qatar").any(), "Qatar's capital, Doha is no event in Qatar"


def test_kunduz_taken_in_2015_and_2016(events: pd.DataFrame) -> None:
    rows = events[events.place_mention == "Kunduz"].sort_values("event_date")
    assert list(rows.event_date) == ["2015-07-02", "2016-07-02"]
    assert set(rows.time_precision) == {3}
    assert set(rows.actor1) == {"Taliban"}
    assert set(rows.date_text) == {"in 2015", "2016"}


@pytest.mark.parametrize("province", ["Badakhshan", "Helmand", "Kandahar"])
def test_event_in_each_province_of_the_list(events: pd.DataFrame, province: str) -> None:
    rows = events[events.admin1 == province]
    assert len(rows) == 1
    assert rows.iloc[0].geo_precision == 3


def test_no_row_at_a_person_or_outlet(events: pd.DataFrame) -> None:
    for column in ("location", "place_mention", "admin1"):
        for name in PEOPLE_AND_OUTLETS:
            assert not events[column].str.contains(name).any(), (column, name)


def test_no_event_in_kabul(events: pd.DataFrame) -> None:
    assert not (events.location == "Kabul").any()
    assert not (events.admin1 == "Kabul").any()


def test_rows_are_well_formed(events: pd.DataFrame) -> None:
    assert events.event_id_cnty.is_unique
    assert events.event_date.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert (events.source == "Al Jazeera").all() and (events.origin == "Al Jazeera").all()
    assert events.notes.map(len).gt(20).all()
