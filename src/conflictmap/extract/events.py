"""What happened in a sentence: ACLED event and sub-event type from trigger words; fatalities."""

from __future__ import annotations

import re
from dataclasses import dataclass

from conflictmap.lexicon import NUMBER_PATTERN, number_value
from conflictmap.models import SUB_EVENT_TYPES

# Trigger words by ACLED sub-event type, most specific first: where two overlap, the earlier
# wins ("suicide car bomb" is a suicide bomb, not an IED). The event type follows from
# models.SUB_EVENT_TYPES, so nothing outside ACLED's taxonomy can be produced.
_TRIGGERS: tuple[tuple[str, str], ...] = (
    ("Suicide bomb", r"suicide\s+(?:car\s+|truck\s+|vest\s+)?(?:bomb\w*|attack\w*|blast\w*)"
     r"|blew\s+(?:himself|herself|themselves)\s+up|self-detonat\w+"),
    ("Air/drone strike", r"air\s*strikes?|air\s*raids?|drone\s+(?:strikes?|attacks?)|warplanes?"
     r"|(?:aerial|air)\s+(?:bombardment|attacks?)|bombing\s+raids?|helicopter\s+gunships?"),
    ("Remote explosive/landmine/IED", r"roadside\s+bombs?|(?:improvised\s+)?explosive\s+devices?"
     r"|IEDs?|land\s*mines?|car\s+bombs?|magnetic\s+bombs?|sticky\s+bombs?|mine\s+blasts?"
     r"|bomb\s+(?:blasts?|explosions?|attacks?)|explosions?|blasts?|bomb(?:s|ed|ing)?"),
    ("Shelling/artillery/missile attack", r"shell(?:s|ed|ing)|artillery|missiles?|rockets?"
     r"|mortars?|bombard(?:ed|ment)"),
    ("Grenade", r"grenades?"),
    ("Government regains territory", r"re-?took|re-?taken|re-?take|recaptur\w+|regain\w*"
     r"|liberat(?:ed|ion|ing)|took\s+back|taken\s+back|(?:re)?gained\s+control"),
    ("Non-state actor overtakes territory", r"storm(?:ed|ing)|seiz(?:e|ed|es|ing|ure)"
     r"|captur(?:e|ed|es|ing)|over-?r(?:an|un|uns|unning)|fell\s+to|falls?\s+to|fall\s+of"
     r"|(?:took|taken|take|takes|taking|seized|gained|assumed|has)\s+(?:full\s+)?control"
     r"|(?:took|taken|take|takes|taking)\s+over|under\s+(?:\w+\s+)?control"
     r"|(?-i:(?:took|take|takes|taking|entered|overwhelmed)"
     r"(?=\s+(?:the\s+(?:city|town)\s+of\s+)?[A-Z]))"),
    ("Abduction/forced disappearance", r"abduct\w*|kidnap\w*|hostages?"),
    ("Arrests", r"arrest(?:s|ed|ing)?|apprehend(?:s|ed|ing)?|detain(?:s|ed|ing)?|detention"
     r"|taken\s+into\s+custody"),
    ("Armed clash", r"clash(?:es|ed|ing)?|fight(?:ing|s)?|fought|battl(?:e|es|ed|ing)"
     r"|gun\s*fights?|fire\s*fights?|exchange\s+of\s+fire|offensives?|assault(?:s|ed)?"
     r"|attack(?:s|ed|ing)?|ambush(?:ed|es)?|besieg\w+|siege|advanc(?:e|ed|es|ing)"
     r"|repel(?:led|s)?|counter-?offensive|skirmish\w*"),
    ("Attack", r"killed|killing|kills|shot\s+dead|gunned\s+down|murder(?:ed|s)?|execut(?:ed|ions?)"
     r"|massacre[sd]?|beheaded|bodies\s+of\s+(?:\w+\s+){0,3}?(?:were|was)\s+(?:found|discovered)"),
    ("Excessive force against protesters", r"(?:fired|opened\s+fire|shot)\s+(?:live\s+"
     r"(?:rounds|ammunition|bullets)\s+)?(?:on|at|into)\s+(?:the\s+)?(?:\w+\s+)?"
     r"(?:protesters|demonstrators|crowds?|marchers)"),
    ("Protest with intervention", r"dispers(?:ed|ing|e)\s+(?:the\s+)?(?:\w+\s+)?(?:protesters"
     r"|demonstrators|crowds?|rally|march)|tear\s*gas|water\s+cannons?"),
    ("Mob violence", r"mobs?|lynch(?:ed|ing)"),
    ("Violent demonstration", r"riot(?:s|ed|ing|ers)?|set\s+(?:tyres|tires|cars|vehicles)\s+"
     r"(?:alight|ablaze|on\s+fire)|(?:hurled|threw|pelted)\s+(?:\w+\s+)?(?:stones|rocks"
     r"|petrol\s+bombs|molotov)"),
    ("Peaceful protest", r"protest(?:s|ed|ing|ers)?|demonstrat(?:ion|ions|ors|ed)|rall(?:y|ies)"
     r"|sit-ins?"),
    ("Looting/property destruction", r"loot(?:ed|ing)|torch(?:ed|ing)|set\s+fire|burn(?:ed|t)"),
    ("Non-violent transfer of territory", r"withdr(?:ew|awn|awal)|pull(?:ed)?\s+out"
     r"|surrender(?:ed|s)?|handed\s+over|retreat(?:ed|s)?|abandon(?:ed|s)?|slipped\s+out\s+of"),
    ("Headquarters or base established", r"(?:set\s+up|established?)\s+(?:a\s+)?(?:base|"
     r"headquarters)"),
    ("Agreement", r"talks|deal|offer(?:s|ed)?|cease-?fire|truce|agreement|agreed|negotiat\w+"
     r"|meeting|met\s+with|meets?|summit|peace\s+(?:plan|process|deal)|accord|signed"
     r"|power-sharing"),
    ("Other", r"actions|operations?|evacuat\w+|fled|flee(?:ing)?|deploy\w*|reinforcements"
     r"|curfew|blockade"),
)  # fmt: skip
# Words that tie a place to something said or written, not done: "remarks in Doha",
# "officials in Kabul said".
_NON_EVENT = (
    r"said|says|say|told|tells|stated|statement|remarks|comments|warned|urged|condemned"
    r"|reported|reports|according|denied|confirmed|based|born|visited|visit|hosts|speech"
    r"|interview|embassy|consulate|envoy|ambassador"
)
# One alternation with a single word boundary and a letter lookahead up front: three times
# faster than a boundary per branch, which matters at every character of every article.
_TRIGGER_RE = re.compile(
    r"\b(?=[a-zA-Z])(?:"
    + "|".join(rf"(?P<t{i}>{pattern})" for i, (_sub, pattern) in enumerate(_TRIGGERS))
    + rf"|(?P<none>{_NON_EVENT}))\b",
    re.IGNORECASE,
)
_CAPTURE = "Non-state actor overtakes territory"
_REGAIN = "Government regains territory"
_ARMED = frozenset({"state", "rebel", "unidentified"})

# Vague counts the number words do not cover; ACLED's codebook: "dozens" 12, "scores" 20,
# "hundreds" 100 (lexicon.VAGUE_COUNTS); "several"/"many" as 10 is this project's reading.
_VAGUE = {"a": 1, "an": 1, "several": 10, "many": 10}
_NUMBER = (
    rf"(?P<n>{NUMBER_PATTERN}(?:\s+of)?|several|many|an?(?=\s+(?:\w+\s+)?"
    r"(?:soldier|civilian|child|person|man|woman|boy|girl|officer|guard|member|fighter|militant"
    r"|policeman)\b))"
)
_QUALIFIER = r"(?:(?:at\s+least|more\s+than|over|some|about|around|nearly|almost|up\s+to)\s+)?"
_WHO = r"(?:\s+(?:[\w-]+\s+){0,2}?(?:people|persons|civilians|soldiers|troops|fighters|militants"
_WHO += r"|insurgents|members|police(?:men)?|officers|children|women|men|residents|others"
_WHO += r"|worshippers|servicemen|guards|staff|workers|students|passengers|villagers"
_WHO += r"|protesters|demonstrators|combatants|policeman|soldier|civilian|child|person|man"
_WHO += r"|woman|boy|girl|officer|guard|member|fighter|militant))?"
_FATALITIES: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        rf"\b(?:killed|killing|kills|left|leaving)\s+{_QUALIFIER}{_NUMBER}{_WHO}"
        r"(?!\s+(?:injured|wounded|hurt))",
        rf"\b{_QUALIFIER}{_NUMBER}{_WHO}\s+(?:were|was|have\s+been|had\s+been|are|being)?\s*"
        r"(?:killed|dead|died|slain|shot\s+dead|executed|lost\s+their\s+lives)",
        rf"\bdeath\s+toll\s+(?:\w+\s+){{0,3}}?(?:to|at|of)\s+{_QUALIFIER}{_NUMBER}",
        rf"\b{_QUALIFIER}{_NUMBER}\s+(?:dead|deaths|fatalities)\b",
    )
)
_NO_DEATHS = re.compile(
    r"\bno\s+(?:one|casualties|deaths|fatalities)\b|\bnobody\s+was\s+killed", re.I
)


@dataclass(frozen=True, slots=True)
class Trigger:
    """A word that says what kind of event a sentence reports, or that nothing was done."""

    text: str
    start: int
    end: int
    event_type: str  # "" for a non-event cue ("said", "remarks")
    sub_event_type: str

    @property
    def is_event(self) -> bool:
        return bool(self.event_type)


def find_triggers(text: str) -> tuple[Trigger, ...]:
    """Every event trigger and non-event cue in ``text``, in order."""
    found: list[Trigger] = []
    for match in _TRIGGER_RE.finditer(text):
        group = match.lastgroup or "none"
        if group == "none":
            found.append(Trigger(match.group(0), match.start(), match.end(), "", ""))
            continue
        sub = _TRIGGERS[int(group[1:])][0]
        found.append(Trigger(match.group(0), match.start(), match.end(), SUB_EVENT_TYPES[sub], sub))
    return tuple(found)


def event_type_for(
    trigger: Trigger, *, actor_category: str = "", target_category: str = ""
) -> tuple[str, str]:
    """ACLED (event_type, sub_event_type) for a trigger, given who acted and on whom.

    Territory changes depend on the actor: state forces taking a town is a clash (or the
    government regaining it); a non-state group retaking one still overtakes territory; killing
    between armed groups is a clash, an attack on civilians is violence against civilians.
    """
    sub = trigger.sub_event_type
    if sub == _CAPTURE and actor_category == "state":
        sub = "Armed clash"
    elif sub == _REGAIN and actor_category in {"rebel", "unidentified"}:
        sub = _CAPTURE
    elif sub == "Armed clash" and target_category == "civilians":
        sub = "Attack"
    elif sub == "Attack" and actor_category in _ARMED and target_category in _ARMED:
        sub = "Armed clash"
    return SUB_EVENT_TYPES[sub], sub


# A count above this is a misreading (a year, a sum of money), never one event's deaths.
MAX_FATALITIES = 1_000_000
_MONTH_BEFORE = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+$", re.IGNORECASE
)


def find_fatalities(sentence: str) -> int:
    """Deaths reported in a sentence ("killed 12", "at least 5 people were killed"), else 0."""
    if _NO_DEATHS.search(sentence):
        return 0
    best = 0
    for pattern in _FATALITIES:
        for match in pattern.finditer(sentence):
            if _MONTH_BEFORE.search(sentence, 0, match.start("n")):
                continue  # "the blast on August 12 killed 5": 12 is a day, not a count
            best = max(best, _number(match.group("n")))
    return best


def _number(raw: str) -> int:
    words = " ".join(raw.lower().split()).removesuffix(" of")
    value = number_value(words)
    if value is None:
        value = _VAGUE.get(words, 0)
    return min(value, MAX_FATALITIES)
