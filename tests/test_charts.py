"""Charts: counts behind the bars (cases in tests/data/charts/) and the charts' shared colours."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from conflictmap.app.charts import (
    OTHER_TYPE,
    events_by_province,
    events_by_province_chart,
    events_over_time_chart,
    events_per_period,
    time_bin,
)
from conflictmap.app.filters import filter_choices, filter_events, filters_from_query
from conflictmap.models import EVENT_TYPE_COLOURS, OTHER_EVENT_TYPE_COLOUR
from conftest import DATA

FIXTURE = pd.read_csv(DATA / "app" / "events.csv", keep_default_na=False)
CASES = sorted((DATA / "charts").glob("*.json"))


def _filtered(query: dict[str, Any]) -> pd.DataFrame:
    return filter_events(
        FIXTURE, filters_from_query(query, choices=filter_choices(FIXTURE)).filters
    )


@pytest.mark.parametrize("case_path", CASES, ids=[p.stem for p in CASES])
def test_counts_case(case_path: Path) -> None:
    case = json.loads(case_path.read_text())
    events = _filtered(case["query"])
    counts = events_per_period(events, bin=case["bin"] if case.get("bin_forced") else None)
    assert counts.attrs["bin"] == case["bin"]
    got = [
        [p.date().isoformat(), t, int(n)]
        for p, t, n in counts[["period", "event_type", "events"]].itertuples(index=False)
    ]
    assert got == case["per_period"]
    assert counts["events"].sum() == len(events)
    provinces = events_by_province(events)
    assert provinces["events"].sum() == len(events)
    first = (
        None if provinces.empty else [provinces["admin1"].iloc[0], int(provinces["total"].iloc[0])]
    )
    assert first == case["provinces_first"]


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (date(2021, 8, 1), date(2021, 8, 1), "day"),
        (date(2021, 8, 1), date(2021, 10, 2), "day"),
        (date(2021, 8, 1), date(2021, 10, 3), "week"),
        (date(2020, 1, 1), date(2021, 12, 31), "week"),
        (date(2015, 1, 1), date(2021, 8, 12), "month"),
    ],
)
def test_time_bin(first: date, last: date, expected: str) -> None:
    assert time_bin(first, last) == expected


def test_period_end_is_the_next_period() -> None:
    for bin_, days in (("day", {1}), ("week", {7}), ("month", {28, 29, 30, 31})):
        counts = events_per_period(FIXTURE, bin=bin_)  # type: ignore[arg-type]
        exact = counts[counts["exact"]]
        assert set((exact["period_end"] - exact["period"]).dt.days) <= days


def test_an_event_dated_to_its_year_is_counted_in_that_year() -> None:
    # The fixture's "in 2015" event (stored as 2015-07-02) is no July event in any chart.
    for bin_ in ("day", "week", "month"):
        counts = events_per_period(FIXTURE, bin=bin_)
        of_2015 = counts[counts["period"].dt.year == 2015]
        assert len(of_2015) == 1
        row = of_2015.iloc[0]
        assert (row["period"].date(), row["period_end"].date()) == (
            date(2015, 1, 1),
            date(2016, 1, 1),
        )
        assert row["dated"] == "to the year"
        assert not row["exact"]


def _layers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    layers: list[dict[str, Any]] = spec.get("layer", [spec])
    return layers


def test_uncoded_types_are_grouped_and_undated_rows_left_out() -> None:
    odd = FIXTURE.head(3).assign(
        event_type=["Battles", "", "Picnic"], event_date=["2021-08-01", "2021-08-01", "?"]
    )
    counts = events_per_period(odd)
    assert sorted(counts["event_type"]) == ["Battles", OTHER_TYPE]
    assert set(events_by_province(odd)["event_type"]) == {"Battles", OTHER_TYPE}


@pytest.mark.parametrize("chart", [events_over_time_chart, events_by_province_chart])
def test_charts_use_the_map_colours(chart) -> None:
    spec = chart(FIXTURE).to_dict()
    (coloured,) = [layer for layer in _layers(spec) if "color" in layer["encoding"]]
    scale = coloured["encoding"]["color"]["scale"]
    assert dict(zip(scale["domain"], scale["range"], strict=True)) == {
        **EVENT_TYPE_COLOURS,
        OTHER_TYPE: OTHER_EVENT_TYPE_COLOUR,
    }


@pytest.mark.parametrize("chart", [events_over_time_chart, events_by_province_chart])
def test_charts_send_counts_not_rows(chart) -> None:
    many = pd.concat([FIXTURE] * 200, ignore_index=True)
    spec = chart(many).to_dict()
    rows = [row for rows in spec["datasets"].values() for row in rows]
    assert 0 < len(rows) < 30
    assert not any("notes" in row for row in rows)


@pytest.mark.parametrize("chart", [events_over_time_chart, events_by_province_chart])
def test_charts_of_nothing(chart) -> None:
    spec = chart(FIXTURE.iloc[0:0]).to_dict()
    assert all(rows == [] for rows in spec["datasets"].values())


def test_province_chart_keeps_the_busiest() -> None:
    spec = events_by_province_chart(FIXTURE, limit=3).to_dict()
    assert spec["encoding"]["y"]["sort"][0] == "Kunduz"
    assert len(spec["encoding"]["y"]["sort"]) == 3


def test_the_time_axis_has_one_tick_per_bar_at_most_and_holds_the_last_bar() -> None:
    # Three days of events: a day chart whose ticks would otherwise repeat each day's label.
    days = FIXTURE[FIXTURE["event_date"] >= "2021-08-10"]
    spec = events_over_time_chart(days).to_dict()
    bars = next(layer for layer in _layers(spec) if "color" in layer["encoding"])
    x = bars["encoding"]["x"]
    assert x["axis"]["tickCount"] == {"interval": "day", "step": 1}
    # The domain ends where the last bar does (the day after the last event), not inside it.
    first, last = x["scale"]["domain"]
    assert (first["year"], first["month"], first["date"]) == (2021, 8, 10)
    assert (last["year"], last["month"], last["date"]) == (2021, 8, 13)
