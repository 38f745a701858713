"""Filters: query strings → Filters → rows, on the app fixture; cases in tests/data/filters/."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conflictmap.app.filters import (
    QUERY_KEYS,
    Choices,
    Filters,
    clamp_filters,
    date_bounds,
    describe_filters,
    event_days,
    filter_choices,
    filter_events,
    filters_from_query,
    filters_to_query,
    next_frame,
    timeline_frames,
)
from conftest import DATA

EVENTS_CSV = DATA / "app" / "events.csv"
CASES = sorted((DATA / "filters").glob("*.json"))


FIXTURE = pd.read_csv(EVENTS_CSV, dtype={"event_date": "string"}, keep_default_na=False)


@pytest.fixture
def events() -> pd.DataFrame:
    return FIXTURE.copy()


@pytest.mark.parametrize("case_path", CASES, ids=[p.stem for p in CASES])
def test_query_case(case_path: Path, events: pd.DataFrame) -> None:
    case = json.loads(case_path.read_text())
    parsed = filters_from_query(case["query"], choices=filter_choices(events))
    shown = filter_events(events, parsed.filters)
    assert sorted(shown["event_id_cnty"]) == case["expected_ids"]
    assert len(parsed.warnings) == case["warnings"], parsed.warnings


@pytest.mark.parametrize("case_path", CASES, ids=[p.stem for p in CASES])
def test_query_round_trip(case_path: Path, events: pd.DataFrame) -> None:
    filters = filters_from_query(
        json.loads(case_path.read_text())["query"], choices=filter_choices(events)
    ).filters
    again = filters_from_query(filters_to_query(filters), choices=filter_choices(events))
    assert again.filters == filters
    assert again.warnings == ()


def test_no_filters_keeps_undated_rows(events: pd.DataFrame) -> None:
    undated = events.head(2).assign(event_date=["", "not a date"])
    assert len(filter_events(undated, Filters())) == 2
    assert filter_events(undated, Filters(start=date(2000, 1, 1))).empty


def test_datetime_column_is_accepted(events: pd.DataFrame) -> None:
    as_datetimes = events.assign(event_date=pd.to_datetime(events["event_date"]))
    filters = Filters(start=date(2021, 8, 7), end=date(2021, 8, 9))
    assert list(filter_events(as_datetimes, filters)["event_id_cnty"]) == list(
        filter_events(events, filters)["event_id_cnty"]
    )


def test_empty_table(events: pd.DataFrame) -> None:
    empty = events.iloc[0:0]
    assert date_bounds(empty) is None
    assert filter_events(empty, Filters(timeline=date(2021, 8, 8), mode="window")).empty
    assert (
        filters_from_query({"date": "2021-08-08"}, choices=filter_choices(empty)).filters
        == Filters()
    )


def test_clamp_drops_limits_at_the_bounds(events: pd.DataFrame) -> None:
    bounds = date_bounds(events)
    clamped = clamp_filters(
        Filters(start=date(2015, 7, 2), end=date(2021, 8, 12), timeline=date(2021, 8, 12)),
        bounds=bounds,
    )
    assert clamped == Filters()
    inside = clamp_filters(Filters(end=date(2021, 8, 9), timeline=date(2021, 8, 11)), bounds=bounds)
    assert inside == Filters(end=date(2021, 8, 9))


def test_clamp_without_dates() -> None:
    filters = Filters(start=date(2021, 1, 1), timeline=date(2021, 2, 1), admin1=("Ghazni",))
    assert clamp_filters(filters, bounds=None) == Filters(admin1=("Ghazni",))


def test_choices(events: pd.DataFrame) -> None:
    choices = filter_choices(events)
    assert choices.bounds == (date(2015, 7, 2), date(2021, 8, 12))
    assert dict(choices.admin1)["Kunduz"] == 3
    assert [name for name, _ in choices.admin1][:2] == ["Badakhshan", "Baghlan"]
    assert choices.event_types == (
        "Battles",
        "Explosions/Remote violence",
        "Violence against civilians",
        "Strategic developments",
    )
    assert choices.sub_types_of(["Strategic developments"]) == ["Agreement", "Arrests"]
    assert len(choices.sub_types_of([])) == 6
    assert "Daoud Laghmani" in choices.actors and "" not in choices.actors
    assert filter_choices(events.iloc[0:0]) == Choices(bounds=None)


def test_event_days(events: pd.DataFrame) -> None:
    days = event_days(events)
    assert days[0] == date(2015, 7, 2) and days[-1] == date(2021, 8, 12)
    assert len(days) == len(set(events["event_date"]))


def test_invalid_records_are_refused() -> None:
    with pytest.raises(ValueError, match="window_days"):
        Filters(window_days=0)
    with pytest.raises(ValueError, match="mode"):
        Filters(mode="sideways")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("count", "max_frames", "expected_len"), [(0, 60, 0), (5, 60, 5), (500, 60, 60), (61, 60, 60)]
)
def test_timeline_frames(count: int, max_frames: int, expected_len: int) -> None:
    days = [date(2020, 1, 1) + pd.Timedelta(days=3 * i) for i in range(count)]
    frames = timeline_frames(days + days, max_frames=max_frames)
    assert len(frames) == expected_len
    assert frames == sorted(frames)
    if days:
        assert frames[0] == days[0] and frames[-1] == days[-1]


def test_next_frame() -> None:
    frames = [date(2021, 8, d) for d in (6, 8, 12)]
    assert next_frame(date(2021, 8, 1), frames) == date(2021, 8, 6)
    assert next_frame(date(2021, 8, 8), frames) == date(2021, 8, 12)
    assert next_frame(date(2021, 8, 12), frames) is None


def test_describe_filters() -> None:
    assert describe_filters(Filters()) == []
    phrases = describe_filters(
        Filters(admin1=("Ghazni",), text="convoy", timeline=date(2021, 8, 9), mode="window")
    )
    assert phrases == [
        "timeline: the 7 days up to 2021-08-09",
        "province: Ghazni",
        "text: 'convoy'",
    ]


VALID_WORDS = ["Kunduz", "Ghazni", "Battles", "Armed clash", "Taliban", "2021-08-08", "window", "3"]


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(QUERY_KEYS),
        st.one_of(
            st.text(max_size=20),
            st.sampled_from(VALID_WORDS),
            st.lists(st.one_of(st.text(max_size=20), st.sampled_from(VALID_WORDS)), max_size=3),
        ),
    )
)
def test_any_query_string_gives_filters_never_an_error(params: dict[str, object]) -> None:
    parsed = filters_from_query(params, choices=filter_choices(FIXTURE))  # type: ignore[arg-type]
    shown = filter_events(FIXTURE, parsed.filters)
    assert len(shown) <= len(FIXTURE)
    assert (
        filters_from_query(
            filters_to_query(parsed.filters), choices=filter_choices(FIXTURE)
        ).warnings
        == ()
    )
