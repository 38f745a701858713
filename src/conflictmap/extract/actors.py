"""Who acts in a sentence: named armed groups, state forces by demonym, civilians; and demonyms."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

from conflictmap.lexicon import country_names, demonyms

# Demonyms by ISO 3166-1 alpha-2 code. They give an article its country focus ("Afghan forces"
# is about Afghanistan) but never a place to pin an event on.
DEMONYMS: dict[str, tuple[str, ...]] = demonyms()
_DEMONYM_CODE = {word: code for code, words in DEMONYMS.items() for word in words}
_DEMONYM = re.compile(
    r"(?<![\w.])("
    + "|".join(re.escape(w) for w in sorted(_DEMONYM_CODE, key=len, reverse=True))
    + r")(?![\w-])"
)

_FORCE_WORDS = (
    r"(?:(?:security|government|armed|special|military|national|defence|defense|border|ground|"
    r"air|elite|regular)\s+)*(?:forces|troops|army|military|soldiers|commandos|air\s+force|navy|"
    r"artillery|jets|warplanes|bombers|aircraft|drones?|units|marines|missiles?|rockets?|"
    r"air\s*strikes?|strikes|shelling|bombardment)"
)
_STATE_FORCES = re.compile(
    r"\b(?:(?:pro-)?government|security|state|regime)\s+(?:forces|troops)\b|\b(?:the\s+)?(?:army|"
    r"troops|soldiers|commandos)\b",
    re.IGNORECASE,
)
_ANAPHORA = re.compile(
    r"\b(?:the|its)\s+(?:(?:armed|militant|insurgent|extremist|islamist|hardline)\s+)?"
    r"(?:group|movement|organi[sz]ation|militants|insurgents|fighters|rebels)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class ActorMention:
    """An actor named in a sentence, canonicalised in ACLED's style, with its span."""

    name: str  # "Taliban", "Military Forces of Afghanistan"
    category: str  # state, rebel, civilians, protesters, unidentified
    start: int
    end: int
    surface: str
    referred: bool = False  # "the armed group": the article's main armed actor, by reference


@dataclass(frozen=True, slots=True)
class _Pattern:
    pattern: re.Pattern[str]
    category: str
    name: Callable[[re.Match[str], str | None], str | None]


def _fixed(name: str) -> Callable[[re.Match[str], str | None], str | None]:
    return lambda _match, _country: name


def _of_focus(template: str) -> Callable[[re.Match[str], str | None], str | None]:
    return lambda _match, country: template.format(country=country) if country else None


def _of_demonym(template: str) -> Callable[[re.Match[str], str | None], str | None]:
    def name(match: re.Match[str], _country: str | None) -> str | None:
        code = _DEMONYM_CODE[match.group("demonym")]
        return template.format(country=_COUNTRY_NAMES.get(code, code))

    return name


def _demonym_group() -> str:
    words = sorted(_DEMONYM_CODE, key=len, reverse=True)
    return r"(?P<demonym>" + "|".join(re.escape(w) for w in words) + r")"


_COUNTRY_NAMES: dict[str, str] = country_names()


def _named_groups() -> tuple[_Pattern, ...]:
    """The named armed actors of data/armed_groups.tsv, in its order, with ACLED's names."""
    table = resources.files("conflictmap.extract") / "data" / "armed_groups.tsv"
    rows = [
        line.split("\t")
        for line in table.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ][1:]
    return tuple(
        _Pattern(re.compile(rf"\b(?:{pattern})(?![\w-])"), category, _fixed(name))
        for pattern, name, category, *_ in rows
    )


# Earlier patterns win where spans overlap: named groups, then forces by demonym, then generic.
_PATTERNS: tuple[_Pattern, ...] = (
    *_named_groups(),
    _Pattern(
        re.compile(rf"\b{_demonym_group()}(?:-led)?\s+{_FORCE_WORDS}\b"),
        "state",
        _of_demonym("Military Forces of {country}"),
    ),
    _Pattern(
        re.compile(rf"\b{_demonym_group()}\s+(?:national\s+)?police\b"),
        "state",
        _of_demonym("Police Forces of {country}"),
    ),
    _Pattern(
        re.compile(rf"\b{_demonym_group()}\s+(?:government|authorities|officials)\b"),
        "state",
        _of_demonym("Government of {country}"),
    ),
    _Pattern(re.compile(r"\bpolice\b", re.I), "state", _of_focus("Police Forces of {country}")),
    _Pattern(_STATE_FORCES, "state", _of_focus("Military Forces of {country}")),
    _Pattern(
        re.compile(r"\b(?:the\s+)?(?:government|authorities)\b", re.IGNORECASE),
        "state",
        _of_focus("Government of {country}"),
    ),
    _Pattern(
        re.compile(
            r"\b(?:unidentified|unknown)\s+(?:armed\s+)?(?:gunmen|men|attackers|assailants)\b"
            r"|\b(?:gunmen|suicide\s+bombers?|attackers|assailants)\b",
            re.I,
        ),
        "unidentified",
        _of_focus("Unidentified Armed Group ({country})"),
    ),
    _Pattern(
        re.compile(r"\b(?:protesters|protestors|demonstrators)\b", re.I),
        "protesters",
        _of_focus("Protesters ({country})"),
    ),
    _Pattern(
        re.compile(
            r"\b(?:civilians?|residents|villagers|worshippers|passengers|children|students"
            r"|shoppers|farmers|journalists?)\b",
            re.I,
        ),
        "civilians",
        _of_focus("Civilians ({country})"),
    ),
)


def find_actors(
    sentence: str, *, country: str | None = None, main_actor: str | None = None
) -> tuple[ActorMention, ...]:
    """The actors named in ``sentence``, in order of appearance, one per span.

    ``country`` (the article's focus, an English name) fills generic actors ("security forces"
    → "Military Forces of Afghanistan"); ``main_actor`` is what "the armed group" refers to.
    """
    found: list[ActorMention] = []
    taken: list[tuple[int, int]] = []
    for entry in _PATTERNS:
        for match in entry.pattern.finditer(sentence):
            if any(a < match.end() and match.start() < b for a, b in taken):
                continue
            name = entry.name(match, _acled_country(country))
            if name is None:
                continue
            found.append(ActorMention(name, entry.category, *match.span(), match.group(0)))
            taken.append(match.span())
    return with_references(tuple(found), sentence, main_actor=main_actor)


def with_references(
    actors: tuple[ActorMention, ...], sentence: str, *, main_actor: str | None
) -> tuple[ActorMention, ...]:
    """``actors`` plus "the armed group", "the militants" read as ``main_actor``, in order."""
    found = list(actors)
    if main_actor:
        for match in _ANAPHORA.finditer(sentence):
            if not any(a.start < match.end() and match.start() < a.end for a in actors):
                found.append(
                    ActorMention(main_actor, "rebel", *match.span(), match.group(0), referred=True)
                )
    return tuple(sorted(found, key=lambda actor: actor.start))


def find_demonyms(text: str) -> tuple[tuple[str, int, int], ...]:
    """Every demonym in ``text`` as (ISO alpha-2 code, start, end): country context, no place."""
    return tuple((_DEMONYM_CODE[m.group(1)], m.start(), m.end()) for m in _DEMONYM.finditer(text))


def _acled_country(country: str | None) -> str | None:
    if country is None:
        return None
    for name in _COUNTRY_NAMES.values():
        if name.removeprefix("the ") == country.removeprefix("the "):
            return name
    return country
