"""Place names in a text (gazetteer matches minus people and outlets), and which place each is."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence

from conflictmap.extract.actors import DEMONYMS
from conflictmap.extract.roles import MentionRole
from conflictmap.extract.sentences import Sentence, split_sentences
from conflictmap.geo.gazetteer import Gazetteer, distance_km, normalize_name
from conflictmap.lexicon import MONTHS, WEEKDAYS
from conflictmap.models import GeoPrecision, Place, PlaceMention, ResolvedPlace

# A word: letters, with inner hyphens and apostrophes (Mazar-e-Sharif, Qal'ah). A possessive
# ending is cut off before matching (Qatar's, Kunduz’s).
_WORD = re.compile(r"[^\W\d_](?:[\w]|[-'’](?=[^\W\d_]))*")
_POSSESSIVE = re.compile(r"['’]s$|(?<=s)['’]$")
# Lower-case words allowed inside a multi-word name ("Bosnia and Herzegovina", "Dera Ismail Khan").
_NAME_JOINERS = frozenset({"and", "of", "al", "el", "e", "i", "ye", "de", "la", "du", "da", "an"})
_PARTICLE = re.compile(r"^(?:al|el|ez|ad|ar|as|an|ash|at|az|ul|e|i|ye|de|di|du)-[^\W\d_]")
# Capitalised words that open sentences or clauses; they never make a capitalised run a name.
_OPENERS = frozenset({
    "a", "an", "the", "in", "on", "at", "of", "to", "from", "for", "with", "by", "near",
    "outside", "inside", "into", "across", "around", "after", "before", "since", "during",
    "until", "when", "while", "as", "but", "and", "or", "so", "then", "there", "here", "this",
    "that", "these", "those", "meanwhile", "despite", "although", "though", "if", "once",
    "where", "also", "yet", "still", "instead", "last", "earlier", "later", "according",
    "officials", "residents", "fighters", "police", "troops", "forces", "sources", "witnesses",
    "its", "their", "his", "her", "our", "we", "they", "he", "she", "it", "i",
})  # fmt: skip
# Words after a name that keep it a place: "Kandahar province", "Kabul Airport".
_PLACE_SUFFIXES = frozenset({
    "province", "provinces", "city", "district", "districts", "oblast", "region", "governorate",
    "airport", "airfield", "valley", "river", "pass", "base", "village", "town", "county",
    "state", "municipality",
})  # fmt: skip
# Outlets and institutions whose names hold a place name or are spelled like one.
_OUTLETS = re.compile(
    r"\b(?:Al\s+Jazeera|Reuters|Associated\s+Press|AFP|BBC|CNN|TOLOnews|Tolo(?:\s+News)?|"
    r"Pajhwok|Ariana(?:\s+News)?|Xinhua|TASS|RIA(?:\s+Novosti)?|Interfax|Ukrinform|"
    r"Kyiv\s+(?:Independent|Post)|Washington\s+Post|New\s+York\s+Times|Voice\s+of\s+America|"
    r"Radio\s+Free\s+Europe|Radio\s+Liberty|Kabul\s+(?:Times|Bank|University)|Dawn)\b"
)
_DEMONYM_WORDS = frozenset(word for words in DEMONYMS.values() for word in words)
# "Somali", "Malian": a people's adjective, never the place that shares its spelling (the
# country nouns among them, "US", "Myanmar", stay places).
_DEMONYM_ONLY = _DEMONYM_WORDS - {"US", "U.S.", "Myanmar"}
# "On Thursday", "in March": dates, whatever towns share the name.
_CALENDAR_WORDS = frozenset(MONTHS) | frozenset(WEEKDAYS)
_NOT_PLACES = frozenset({"taliban", "daesh", "isis", "hamas", "hezbollah", "houthi", "houthis"})
# "said Karimi." - a name that follows a speech verb and ends the clause is a speaker.
_SPEAKER_BEFORE = re.compile(r"\b(?:said|says|told|added|according\s+to)\s+$")


def find_place_mentions(
    text: str, gazetteer: Gazetteer, *, sentences: tuple[Sentence, ...] | None = None
) -> tuple[PlaceMention, ...]:
    """Every place name in ``text`` that the gazetteer knows, longest match first, in order.

    Matches start at a capitalised word and end on a word boundary; a name inside a longer run
    of capitalised words (Abdullah Abdullah, Ross Wilson, Kabul Bank) or an outlet's name is a
    person or an organisation, not a place.
    """
    sentences = split_sentences(text) if sentences is None else sentences
    names = gazetteer.names()
    longest = min(gazetteer.max_name_words, 6)
    outlet_spans = [m.span() for m in _OUTLETS.finditer(text)]
    found: list[PlaceMention] = []
    for sentence in sentences:
        words = [
            (m.start() + sentence.start, m.end() + sentence.start)
            for m in _WORD.finditer(sentence.text)
        ]
        title_case = not sentence.text.endswith(".") and _is_title_case(text, words)
        i = 0
        while i < len(words):
            match = _longest_match(text, words, i, names, longest)
            if match is None:
                i += 1
                continue
            n, start, end = match
            surface = text[start:end]
            if not (
                any(a <= start and end <= b for a, b in outlet_spans)
                or (not title_case and _inside_name(text, words, i, n))
                or (_SPEAKER_BEFORE.search(text, sentence.start, start) and _ends_clause(text, end))
            ):
                found.append(
                    PlaceMention(
                        surface=surface,
                        start=start,
                        end=end,
                        sentence=sentence.text,
                        sentence_index=sentence.index,
                        candidates=gazetteer.candidates(surface),
                    )
                )
            i += n
    return tuple(found)


def _longest_match(
    text: str, words: list[tuple[int, int]], i: int, names: frozenset[str], longest: int
) -> tuple[int, int, int] | None:
    first = text[words[i][0] : words[i][1]]
    if not first[0].isupper():
        return None
    best: tuple[int, int, int] | None = None
    for n in range(1, min(longest, len(words) - i) + 1):
        last_start, last_end = words[i + n - 1]
        if n > 1:
            gap = text[words[i + n - 2][1] : last_start]
            word = text[last_start:last_end]
            if gap.strip() or not (word[0].isupper() or _joins_name(word)):
                break
        raw = text[words[i][0] : last_end]
        cut = _POSSESSIVE.search(raw)
        surface_end = last_end - (cut.end() - cut.start() if cut else 0)
        key = normalize_name(text[words[i][0] : surface_end])
        surface = text[words[i][0] : surface_end]
        if (
            key in names
            and key not in _NOT_PLACES
            and key not in _CALENDAR_WORDS
            and surface not in _DEMONYM_ONLY
        ):
            best = (n, words[i][0], surface_end)
        if cut:
            break
    return best


def _joins_name(word: str) -> bool:
    """Lower-case words inside a name: "and", "al", a particle glued on ("ez-Zor", "al-Numan")."""
    return word in _NAME_JOINERS or bool(_PARTICLE.match(word))


def _inside_name(text: str, words: list[tuple[int, int]], i: int, n: int) -> bool:
    """Whether words[i:i+n] sit in a longer run of capitalised words that is not a place name."""

    def capitalised(j: int) -> bool:
        # "Russian-occupied Kherson", "Afghan Kunduz": qualifiers, not parts of a name.
        word = text[words[j][0] : words[j][1]]
        return (
            word[0].isupper()
            and word.lower() not in _OPENERS
            and "-" not in word
            and word not in _DEMONYM_WORDS
        )

    before = i - 1
    if before >= 0 and not text[words[before][1] : words[i][0]].strip() and capitalised(before):
        return True
    after = i + n
    if after < len(words) and not text[words[after - 1][1] : words[after][0]].strip():
        word = text[words[after][0] : words[after][1]]
        last = text[words[after - 1][0] : words[after - 1][1]]
        if capitalised(after) and not _POSSESSIVE.search(last):
            return word.lower() not in _PLACE_SUFFIXES
    return False


def _is_title_case(text: str, words: list[tuple[int, int]]) -> bool:
    """Headlines In Title Case make every word look like a name; the run rule is off there."""
    long_words = [text[a:b] for a, b in words if b - a > 3]
    return len(long_words) >= 3 and sum(w[0].isupper() for w in long_words) > 0.7 * len(long_words)


def _ends_clause(text: str, end: int) -> bool:
    return end >= len(text) or text[end] in '.,;:!?”"\n'


def country_focus(
    mentions: tuple[PlaceMention, ...], *, demonym_codes: Iterable[str] = ()
) -> dict[str, float]:
    """How much an article is about each country: demonyms and mentions, shared when ambiguous."""
    focus: dict[str, float] = {}
    for code in demonym_codes:
        focus[code] = focus.get(code, 0.0) + 1.0
    for mention in mentions:
        codes = {place.country_code for place in mention.candidates}
        for code in codes:
            focus[code] = focus.get(code, 0.0) + 1.0 / len(codes)
    return focus


def resolve_places(
    mentions: tuple[PlaceMention, ...],
    gazetteer: Gazetteer,
    *,
    focus: Mapping[str, float],
    roles: tuple[MentionRole, ...] | None = None,
) -> tuple[ResolvedPlace, ...]:
    """One place for each mention, chosen by qualifier, country focus, provinces named nearby,
    the words around it and population; ``confidence`` falls with every guess made."""
    roles = roles if roles is not None else tuple(MentionRole() for _ in mentions)
    nearby = _provinces_by_sentence(mentions, roles)

    def provinces_near(mention: PlaceMention) -> set[tuple[str, str]]:
        lines = (mention.sentence_index - 1, mention.sentence_index, mention.sentence_index + 1)
        return {key for index in lines for key in nearby.get(index, ())}

    first = [
        _choose(m.candidates, r, focus, provinces_near(m), gazetteer, name=m.surface)
        for m, r in zip(mentions, roles, strict=True)
    ]
    # Spatial minimality: a namesake near the other places the text names is the one meant.
    anchors = [
        (m.surface, place.latitude, place.longitude)
        for m, (place, confidence) in zip(mentions, first, strict=True)
        if confidence >= SURE_ANCHOR and place.kind in {"place", "admin2", "admin1"}
    ]
    # The second reading's focus: the countries the first reading placed things in.
    read: dict[str, float] = {}
    for place, confidence in first:
        read[place.country_code] = read.get(place.country_code, 0.0) + confidence
    resolved = []
    for mention, role, (place, confidence) in zip(mentions, roles, first, strict=True):
        if confidence < SURE_ANCHOR and len({c.country_code for c in mention.candidates}) > 1:
            others = [(lat, lon) for name, lat, lon in anchors if name != mention.surface]
            place, confidence = _choose(
                mention.candidates, role, read, provinces_near(mention), gazetteer,
                name=mention.surface, anchors=others,
            )  # fmt: skip
        precision = _PRECISION.get(place.kind, 3)
        if precision == 1 and role.near:
            precision = 2
        # ACLED pins a province-level event at the province's capital; the toponym itself
        # (geoparse) keeps the province's own point.
        seat = gazetteer.seat(place) if place.kind == "admin1" else None
        pin = seat or place
        resolved.append(
            ResolvedPlace(
                mention, place, round(confidence, 2), precision, pin.latitude, pin.longitude
            )
        )
    return tuple(resolved)


# ACLED's geo_precision by what the place is: a town, a district, a province or larger.
_PRECISION: dict[str, GeoPrecision] = {"place": 1, "admin2": 2}
# A first reading this sure anchors the others; below it, a mention is read again near them.
SURE_ANCHOR = 0.9
# How near another named place a namesake must be to count as in the story's area (km).
_NEAR_KM = 300.0
_NEAR_WEIGHT = 2.0


def _choose(
    candidates: tuple[Place, ...],
    role: MentionRole,
    focus: Mapping[str, float],
    provinces: set[tuple[str, str]],
    gazetteer: Gazetteer,
    *,
    name: str = "",
    anchors: Sequence[tuple[float, float]] = (),
) -> tuple[Place, float]:
    confidence = 1.0
    pool = list(candidates)
    features = [p for p in pool if p.kind == "feature"]
    if role.article and features:
        # "the Red Sea", "the Nile": the water or region, not a province named after it.
        return features[0], 0.9 if len(pool) > 1 else 1.0
    if role.qualifier and (narrowed := [p for p in pool if p.country_code == role.qualifier]):
        pool, confidence = narrowed, 0.95 if len(narrowed) < len(pool) else confidence
    countries = {p.country_code for p in pool}
    if len(countries) > 1:
        top = max(focus.values(), default=0.0) or 1.0
        key = normalize_name(name)
        scores = {
            code: _country_score(pool, code, focus.get(code, 0.0) / top, key=key)
            + (_NEAR_WEIGHT if _near_any(pool, code, anchors) else 0.0)
            for code in countries
        }
        best = max(countries, key=lambda code: scores[code])
        margin = scores[best] - max(s for code, s in scores.items() if code != best)
        pool = [p for p in pool if p.country_code == best]
        confidence = min(confidence, 0.9 if margin >= 2 else 0.8 if margin >= 1 else 0.5)
    if len(pool) == 1:
        return pool[0], confidence
    near_province = [p for p in pool if (p.country_code, p.admin1) in provinces]
    if near_province and len(near_province) < len(pool):
        pool, confidence = near_province, min(confidence, 0.85)
        if len(pool) == 1:
            return pool[0], confidence
    country = next((p for p in pool if p.kind == "country"), None)
    if country is not None and not role.city_hint:
        # "Mexico", "Kuwait": the country, unless the words say the city ("Mexico City" is
        # its own name; "the city of Kuwait" is a hint).
        return country, min(confidence, 0.9)
    admin1s = [p for p in pool if p.kind == "admin1"]
    places = [p for p in pool if p.kind == "place"]
    chosen = _by_kind(admin1s, places, pool, role, gazetteer)
    if len(pool) == 2 and admin1s and places and _is_seat(places[0], admin1s[0], gazetteer):
        # Kandahar the city and Kandahar the province: the words decide, or the city does.
        hinted = role.admin_hint or role.city_hint
        return chosen, min(confidence, 0.95 if hinted else 0.9)
    same_kind = [p for p in pool if p.kind == chosen.kind]
    return chosen, min(confidence, 0.95 if len(same_kind) == 1 else 0.6)


def _by_kind(
    admin1s: list[Place],
    places: list[Place],
    pool: list[Place],
    role: MentionRole,
    gazetteer: Gazetteer,
) -> Place:
    if role.admin_hint and admin1s:
        return admin1s[0]
    if places and (
        role.city_hint
        or places[0].population >= 100_000
        or any(_is_seat(places[0], admin1, gazetteer) for admin1 in admin1s)
        or not admin1s
    ):
        return places[0]
    return admin1s[0] if admin1s else pool[0]


def _is_seat(place: Place, admin1: Place, gazetteer: Gazetteer) -> bool:
    seat = gazetteer.seat(admin1)
    return (seat is not None and seat.geonameid == place.geonameid) or (
        place.admin1 == admin1.admin1 and normalize_name(place.name) == normalize_name(admin1.name)
    )


# How much the article's focus on a country weighs against a namesake's size: one and a half
# orders of magnitude of population (Paris, France beats Paris, Texas in a story about the US;
# an Afghan Faizabad beats India's larger one in a story about Afghanistan).
_FOCUS_WEIGHT = 1.5
# A country named outright (Lebanon) beats a small town of the same name anywhere, but not a
# US state of the same name in a story about the US (Georgia).
# A region or sea named (Darfur, the Middle East, the Red Sea) is that feature, too.
_KIND_WEIGHT = {"country": 2.0, "feature": 4.0, "admin1": 1.0}
_OWN_NAME_WEIGHT = 1.0


def _near_any(pool: list[Place], code: str, anchors: Sequence[tuple[float, float]]) -> bool:
    return any(
        distance_km(p.latitude, p.longitude, lat, lon) < _NEAR_KM
        for p in pool
        if p.country_code == code
        for lat, lon in anchors
    )


def _country_score(pool: list[Place], code: str, focus_share: float, *, key: str) -> float:
    """How likely the mention is in country ``code``: its best candidate's size and kind, plus
    the article's focus on the country (0..1 of the most mentioned). A place whose own name is
    the words (not one of its alternate names) counts as ten times larger."""
    best = max(
        math.log10(p.population + 10)
        + _KIND_WEIGHT.get(p.kind, 0.0)
        + (_OWN_NAME_WEIGHT if normalize_name(p.name) == key else 0.0)
        for p in pool
        if p.country_code == code
    )
    return best + _FOCUS_WEIGHT * focus_share


def _provinces_by_sentence(
    mentions: tuple[PlaceMention, ...], roles: tuple[MentionRole, ...]
) -> dict[int, set[tuple[str, str]]]:
    """The provinces each sentence names outright ("in Badakhshan", "Jowzjan province")."""
    named: dict[int, set[tuple[str, str]]] = {}
    for mention, role in zip(mentions, roles, strict=True):
        admin1s = [p for p in mention.candidates if p.kind == "admin1"]
        places = [p for p in mention.candidates if p.kind == "place"]
        if admin1s and (role.admin_hint or not places):
            for place in admin1s:
                named.setdefault(mention.sentence_index, set()).add(
                    (place.country_code, place.admin1)
                )
    return named
