"""Date phrases in a sentence, and their resolution against the publication date."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

import dateparser

from conflictmap.ingest.celldates import MONTHS
from conflictmap.models import ResolvedDate, TimePrecision

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip

# Month names are matched case-sensitively so "may" the verb and "march" the walk stay words.
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d{2}"
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_LEAD = r"(?:(?i:on|in|since|during|by|until|from|between)\s+)?"
_PART = r"(?:\s+(?:morning|afternoon|evening|night))?"
_QUANTITY = r"(?:\d{1,2}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_SOME = r"(?i:early|mid|late)[- ]"

# Most specific first: a later pattern never matches inside an earlier one's span. Scoped
# (?i:...) groups keep lead words case-blind while month and weekday names stay capitalised.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("explicit", rf"\b{_LEAD}(?:{_WEEKDAY},?\s+)?{_YEAR}-[01]\d-[0-3]\d\b"),
        (
            "explicit",
            rf"\b{_LEAD}(?:{_WEEKDAY},?\s+)?(?:the\s+)?{_DAY}(?:\s+of)?\s+{_MONTH}"
            rf"(?:,?\s+{_YEAR})?\b",
        ),
        ("explicit", rf"\b{_LEAD}(?:{_WEEKDAY},?\s+)?{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?\b(?!:)"),
        ("month_year", rf"\b{_LEAD}(?:{_SOME})?{_MONTH},?\s+{_YEAR}\b"),
        (
            "month",
            rf"\b(?:(?i:in|since|during|until|by)\s+(?:{_SOME})?|{_SOME}){_MONTH}\b",
        ),
        ("weekday", rf"\b(?:(?i:on|last|this\s+past|next|since)\s+)?{_WEEKDAY}{_PART}"),
        (
            "day_word",
            r"\b(?i:(?:earlier\s+|late\s+)?(?:yesterday|today|tonight|tomorrow)"
            r"|last\s+night|this\s+(?:morning|afternoon|evening))\b",
        ),
        ("ago", rf"\b(?i:{_QUANTITY}\s+(?:days?|weeks?|months?|years?)\s+ago)\b"),
        (
            "period",
            r"\b(?i:(?:earlier|later|early|late)?\s*(?:last|this|next|past|previous"
            r"|(?:in\s+)?the\s+(?:past|previous))\s+(?:week|month|year))\b",
        ),
        ("period", r"\b(?i:earlier\s+in\s+the\s+(?:week|month|year))\b"),
        (
            "shift",
            rf"\b(?i:(?:a|one|{_QUANTITY})\s+days?\s+(?:earlier|before|later|after)"
            r"|the\s+(?:previous|next|following)\s+day|the\s+day\s+(?:before|after))\b",
        ),
        (
            "year",
            rf"\b(?i:in|since|during|by|until|from|between|early|late)\s+{_YEAR}\b(?![-/,.]?\d)",
        ),
    )
)
# Every pattern needs one of these; most sentences have none and skip the patterns.
_ANY_DATE = re.compile(
    rf"\d|{_MONTH}|(?i:day|night|morning|afternoon|evening|week|month|year|tonight)"
)
# A year joined to a year phrase just found ("in 2015 and 2016", "in 2015, 2016 and 2018").
_MORE_YEARS = re.compile(rf"(?:,\s*|,?\s+(?:and|or|to)\s+)({_YEAR})\b(?![-/]?\d)")


@dataclass(frozen=True, slots=True)
class DatePhrase:
    """Words in a sentence that name a date or a period, with their span in the sentence."""

    text: str
    start: int
    end: int
    kind: str  # explicit, month_year, month, weekday, day_word, ago, period, shift, year


def find_date_phrases(sentence: str) -> tuple[DatePhrase, ...]:
    """Every date phrase in ``sentence``, in order, none overlapping another."""
    found: list[DatePhrase] = []
    taken: list[tuple[int, int]] = []
    if not _ANY_DATE.search(sentence):
        return ()
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(sentence):
            start, end = match.start(), match.end()
            while start < end and sentence[start].isspace():
                start += 1
            if any(a < end and start < b for a, b in taken):
                continue
            found.append(DatePhrase(sentence[start:end], start, end, kind))
            taken.append((start, end))
            if kind == "year":
                cursor = end
                while more := _MORE_YEARS.match(sentence, cursor):
                    found.append(DatePhrase(more.group(1), more.start(1), more.end(1), kind))
                    taken.append((more.start(1), more.end(1)))
                    cursor = more.end()
    return tuple(sorted(found, key=lambda phrase: phrase.start))


def resolve_date(phrase: DatePhrase | str, *, published: date | None) -> ResolvedDate | None:
    """The date a phrase names, against ``published`` for relative ones; ``None`` if it names none.

    Periods are dated at their middle with ``precision`` 2 (a week) or 3 (a month or a year).
    A relative phrase with no publication date gives ``value=None, relative=True``: never a guess.
    """
    if isinstance(phrase, str):
        found = find_date_phrases(phrase)
        if not found:
            return None
        phrase = found[0]
    return _resolve(phrase.text, phrase.kind, published)


@lru_cache(maxsize=4096)
def _resolve(text: str, kind: str, published: date | None) -> ResolvedDate | None:
    words = text.lower().replace(",", " ").replace(".", " ").split()
    if kind == "year":
        year = int(words[-1])
        return ResolvedDate(_by_publication(date(year, 7, 2), date(year, 1, 1), published), 3, text)
    if kind == "month_year":
        value = date(int(words[-1]), _month_of(words), _month_day(words))
        return ResolvedDate(_by_publication(value, value.replace(day=1), published), 3, text)
    if kind == "explicit":
        return _resolve_explicit(text, words, published)
    if published is None:
        return ResolvedDate(None, _relative_precision(kind, words), text, relative=True)
    if kind == "month":
        month = _month_of(words)
        year = published.year if month <= published.month else published.year - 1
        value = date(year, month, _month_day(words))
        return ResolvedDate(
            _by_publication(value, value.replace(day=1), published), 3, text, relative=True
        )
    if kind == "weekday":
        return ResolvedDate(_weekday(words, published), 1, text, relative=True)
    if kind == "day_word":
        return ResolvedDate(_day_word(words, published), 1, text, relative=True)
    if kind == "ago":
        return _ago(words, published, text)
    if kind == "period":
        return _period(words, published, text)
    if kind == "shift":
        return ResolvedDate(_shifted(words, published), 1, text, relative=True)
    return None


def _by_publication(middle: date, start: date, published: date | None) -> date:
    """A period's middle, or the publication date while the period was still running then:
    "in August" in a report of 12 August happened by the 12th, not on the 15th."""
    if published is not None and start <= published < middle:
        return published
    return middle


def _relative_precision(kind: str, words: list[str]) -> TimePrecision:
    if kind == "month" or words[-1] in {"month", "months", "year", "years"} or "months" in words:
        return 3
    if words[-1] == "week" or "weeks" in words:
        return 2
    return 1


def _resolve_explicit(text: str, words: list[str], published: date | None) -> ResolvedDate | None:
    has_year = any(re.fullmatch(_YEAR, word) for word in words) or bool(
        re.search(rf"{_YEAR}-", text)
    )
    if not has_year and published is None:
        return ResolvedDate(None, 1, text, relative=True)
    core = re.sub(r"^(?:on|in|since|during|by|until|from|between)\s+", "", text, flags=re.I)
    base = datetime.combine(published, datetime.min.time()) if published else datetime(2000, 1, 1)
    parsed = dateparser.parse(
        core,
        languages=["en"],
        settings={
            "RELATIVE_BASE": base,
            "PREFER_DATES_FROM": "past",
            "PREFER_DAY_OF_MONTH": "first",
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )
    if parsed is None:
        return None
    value = parsed.date()
    if not has_year and published is not None and value > published + timedelta(days=7):
        # "Dec 30" in a report of Jan 2 is last year's December.
        value = value.replace(year=value.year - 1)
    return ResolvedDate(value, 1, text, relative=not has_year)


def _month_of(words: list[str]) -> int:
    for word in words:
        for part in word.split("-"):
            if part in MONTHS:
                return MONTHS[part]
    raise ValueError(f"no month in {words!r}")


def _month_day(words: list[str] | tuple[str, ...]) -> int:
    """The day standing for a month: the middle, or the 5th/25th for early/late."""
    parts = {part for word in words for part in word.split("-")}
    if "early" in parts:
        return 5
    if "late" in parts:
        return 25
    return 15


def _weekday(words: list[str], published: date) -> date:
    day = next(i for i, name in enumerate(_WEEKDAYS) if name in words)
    back = (published.weekday() - day) % 7
    if "next" in words:
        return published + timedelta(days=(day - published.weekday()) % 7 or 7)
    if "last" in words or "past" in words:
        # "last Thursday" in a Thursday report is a week before, not the same day.
        back = back or 7
    return published - timedelta(days=back)


def _day_word(words: list[str], published: date) -> date:
    if "yesterday" in words or ("last" in words and "night" in words):
        return published - timedelta(days=1)
    if "tomorrow" in words:
        return published + timedelta(days=1)
    return published


def _shifted(words: list[str], published: date) -> date:
    """ "A day earlier", "two days later": counted from the reference date given."""
    count = 1
    if words[0] not in {"the", "a", "one"}:
        count = int(words[0]) if words[0].isdigit() else _NUMBER_WORDS.get(words[0], 1)
    later = bool({"later", "after", "next", "following"} & set(words))
    return published + timedelta(days=count if later else -count)


def _ago(words: list[str], published: date, text: str) -> ResolvedDate:
    count = int(words[0]) if words[0].isdigit() else _NUMBER_WORDS[words[0]]
    unit = words[1].rstrip("s")
    if unit == "day":
        return ResolvedDate(published - timedelta(days=count), 1, text, relative=True)
    if unit == "week":
        return ResolvedDate(published - timedelta(weeks=count), 2, text, relative=True)
    if unit == "month":
        return ResolvedDate(_month_middle(published, -count), 3, text, relative=True)
    return ResolvedDate(date(published.year - count, 7, 2), 3, text, relative=True)


def _period(words: list[str], published: date, text: str) -> ResolvedDate:
    unit = words[-1]
    precision: TimePrecision = 2 if unit == "week" else 3
    back = 1 if {"last", "past", "previous"} & set(words) else 0
    forward = 1 if "next" in words else 0
    if unit == "week" and "the" in words and back:
        # "the past week" is the seven days up to publication: its middle is 3-4 days back.
        return ResolvedDate(published - timedelta(days=3), 2, text, relative=True)
    if not back and not forward:
        # "this month", "earlier this week": the part of the period up to publication.
        start = _period_start(unit, published)
        return ResolvedDate(start + (published - start) / 2, precision, text, relative=True)
    shift = forward - back
    if unit == "week":
        monday = published - timedelta(days=published.weekday()) + timedelta(weeks=shift)
        return ResolvedDate(monday + timedelta(days=3), 2, text, relative=True)
    if unit == "month":
        value = _month_middle(published, shift, words=tuple(words))
        return ResolvedDate(value, 3, text, relative=True)
    return ResolvedDate(date(published.year + shift, 7, 2), 3, text, relative=True)


def _period_start(unit: str, published: date) -> date:
    if unit == "week":
        return published - timedelta(days=published.weekday())
    if unit == "month":
        return published.replace(day=1)
    return published.replace(month=1, day=1)


def _month_middle(published: date, shift: int, *, words: tuple[str, ...] = ()) -> date:
    index = published.year * 12 + published.month - 1 + shift
    return date(index // 12, index % 12 + 1, _month_day(words))
