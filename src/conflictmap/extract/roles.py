"""Where a place mention stands: the scene of an event, near it, or only mentioned (context)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from conflictmap.extract.sentences import Sentence
from conflictmap.models import PlaceMention


@dataclass(frozen=True, slots=True)
class MentionRole:
    """What the words around a place mention say about it.

    ``excluded`` names why the place is no scene of an event ("distance" for "150 km south of
    Kabul", "borders", "capital of", "metonymy" for "Washington said", "qualifier" for the
    country in "Kabul, Afghanistan", "dateline"); "" when it may be one.
    """

    admin_hint: bool = False  # "X province", "province of X": the province, not the town
    city_hint: bool = False  # "X, the provincial capital", "the city of X": the town
    near: bool = False  # "near X", "outside X", "10 km north of X": geo_precision 2
    excluded: str = ""
    in_phrase: bool = False  # "in X" directly: a country can be the scene only so
    qualifier: str = ""  # "Kabul, Afghanistan": Afghanistan narrows Kabul's candidates
    article: bool = False  # "the Red Sea", "the Sahel": a region or a water, not a province
    locative: bool = False  # "at X", "between X and Y", "towards X": words that expect a place


_NUM = (
    r"\d[\d,.]*|a\s+few|a\s+dozen|one|two|three|four|five|six|seven|eight|nine|ten|twenty"
    r"|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred"
)
_DISTANCE_BEFORE = re.compile(
    rf"(?P<n>{_NUM})\s*(?:-|\s)?(?P<unit>kilomet(?:er|re)s?|km|miles?|mi)\b(?:\s*\([^)]*\))?\s+"
    r"(?:\w+\s+){0,2}?(?:of|from)\s+(?:the\s+)?(?:(?:city|town|province)\s+of\s+)?$",
    re.IGNORECASE,
)
# "near X", "outside X", "north of X": close to the place, not in it (geo_precision 2). An
# adjective ("the southwestern city of Zaranj", "northern Kunduz") names the place itself.
_NEAR_BEFORE = re.compile(
    r"\b(?:near|nearby|outside|around|close\s+to|on\s+the\s+outskirts\s+of|(?:in\s+)?the\s+"
    r"outskirts\s+of|(?:north|south|east|west)(?:-?(?:east|west))?\s+of)\s+(?:the\s+)?"
    r"(?:(?:city|town)\s+of\s+)?$",
    re.IGNORECASE,
)
_BORDERS_BEFORE = re.compile(
    r"\b(?:border(?:s|ed|ing)?|neighbou?r(?:s|ed|ing)?|adjacent\s+to)(?:\s+with)?\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_CAPITAL_OF_BEFORE = re.compile(
    r"\bcapital(?:\s+city)?\s+of\s+(?:the\s+)?(?:\w+\s+)?$|\b(?:governor|police\s+chief|"
    r"spokes(?:man|woman|person))\s+(?:of|for)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_CAPITAL_AFTER = re.compile(r"^['’]s\s+(?:\w+\s+)?capital(?:\s+city)?\b", re.IGNORECASE)
_METONYMY_AFTER = re.compile(
    r"^(?:\s+(?:has|have|had|also|again|on\s+\w+|would|will|may|could))*\s+(?:said|says|warned|"
    r"warns|urged|urges|condemned|condemns|announced|denied|denies|accused|accuses|insisted|"
    r"rejected|rejects|welcomed|welcomes|responded|demanded|threatened|vowed|believes|hopes|"
    r"wants|pledged|promised|critici[sz]ed|sanctioned|imposed|called|expressed|signalled|"
    r"signaled|stated|declared|blamed|protested|summoned|expelled|recalled)\b",
    re.IGNORECASE,
)
_AFFIX_AFTER = re.compile(
    r"^-(?:based|led|backed|born|bound|made|registered|allied|aligned|sponsored|funded)\b"
)
_POSSESSIVE_INSTITUTION_AFTER = re.compile(
    r"^['’]s\s+(?:\w+\s+){0,2}?(?:government|ministry|ministers?|embassy|envoy|ambassador|"
    r"president|officials|leaders?|leadership|spokes\w+|position|stance|policy|decision|"
    r"delegation|diplomats?|intelligence|agenda|offer|plan|allies|support|role)\b",
    re.IGNORECASE,
)
_ADMIN_AFTER = re.compile(r"^\s+(?:province|provinces|oblast|region|governorate|state)\b", re.I)
_ADMIN_BEFORE = re.compile(
    r"\b(?:province|oblast|region|governorate)\s+of\s+$|\bprovinces\s+(?:of|including|like"
    r"|such\s+as)\s+(?:[\w’'-]+(?:,\s+|\s+and\s+))*$",
    re.IGNORECASE,
)
_CITY_AFTER = re.compile(
    r"^,\s+(?:the|a)\s+(?:\w+\s+){0,2}?(?:provincial\s+capital|capital|city|town)\b|^\s+city\b",
    re.IGNORECASE,
)
_CITY_BEFORE = re.compile(
    r"\b(?:(?:provincial\s+)?capital|city|town|village),?\s+$|\b(?:city|town|village)\s+of\s+$",
    re.IGNORECASE,
)
_IN_BEFORE = re.compile(r"\b(?:in|inside|across|throughout)\s+(?:the\s+)?$", re.IGNORECASE)
_LIST_GAP = re.compile(r"^(?:,\s*|,?\s+(?:and|or|&)\s+)$")


def mention_roles(
    text: str,
    mentions: tuple[PlaceMention, ...],
    *,
    sentences: tuple[Sentence, ...],
    dateline: tuple[int, int] | None = None,
) -> tuple[MentionRole, ...]:
    """What the words around each mention say: province or town, near, or no scene at all."""
    roles = [_role(text, m, sentences[m.sentence_index].start, dateline) for m in mentions]
    # Members of a list ("in Badakhshan, Ghazni, Helmand, and Kandahar") share a province hint
    # and a metonymy ("Washington and London warned") with each other.
    for group in _lists(text, mentions):
        if any(roles[i].admin_hint or _only_admin1(mentions[i]) for i in group):
            for i in group:
                roles[i] = _replace(roles[i], admin_hint=not roles[i].city_hint)
        last = roles[group[-1]]
        if last.excluded == "metonymy":
            for i in group:
                roles[i] = _replace(roles[i], excluded=roles[i].excluded or "metonymy")
        if roles[group[0]].in_phrase:
            for i in group:
                roles[i] = _replace(roles[i], in_phrase=True)
        if roles[group[0]].locative:
            for i in group:
                roles[i] = _replace(roles[i], locative=True)
    # "Kabul, Afghanistan": a country right after a place qualifies it and is no scene itself.
    for i in range(len(mentions) - 1):
        here, then = mentions[i], mentions[i + 1]
        country = _only_country(then)
        if country and text[here.end : then.start] == ", " and not _only_country(here):
            roles[i] = _replace(roles[i], qualifier=country)
            roles[i + 1] = _replace(roles[i + 1], excluded="qualifier")
    return tuple(roles)


_THE_BEFORE = re.compile(r"\bthe\s+$", re.IGNORECASE)
_LOCATIVE_BEFORE = re.compile(
    r"\b(?:in|at|near|between|towards?|outside|around|across|into|from|through|via|"
    r"(?:town|city|village|district|province|region)\s+of)\s+(?:the\s+)?$",
    re.IGNORECASE,
)


def _role(
    text: str, mention: PlaceMention, sentence_start: int, dateline: tuple[int, int] | None
) -> MentionRole:
    before = text[max(sentence_start, mention.start - 80) : mention.start]
    tail = text[mention.end : mention.end + 80]
    after = tail[2:] if tail[:2] in {"'s", "’s"} else tail
    excluded = ""
    near = False
    if dateline and dateline[0] <= mention.start < dateline[1]:
        excluded = "dateline"
    elif distance := _DISTANCE_BEFORE.search(before):
        if _km(distance.group("n"), distance.group("unit")) <= 25 and not re.search(
            r",\s*(?:about|some|around|roughly|nearly)?\s*$", before[: distance.start()]
        ):
            near = True
        else:
            excluded = "distance"
    elif _BORDERS_BEFORE.search(before):
        excluded = "borders"
    elif _CAPITAL_OF_BEFORE.search(before) or _CAPITAL_AFTER.match(tail):
        excluded = "capital of"
    elif _METONYMY_AFTER.match(after) or _AFFIX_AFTER.match(tail):
        excluded = "metonymy"
    elif _POSSESSIVE_INSTITUTION_AFTER.match(tail):
        excluded = "possessive"
    near = not excluded and (near or bool(_NEAR_BEFORE.search(before)))
    return MentionRole(
        admin_hint=bool(_ADMIN_AFTER.match(after) or _ADMIN_BEFORE.search(before)),
        city_hint=bool(_CITY_AFTER.match(after) or _CITY_BEFORE.search(before)),
        near=near,
        excluded=excluded,
        in_phrase=bool(_IN_BEFORE.search(before)),
        article=bool(_THE_BEFORE.search(before)),
        locative=bool(_LOCATIVE_BEFORE.search(before)),
    )


def _lists(text: str, mentions: tuple[PlaceMention, ...]) -> list[list[int]]:
    groups: list[list[int]] = []
    for i, mention in enumerate(mentions):
        if (
            groups
            and groups[-1][-1] == i - 1
            and mentions[i - 1].sentence_index == mention.sentence_index
            and _LIST_GAP.match(text[mentions[i - 1].end : mention.start])
        ):
            groups[-1].append(i)
        else:
            groups.append([i])
    return [g for g in groups if len(g) > 1]


def _only_admin1(mention: PlaceMention) -> bool:
    return {c.kind for c in mention.candidates} == {"admin1"}


def _only_country(mention: PlaceMention) -> str:
    kinds = {c.kind for c in mention.candidates}
    return mention.candidates[0].country_code if kinds == {"country"} else ""


def _km(number: str, unit: str) -> float:
    words = {"a few": 3, "a dozen": 12, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
    words |= {"six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "twenty": 20}
    raw = number.lower().replace(",", "")
    try:
        value = float(raw)
    except ValueError:
        value = float(words.get(raw, 100))
    return value * (1.609 if unit.lower().startswith("mi") else 1.0)


def _replace(role: MentionRole, **changes: Any) -> MentionRole:
    return replace(role, **changes)
