"""Where and when in a sentence events happened: scenes among its places, and their dates."""

from __future__ import annotations

import re
from datetime import date

from conflictmap.extract.dates import find_date_phrases, resolve_date
from conflictmap.extract.events import Trigger, find_triggers
from conflictmap.extract.roles import MentionRole
from conflictmap.extract.sentences import Sentence, split_clauses
from conflictmap.models import ResolvedDate, ResolvedPlace

# A day-precise date carries over to later sentences that name none ("he was apprehended").
_CARRY_SENTENCES = 3
# Present and present-progressive verbs: the event is going on as the article is published.
_PRESENT = re.compile(
    r"\b(?:is|are)\s+(?:\w+ing|under|in\s+control|taking\s+place)\b|\b(?:continues|continue|"
    r"remains|remain)\b",
    re.IGNORECASE,
)
# "said on Monday", "told reporters on Tuesday": when it was said, not when it happened.
_SAID_BEFORE = re.compile(
    r"\b(?:said|says|told\s+\w+(?:\s+\w+)?|announced|stated|warned|confirmed|reported|added"
    r"|statement|urged|condemned)\s+$",
    re.IGNORECASE,
)
# Triggers that only say someone died or something vague happened; a specific one wins.
_WEAK = frozenset({"Attack", "Other"})


def find_scenes(
    sentence: Sentence, in_sentence: list[tuple[ResolvedPlace, MentionRole]]
) -> list[tuple[ResolvedPlace, Trigger]]:
    """The places in a sentence where something happened, each with the trigger that says what.

    Each place goes to the nearest cue in its clause (preferring one before it); a place whose
    cue is a saying ("remarks in Doha", "officials in Kabul said") is no scene. A country is a
    scene only "in Qatar" itself and only if no town or province in the clause is one.
    """
    scenes: list[tuple[ResolvedPlace, Trigger]] = []
    for clause in split_clauses(sentence):
        triggers = find_triggers(clause.text)
        if not any(t.is_event for t in triggers):
            continue
        local = [
            (rp, role) for rp, role in in_sentence if clause.start <= rp.mention.start < clause.end
        ]
        found: list[tuple[ResolvedPlace, Trigger]] = []
        countries: list[tuple[ResolvedPlace, Trigger]] = []
        for rp, role in local:
            trigger = _nearest(
                triggers, rp.mention.start - clause.start, rp.mention.end - clause.start
            )
            if trigger is None or not trigger.is_event:
                continue
            if trigger.sub_event_type in _WEAK:
                # "a roadside bomb killed four soldiers near X": the bomb says what, not "killed".
                strong = [t for t in triggers if t.is_event and t.sub_event_type not in _WEAK]
                trigger = _nearest(tuple(strong), *_span(rp, clause.start)) or trigger
            if rp.place.kind == "country":
                if role.in_phrase:
                    countries.append((rp, trigger))
                continue
            found.append((rp, trigger))
        scenes.extend(_without_containers(found) or countries)
    return scenes


def _without_containers(
    scenes: list[tuple[ResolvedPlace, Trigger]],
) -> list[tuple[ResolvedPlace, Trigger]]:
    """Drop a province whose town is a scene of the same clause ("Tarinkot in Uruzgan province")."""
    towns = {
        (rp.place.country_code, rp.place.admin1) for rp, _ in scenes if rp.place.kind == "place"
    }
    return [
        (rp, trigger)
        for rp, trigger in scenes
        if rp.place.kind != "admin1" or (rp.place.country_code, rp.place.admin1) not in towns
    ]


def _span(rp: ResolvedPlace, offset: int) -> tuple[int, int]:
    return rp.mention.start - offset, rp.mention.end - offset


def _nearest(triggers: tuple[Trigger, ...], start: int, end: int) -> Trigger | None:
    before = [t for t in triggers if t.end <= start]
    after = [t for t in triggers if t.start >= end]
    gap_before = _words(start - before[-1].end) if before else None
    gap_after = _words(after[0].start - end) if after else None
    if gap_before is None:
        return after[0] if after else None
    if gap_after is None or gap_before <= gap_after * 3 + 6:
        return before[-1]
    return after[0]


def _words(chars: int) -> int:
    return max(0, chars) // 6


def event_dates(
    sentence: Sentence,
    published: date | None,
    *,
    reference: date | None,
    dateline: tuple[int, int],
    story_year: int | None = None,
) -> list[tuple[ResolvedDate, str]]:
    """The dates of a sentence's events: not the dateline's, not when something was said.

    A day and month without a year ("on 13 June") after the text has moved to an earlier year
    ("In June 2022, ...") is in that year (``story_year``), not the publication's.
    """
    found = []
    for phrase in find_date_phrases(sentence.text):
        start = sentence.start + phrase.start
        if dateline[0] <= start < dateline[1] or _SAID_BEFORE.search(
            sentence.text, 0, phrase.start
        ):
            continue
        anchor = reference if phrase.kind == "shift" else published
        when = resolve_date(phrase, published=anchor)
        if (
            when is not None
            and phrase.kind == "explicit"
            and when.relative
            and story_year is not None
            and published is not None
            and story_year < published.year
        ):
            when = resolve_date(phrase, published=date(story_year, 12, 31))
        if when is not None:
            text = when.text if when.value is not None else f"{when.text} (no publication date)"
            found.append((when, text))
    return found


def inherited_date(
    sentence: Sentence, carried: tuple[int, ResolvedDate] | None, published: date | None
) -> list[tuple[ResolvedDate, str]]:
    if carried is not None and sentence.index - carried[0] <= _CARRY_SENTENCES:
        when = carried[1]
        missing = "" if when.value is not None else "; no publication date"
        return [(when, f"{when.text} (earlier sentence{missing})")]
    if published is None:
        return [(ResolvedDate(None, 2, "", relative=True), "(no date in the text)")]
    if _PRESENT.search(sentence.text):
        return [
            (ResolvedDate(published, 1, "", relative=True), "(publication date, present tense)")
        ]
    return [(ResolvedDate(published, 2, "", relative=True), "(publication date)")]
