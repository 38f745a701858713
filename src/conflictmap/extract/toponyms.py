"""The geoparser: every toponym of a text, found (gazetteer + NER), resolved, with its role.

Two opinions are combined. The gazetteer finds every name it knows; spaCy's NER says which
capitalised runs are people or organisations (a veto, unless the words around the name say
place) and finds place names the gazetteer does not know (reported as "not found", with a
suggestion, instead of vanishing). Resolution is ``places.resolve_places``: the name's own
qualifiers first, then the article's focus, then places named nearby, population last.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

from conflictmap.extract.actors import find_demonyms
from conflictmap.extract.ner import NAME_LABELS, PLACE_LABELS, Entity, EntityFinder
from conflictmap.extract.places import country_focus, find_place_mentions, resolve_places
from conflictmap.extract.roles import MentionRole, mention_roles
from conflictmap.extract.sentences import Sentence, split_sentences
from conflictmap.geo.gazetteer import (
    COMMON_WORD,
    PERSON_NAME,
    Gazetteer,
    default_gazetteer,
    normalize_name,
)
from conflictmap.models import Place, PlaceMention, ResolvedPlace

RESOLVED = "resolved"
AMBIGUOUS = "ambiguous"
NOT_FOUND = "not found"
# Below this a resolved toponym is "ambiguous" (the review page offers its other candidates).
SURE = 0.9
# A town this large, a country or a province is a strong match on its name alone.
_STRONG_POPULATION = 100_000
_LEADING_ARTICLE = re.compile(r"^(?:the|The)\s+")
_POSSESSIVE = re.compile(r"['’]s?$")
# "US troops": the word before a lower-case noun is a modifier, not the country itself.
_MODIFIED_NOUN = re.compile(r"[ \t]+[a-z]")
_LOCATED_BY = re.compile(r"\s*(?:,|\(|\bin\b|\bin\s+the\b)\s*", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Toponym:
    """One toponym of a text, in the shape geoparser users (Mordecai, CLIFF) expect.

    ``latitude``/``longitude`` are the GeoNames point of the feature itself (a country or a
    province at its own point, not its capital); None when the name was not found. ``role`` is
    "event" (where something may have happened) or why not: "context", "distance",
    "metonymy", "qualifier", "dateline", "demonym" (an adjective naming a country, "Syrian").
    """

    surface: str
    start: int
    end: int
    name: str
    kind: str  # country, admin1, admin2, place, feature; "" when not found
    country: str
    admin1: str
    geonameid: int | None
    latitude: float | None
    longitude: float | None
    confidence: float
    role: str
    status: str  # resolved, ambiguous, not found
    suggestion: str = ""  # for a name not found: the closest name in the article's country
    candidates: tuple[Place, ...] = ()


@dataclass(frozen=True, slots=True, eq=False)
class TextPlaces:
    """What the geoparser found in a text, kept together for the event pipeline."""

    mentions: tuple[PlaceMention, ...]  # gazetteer places, in text order
    roles: tuple[MentionRole, ...]
    resolved: tuple[ResolvedPlace, ...]
    focus: dict[str, float]
    unknown: tuple[Entity, ...]  # place names (NER) the gazetteer does not know
    demonyms: tuple[Entity, ...]  # adjectives naming a country's people; label = country code


def geoparse(
    text: str,
    *,
    gazetteer: Gazetteer | None = None,
    entities: EntityFinder | None = None,
    use_ner: bool = True,
) -> tuple[Toponym, ...]:
    """Every toponym of ``text`` in document order (the public geoparser API).

    ``entities`` is the NER (default: spaCy's model, when installed); ``use_ner=False`` is
    gazetteer matching alone.
    """
    gazetteer = default_gazetteer() if gazetteer is None else gazetteer
    found = find_places(text, gazetteer, entities=_entities(entities, use_ner))
    return toponyms_of(found, gazetteer)


def find_places(
    text: str,
    gazetteer: Gazetteer,
    *,
    entities: EntityFinder | None,
    sentences: tuple[Sentence, ...] | None = None,
    dateline: tuple[int, int] | None = None,
) -> TextPlaces:
    """Gazetteer matches vetted by the NER, the NER's places added, every one resolved."""
    sentences = split_sentences(text) if sentences is None else sentences
    spans = entities(text) if entities is not None else ()
    mentions = find_place_mentions(text, gazetteer, sentences=sentences)
    mentions, unknown = _with_entities(text, mentions, spans, gazetteer, sentences)
    roles = mention_roles(text, mentions, sentences=sentences, dateline=dateline)
    placed = _placed_by_next(text, mentions)
    ner = entities is not None
    keep = [
        i for i, (m, r) in enumerate(zip(mentions, roles, strict=True))
        if i in placed
        or (not _vetoed(m, r, spans, ner=ner) and _supported(m, r, spans, gazetteer, ner=ner))
    ]  # fmt: skip
    mentions = tuple(mentions[i] for i in keep)
    roles = tuple(roles[i] for i in keep)
    # "US" as a noun ("the US said") is the country; as a modifier ("US troops") a demonym.
    demonyms = tuple(d for d in _demonyms(text) if not any(_overlap(m, d) for m in mentions))
    focus = country_focus(mentions, demonym_codes=[d.label for d in demonyms])
    resolved = resolve_places(mentions, gazetteer, focus=focus, roles=roles)
    return TextPlaces(mentions, roles, resolved, focus, unknown, demonyms)


def toponyms_of(found: TextPlaces, gazetteer: Gazetteer) -> tuple[Toponym, ...]:
    """The records ``geoparse`` returns: resolved places, demonyms and names not found."""
    out = [_resolved_toponym(r, role) for r, role in zip(found.resolved, found.roles, strict=True)]
    for demonym in found.demonyms:
        country = gazetteer.country(demonym.label)
        if country is not None:
            out.append(
                _place_toponym(
                    demonym.text,
                    demonym.start,
                    demonym.end,
                    country,
                    confidence=0.9,
                    role="demonym",
                )
            )
    top = max(found.focus, key=lambda c: found.focus[c], default="")
    for entity in found.unknown:
        if any(d.start < entity.end and entity.start < d.end for d in found.demonyms):
            continue  # "Ukrainian" the NER calls a place: a demonym, already reported
        surface = _bare(entity.text)
        offset = entity.text.find(surface)
        out.append(
            Toponym(
                surface=surface,
                start=entity.start + offset,
                end=entity.start + offset + len(surface),
                name=surface,
                kind="",
                country="",
                admin1="",
                geonameid=None,
                latitude=None,
                longitude=None,
                confidence=0.0,
                role="",
                status=NOT_FOUND,
                suggestion=suggest(surface, gazetteer, country_code=top),
            )
        )
    return tuple(sorted(out, key=lambda t: (t.start, t.end)))


def suggest(surface: str, gazetteer: Gazetteer, *, country_code: str) -> str:
    """The gazetteer name closest to ``surface`` among the places of ``country_code`` ("" if none
    is close): a hint for a reviewer, never a resolution."""
    if not country_code:
        return ""
    from rapidfuzz import fuzz, process

    names = _names_in(gazetteer, country_code)
    best = process.extractOne(surface, names, scorer=fuzz.WRatio, score_cutoff=88)
    return str(best[0]) if best else ""


@functools.lru_cache(maxsize=16)
def _names_in(gazetteer: Gazetteer, country_code: str) -> tuple[str, ...]:
    return gazetteer.names_in(country_code)


# --- combining the two opinions -------------------------------------------------------------


def _entities(entities: EntityFinder | None, use_ner: bool) -> EntityFinder | None:
    if not use_ner:
        return None
    if entities is not None:
        return entities
    from conflictmap.extract.ner import default_entities

    return default_entities()


def _with_entities(
    text: str,
    mentions: tuple[PlaceMention, ...],
    spans: Iterable[Entity],
    gazetteer: Gazetteer,
    sentences: tuple[Sentence, ...],
) -> tuple[tuple[PlaceMention, ...], tuple[Entity, ...]]:
    """The NER's place spans that no gazetteer match covers: known ones become mentions."""
    added: list[PlaceMention] = []
    unknown: list[Entity] = []
    for entity in spans:
        if entity.label not in PLACE_LABELS or any(_overlap(m, entity) for m in mentions):
            continue
        surface = _bare(entity.text)
        if not surface or not surface[0].isupper():
            continue
        start = entity.start + entity.text.find(surface)
        end = start + len(surface)
        candidates = gazetteer.candidates(surface)
        if not candidates and not _MODIFIED_NOUN.match(text, end):
            candidates = _country_noun(surface, gazetteer)
        if candidates:
            sentence = _sentence_at(sentences, start)
            added.append(
                PlaceMention(
                    surface=surface,
                    start=start,
                    end=end,
                    sentence=sentence.text,
                    sentence_index=sentence.index,
                    candidates=candidates,
                )
            )
        elif entity.label != "FAC":
            unknown.append(entity)
    merged = tuple(sorted((*mentions, *added), key=lambda m: m.start))
    return merged, tuple(unknown)


def _placed_by_next(text: str, mentions: tuple[PlaceMention, ...]) -> set[int]:
    """Mentions followed at once by another place that locates them ("Tarinkot in Uruzgan",
    "Sangin, Helmand", "Kalagwe (Myitkyina, Kachin)"): places by the text's own word."""
    placed = set()
    for i, (here, after) in enumerate(pairwise(mentions)):
        if _LOCATED_BY.fullmatch(text, here.end, after.start):
            placed.add(i)
    return placed


def _vetoed(
    mention: PlaceMention,
    role: MentionRole,
    spans: Iterable[Entity],
    *,
    ner: bool,
) -> bool:
    """Whether the NER says this gazetteer match is a person's or an organisation's name.

    The text's own cues ("X province", "in X", "near X", "X, Country") keep a place, and so
    does an organisation label of the very same words (spaCy often labels "Ghazni" ORG); a
    person label, or a longer name around it ("Kabul Bank", "Ismail Khan"), does not.
    """
    if not ner:
        return False
    cued = role.admin_hint or role.city_hint or role.near or bool(role.qualifier)
    strong = _strong(mention.candidates)
    for entity in spans:
        if not _overlap(mention, entity):
            continue
        if entity.label in PLACE_LABELS:
            return False
        if entity.label not in NAME_LABELS or entity.label == "NORP":
            continue
        longer = entity.start < mention.start or entity.end > mention.end
        if longer and _bare(entity.text) != mention.surface:
            return True
        # The same words called an organisation are most often a place the model does not
        # know ("retook Imam Sahib"); called a person, they are a person unless cued.
        return entity.label == "PERSON" and not (cued or role.locative or strong)
    return False


def _supported(
    mention: PlaceMention,
    role: MentionRole,
    spans: Iterable[Entity],
    gazetteer: Gazetteer,
    *,
    ner: bool,
) -> bool:
    """Whether a gazetteer match has the evidence its name needs to be a place.

    A name that is also a common word, a first name or surname ("Reading", "King", "March"),
    or an all-capitals acronym ("BA", "NATO"), needs the text's cues ("in Reading", "X
    province") or the NER calling it a place. So does a name whose only candidates are small
    places, when the NER is there to ask. A country, a province or a large town needs neither.
    """
    if _cued(role) or any(e.label in PLACE_LABELS and _overlap(mention, e) for e in spans):
        return True
    word = mention.surface
    flagged = gazetteer.key_flags(normalize_name(word)) & (COMMON_WORD | PERSON_NAME)
    if flagged:
        return False
    if word.isupper() and len(word) <= 5:
        # "DRC", "UAE" are countries; "NATO", "BA" are not (only villages share them).
        return _strong(mention.candidates)
    # The NER sees a name just there (often "ORG" for a town it does not know): with the
    # gazetteer's word for it, that is a place.
    named = any(
        e.label != "PERSON" and (e.start, e.end) == (mention.start, mention.end) for e in spans
    )
    return named or _strong(mention.candidates) or not ner


def _cued(role: MentionRole) -> bool:
    return (
        role.admin_hint
        or role.city_hint
        or role.near
        or role.in_phrase
        or role.locative
        or bool(role.qualifier)
    )


def _strong(candidates: Iterable[Place]) -> bool:
    return any(
        p.kind in {"country", "admin1"} or p.population >= _STRONG_POPULATION for p in candidates
    )


def _demonyms(text: str) -> tuple[Entity, ...]:
    """Words naming a country's people or things ("Syrian", "Afghans"), each labelled with its
    country's code: toponyms for a geoparser, focus for the resolver, never an event place."""
    return tuple(Entity(text[a:b], a, b, code) for code, a, b in find_demonyms(text))


def _country_noun(surface: str, gazetteer: Gazetteer) -> tuple[Place, ...]:
    """The country a name the NER calls a place stands for when it is spelled like its people's
    adjective ("US", "U.S.", "Myanmar"): the country itself."""
    codes = [d.label for d in _demonyms(surface) if d.text == surface]
    country = gazetteer.country(codes[0]) if codes else None
    return (country,) if country is not None else ()


def _overlap(mention: PlaceMention, entity: Entity) -> bool:
    return mention.start < entity.end and entity.start < mention.end


def _bare(words: str) -> str:
    """A span without a leading "the" and a possessive ending: "the Nile's" → "Nile"."""
    return _POSSESSIVE.sub("", _LEADING_ARTICLE.sub("", words.strip())).strip()


def _sentence_at(sentences: tuple[Sentence, ...], offset: int) -> Sentence:
    for sentence in sentences:
        if sentence.start <= offset < sentence.start + len(sentence.text):
            return sentence
    return sentences[-1]


# --- records ----------------------------------------------------------------------------------


def _resolved_toponym(resolved: ResolvedPlace, role: MentionRole) -> Toponym:
    mention = resolved.mention
    return _place_toponym(
        mention.surface,
        mention.start,
        mention.end,
        resolved.place,
        confidence=resolved.confidence,
        role=role.excluded or "event",
        candidates=mention.candidates,
    )


def _place_toponym(
    surface: str,
    start: int,
    end: int,
    place: Place,
    *,
    confidence: float,
    role: str,
    candidates: tuple[Place, ...] = (),
) -> Toponym:
    return Toponym(
        surface=surface,
        start=start,
        end=end,
        name=place.name,
        kind=place.kind,
        country=place.country,
        admin1=place.admin1,
        geonameid=place.geonameid,
        latitude=place.latitude,
        longitude=place.longitude,
        confidence=confidence,
        role=role,
        status=RESOLVED if confidence >= SURE or len(candidates) <= 1 else AMBIGUOUS,
        candidates=candidates,
    )
