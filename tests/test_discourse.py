"""Rules that read across sentences: the story's year, places pointed back to, demonyms."""

from __future__ import annotations

from datetime import date

from conflictmap.extract.pipeline import extract_events


def _events(text: str, published: date) -> list[tuple[str, str]]:
    events = extract_events(text, published=published, source="test", use_ner=False)
    return list(zip(events.location, events.event_date, strict=True))


def test_a_day_without_a_year_keeps_the_year_the_story_moved_to() -> None:
    text = (
        "The war's first year was the worst. In March 2022, troops shelled Kharkiv for weeks. "
        "On 14 April, a missile struck Mykolaiv, killing nine people."
    )
    rows = _events(text, date(2023, 9, 1))
    assert ("Mykolaiv", "2022-04-14") in rows
    assert not [r for r in rows if r[0] == "Mykolaiv" and r[1].startswith("2023")]


def test_an_event_told_without_its_place_happened_where_the_last_one_did() -> None:
    text = (
        "On Monday, militants stormed Kismayo in the early hours. "
        "Fierce clashes broke out on the town's outskirts on Tuesday."
    )
    rows = _events(text, date(2022, 10, 26))
    assert ("Kismayo", "2022-10-25") in rows


def test_a_demonym_is_no_place_even_where_a_town_shares_its_spelling() -> None:
    text = "On Friday, Malian soldiers clashed with militants near Gao."
    rows = _events(text, date(2022, 4, 2))
    assert [r[0] for r in rows] == ["Gao"]
