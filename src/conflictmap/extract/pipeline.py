"""Article text → dated, typed, geocoded events in the schema's columns (pandas)."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
import pandas as pd

from conflictmap.extract.actors import ActorMention, find_actors, find_demonyms, with_references
from conflictmap.extract.articles import find_dateline
from conflictmap.extract.events import Trigger, event_type_for, find_fatalities, find_triggers
from conflictmap.extract.ner import EntityFinder, default_entities
from conflictmap.extract.roles import MentionRole
from conflictmap.extract.scenes import event_dates, find_scenes, inherited_date
from conflictmap.extract.sentences import Sentence, split_sentences
from conflictmap.extract.toponyms import find_places
from conflictmap.geo.gazetteer import Gazetteer, default_gazetteer
from conflictmap.models import SCHEMA_COLUMNS, Place, ResolvedDate, ResolvedPlace

RESOLVED = "resolved"
AMBIGUOUS = "ambiguous"
NOT_FOUND = "not found"
# Below this a resolved mention is offered for review as ambiguous.
SURE = 0.9
# How far back an event told without a place may look for the place it happened at.
_CARRY_PLACE_SENTENCES = 2
_PLACE_ANAPHORA = re.compile(
    r"\b(?:the|this|that)\s+(?:city|town|village|area|district|province|port|base|capital|"
    r"neighbou?rhood|camp|airport|region)(?:['’]s)?\b|\bthere\b|\boutskirts\b|\bnearby\b",
    re.IGNORECASE,
)
_SPEAKER_AFTER = re.compile(r"\s+(?:said|say|says|told|reported|added)\b")
_AGENT_BEFORE = re.compile(r"\b(?:by|fell\s+to|falls\s+to|fall\s+to)\s+(?:the\s+)?$")
# "Sangin district", "the village of Chahar Dara": a place the gazetteer does not know.
_UNKNOWN_PLACE = re.compile(
    r"\b(?P<a>[A-Z][a-z’'-]+(?:\s+[A-Z][a-z’'-]+)?)\s+(?:district|village|town|province|oblast)\b"
    r"|\b(?:village|town|district)\s+of\s+(?P<b>[A-Z][a-z’'-]+(?:\s+[A-Z][a-z’'-]+)?)"
)


@dataclass(frozen=True, slots=True)
class MentionReport:
    """A place mention as the review page shows it: status, candidates, and what became of it."""

    surface: str
    start: int
    end: int
    sentence_index: int
    status: str  # resolved, ambiguous, not found
    candidates: tuple[Place, ...] = ()
    place: Place | None = None
    confidence: float = 0.0
    role: str = ""  # "event", or why not: "context", "distance", "metonymy", ...


@dataclass(frozen=True, slots=True, eq=False)
class Extraction:
    """Everything extraction found in one article: the event rows and the mentions behind them."""

    events: pd.DataFrame
    mentions: tuple[MentionReport, ...]
    sentences: tuple[Sentence, ...]
    event_sentences: tuple[int, ...]
    published: date | None
    warnings: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class _Draft:
    place: ResolvedPlace
    when: ResolvedDate
    date_text: str
    event_type: str
    sub_event_type: str
    actor1: str
    actor2: str
    fatalities: int
    sentence: Sentence
    notes: str = ""


def extract_events(
    text: str,
    *,
    published: date | None,
    source: str,
    origin: str | None = None,
    gazetteer: Gazetteer | None = None,
    use_ner: bool = True,
) -> pd.DataFrame:
    """The events an article reports, one row per place, date and actor pair, in SCHEMA_COLUMNS."""
    return extract_article(
        text,
        published=published,
        source=source,
        origin=origin,
        gazetteer=gazetteer,
        use_ner=use_ner,
    ).events


def extract_article(
    text: str,
    *,
    published: date | None,
    source: str,
    origin: str | None = None,
    gazetteer: Gazetteer | None = None,
    entities: EntityFinder | None = None,
    use_ner: bool = True,
) -> Extraction:
    """Events plus every place mention (resolved, ambiguous, not found) and the event sentences.

    ``entities`` is the NER that vets place names (default: spaCy's model when installed;
    ``use_ner=False`` for gazetteer matching alone).
    """
    gazetteer = default_gazetteer() if gazetteer is None else gazetteer
    sentences = split_sentences(text)
    dateline = find_dateline(text)
    places = find_places(
        text,
        gazetteer,
        entities=entities if entities is not None or not use_ner else default_entities(),
        sentences=sentences,
        dateline=(dateline.start, dateline.end) if dateline else None,
    )
    roles, resolved, focus = places.roles, places.resolved, places.focus
    focus_country = _focus_country(focus, gazetteer)
    skip = (dateline.start, dateline.end) if dateline else (0, 0)
    drafts = _drafts(text, sentences, resolved, roles, published, focus_country, skip)
    used = {(d.place.mention.start, d.place.mention.end) for d in drafts}
    drafts = _one_per_place_date_actors(drafts)
    events = _frame([_row(d, source=source, origin=origin or source) for d in drafts])
    undated = sum(1 for d in drafts if d.when.value is None)
    warnings = (
        (
            f"{undated} event(s) have a relative date or none and there is no publication date: "
            "their event_date is empty and date_text says why; give the publication date",
        )
        if undated
        else ()
    )
    return Extraction(
        events=events,
        mentions=_reports(text, resolved, roles, used, sentences),
        sentences=sentences,
        event_sentences=tuple(sorted({d.sentence.index for d in drafts})),
        published=published,
        warnings=warnings,
    )


def _drafts(
    text: str,
    sentences: tuple[Sentence, ...],
    resolved: tuple[ResolvedPlace, ...],
    roles: tuple[MentionRole, ...],
    published: date | None,
    focus_country: str | None,
    dateline: tuple[int, int],
) -> list[_Draft]:
    drafts: list[_Draft] = []
    named_actors = [find_actors(s.text, country=focus_country) for s in sentences]
    main_actor = _main_armed_actor(named_actors)
    carried: tuple[int, ResolvedDate] | None = None
    last_scene: tuple[int, ResolvedPlace] | None = None
    story_year: tuple[int, int] | None = None  # the last year the text wrote out, and where
    for sentence in sentences:
        if sentence.index == 0 and _is_headline(text, sentence):
            continue
        reference = carried[1].value if carried and carried[1].value else published
        year = story_year[1] if story_year and sentence.index - story_year[0] <= 3 else None
        dates = event_dates(
            sentence, published, reference=reference, dateline=dateline, story_year=year
        )
        written = [d.value.year for d, _ in dates if d.value is not None and not d.relative]
        story_year = (sentence.index, written[-1]) if written else story_year
        actors = with_references(named_actors[sentence.index], sentence.text, main_actor=main_actor)
        named = [a.name for a in actors if a.category == "rebel" and not a.referred]
        main_actor = named[-1] if named else main_actor
        if not dates:
            dates = inherited_date(sentence, carried, published)
        else:
            day_dates = [
                d
                for d in dates
                if d[0].precision == 1 and not (published and d[0].value and d[0].value > published)
            ]
            carried = (sentence.index, day_dates[-1][0]) if day_dates else carried
        in_sentence = [
            (rp, role)
            for rp, role in zip(resolved, roles, strict=True)
            if rp.mention.sentence_index == sentence.index and not role.excluded
        ]
        if in_sentence:
            scenes = find_scenes(sentence, in_sentence)
        else:
            scenes = _carried_scene(sentence, last_scene)
        if not scenes:
            continue
        last_scene = (sentence.index, scenes[-1][0])
        fatalities = find_fatalities(sentence.text)
        for rp, trigger in scenes:
            ordered = _ordered_actors(actors, sentence)
            event_type, sub = event_type_for(
                trigger,
                actor_category=_category(ordered, 0),
                target_category=_category(ordered, 1),
            )
            actor1 = ordered[0].name if ordered else ""
            actor2 = ordered[1].name if len(ordered) > 1 else ""
            share = fatalities // len(scenes) + (
                fatalities % len(scenes) if rp is scenes[0][0] else 0
            )
            for when, date_text in dates:
                if published and when.value and when.value > published:
                    continue  # plans and threats are no events yet
                drafts.append(
                    _Draft(rp, when, date_text, event_type, sub, actor1, actor2, share, sentence)
                )
    return drafts


def _carried_scene(
    sentence: Sentence, last: tuple[int, ResolvedPlace] | None
) -> list[tuple[ResolvedPlace, Trigger]]:
    """An event told without its place, right after a sentence with one ("Fighters stormed X.
    Clashes broke out on the city's outskirts."): the earlier place, when the words point back
    to it ("the city", "there", "the outskirts") and say what happened."""
    if last is None or sentence.index - last[0] > _CARRY_PLACE_SENTENCES:
        return []
    if not _PLACE_ANAPHORA.search(sentence.text):
        return []
    strong = [t for t in find_triggers(sentence.text) if t.is_event]
    return [(last[1], strong[0])] if strong else []


def _is_headline(text: str, sentence: Sentence) -> bool:
    """A first line without a full stop is the title: it repeats the story, it reports no event."""
    return not sentence.text.rstrip("”\"’' ").endswith((".", "!", "?")) and (
        text[sentence.end : sentence.end + 1] in {"\n", ""}
    )


def _main_armed_actor(named_actors: list[tuple[ActorMention, ...]]) -> str | None:
    """The non-state armed actor the article names most: who "the armed group" is."""
    counts = Counter(a.name for actors in named_actors for a in actors if a.category == "rebel")
    return counts.most_common(1)[0][0] if counts else None


def _ordered_actors(actors: tuple[ActorMention, ...], sentence: Sentence) -> list[ActorMention]:
    """Actors by role: the agent of a passive ("seized by the Taliban", "fell to X") first."""
    # "residents said", "police told AFP": sources of the report, not parties to the event.
    actors = tuple(a for a in actors if not _SPEAKER_AFTER.match(sentence.text, a.end))
    agents = [a for a in actors if _AGENT_BEFORE.search(sentence.text, 0, a.start)]
    ordered: list[ActorMention] = []
    for actor in agents + [a for a in actors if a not in agents]:
        if all(actor.name != seen.name for seen in ordered):
            ordered.append(actor)
    if any(a.category == "protesters" for a in ordered):
        ordered.sort(key=lambda a: a.category != "protesters")
    else:
        # Civilians are what armed actors act on: never actor1 when an armed actor is named.
        ordered.sort(key=lambda a: a.category == "civilians")
    return ordered


def _category(ordered: list[ActorMention], index: int) -> str:
    return ordered[index].category if len(ordered) > index else ""


def _one_per_place_date_actors(drafts: list[_Draft]) -> list[_Draft]:
    """ACLED's rule: one event per place, date and actor pair; repeats add their sentence."""
    kept: dict[tuple[object, ...], _Draft] = {}
    extra: dict[tuple[object, ...], list[str]] = {}
    for draft in drafts:
        key = (
            draft.place.place.geonameid,
            draft.when.value or draft.date_text,
            draft.actor1,
            draft.actor2,
        )
        first = kept.get(key)
        if first is None:
            kept[key] = draft
            extra[key] = [draft.sentence.text]
            continue
        if draft.sentence.text not in extra[key]:
            extra[key].append(draft.sentence.text)
        if draft.fatalities > first.fatalities:
            kept[key] = replace(first, fatalities=draft.fatalities)
    merged = [replace(draft, notes=" ".join(extra[key][:2])) for key, draft in kept.items()]
    return [d for d in merged if not _vaguer_repeat(d, merged)]


def _vaguer_repeat(draft: _Draft, drafts: list[_Draft]) -> bool:
    """A publication-dated event ("the fall of Kunduz") that a dated one in the article tells
    more precisely: same place, same kind of event, within the vague one's week."""
    if draft.date_text != "(publication date)" or draft.when.value is None:
        return False
    return any(
        other is not draft
        and other.place.place.geonameid == draft.place.place.geonameid
        and other.sub_event_type == draft.sub_event_type
        and other.when.value is not None
        and other.when.precision < draft.when.precision
        and abs((other.when.value - draft.when.value).days) <= 7
        for other in drafts
    )


def _row(draft: _Draft, *, source: str, origin: str) -> dict[str, object]:
    place = draft.place.place
    when = draft.when.value.isoformat() if draft.when.value else ""
    # 64 bits: the store de-duplicates on this id, so two events must (practically) never share it.
    key = (source, draft.sentence.text, str(place.geonameid), place.name, when or draft.date_text)
    digest = hashlib.sha1("|".join(key).encode()).hexdigest()[:16]
    return {
        "event_id_cnty": f"{place.country_code}-{digest}",
        "event_date": when,
        "time_precision": draft.when.precision,
        "event_type": draft.event_type,
        "sub_event_type": draft.sub_event_type,
        "actor1": draft.actor1,
        "actor2": draft.actor2,
        "country": place.country,
        "admin1": place.admin1 if place.kind != "country" else "",
        "admin2": "",
        "location": place.name,
        "latitude": draft.place.latitude,
        "longitude": draft.place.longitude,
        "geo_precision": draft.place.geo_precision,
        "source": source,
        "notes": draft.notes or draft.sentence.text,
        "fatalities": draft.fatalities,
        "place_mention": draft.place.mention.surface,
        "date_text": draft.date_text,
        "geo_confidence": draft.place.confidence,
        "origin": origin,
    }


_INTS = frozenset({"time_precision", "geo_precision", "fatalities"})
_FLOATS = frozenset({"latitude", "longitude", "geo_confidence"})


def _frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    """The rows as a DataFrame in SCHEMA_COLUMNS: ints, floats, and strings (also when empty)."""
    columns: dict[str, object] = {}
    for column in SCHEMA_COLUMNS:
        values = [row[column] for row in rows]
        if column in _INTS:
            columns[column] = np.array(values, dtype=np.int64)
        elif column in _FLOATS:
            columns[column] = np.array(values, dtype=np.float64)
        else:
            columns[column] = pd.array(values, dtype="str")
    return pd.DataFrame(columns, columns=list(SCHEMA_COLUMNS))


def _reports(
    text: str,
    resolved: tuple[ResolvedPlace, ...],
    roles: tuple[MentionRole, ...],
    used: set[tuple[int, int]],
    sentences: tuple[Sentence, ...],
) -> tuple[MentionReport, ...]:
    reports = [
        MentionReport(
            surface=rp.mention.surface,
            start=rp.mention.start,
            end=rp.mention.end,
            sentence_index=rp.mention.sentence_index,
            status=RESOLVED
            if rp.confidence >= SURE or len(rp.mention.candidates) < 2
            else AMBIGUOUS,
            candidates=rp.mention.candidates,
            place=rp.place,
            confidence=rp.confidence,
            role="event"
            if (rp.mention.start, rp.mention.end) in used
            else role.excluded or "context",
        )
        for rp, role in zip(resolved, roles, strict=True)
    ]
    spans = [(r.start, r.end) for r in reports]
    for sentence in sentences:
        for match in _UNKNOWN_PLACE.finditer(sentence.text):
            group = "a" if match.group("a") else "b"
            start, end = (sentence.start + i for i in match.span(group))
            words = text[start:end]
            if any(a < end and start < b for a, b in spans) or _not_a_name(words):
                continue
            reports.append(
                MentionReport(words, start, end, sentence.index, NOT_FOUND, role="unknown")
            )
    return tuple(sorted(reports, key=lambda r: r.start))


def _not_a_name(words: str) -> bool:
    first = words.split()[0]
    return bool(find_demonyms(first)) or first.lower() in {
        "the", "a", "this", "that", "each", "every", "one", "another", "which", "its", "their",
        "in", "of", "northern", "southern", "eastern", "western", "central", "neighbouring",
    }  # fmt: skip


def _focus_country(focus: dict[str, float], gazetteer: Gazetteer) -> str | None:
    if not focus:
        return None
    code = max(focus, key=lambda c: focus[c])
    country = gazetteer.country(code)
    return country.name if country else None
