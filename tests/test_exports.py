"""Exports: ACLED's headers first, formulas neutralised, GeoJSON, export → import round trip."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from conflictmap.models import ACLED_COLUMNS, OUR_COLUMNS
from conflictmap.store.eventstore import EventStore
from conflictmap.store.exports import export_csv, export_geojson
from conftest import open_test_store

UPLOADS = Path(__file__).parent / "data" / "uploads"
TODAY = date(2025, 6, 1)
ROUND_TRIP = (
    "acled_current.csv",
    "acled_older_numeric_bom.csv",
    "acled_actor_based.csv",
    "own_schema.csv",
    "injection.csv",
    "embedded_newlines.csv",
    "dari_pashto.csv",
    "minimal_coordinates.csv",
    "coordinates.csv",
    "cp1252.csv",
)


@pytest.fixture()
def filled(tmp_path: Path) -> EventStore:
    store = open_test_store(tmp_path / "a")
    for name in ROUND_TRIP:
        store.import_file(UPLOADS / name, today=TODAY)
    return store


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_headers_are_acled_then_ours_then_extras(filled: EventStore) -> None:
    header = next(csv.reader(io.StringIO(export_csv(filled.events(acled=True)))))
    assert tuple(header[:31]) == ACLED_COLUMNS
    assert tuple(header[31:35]) == OUR_COLUMNS
    assert {"analyst_comment", "iso3", "data_id", "event_id_no_cnty"} <= set(header[35:])
    assert "extras" not in header and "natural_key" not in header


def test_formula_cells_are_neutralised_but_numbers_stay_numbers(filled: EventStore) -> None:
    rows = rows_of(export_csv(filled.events(acled=True)))
    by_actor = {r["actor1"]: r for r in rows}
    assert by_actor["'=cmd|' /C calc'!A0"]["notes"] == "<script>alert('x')</script>"
    assert by_actor["'=cmd|' /C calc'!A0"]["source"] == "'+44 20"
    assert by_actor["'@SUM(A1:A9)"]["notes"] == '\'=HYPERLINK("http://evil.example","click")'
    assert by_actor["'@SUM(A1:A9)"]["source"] == "'-2+3"
    assert by_actor["'=already neutralised"]["notes"] == "Tab first"
    south = next(r for r in rows if r["location"] == "Barreiras")
    assert (south["latitude"], south["longitude"]) == ("-12.15", "-44.99")
    acled = next(r for r in rows if r["event_id_cnty"] == "AFG50002")
    assert acled["notes"] == "'-- Protesters were dispersed."
    assert acled["fatalities"] == "1" and acled["timestamp"] == "1629132338"
    for row in rows:
        for column, value in row.items():
            if value[:1] in ("=", "+", "@", "\t", "\r"):
                pytest.fail(f"{column}={value!r} would run as a formula")
            if value.startswith("-") and column not in ("latitude", "longitude"):
                pytest.fail(f"{column}={value!r} would run as a formula")


def test_export_then_import_into_an_empty_store_gives_the_same_events(
    filled: EventStore, tmp_path: Path
) -> None:
    before = filled.events(acled=True)
    exported = export_csv(before, bom=True).encode("utf-8")
    again = open_test_store(tmp_path / "b")
    report = again.import_file(exported, file_name="export.csv", today=TODAY)
    assert (report.rejected, report.duplicates) == (0, 0)
    assert report.accepted == len(before)
    after = again.events(acled=True)

    def comparable(df: pd.DataFrame) -> pd.DataFrame:
        df = df.drop(columns=["origin"]).sort_values("event_id_cnty").reset_index(drop=True)
        return df[sorted(df.columns)]

    pd.testing.assert_frame_equal(comparable(after), comparable(before))
    # And a second export is byte for byte the first (origins aside).
    assert export_csv(after.drop(columns="origin")) == export_csv(before.drop(columns="origin"))


def test_geojson_is_a_feature_collection_of_points(filled: EventStore) -> None:
    events = filled.events(acled=True)
    collection = json.loads(export_geojson(events))
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == len(events)
    ghazni = next(
        f for f in collection["features"] if f["properties"]["event_id_cnty"] == "AFG50001"
    )
    assert ghazni["geometry"] == {"type": "Point", "coordinates": [68.4269, 33.5536]}
    assert ghazni["properties"]["fatalities"] == 0
    assert ghazni["properties"]["notes"].startswith("On 12 August 2021")


def test_empty_table_exports_headers_only() -> None:
    text = export_csv(pd.DataFrame(columns=["event_date", "latitude"]))
    assert text.strip() == ",".join((*ACLED_COLUMNS, *OUR_COLUMNS))
    assert json.loads(export_geojson(pd.DataFrame()))["features"] == []
