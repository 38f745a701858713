"""The pipeline on any text: schema, dtypes, stable ids, honest dates, mention reports."""

from __future__ import annotations

from datetime import date

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conflictmap.extract.pipeline import (
    AMBIGUOUS,
    NOT_FOUND,
    RESOLVED,
    extract_article,
    extract_events,
)
from conflictmap.models import SCHEMA_COLUMNS

WORDS = st.sampled_from(
    [
        *("the", "Taliban", "seized", "stormed", "Kabul", "Kandahar", "Ghazni", "province", "on"),
        *("Thursday", "in", "2015", "and", "killed", "12", "people", "near", "150", "km", "south"),
        *("of", "said", "Washington", "Doha", ",", ".", "’s", "Abdullah", "air", "strike"),
    ]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(WORDS, max_size=40), st.one_of(st.none(), st.dates()))
def test_any_text_gives_a_table_in_the_schema(words: list[str], published: date | None) -> None:
    events = extract_events(" ".join(words), published=published, source="s")
    assert list(events.columns) == list(SCHEMA_COLUMNS)
    assert events.time_precision.isin([1, 2, 3]).all()
    assert events.geo_precision.isin([1, 2, 3]).all()


def test_dtypes_and_stable_ids() -> None:
    text = "Fighting erupted in Kunduz on Sunday. The Taliban seized Khanabad yesterday."
    first = extract_events(text, published=date(2021, 8, 9), source="wire")
    again = extract_events(text, published=date(2021, 8, 9), source="wire")
    assert list(first.event_id_cnty) == list(again.event_id_cnty)
    assert first.event_id_cnty.str.fullmatch(r"AF-[0-9a-f]{16}").all()
    assert first.time_precision.dtype == "int64" and first.fatalities.dtype == "int64"
    assert first.latitude.dtype == "float64" and first.geo_confidence.dtype == "float64"
    assert pd.api.types.is_string_dtype(first.event_date)
    assert (first.origin == "wire").all()


def test_origin_is_kept_apart_from_source() -> None:
    events = extract_events(
        "The Taliban seized Khanabad yesterday.",
        published=date(2021, 8, 9),
        source="wire",
        origin="upload.txt",
    )
    assert set(events.origin) == {"upload.txt"} and set(events.source) == {"wire"}


def test_future_plans_are_no_events() -> None:
    text = "The Taliban will attack Kandahar next week, officials warned."
    assert extract_events(text, published=date(2021, 8, 9), source="s").empty


def test_without_a_publication_date_relative_dates_stay_empty_and_say_so() -> None:
    text = "Yesterday, the Taliban seized Khanabad. In 2015 the group seized Kunduz."
    extraction = extract_article(text, published=None, source="s")
    events = extraction.events.set_index("place_mention")
    assert events.loc["Khanabad", "event_date"] == ""
    assert "no publication date" in events.loc["Khanabad", "date_text"]
    assert events.loc["Kunduz", "event_date"] == "2015-07-02"
    assert extraction.warnings


def test_mention_reports_for_review() -> None:
    text = (
        "Fighting in Jowzjan province spread to Faizabad on Friday.\n"
        "Clashes were reported in Marjah district, and officials in Kabul said so."
    )
    extraction = extract_article(text, published=date(2021, 8, 14), source="s")
    by_surface = {m.surface: m for m in extraction.mentions}
    assert by_surface["Faizabad"].status in {RESOLVED, AMBIGUOUS}
    assert len(by_surface["Faizabad"].candidates) > 1
    assert by_surface["Faizabad"].role == "event"
    assert by_surface["Jowzjan"].role == "context"  # the province of the town, no second event
    assert by_surface["Kabul"].role == "metonymy"
    assert [m.surface for m in extraction.mentions if m.status == NOT_FOUND] == ["Marjah"]
    assert extraction.event_sentences == (0,)
    for mention in extraction.mentions:
        assert text[mention.start : mention.end] == mention.surface
