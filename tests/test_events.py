"""Event typing and fatalities, table-driven from tests/data/events/."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from conflictmap.extract.events import event_type_for, find_fatalities, find_triggers
from conflictmap.extract.pipeline import extract_events
from conflictmap.models import EVENT_TYPES

DATA = Path(__file__).parent / "data" / "events"
TYPING = list(csv.DictReader((DATA / "typing.csv").open(encoding="utf-8")))
FATALITIES = list(csv.DictReader((DATA / "fatalities.csv").open(encoding="utf-8")))
NO_EVENT = (DATA / "no_event.txt").read_text(encoding="utf-8").splitlines()


def classify(
    sentence: str, *, actor_category: str = "", target_category: str = ""
) -> tuple[str, str] | None:
    """What the pipeline does with a sentence's cues: its first event trigger, typed."""
    for trigger in find_triggers(sentence):
        if trigger.is_event:
            return event_type_for(
                trigger, actor_category=actor_category, target_category=target_category
            )
    return None


@pytest.mark.parametrize("case", TYPING, ids=[c["sentence"][:40] for c in TYPING])
def test_sentence_is_typed(case: dict[str, str]) -> None:
    typed = classify(
        case["sentence"],
        actor_category=case["actor_category"],
        target_category=case["target_category"],
    )
    assert typed == (case["event_type"], case["sub_event_type"])


@pytest.mark.parametrize("sentence", NO_EVENT)
def test_no_event_trigger(sentence: str) -> None:
    assert classify(sentence) is None


@pytest.mark.parametrize("case", FATALITIES, ids=[c["sentence"][:40] for c in FATALITIES])
def test_fatalities(case: dict[str, str]) -> None:
    assert find_fatalities(case["sentence"]) == int(case["fatalities"])


ARTICLES = sorted((Path(__file__).parent / "data" / "articles").glob("*.txt"))


@pytest.mark.parametrize("path", ARTICLES, ids=[p.stem for p in ARTICLES])
def test_only_acled_taxonomy_is_produced(path: Path) -> None:
    # The pipeline's rows (typing, actor-based overrides and all), not the trigger table.
    events = extract_events(path.read_text(encoding="utf-8"), published=None, source="test")
    for event_type, sub in zip(events.event_type, events.sub_event_type, strict=True):
        assert event_type in EVENT_TYPES, event_type
        assert sub in EVENT_TYPES[event_type], (event_type, sub)


def test_saying_words_are_cues_but_no_events() -> None:
    cues = find_triggers("Officials said in a statement that the remarks were false.")
    assert cues and not any(cue.is_event for cue in cues)
